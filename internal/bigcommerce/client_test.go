package bigcommerce

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/bcetl/bcetl/internal/clocktest"
)

const testToken = "tok-5up3r-s3cr3t-value"

// newTestClient returns a client for a test HTTP server serving h under the
// documented base path, and the fake clock the client sleeps on.
func newTestClient(t *testing.T, h http.HandlerFunc) (*Client, *clocktest.Fake) {
	t.Helper()
	mux := http.NewServeMux()
	mux.Handle("/stores/abc/v3/", h)
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	clk := clocktest.New(time.Date(2026, 11, 25, 0, 0, 0, 0, time.UTC))
	c, err := NewClient(Config{BaseURL: srv.URL + "/stores/{store_hash}/v3", StoreHash: "abc", Token: testToken}, WithClock(clk))
	if err != nil {
		t.Fatal(err)
	}
	return c, clk
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}

func setRate(w http.ResponseWriter, left, quota int, resetMs, windowMs int) {
	w.Header().Set(HeaderRequestsLeft, fmt.Sprint(left))
	w.Header().Set(HeaderRequestsQuota, fmt.Sprint(quota))
	w.Header().Set(HeaderTimeResetMs, fmt.Sprint(resetMs))
	w.Header().Set(HeaderTimeWindowMs, fmt.Sprint(windowMs))
}

