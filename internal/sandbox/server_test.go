package sandbox

import (
	"net/http"
	"strings"
	"testing"
)

func TestAuth(t *testing.T) {
	e := newEnv(t, Options{Quota: 100, Window: 30e9})
	for _, tok := range []string{"", "wrong", testToken + "x"} {
		r := e.doToken("GET", "/customers", nil, tok)
		e.wantError(r, http.StatusUnauthorized)
		if r.header.Get("X-Rate-Limit-Requests-Left") != "" {
			t.Errorf("401 carries rate-limit headers")
		}
	}
	r := e.do("GET", "/customers", nil)
	e.want(r, 200)
	if got := r.header.Get("X-Rate-Limit-Requests-Left"); got != "99" {
		t.Errorf("401s counted against the quota: left %q", got)
	}
	if s := e.srv.Stats(); s.Unauthorized != 3 || s.Requests != 4 {
		t.Errorf("stats %+v", s)
	}
}

func TestRouting(t *testing.T) {
	e := newEnv(t, Options{})
	e.wantError(e.do("GET", "/customers/nope", nil), 404)
	e.wantError(e.do("GET", "/customers/", nil), 404)
	e.wantError(e.do("GET", "/catalog/products", nil), 404)
	r := e.do("PATCH", "/customers", "[]")
	e.wantError(r, 405)
	if a := r.header.Get("Allow"); a != "GET, POST, PUT, DELETE" {
		t.Errorf("Allow %q", a)
	}
	r = e.do("POST", "/customers/form-field-values", "[]")
	e.wantError(r, 405)
	e.wantError(e.do("DELETE", "/customers/form-field-values", nil), 405)
	// Another store hash is not served.
	req, _ := http.NewRequest("GET", e.http.URL+"/stores/other/v3/customers", nil)
	req.Header.Set("X-Auth-Token", testToken)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != 404 {
		t.Errorf("other store: %d", res.StatusCode)
	}
}

func TestBodyRules(t *testing.T) {
	e := newEnv(t, Options{})
	// Content-Type must be JSON.
	req, _ := http.NewRequest("POST", e.base+"/customers", strings.NewReader(`[{"email":"a@example.com","first_name":"a","last_name":"b"}]`))
	req.Header.Set("X-Auth-Token", testToken)
	req.Header.Set("Content-Type", "text/plain")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != 415 {
		t.Errorf("text/plain body: %d", res.StatusCode)
	}
	e.wantError(e.do("POST", "/customers", `{"email":"a@example.com"}`), 422) // not an array
	e.wantError(e.do("POST", "/customers", `[`), 422)
	e.wantError(e.do("POST", "/customers", `[]`), 422)
	e.wantError(e.do("POST", "/customers", `[1]`), 422)
	if n, _, _, _ := e.srv.Counts(); n != 0 {
		t.Fatalf("%d customers written", n)
	}
}
