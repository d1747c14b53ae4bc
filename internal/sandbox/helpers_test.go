package sandbox

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/bcetl/bcetl/internal/clocktest"
)

const testToken = "s3cret-token"

type env struct {
	t     *testing.T
	srv   *Server
	http  *httptest.Server
	base  string
	clock *clocktest.Fake
}

// testConfig defines the groups, form fields and the second channel the tests
// written before stores had a configuration write to; a test of a new
// store passes Options.Config &StoreConfig{} (the default configuration).
func testConfig() *StoreConfig {
	text := func(names ...string) []FormField {
		var l []FormField
		for _, n := range names {
			l = append(l, FormField{Name: n, FieldType: "text"})
		}
		return l
	}
	return &StoreConfig{
		Groups:   []Group{{ID: 1, Name: "Group One"}, {ID: 2, Name: "Group Two"}},
		Channels: []Channel{{ID: 2, Name: "Second-Storefront", Type: "storefront"}},
		CustomerFields: append(text("n", "l", "x", "color", "points"), FormField{Name: "Points", FieldType: "numbers"},
			FormField{Name: "Colors", FieldType: "checkbox", Options: []string{"red", "grün"}}),
		AddressFields: text("gate", "g", "floor", "Gate"),
	}
}

// newEnv starts a sandbox behind a real HTTP server on loopback, with
// testConfig unless opts.Config is set. (Tests outside this package use
// sandboxtest.Start, which these cannot: it imports this package.)
func newEnv(t *testing.T, opts Options) *env {
	t.Helper()
	if opts.Config == nil {
		if _, err := os.Stat(opts.StatePath); opts.StatePath == "" || err != nil {
			opts.Config = testConfig() // a new store
		}
	}
	clock := clocktest.New(time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC))
	if opts.StoreHash == "" {
		opts.StoreHash = "abc123"
	}
	if opts.Token == "" {
		opts.Token = testToken
	}
	if opts.Now == nil {
		opts.Now = clock.Now
	}
	srv, err := New(opts)
	if err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(srv)
	t.Cleanup(func() { hs.Close(); srv.Close() })
	return &env{t: t, srv: srv, http: hs, base: hs.URL + "/stores/" + opts.StoreHash + "/v3", clock: clock}
}

type resp struct {
	status int
	header http.Header
	raw    []byte
	body   map[string]any
}

func (r resp) data() []any {
	d, _ := r.body["data"].([]any)
	return d
}

func (r resp) errs() map[string]any {
	e, _ := r.body["errors"].(map[string]any)
	return e
}

func (r resp) meta() map[string]any {
	m, _ := r.body["meta"].(map[string]any)
	return m
}

// do sends a request with the token; body, when not nil, is JSON-encoded
// (a string is sent as is).
func (e *env) do(method, path string, body any) resp {
	e.t.Helper()
	return e.doToken(method, path, body, testToken)
}

func (e *env) doToken(method, path string, body any, token string) resp {
	e.t.Helper()
	var rd io.Reader
	if body != nil {
		if s, ok := body.(string); ok {
			rd = strings.NewReader(s)
		} else if r, ok := body.(io.Reader); ok {
			rd = r // sent chunked: http.NewRequest knows no length
		} else {
			b, err := json.Marshal(body)
			if err != nil {
				e.t.Fatal(err)
			}
			rd = bytes.NewReader(b)
		}
	}
	req, err := http.NewRequest(method, e.base+path, rd)
	if err != nil {
		e.t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("X-Auth-Token", token)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	res, err := e.http.Client().Do(req)
	if err != nil {
		e.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer res.Body.Close()
	raw, err := io.ReadAll(res.Body)
	if err != nil {
		e.t.Fatalf("%s %s: read: %v", method, path, err)
	}
	r := resp{status: res.StatusCode, header: res.Header, raw: raw}
	if len(raw) > 0 && strings.HasPrefix(res.Header.Get("Content-Type"), "application/json") {
		dec := json.NewDecoder(bytes.NewReader(raw))
		dec.UseNumber()
		var v any // V2 lists are bare arrays: r.body stays nil, r.raw holds them
		if err := dec.Decode(&v); err != nil {
			e.t.Fatalf("%s %s: bad JSON %q: %v", method, path, raw, err)
		}
		r.body, _ = v.(map[string]any)
	}
	return r
}

func (e *env) want(r resp, status int) {
	e.t.Helper()
	if r.status != status {
		e.t.Fatalf("status %d, want %d; body %s", r.status, status, r.raw)
	}
}

// wantError checks the documented ErrorResponse shape.
func (e *env) wantError(r resp, status int) map[string]any {
	e.t.Helper()
	e.want(r, status)
	if ct := r.header.Get("Content-Type"); ct != "application/json" {
		e.t.Fatalf("error Content-Type %q", ct)
	}
	for _, k := range []string{"status", "title", "type", "instance", "errors"} {
		if _, ok := r.body[k]; !ok {
			e.t.Fatalf("error body lacks %q: %s", k, r.raw)
		}
	}
	if n, _ := r.body["status"].(json.Number).Int64(); int(n) != status {
		e.t.Fatalf("error body status %v, want %d", r.body["status"], status)
	}
	return r.errs()
}

func cust(email, first, last string) map[string]any {
	return map[string]any{"email": email, "first_name": first, "last_name": last}
}

func usAddress(extra map[string]any) map[string]any {
	a := map[string]any{"first_name": "Jane", "last_name": "Doe", "address1": "1 Main St", "city": "Austin",
		"state_or_province": "Texas", "postal_code": "78759", "country_code": "US"}
	for k, v := range extra {
		a[k] = v
	}
	return a
}

// createCustomers posts customers and returns their ids.
func (e *env) createCustomers(items ...map[string]any) []int64 {
	e.t.Helper()
	r := e.do("POST", "/customers", items)
	e.want(r, 200)
	var ids []int64
	for _, d := range r.data() {
		n, _ := d.(map[string]any)["id"].(json.Number).Int64()
		ids = append(ids, n)
	}
	return ids
}

func num(v any) int64 {
	n, _ := v.(json.Number).Int64()
	return n
}

func obj0(r resp) map[string]any { return r.data()[0].(map[string]any) }

func newHTTP(t *testing.T, h http.Handler) *httptest.Server {
	hs := httptest.NewServer(h)
	t.Cleanup(hs.Close)
	return hs
}
