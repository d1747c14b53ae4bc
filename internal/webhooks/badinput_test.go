package webhooks

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
)

// mutate returns the JSON of body after f changed its decoded form.
func mutate(t *testing.T, body string, f func(m map[string]any)) []byte {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal([]byte(body), &m); err != nil {
		t.Fatal(err)
	}
	f(m)
	b, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func dataOf(m map[string]any) map[string]any { return m["data"].(map[string]any) }

// onlyReader hides the length of a body so the client sends it chunked and
// the server cannot refuse it by Content-Length alone.
type onlyReader struct{ io.Reader }

// TestBadInput sends one malformed or unauthenticated delivery per case:
// each gets its 4xx with a JSON {"error": "..."} body, is counted as
// refused, stores nothing, and the server keeps serving.
func TestBadInput(t *testing.T) {
	srv, ts := newTestServer(t)
	base := ts.URL
	good := []byte(seedCustomerCreated)
	bc := func(body []byte) *http.Request { return bigCommerceRequest(t, base, body, "msg_bad") }
	vf := func(body []byte) *http.Request { return voucherifyRequest(t, base, body) }
	vfGood := voucherifyEnvelope("evcus_bad", VoucherifyCustomerCreated, seedVoucherifyData)
	big := bytes.Repeat([]byte(" "), DefaultMaxBodyBytes+1)

	cases := []struct {
		name string
		req  func() *http.Request
		want int
	}{
		// Method and content type.
		{"bc GET", func() *http.Request { r := bc(nil); r.Method = http.MethodGet; return r }, 405},
		{"bc PUT", func() *http.Request { r := bc(good); r.Method = http.MethodPut; return r }, 405},
		{"vf GET", func() *http.Request { r := vf(nil); r.Method = http.MethodGet; return r }, 405},
		{"text/plain", func() *http.Request { r := bc(good); r.Header.Set("Content-Type", "text/plain"); return r }, 415},
		{"no content type", func() *http.Request { r := bc(good); r.Header.Del("Content-Type"); return r }, 415},
		{"latin1 charset", func() *http.Request {
			r := bc(good)
			r.Header.Set("Content-Type", "application/json; charset=iso-8859-1")
			return r
		}, 415},
		{"vf form", func() *http.Request {
			r := vf(vfGood)
			r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			return r
		}, 415},

		// Size.
		{"too large, with length", func() *http.Request { return bc(big) }, 413},
		{"too large, chunked", func() *http.Request {
			r := bc(big)
			r.Body, r.ContentLength = io.NopCloser(onlyReader{bytes.NewReader(big)}), -1
			return r
		}, 413},
		{"vf too large", func() *http.Request { return vf(big) }, 413},

		// Authentication.
		{"no auth header", func() *http.Request { r := bc(good); r.Header.Del(testAuthHeader); return r }, 401},
		{"wrong auth header", func() *http.Request { r := bc(good); r.Header.Set(testAuthHeader, "guess"); return r }, 401},
		{"auth header twice", func() *http.Request { r := bc(good); r.Header.Add(testAuthHeader, testAuthValue); return r }, 401},
		{"no signature headers", func() *http.Request {
			r := bc(good)
			r.Header.Del("webhook-signature")
			return r
		}, 401},
		{"bad signature", func() *http.Request {
			r := bc(good)
			signStandard(r.Header, []byte("another secret"), "msg_bad", testNow.Unix(), good)
			return r
		}, 401},
		{"body changed after signing", func() *http.Request {
			r := bc(good)
			changed := bytes.Replace(good, []byte(`"id":32`), []byte(`"id":33`), 1)
			r.Body, r.ContentLength = io.NopCloser(bytes.NewReader(changed)), int64(len(changed))
			return r
		}, 401},
		{"stale timestamp", func() *http.Request {
			r := bc(good)
			signStandard(r.Header, []byte(testClientSecret), "msg_bad", testNow.Unix()-301, good)
			return r
		}, 401},
		{"vf no signature", func() *http.Request { r := vf(vfGood); r.Header.Del("x-voucherify-signature"); return r }, 401},
		{"vf bad signature", func() *http.Request {
			r := vf(vfGood)
			r.Header.Set("x-voucherify-signature", voucherifySignature("wrong", vfGood))
			return r
		}, 401},
		{"vf signature not hex", func() *http.Request { r := vf(vfGood); r.Header.Set("x-voucherify-signature", "zz"); return r }, 401},

		// Not JSON.
		{"invalid JSON", func() *http.Request { return bc([]byte(`{"scope":`)) }, 400},
		{"empty body", func() *http.Request { return bc(nil) }, 400},
		{"JSON array", func() *http.Request { return bc([]byte(`[` + seedCustomerCreated + `]`)) }, 400},
		{"two JSON values", func() *http.Request { return bc([]byte(seedCustomerCreated + seedCustomerCreated)) }, 400},
		{"invalid UTF-8", func() *http.Request {
			return bc(bytes.Replace(good, []byte("1025646"), []byte("10\xff5646"), 1))
		}, 400},
		{"vf invalid JSON", func() *http.Request { return vf([]byte(`not json`)) }, 400},

		// Schema.
		{"created_at string", func() *http.Request {
			return bc(mutate(t, seedCustomerCreated, func(m map[string]any) { m["created_at"] = "1561482670" }))
		}, 422},
		{"created_at fraction", func() *http.Request {
			return bc(mutate(t, seedCustomerCreated, func(m map[string]any) { m["created_at"] = 1561482670.5 }))
		}, 422},
		{"store_id number", func() *http.Request {
			return bc(mutate(t, seedCustomerCreated, func(m map[string]any) { m["store_id"] = 1025646 }))
		}, 422},
		{"producer without stores/", func() *http.Request {
			return bc(mutate(t, seedCustomerCreated, func(m map[string]any) { m["producer"] = "abc123" }))
		}, 422},
		{"producer with two segments", func() *http.Request {
			return bc(mutate(t, seedCustomerCreated, func(m map[string]any) { m["producer"] = "stores/abc/def" }))
		}, 422},
		{"hash missing", func() *http.Request {
			return bc(mutate(t, seedCustomerCreated, func(m map[string]any) { delete(m, "hash") }))
		}, 422},
		{"scope empty", func() *http.Request {
			return bc(mutate(t, seedCustomerCreated, func(m map[string]any) { m["scope"] = "" }))
		}, 422},
		{"data missing", func() *http.Request {
			return bc(mutate(t, seedCustomerCreated, func(m map[string]any) { delete(m, "data") }))
		}, 422},
		{"unknown scope, data not an object", func() *http.Request {
			return bc(mutate(t, seedCustomerCreated, func(m map[string]any) { m["scope"] = "store/x/y"; m["data"] = 5 }))
		}, 422},
		{"customer id string", func() *http.Request {
			return bc(mutate(t, seedCustomerCreated, func(m map[string]any) { dataOf(m)["id"] = "32" }))
		}, 422},
		{"customer id missing", func() *http.Request {
			return bc(mutate(t, seedCustomerCreated, func(m map[string]any) { delete(dataOf(m), "id") }))
		}, 422},
		{"customer type product", func() *http.Request {
			return bc(mutate(t, seedCustomerCreated, func(m map[string]any) { dataOf(m)["type"] = "product" }))
		}, 422},
		{"customer channel_ids strings", func() *http.Request {
			return bc(mutate(t, seedCustomerCreated, func(m map[string]any) { dataOf(m)["channel_ids"] = []string{"1"} }))
		}, 422},
		{"cart type order", func() *http.Request {
			return bc(mutate(t, seedCartCreated, func(m map[string]any) { dataOf(m)["type"] = "order" }))
		}, 422},
		{"cart id integer", func() *http.Request {
			return bc(mutate(t, seedCartCreated, func(m map[string]any) { dataOf(m)["id"] = 9 }))
		}, 422},
		{"address without customer_id", func() *http.Request {
			return bc(mutate(t, seedCustomerCreated, func(m map[string]any) {
				m["scope"] = "store/customer/address/created"
				dataOf(m)["address"] = map[string]any{}
			}))
		}, 422},
		{"address missing", func() *http.Request {
			return bc(mutate(t, seedCustomerCreated, func(m map[string]any) { m["scope"] = "store/customer/address/deleted" }))
		}, 422},
		{"channel access without customer_id", func() *http.Request {
			return bc(mutate(t, seedCustomerCreated, func(m map[string]any) { m["scope"] = "store/customer/channel/login/access/updated" }))
		}, 422},
		{"vf type missing", func() *http.Request {
			return vf(mutate(t, string(vfGood), func(m map[string]any) { delete(m, "type") }))
		}, 422},
		{"vf customer id missing", func() *http.Request {
			return vf(mutate(t, string(vfGood), func(m map[string]any) {
				delete(dataOf(m)["customer"].(map[string]any), "id")
			}))
		}, 422},
		{"vf customer missing", func() *http.Request {
			return vf(mutate(t, string(vfGood), func(m map[string]any) { m["data"] = map[string]any{} }))
		}, 422},
		{"vf created_at not a date-time", func() *http.Request {
			return vf(mutate(t, string(vfGood), func(m map[string]any) { m["created_at"] = "yesterday" }))
		}, 422},
		{"vf birthdate not a date", func() *http.Request {
			return vf(mutate(t, string(vfGood), func(m map[string]any) {
				dataOf(m)["customer"].(map[string]any)["birthdate"] = "02/01/1974"
			}))
		}, 422},
		{"vf email number", func() *http.Request {
			return vf(mutate(t, string(vfGood), func(m map[string]any) {
				dataOf(m)["customer"].(map[string]any)["email"] = 7
			}))
		}, 422},
		{"vf id missing", func() *http.Request {
			return vf(mutate(t, string(vfGood), func(m map[string]any) { delete(m, "id") }))
		}, 422},
	}
	c := ts.Client()
	for i, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			code, body := do(t, c, tc.req())
			if code != tc.want {
				t.Fatalf("status %d (%s), want %d", code, body, tc.want)
			}
			var e struct {
				Error string `json:"error"`
			}
			if err := json.Unmarshal([]byte(body), &e); err != nil || e.Error == "" {
				t.Errorf("body %q is not {\"error\": \"...\"}", body)
			}
			for _, secret := range []string{testAuthValue, testClientSecret, testVFSecret} {
				if strings.Contains(body, secret) {
					t.Errorf("error message leaks a secret: %q", body)
				}
			}
			if got := srv.Counts().Refused; got != int64(i+1) {
				t.Errorf("refused = %d, want %d", got, i+1)
			}
		})
	}
	if n := countEvents(t, srv.spool); n != 0 {
		t.Fatalf("bad input stored %d events", n)
	}
	if c := srv.Counts(); c.Accepted+c.Duplicate+c.Ignored+c.Failed != 0 {
		t.Errorf("counts %+v: only refusals expected", c)
	}
	// Still serving.
	if code, _ := do(t, c, bc(good)); code != http.StatusOK || countEvents(t, srv.spool) != 1 {
		t.Fatalf("a good delivery after the bad ones got %d", code)
	}
}