func TestRequestShape(t *testing.T) {
	c, _ := newTestClient(t, func(w http.ResponseWriter, r *http.Request) {
		if got := r.Header.Get("X-Auth-Token"); got != testToken {
			t.Errorf("X-Auth-Token %q", got)
		}
		if r.URL.Path != "/stores/abc/v3/customers" {
			t.Errorf("path %s", r.URL.Path)
		}
		// Filters as the documentation writes them.
		if q := r.URL.RawQuery; !strings.Contains(q, "id:in=1,2,3") || !strings.Contains(q, "include=addresses,formfields") ||
			!strings.Contains(q, "date_modified:min=2026-01-02T03:04:05Z") {
			t.Errorf("query %s", q)
		}
		setRate(w, 149, 150, 30000, 30000)
		writeJSON(w, 200, map[string]any{"data": []map[string]any{{"id": 1, "email": "a@b.co", "first_name": "A", "last_name": "B",
			"form_fields": []map[string]any{{"name": "n", "value": json.RawMessage("12345678901234567890.5")}}}},
			"meta": map[string]any{"pagination": map[string]any{"total": 1, "count": 1, "per_page": 50, "current_page": 1, "total_pages": 1}}})
	})
	got, resp, err := c.Customers.List(context.Background(), &CustomerListOptions{
		IDIn: []int64{1, 2, 3}, Include: []string{IncludeAddresses, IncludeFormFields},
		DateModified: DateRange{Min: time.Date(2026, 1, 2, 3, 4, 5, 0, time.FixedZone("x", 3600)).Add(time.Hour)},
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 || got[0].ID != 1 || resp.Meta.Pagination.Total != 1 || !resp.Rate.Known || resp.Rate.Left != 149 {
		t.Fatalf("got %+v, rate %+v", got, resp.Rate)
	}
	// A number form field survives digit for digit.
	if ff := got[0].FormFields[0].Value; ff.Kind != FormValueNumber || ff.Number.String() != "12345678901234567890.5" {
		t.Fatalf("form field value %+v", ff)
	}
}

func TestBatchOverMaximumIsNeverSent(t *testing.T) {
	var calls atomic.Int32
	c, _ := newTestClient(t, func(w http.ResponseWriter, r *http.Request) { calls.Add(1) })
	_, _, err := c.Customers.Create(context.Background(), make([]CustomerCreate, 11))
	var tl *BatchTooLargeError
	if !errors.As(err, &tl) || tl.Max != 10 || tl.Items != 11 {
		t.Fatalf("err %v", err)
	}
	_, _, err = c.AttributeValues.Upsert(context.Background(), make([]AttributeValueUpsert, 11))
	if !errors.As(err, &tl) {
		t.Fatalf("err %v", err)
	}
	if calls.Load() != 0 {
		t.Fatalf("%d requests sent", calls.Load())
	}
}

func TestRateLimited429WaitsForResetThenSucceeds(t *testing.T) {
	var calls atomic.Int32
	c, clk := newTestClient(t, func(w http.ResponseWriter, r *http.Request) {
		if calls.Add(1) == 1 {
			setRate(w, 0, 150, 27000, 30000)
			writeJSON(w, 429, ErrorBody{Status: 429, Title: "Too many requests"})
			return
		}
		setRate(w, 149, 150, 30000, 30000)
		writeJSON(w, 200, map[string]any{"data": []any{}})
	})
	_, _, err := c.Customers.List(context.Background(), nil)
	if err != nil {
		t.Fatal(err)
	}
	if calls.Load() != 2 {
		t.Fatalf("%d calls", calls.Load())
	}
	if s := clk.Slept(); s < 27*time.Second || s > 28*time.Second {
		t.Fatalf("slept %v, want the 27 s the reset header said", s)
	}
	if c.Stats().RateLimited.Load() != 1 || c.Stats().Retries.Load() != 1 {
		t.Fatalf("stats %d 429s %d retries", c.Stats().RateLimited.Load(), c.Stats().Retries.Load())
	}
}

func TestRepeated429sBackOffBeyondTheReset(t *testing.T) {
	var calls atomic.Int32
	c, clk := newTestClient(t, func(w http.ResponseWriter, r *http.Request) {
		if calls.Add(1) <= 3 {
			setRate(w, 0, 150, 1000, 30000)
			writeJSON(w, 429, ErrorBody{Status: 429, Title: "Too many requests"})
			return
		}
		writeJSON(w, 200, map[string]any{"data": []any{}})
	})
	if _, _, err := c.Customers.List(context.Background(), nil); err != nil {
		t.Fatal(err)
	}
	// 3 resets of 1 s, plus backoff for the two repeats.
	if s := clk.Slept(); s <= 3*time.Second {
		t.Fatalf("slept %v; repeats must back off beyond the reset", s)
	}
}

func Test429WithoutHeadersIsPlatformLoadBackoff(t *testing.T) {
	var calls atomic.Int32
	c, clk := newTestClient(t, func(w http.ResponseWriter, r *http.Request) {
		if calls.Add(1) <= 4 {
			w.WriteHeader(429)
			return
		}
		writeJSON(w, 200, map[string]any{"data": []any{}})
	})
	if _, _, err := c.Customers.List(context.Background(), nil); err != nil {
		t.Fatal(err)
	}
	// Exponential: 250ms..4s in total with jitter in [d/2, d].
	base := DefaultRetryPolicy.BaseDelay
	minTotal := (base + 2*base + 4*base + 8*base) / 2
	if s := clk.Slept(); s < minTotal || s > 15*base {
		t.Fatalf("slept %v, want exponential backoff ≥ %v", s, minTotal)
	}
	if st := c.Pacer().State(); st.Known {
		t.Fatal("a 429 without headers must not be taken as quota information")
	}
}

func TestIdempotentRequestsRetry5xx(t *testing.T) {
	var calls atomic.Int32
	c, _ := newTestClient(t, func(w http.ResponseWriter, r *http.Request) {
		if calls.Add(1) <= 2 {
			w.WriteHeader(http.StatusBadGateway)
			return
		}
		writeJSON(w, 200, map[string]any{"data": []map[string]any{{"attribute_id": 1, "attribute_value": "x", "customer_id": 2}}})
	})
	got, _, err := c.AttributeValues.Upsert(context.Background(), []AttributeValueUpsert{{AttributeID: 1, Value: "x", CustomerID: 2}})
	if err != nil || len(got) != 1 || calls.Load() != 3 {
		t.Fatalf("got %v err %v after %d calls", got, err, calls.Load())
	}
}

func TestPostAfter5xxIsOutcomeUnknownAndNotRetried(t *testing.T) {
	var calls atomic.Int32
	c, _ := newTestClient(t, func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		w.WriteHeader(http.StatusServiceUnavailable)
	})
	_, _, err := c.Customers.Create(context.Background(), []CustomerCreate{{Email: "a@b.co", FirstName: "A", LastName: "B"}})
	if !IsOutcomeUnknown(err) {
		t.Fatalf("want OutcomeUnknownError, got %v", err)
	}
	if calls.Load() != 1 {
		t.Fatalf("POST sent %d times", calls.Load())
	}
}

func TestPostCutOffMidResponseIsOutcomeUnknown(t *testing.T) {
	var calls atomic.Int32
	c, _ := newTestClient(t, func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		io.Copy(io.Discard, r.Body)
		conn, buf, err := w.(http.Hijacker).Hijack()
		if err != nil {
			t.Error(err)
			return
		}
		buf.WriteString("HTTP/1.1 200 OK\r\nContent-Length: 500\r\nContent-Type: application/json\r\n\r\n{\"data\":[")
		buf.Flush()
		conn.Close()
	})
	_, _, err := c.Customers.Create(context.Background(), []CustomerCreate{{Email: "a@b.co", FirstName: "A", LastName: "B"}})
	if !IsOutcomeUnknown(err) || calls.Load() != 1 {
		t.Fatalf("err %v after %d calls", err, calls.Load())
	}
}

