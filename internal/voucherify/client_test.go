package voucherify

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/bcetl/bcetl/internal/clocktest"
	"github.com/bcetl/bcetl/internal/pacer"
	"github.com/bcetl/bcetl/internal/vsandbox"
)

const (
	testAppID = "app-id-1234"
	testKey   = "secret-key-0f9e8d7c"
)

type env struct {
	srv   *vsandbox.Server
	hs    *httptest.Server
	clock *clocktest.Fake
	c     *Client
}

// newEnv starts the Voucherify emulator on loopback with a fake clock
// shared with a client of it.
func newEnv(t *testing.T, opts vsandbox.Options, copts ...Option) *env {
	t.Helper()
	clock := clocktest.New(time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC))
	opts.AppID, opts.AppToken, opts.Now = testAppID, testKey, clock.Now
	srv, err := vsandbox.New(opts)
	if err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(srv)
	t.Cleanup(hs.Close)
	c, err := NewClient(Config{BaseURL: hs.URL, AppID: testAppID, AppToken: testKey},
		append([]Option{WithClock(clock)}, copts...)...)
	if err != nil {
		t.Fatal(err)
	}
	return &env{srv: srv, hs: hs, clock: clock, c: c}
}

func TestListCustomersPagesAndCounts(t *testing.T) {
	e := newEnv(t, vsandbox.Options{})
	if err := e.srv.Generate(vsandbox.GenOptions{Customers: 250, Seed: 3}); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	page, resp, err := e.c.Customers.List(ctx, ListCustomersOptions{Limit: MaxLimit, Page: 3, Order: OrderCreatedAt})
	if err != nil {
		t.Fatal(err)
	}
	if len(page.Customers) != 50 || page.Total != 250 || page.HasMore || resp.StatusCode != 200 {
		t.Fatalf("page 3: %d customers, total %d, has_more %v", len(page.Customers), page.Total, page.HasMore)
	}
	// The documented limits are the client's too: page 100 is refused
	// with the documented error, typed.
	_, _, err = e.c.Customers.List(ctx, ListCustomersOptions{Limit: MaxLimit, Page: MaxPage + 1})
	var er *ErrorResponse
	if !errors.As(err, &er) || er.StatusCode != 400 || er.Body.Key != "invalid_query_params" || er.Body.RequestID == "" {
		t.Fatalf("page 100: %v", err)
	}
}

// A wrong secret key is a typed 401 whose text, like the client's own
// formatting, never shows the key.
func TestCredentialsNeverShow(t *testing.T) {
	e := newEnv(t, vsandbox.Options{})
	bad, err := NewClient(Config{BaseURL: e.hs.URL, AppID: testAppID, AppToken: "wrong-key-123456"}, WithClock(e.clock))
	if err != nil {
		t.Fatal(err)
	}
	_, _, err = bad.Customers.List(context.Background(), ListCustomersOptions{})
	var er *ErrorResponse
	if !errors.As(err, &er) || er.StatusCode != 401 || er.Body.Key != "unauthorized" {
		t.Fatalf("want a 401, got %v", err)
	}
	for _, s := range []string{err.Error(), fmt.Sprintf("%v %+v %#v", bad, bad, bad), fmt.Sprintf("%+v", *bad)} {
		if strings.Contains(s, "wrong-key-123456") {
			t.Errorf("the key shows in %q", s)
		}
	}
	if _, err := NewClient(Config{BaseURL: e.hs.URL, AppID: testAppID}); err == nil || !strings.Contains(err.Error(), EnvSecretKey) {
		t.Errorf("no key: %v", err)
	}
}

// A server that echoes the key into its error body or a redirect does not
// get it into an error; a redirect is not followed, so the key reaches no
// other URL.
func TestEchoedKeyIsScrubbedAndRedirectsAreNotFollowed(t *testing.T) {
	var elsewhere atomic.Int64
	other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get(headerAppToken) != "" {
			elsewhere.Add(1)
		}
	}))
	defer other.Close()
	hs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Query().Get("page") == "2" {
			http.Redirect(w, r, other.URL+"/v1/customers?token="+r.Header.Get(headerAppToken), http.StatusFound)
			return
		}
		w.WriteHeader(500)
		fmt.Fprintf(w, `{"code":500,"message":"boom","details":"bad key %s"}`, r.Header.Get(headerAppToken))
	}))
	defer hs.Close()
	c, err := NewClient(Config{BaseURL: hs.URL, AppID: testAppID, AppToken: testKey}, WithClock(clocktest.New(time.Now())),
		WithRetryPolicy(pacer.RetryPolicy{MaxRetries: 1, MaxRateLimitRetries: 1}))
	if err != nil {
		t.Fatal(err)
	}
	_, _, err = c.Customers.List(context.Background(), ListCustomersOptions{Page: 1})
	if err == nil || strings.Contains(err.Error(), testKey) || !strings.Contains(err.Error(), "[REDACTED]") {
		t.Errorf("echoed key: %v", err)
	}
	_, _, err = c.Customers.List(context.Background(), ListCustomersOptions{Page: 2})
	var re *RedirectError
	if !errors.As(err, &re) || strings.Contains(err.Error(), testKey) || elsewhere.Load() != 0 {
		t.Errorf("redirect: %v (requests elsewhere with the key: %d)", err, elsewhere.Load())
	}
}

