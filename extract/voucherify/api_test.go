package voucherify

import (
	"context"
	"errors"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/bcetl/bcetl/extract"
	"github.com/bcetl/bcetl/extract/internal/sourcetest"
	"github.com/bcetl/bcetl/internal/clocktest"
	"github.com/bcetl/bcetl/internal/staging"
	"github.com/bcetl/bcetl/internal/voucherify"
	"github.com/bcetl/bcetl/internal/vsandbox"
)

const (
	testAppID = "app-id-4711"
	testKey   = "secret-key-c0ffee42"
)

type apiEnv struct {
	srv   *vsandbox.Server
	url   string
	clock *clocktest.Fake
}

// newAPIEnv starts the emulator on loopback with a fake clock and puts its
// keys in the environment, where the source reads them.
func newAPIEnv(t *testing.T, opts vsandbox.Options) *apiEnv {
	t.Helper()
	clock := clocktest.New(time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC))
	opts.AppID, opts.AppToken, opts.Now = testAppID, testKey, clock.Now
	srv, err := vsandbox.New(opts)
	if err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(srv)
	t.Cleanup(hs.Close)
	t.Setenv(voucherify.EnvAppID, testAppID)
	t.Setenv(voucherify.EnvSecretKey, testKey)
	t.Setenv(voucherify.EnvAPIURL, "")
	return &apiEnv{srv: srv, url: hs.URL, clock: clock}
}

// extract runs --from voucherify-api on the emulator's clock into a new
// directory and reads it back.
func (e *apiEnv) extract(t *testing.T, o extract.Options) *sourcetest.Output {
	t.Helper()
	o.APIURL, o.Now = e.url, e.clock.Now
	src, err := newAPISource(o, voucherify.WithClock(e.clock))
	if err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(t.TempDir(), "out")
	m, err := extract.Run(context.Background(), src, dir, o)
	if err != nil {
		t.Fatal(err)
	}
	return sourcetest.Read(t, dir, m)
}

// keys counts each customer's staging rows by source key.
func keys(x *sourcetest.Output) map[string]int {
	n := map[string]int{}
	for _, c := range x.Customers {
		n[c.SourceKey]++
	}
	return n
}

// wantKey is the source key of an emulator customer: its source_id
// (trimmed, as every text), else its id.
func wantKey(c vsandbox.Customer) string {
	if s := strings.TrimSpace(c.SourceID); s != "" {
		return "voucherify:" + s
	}
	return "voucherify:" + c.ID
}

// Rule: 12,000 customers — past the 9,900 that page numbers reach, with
// bursts of up to 150 sharing one created_at — at the documented Business
// limit of 100 calls a minute: every customer exactly once, within 2% of
// ceil(N/100) requests, and no 429.
func TestAPIReadsEveryCustomerOnceWithinTheLimit(t *testing.T) {
	e := newAPIEnv(t, vsandbox.Options{Quota: 100, Window: time.Minute})
	const n = 12000
	if err := e.srv.Generate(vsandbox.GenOptions{Customers: n, Seed: 7}); err != nil {
		t.Fatal(err)
	}
	if b := e.srv.Bursts(); len(b) == 0 || b[0].Customers != vsandbox.DefaultMaxBurst {
		t.Fatalf("bursts %v", b[:min(3, len(b))])
	}
	x := e.extract(t, extract.Options{})
	got := keys(x)
	for _, c := range e.srv.Customers() {
		if got[wantKey(c)] != 1 {
			t.Errorf("customer %s (%s) written %d times", c.ID, wantKey(c), got[wantKey(c)])
		}
	}
	if len(x.Customers) != n || len(x.Rejects) != 0 {
		t.Errorf("%d customers, %d rejects", len(x.Customers), len(x.Rejects))
	}
	st := e.srv.Stats()
	req := x.Manifest.Entities[staging.EntityCustomers]
	if limit := float64((n+99)/100) * 1.02; float64(st.ListCustomers) > limit || req.Requests != st.ListCustomers || req.MinRequests != (n+99)/100 {
		t.Errorf("%d list requests (manifest %d, minimum %d), over %.1f", st.ListCustomers, req.Requests, req.MinRequests, limit)
	}
	if st.RateLimited != 0 {
		t.Errorf("%d 429s", st.RateLimited)
	}
	t.Logf("%d customers in %d requests (minimum %d), %d 429s", len(x.Customers), st.ListCustomers, (n+99)/100, st.RateLimited)
}