func TestPostThatNeverConnectedIsRetriedNotUnknown(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close() // nothing listens: connection refused
	clk := clocktest.New(time.Now())
	c, err := NewClient(Config{BaseURL: "http://" + addr + "/stores/abc/v3", Token: testToken}, WithClock(clk),
		WithRetryPolicy(RetryPolicy{MaxRetries: 2, MaxRateLimitRetries: 2, BaseDelay: time.Millisecond, MaxDelay: time.Millisecond}))
	if err != nil {
		t.Fatal(err)
	}
	_, _, err = c.Customers.Create(context.Background(), []CustomerCreate{{Email: "a@b.co", FirstName: "A", LastName: "B"}})
	if err == nil || IsOutcomeUnknown(err) {
		t.Fatalf("want a plain connection error, got %v", err)
	}
	if c.Stats().Requests.Load() != 3 {
		t.Fatalf("%d attempts, want 3", c.Stats().Requests.Load())
	}
}

func Test422IsTypedWithFieldErrorsAndNotRetried(t *testing.T) {
	var calls atomic.Int32
	c, _ := newTestClient(t, func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		writeJSON(w, 422, ErrorBody{Status: 422, Title: "Create customers failed.", Type: "/api-docs/getting-started/api-status-codes",
			Errors: map[string]string{"[1].email": "already in use"}})
	})
	_, _, err := c.Customers.Create(context.Background(), []CustomerCreate{{Email: "a@b.co"}, {Email: "b@b.co"}})
	var er *ErrorResponse
	if !errors.As(err, &er) || er.StatusCode != 422 || er.Body.Errors["[1].email"] != "already in use" {
		t.Fatalf("err %#v", err)
	}
	if !strings.Contains(err.Error(), "POST /customers: 422 Create customers failed.: [1].email: already in use") {
		t.Fatalf("message %q", err)
	}
	if calls.Load() != 1 {
		t.Fatalf("%d calls", calls.Load())
	}
}

func TestErrorBodyIsReadWithALimit(t *testing.T) {
	c, _ := newTestClient(t, func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(400)
		w.Write([]byte(strings.Repeat("x", 5<<20)))
	})
	_, _, err := c.Customers.List(context.Background(), nil)
	var er *ErrorResponse
	if !errors.As(err, &er) || len(er.Raw) > 400 {
		t.Fatalf("err %v", err)
	}
}