// Walking 990 customers ten per page at 40 calls per minute takes 99
// requests over three windows without a 429: the pacer spends what
// X-Rate-Limit-Remaining says is left and waits for the
// X-Rate-Limit-Retry the last call of a window tells.
func TestPacedWithinTheLimit(t *testing.T) {
	e := newEnv(t, vsandbox.Options{Quota: 40, Window: time.Minute})
	if err := e.srv.Generate(vsandbox.GenOptions{Customers: 1250, Seed: 5, BurstShare: -1}); err != nil {
		t.Fatal(err)
	}
	start := e.clock.Now()
	for page := 1; page <= 99; page++ {
		p, _, err := e.c.Customers.List(context.Background(), ListCustomersOptions{Limit: 10, Page: page, Order: OrderCreatedAt})
		if err != nil {
			t.Fatalf("page %d: %v", page, err)
		}
		if !p.HasMore {
			break
		}
	}
	st := e.srv.Stats()
	if st.RateLimited != 0 || e.c.Stats().RateLimited.Load() != 0 {
		t.Errorf("%d 429s", st.RateLimited)
	}
	if waited := e.clock.Now().Sub(start); waited < 2*time.Minute || waited > 2*time.Minute+2*time.Second {
		t.Errorf("99 requests at 40 per minute: waited %v, want two windows", waited)
	}
	if st.ListCustomers != 99 {
		t.Errorf("%d list requests", st.ListCustomers)
	}
}

// A 429 (another app spent the project's limit) holds the request until
// the reset the answer gives, and it then succeeds.
func TestRateLimitedWaitsForTheReset(t *testing.T) {
	e := newEnv(t, vsandbox.Options{Quota: 3, Window: time.Minute})
	spend := func() {
		for range 3 {
			req, _ := http.NewRequest("GET", e.hs.URL+"/v1/customers", nil)
			req.Header.Set(headerAppID, testAppID)
			req.Header.Set(headerAppToken, testKey)
			res, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			res.Body.Close()
		}
	}
	spend()
	start := e.clock.Now()
	if _, _, err := e.c.Customers.List(context.Background(), ListCustomersOptions{}); err != nil {
		t.Fatal(err)
	}
	if e.c.Stats().RateLimited.Load() != 1 || e.clock.Now().Sub(start) < time.Minute {
		t.Errorf("%d 429s, waited %v", e.c.Stats().RateLimited.Load(), e.clock.Now().Sub(start))
	}
}

// An export is created, polled until DONE and its file downloaded from
// the download host with the result URL's token, sending no credential
// there; the file is owner-only and is the emulator's CSV.
func TestExportCreateWaitDownload(t *testing.T) {
	var creds atomic.Int64
	var e *env
	dl := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get(headerAppToken) != "" || r.Header.Get(headerAppID) != "" {
			creds.Add(1)
		}
		r.URL.Path = "/download" + r.URL.Path
		e.srv.ServeHTTP(w, r)
	}))
	defer dl.Close()
	e = newEnv(t, vsandbox.Options{DownloadURL: dl.URL})
	if err := e.srv.Generate(vsandbox.GenOptions{Customers: 30, Seed: 1}); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	x, _, err := e.c.Exports.Create(ctx, ExportRequest{ExportedObject: "customer",
		Parameters: &ExportParameters{Fields: CustomerExportFields, Order: "created_at"}})
	if err != nil || x.Status != ExportScheduled {
		t.Fatalf("create: %+v %v", x, err)
	}
	x, err = e.c.Exports.Wait(ctx, x.ID, time.Second)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "customers.csv")
	n, err := e.c.Exports.Download(ctx, x, path)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := os.ReadFile(path)
	fi, _ := os.Stat(path)
	if int64(len(b)) != n || !strings.HasPrefix(string(b), "\ufeffName,ID,Description,Email,Source ID,Created At,") ||
		strings.Count(string(b), "\r\n") < 31 || fi.Mode().Perm() != 0o600 {
		t.Errorf("file %d bytes (%d), mode %v: %.120q", len(b), n, fi.Mode().Perm(), b)
	}
	if creds.Load() != 0 {
		t.Errorf("%d downloads carried the credentials", creds.Load())
	}
	// A failed export is an error, and a tampered token a typed 401
	// without the token in its text.
	e.srv.FailExports(1)
	y, _, _ := e.c.Exports.Create(ctx, ExportRequest{ExportedObject: "customer"})
	if _, err := e.c.Exports.Wait(ctx, y.ID, time.Second); err == nil || !strings.Contains(err.Error(), "ERROR") {
		t.Errorf("failed export: %v", err)
	}
	tok := x.Result.URL[strings.Index(x.Result.URL, "token=")+len("token="):]
	x.Result.URL = strings.Replace(x.Result.URL, tok, tok[:len(tok)-1]+"x", 1)
	_, err = e.c.Exports.Download(ctx, x, path+".2")
	var er *ErrorResponse
	if !errors.As(err, &er) || er.StatusCode != 401 || strings.Contains(err.Error(), tok[:len(tok)-1]) {
		t.Errorf("tampered download: %v", err)
	}
}
