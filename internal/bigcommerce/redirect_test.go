package bigcommerce

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/bcetl/bcetl/internal/clocktest"
)

// A 3xx from the API URL is never followed, whatever the status, the method
// or whose http.Client the caller passed: the host it points to (here
// plain http, while the API URL may be https) never sees a request, let
// alone the token. The error names the Location without its userinfo,
// query or fragment.
func TestRedirectsAreNeverFollowed(t *testing.T) {
	var elsewhere, withToken atomic.Int32
	other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		elsewhere.Add(1)
		if r.Header.Get(headerAuthToken) != "" {
			withToken.Add(1)
		}
		writeJSON(w, 200, map[string]any{"data": []any{}})
	}))
	t.Cleanup(other.Close)
	otherHost := strings.TrimPrefix(other.URL, "http://")

	redirecting := func(status int, calls *atomic.Int32) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			calls.Add(1)
			w.Header().Set("Location", "http://mallory:pw-in-location@"+otherHost+r.URL.Path+"?token="+testToken+"#frag")
			w.WriteHeader(status)
		})
	}
	for _, tls := range []bool{false, true} {
		for _, status := range []int{301, 302, 303, 307, 308} {
			var calls atomic.Int32
			var api *httptest.Server
			var opts []Option
			var callers *http.Client
			if tls {
				// The caller's own client (it trusts the test
				// certificate): the policy holds for it too, and
				// the caller's value is not changed.
				api = httptest.NewTLSServer(redirecting(status, &calls))
				callers = api.Client()
				opts = append(opts, WithHTTPClient(callers))
			} else {
				api = httptest.NewServer(redirecting(status, &calls))
			}
			clk := clocktest.New(time.Date(2026, 11, 25, 0, 0, 0, 0, time.UTC))
			c, err := NewClient(Config{BaseURL: api.URL + "/stores/abc/v3", Token: testToken}, append(opts, WithClock(clk))...)
			if err != nil {
				t.Fatal(err)
			}
			ctx := context.Background()
			_, _, getErr := c.Customers.List(ctx, nil)
			_, _, postErr := c.Customers.Create(ctx, []CustomerCreate{{Email: "a@b.co", FirstName: "A", LastName: "B"}})
			for _, err := range []error{getErr, postErr} {
				var re *RedirectError
				if !errors.As(err, &re) || re.StatusCode != status {
					t.Fatalf("tls=%v %d: want a RedirectError, got %v", tls, status, err)
				}
				if want := "http://" + otherHost + "/stores/abc/v3/customers"; re.Location != want {
					t.Errorf("tls=%v %d: Location %q, want %q", tls, status, re.Location, want)
				}
				for _, leak := range []string{testToken, "pw-in-location", "mallory", "frag"} {
					if strings.Contains(err.Error(), leak) {
						t.Errorf("tls=%v %d: %q in %q", tls, status, leak, err)
					}
				}
				if IsOutcomeUnknown(err) {
					t.Errorf("tls=%v %d: a redirect is a refusal, not an unknown outcome", tls, status)
				}
			}
			if calls.Load() != 2 {
				t.Errorf("tls=%v %d: %d requests to the API URL, want 2 (a redirect is final, not retried)", tls, status, calls.Load())
			}
			if callers != nil && callers.CheckRedirect != nil {
				t.Errorf("tls=%v %d: the caller's http.Client was changed", tls, status)
			}
			api.Close()
		}
	}
	if elsewhere.Load() != 0 {
		t.Fatalf("the other host got %d requests, %d of them with the token", elsewhere.Load(), withToken.Load())
	}
}