func TestTokenNeverAppears(t *testing.T) {
	c, _ := newTestClient(t, func(w http.ResponseWriter, r *http.Request) {
		// Echo the request headers back in an error body: a careless
		// client would copy them into its error.
		writeJSON(w, 401, ErrorBody{Status: 401, Title: "Unauthorized " + r.Header.Get("X-Auth-Token")[:0]})
	})
	_, _, err := c.Customers.List(context.Background(), nil)
	var sb strings.Builder
	logger := slog.New(slog.NewJSONHandler(&sb, nil))
	logger.Info("client", "client", c, "value", *c, "err", err)
	b, _ := json.Marshal(c)
	outputs := []string{
		err.Error(), fmt.Sprintf("%v", c), fmt.Sprintf("%+v", c), fmt.Sprintf("%#v", c),
		fmt.Sprintf("%v", *c), fmt.Sprintf("%+v", *c), fmt.Sprintf("%#v", *c), sb.String(), string(b),
		fmt.Sprintf("%+v", c.token), fmt.Sprintf("%s", c.token), fmt.Sprintf("%q", c.token),
	}
	for _, o := range outputs {
		if strings.Contains(o, testToken) {
			t.Fatalf("token leaked in %q", o)
		}
	}
}

// A Config the client cannot use is a *ConfigError naming the setting, and
// only the setting: which flag or variable gave it is the command's to
// say (a library message saying "--token" was wrong for every command
// whose token flag is called otherwise).
func TestNewClientNeedsCredentialsAndAValidURL(t *testing.T) {
	for _, c := range []struct {
		cfg     Config
		setting string
	}{
		{Config{StoreHash: "abc"}, SettingToken},
		{Config{Token: "t"}, SettingStoreHash},
		{Config{Token: "t", BaseURL: "http://127.0.0.1/stores/{store_hash}/v3"}, SettingStoreHash},
		{Config{Token: "t", BaseURL: "ftp://x"}, SettingAPIURL},
	} {
		_, err := NewClient(c.cfg)
		ce, ok := errors.AsType[*ConfigError](err)
		if !ok || ce.Setting != c.setting {
			t.Errorf("%+v: %v, want a ConfigError about the %s", c.cfg.BaseURL, err, c.setting)
			continue
		}
		if msg := err.Error(); strings.Contains(msg, "--") || strings.Contains(msg, "BIGCOMMERCE_") {
			t.Errorf("%q names a flag or a variable", msg)
		}
	}
	c, err := NewClient(Config{Token: "t", StoreHash: "h a"})
	if err != nil || c.BaseURL() != "https://api.bigcommerce.com/stores/h%20a/v3" {
		t.Errorf("default URL %v %v", c, err)
	}
}

func TestCursorPagesWalkUntilShortPage(t *testing.T) {
	var calls atomic.Int32
	c, _ := newTestClient(t, func(w http.ResponseWriter, r *http.Request) {
		n := calls.Add(1)
		after := r.URL.Query().Get("after")
		if (n == 1 && after != "") || (n > 1 && after != fmt.Sprint("c", n-1)) {
			t.Errorf("call %d after=%q", n, after)
		}
		count := 2
		if n == 3 {
			count = 1
		}
		data := make([]map[string]any, count)
		for i := range data {
			data[i] = map[string]any{"id": int(n)*10 + i}
		}
		writeJSON(w, 200, map[string]any{"data": data, "meta": map[string]any{
			"cursor_pagination": map[string]any{"count": count, "per_page": 2, "end_cursor": fmt.Sprint("c", n)}}})
	})
	var ids []int64
	for cu, err := range c.Customers.All(context.Background(), CustomerListOptions{ListOptions: ListOptions{Limit: 2}}) {
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, cu.ID)
	}
	if fmt.Sprint(ids) != "[10 11 20 21 30]" || calls.Load() != 3 {
		t.Fatalf("ids %v calls %d", ids, calls.Load())
	}
}
