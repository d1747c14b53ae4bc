package vsandbox

import (
	"net/http"
	"strings"
	"testing"
	"time"
)

// Authentication is by the two headers, both required and both right. A
// refusal is the documented 401 body, carries no rate-limit headers and
// does not count against the limit; the BigCommerce header is no
// substitute.
func TestAuthenticationByTheTwoHeaders(t *testing.T) {
	e := newEnv(t, Options{Quota: 2, Window: time.Minute})
	e.seed(1, at("2024-01-01T00:00:00Z"))
	for _, c := range []struct{ name, id, token string }{
		{"no headers", "", ""},
		{"only X-App-Id", testAppID, ""},
		{"only X-App-Token", "", testAppToken},
		{"wrong token", testAppID, testAppToken + "x"},
		{"wrong id", "other-app", testAppToken},
		{"swapped", testAppToken, testAppID},
	} {
		r := e.doAuth("GET", "/v1/customers", "", c.id, c.token)
		if r.status != http.StatusUnauthorized || string(r.raw) != `{"code":401,"key":"unauthorized","message":"Unauthorized"}` {
			t.Errorf("%s: %d %s", c.name, r.status, r.raw)
		}
		if r.header.Get("X-Rate-Limit-Remaining") != "" {
			t.Errorf("%s: a 401 carries rate-limit headers", c.name)
		}
		if strings.Contains(string(r.raw), testAppToken) {
			t.Errorf("%s: the answer echoes the token", c.name)
		}
	}
	req, _ := http.NewRequest("GET", e.hs.URL+"/v1/customers", nil)
	req.Header.Set("X-Auth-Token", testAppToken)
	if res, err := http.DefaultClient.Do(req); err != nil || res.StatusCode != http.StatusUnauthorized {
		t.Errorf("X-Auth-Token accepted: %v %v", res, err)
	} else {
		res.Body.Close()
	}
	for range 2 {
		if r := e.do("GET", "/v1/customers", ""); r.status != 200 {
			t.Fatalf("after the refusals, the quota should be untouched: %d %s", r.status, r.raw)
		}
	}
	if st := e.srv.Stats(); st.Unauthorized != 7 || st.RateLimited != 0 {
		t.Errorf("stats: %+v", st)
	}
}

// Unknown paths and methods answer in the documented error structure.
func TestUnknownRoutesAndMethods(t *testing.T) {
	e := newEnv(t, Options{})
	e.do("GET", "/v1/vouchers", "").wantError(t, http.StatusNotFound, "not_found")
	e.do("GET", "/v1/customers/a/b", "").wantError(t, http.StatusNotFound, "not_found")
	r := e.do("PUT", "/v1/exports", "{}")
	r.wantError(t, http.StatusMethodNotAllowed, "")
	if r.body["message"] != "HTTP Method Not Allowed" || r.body["details"] != "PUT is not supported by this endpoint. Did you mean GET or POST?" ||
		r.header.Get("Allow") != "GET, POST" {
		t.Errorf("405: %s (Allow %q)", r.raw, r.header.Get("Allow"))
	}
}