// A customer deleted while the walk pages shifts the pages after it: the
// walk notices the total drop and starts a new window instead of skipping
// the customer that moved onto an already-read page.
func TestAPIDeletionWhileWalkingSkipsNobody(t *testing.T) {
	e := newAPIEnv(t, vsandbox.Options{})
	if err := e.srv.Generate(vsandbox.GenOptions{Customers: 450, Seed: 2}); err != nil {
		t.Fatal(err)
	}
	all := e.srv.Customers()
	deleted := all[5].ID // on page 1, read before the deletion
	e.srv.OnListCustomers(func(n int) {
		if n == 3 {
			e.srv.DeleteCustomer(deleted)
		}
	})
	got := keys(e.extract(t, extract.Options{}))
	for _, c := range all {
		if c.ID != deleted && got[wantKey(c)] != 1 {
			t.Errorf("customer %s written %d times", c.ID, got[wantKey(c)])
		}
	}
}

// Rule: incremental on updated_at with a --state watermark. The second run
// reads exactly the customers updated or created since the first (minus
// the overlap): one updated, one created and never updated, one created
// then updated; none of the others.
func TestAPIIncrementalFromTheState(t *testing.T) {
	e := newAPIEnv(t, vsandbox.Options{Quota: 100, Window: time.Minute})
	if err := e.srv.Generate(vsandbox.GenOptions{Customers: 300, Seed: 4}); err != nil {
		t.Fatal(err)
	}
	state := filepath.Join(t.TempDir(), "vf.state")
	if x := e.extract(t, extract.Options{StatePath: state}); len(x.Customers) != 300 || x.Manifest.Incremental {
		t.Fatalf("first run: %d customers, incremental %v", len(x.Customers), x.Manifest.Incremental)
	}
	e.clock.Advance(time.Hour)
	old := e.srv.Customers()[17]
	if err := e.srv.UpdateCustomer(old.ID, func(c *vsandbox.Customer) { c.Name = "Renamed Person" }); err != nil {
		t.Fatal(err)
	}
	fresh, _ := e.srv.CreateCustomer(vsandbox.Customer{SourceID: "fresh-1", Name: "Fresh One", Email: "fresh@example.com"})
	both, _ := e.srv.CreateCustomer(vsandbox.Customer{SourceID: "both-1", Name: "Both One", Email: "both@example.com"})
	e.clock.Advance(time.Second)
	if err := e.srv.UpdateCustomer(both, func(c *vsandbox.Customer) { c.Phone = "+48 600 000 000" }); err != nil {
		t.Fatal(err)
	}
	x := e.extract(t, extract.Options{StatePath: state})
	got := keys(x)
	if len(got) != 3 || got[wantKey(old)] != 1 || got["voucherify:fresh-1"] != 1 || got["voucherify:both-1"] != 1 || !x.Manifest.Incremental {
		t.Errorf("incremental run read %v (incremental %v), want the renamed, %s and %s", got, x.Manifest.Incremental, fresh, both)
	}
	for _, c := range x.Customers {
		if c.SourceKey == wantKey(old) && c.FirstName != "Renamed" {
			t.Errorf("the renamed customer reads %q %q", c.FirstName, c.LastName)
		}
	}
	// A state of another project is refused before any request.
	t.Setenv(voucherify.EnvAppID, "another-app")
	src, err := newAPISource(extract.Options{APIURL: e.url, StatePath: state}, voucherify.WithClock(e.clock))
	if err != nil {
		t.Fatal(err)
	}
	before := e.srv.Stats().Requests
	if _, err := extract.Run(context.Background(), src, filepath.Join(t.TempDir(), "o"), extract.Options{}); err == nil ||
		!strings.Contains(err.Error(), "belongs to project "+testAppID) || e.srv.Stats().Requests != before {
		t.Errorf("another project's state: %v", err)
	}
}

// The keys come from the environment only; without them the source is a
// usage error before any request, naming both variables.
func TestAPIWantsItsKeysInTheEnvironment(t *testing.T) {
	t.Setenv(voucherify.EnvAppID, "")
	t.Setenv(voucherify.EnvSecretKey, "")
	_, err := extract.Open(APIScheme, extract.Options{})
	var ue *extract.UsageError
	if !errors.As(err, &ue) || !strings.Contains(err.Error(), voucherify.EnvAppID) || !strings.Contains(err.Error(), voucherify.EnvSecretKey) {
		t.Errorf("no keys: %v", err)
	}
	if _, err := extract.Open(Scheme+":x.json", extract.Options{APIURL: "https://us1.api.voucherify.io"}); !errors.As(err, &ue) {
		t.Errorf("an API URL for a file source: %v", err)
	}
}