func TestMethodNotAllowedSetsAllow(t *testing.T) {
	_, ts := newTestServer(t)
	for path, allow := range map[string]string{PathBigCommerce: "POST", PathVoucherify: "POST", PathHealth: "GET, HEAD"} {
		req, _ := http.NewRequest(http.MethodDelete, ts.URL+path, nil)
		resp, err := ts.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != 405 || resp.Header.Get("Allow") != allow {
			t.Errorf("DELETE %s: %d Allow=%q, want 405 Allow=%q", path, resp.StatusCode, resp.Header.Get("Allow"), allow)
		}
	}
}

// TestVoucherifyOtherTypesIgnored: an authentic event of another type is
// acknowledged (200) so Voucherify does not disable the webhook, but not
// stored.
func TestVoucherifyOtherTypesIgnored(t *testing.T) {
	srv, ts := newTestServer(t)
	body := voucherifyEnvelope("evcus_upd", "customer.updated", seedVoucherifyData)
	if code, _ := do(t, ts.Client(), voucherifyRequest(t, ts.URL, body)); code != http.StatusOK {
		t.Fatalf("status %d, want 200", code)
	}
	if n := countEvents(t, srv.spool); n != 0 {
		t.Errorf("stored %d events, want 0", n)
	}
	if c := srv.Counts(); c.Ignored != 1 || c.Accepted != 0 {
		t.Errorf("counts %+v, want ignored 1", c)
	}
	// Unsigned, it is refused like anything else.
	req := voucherifyRequest(t, ts.URL, body)
	req.Header.Set("x-voucherify-signature", voucherifySignature("wrong", body))
	if code, _ := do(t, ts.Client(), req); code != http.StatusUnauthorized {
		t.Errorf("unsigned other type: status %d, want 401", code)
	}
}

// TestDisabledEndpoints: a provider without credentials answers 404, and a
// server with no provider configured is refused at construction.
func TestDisabledEndpoints(t *testing.T) {
	srv, ts := newTestServer(t, func(c *Config) { c.VoucherifySecret = "" })
	body := voucherifyEnvelope("evcus_x", VoucherifyCustomerCreated, seedVoucherifyData)
	if code, _ := do(t, ts.Client(), voucherifyRequest(t, ts.URL, body)); code != http.StatusNotFound {
		t.Errorf("voucherify without a secret: %d, want 404", code)
	}
	if countEvents(t, srv.spool) != 0 {
		t.Error("stored an event on a disabled endpoint")
	}
	if _, err := NewServer(Config{Spool: srv.spool}); err == nil {
		t.Error("NewServer accepted a config with no authentication at all")
	}
	if _, err := NewServer(Config{Spool: srv.spool, BigCommerceSecret: "whsec_!!"}); err == nil {
		t.Error("NewServer accepted an undecodable whsec_ secret")
	}
}

// TestHeaderOnlyAndUnknownScope: with only the custom header configured (no
// signing secret) a delivery without Standard Webhooks headers is accepted,
// and a scope without a validator is spooled as is.
func TestHeaderOnlyAndUnknownScope(t *testing.T) {
	srv, ts := newTestServer(t, func(c *Config) { c.BigCommerceSecret = "" })
	body := mutate(t, seedCustomerCreated, func(m map[string]any) {
		m["scope"] = "store/customer/something/new"
		m["data"] = map[string]any{"whatever": true}
	})
	req, _ := http.NewRequest(http.MethodPost, ts.URL+PathBigCommerce, bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json; charset=UTF-8")
	req.Header.Set(testAuthHeader, testAuthValue)
	if code, msg := do(t, ts.Client(), req); code != http.StatusOK {
		t.Fatalf("status %d %s, want 200", code, msg)
	}
	ev, err := srv.spool.Pending(t.Context(), ProviderBigCommerce, "store/customer/something/new", 0)
	if err != nil || len(ev) != 1 {
		t.Fatalf("pending = %v, %v; want the unknown-scope event", ev, err)
	}
}

func TestHealthz(t *testing.T) {
	srv, ts := newTestServer(t)
	do(t, ts.Client(), bigCommerceRequest(t, ts.URL, []byte(seedCustomerCreated), "m1"))
	do(t, ts.Client(), bigCommerceRequest(t, ts.URL, []byte(seedCustomerCreated), "m2"))
	req, _ := http.NewRequest(http.MethodGet, ts.URL+PathHealth, nil)
	code, body := do(t, ts.Client(), req)
	var h struct {
		Status     string `json:"status"`
		Deliveries Counts `json:"deliveries"`
	}
	if err := json.Unmarshal([]byte(body), &h); err != nil || code != 200 || h.Status != "ok" {
		t.Fatalf("healthz: %d %s (%v)", code, body, err)
	}
	if h.Deliveries.Accepted != 1 || h.Deliveries.Duplicate != 1 {
		t.Errorf("healthz counters %+v, want accepted 1 duplicate 1", h.Deliveries)
	}
	srv.spool.Close()
	if code, body := do(t, ts.Client(), req); code != http.StatusServiceUnavailable {
		t.Errorf("healthz with a closed spool: %d %s, want 503", code, body)
	}
}

// The official example of store/customer/address/updated spells its scope
// "store/customer/address/update". Such a delivery is validated as an
// address event — one without data.address.customer_id is refused, a
// valid one spooled under that scope for the nightly change capture —
// rather than spooled unchecked as an unknown scope.
func TestAddressUpdateExampleScopeIsValidated(t *testing.T) {
	srv, ts := newTestServer(t)
	bad := []byte(`{"created_at":1561481620,"store_id":"1","producer":"stores/abc","scope":"store/customer/address/update","hash":"h1","data":{"type":"customer","id":60}}`)
	if code, body := do(t, ts.Client(), bigCommerceRequest(t, ts.URL, bad, "m1")); code != 422 || !strings.Contains(body, "data.address") {
		t.Errorf("an address event without its customer: %d %s, want 422 naming data.address", code, body)
	}
	good := []byte(`{"created_at":1561481620,"store_id":"1","producer":"stores/abc","scope":"store/customer/address/update","hash":"h2","data":{"type":"customer","id":60,"address":{"customer_id":32}}}`)
	if code, body := do(t, ts.Client(), bigCommerceRequest(t, ts.URL, good, "m2")); code != 200 {
		t.Errorf("a valid one: %d %s", code, body)
	}
	if ev, err := srv.spool.Pending(t.Context(), ProviderBigCommerce, ScopeAddressUpdatedExample, 0); err != nil || len(ev) != 1 {
		t.Errorf("spooled under its scope: %d %v", len(ev), err)
	}
}
