package vsandbox

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/bcetl/bcetl/internal/clocktest"
)

const (
	testAppID    = "app-id-1234"
	testAppToken = "app-token-s3cret"
)

type env struct {
	t     *testing.T
	srv   *Server
	hs    *httptest.Server
	clock *clocktest.Fake
}

// newEnv starts an emulator behind a real HTTP server on loopback, with a
// fake clock and no rate limit unless opts sets one.
func newEnv(t *testing.T, opts Options) *env {
	t.Helper()
	clock := clocktest.New(time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC))
	if opts.AppID == "" {
		opts.AppID, opts.AppToken = testAppID, testAppToken
	}
	if opts.Now == nil {
		opts.Now = clock.Now
	}
	srv, err := New(opts)
	if err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(srv)
	t.Cleanup(hs.Close)
	return &env{t: t, srv: srv, hs: hs, clock: clock}
}

type resp struct {
	status int
	header http.Header
	raw    []byte
	body   map[string]any
}

// do sends a request with the right credentials. target is a path
// (joined to the server) or an absolute URL.
func (e *env) do(method, target, body string) resp {
	e.t.Helper()
	return e.doAuth(method, target, body, testAppID, testAppToken)
}

func (e *env) doAuth(method, target, body, appID, appToken string) resp {
	e.t.Helper()
	if !strings.HasPrefix(target, "http") {
		target = e.hs.URL + target
	}
	var rb io.Reader
	if body != "" {
		rb = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, target, rb)
	if err != nil {
		e.t.Fatal(err)
	}
	if appID != "" {
		req.Header.Set("X-App-Id", appID)
	}
	if appToken != "" {
		req.Header.Set("X-App-Token", appToken)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer res.Body.Close()
	raw, _ := io.ReadAll(res.Body)
	r := resp{status: res.StatusCode, header: res.Header, raw: raw}
	_ = json.Unmarshal(raw, &r.body)
	return r
}

// list is GET /v1/customers with the given query.
func (e *env) list(query url.Values) resp {
	e.t.Helper()
	return e.do("GET", "/v1/customers?"+query.Encode(), "")
}

func (r resp) customers() []map[string]any {
	l, _ := r.body["customers"].([]any)
	out := make([]map[string]any, len(l))
	for i, c := range l {
		out[i], _ = c.(map[string]any)
	}
	return out
}

func (r resp) ids() []string {
	var out []string
	for _, c := range r.customers() {
		out = append(out, c["id"].(string))
	}
	return out
}

func (r resp) num(key string) int {
	f, _ := r.body[key].(float64)
	return int(f)
}

// wantError checks a documented error answer: status, code and key.
func (r resp) wantError(t *testing.T, status int, key string) {
	t.Helper()
	if r.status != status || r.num("code") != status || r.body["key"] != key && key != "" {
		t.Fatalf("want %d %s, got %d: %s", status, key, r.status, r.raw)
	}
	if msg, _ := r.body["message"].(string); msg == "" {
		t.Errorf("error without message: %s", r.raw)
	}
}

func q(kv ...string) url.Values {
	v := url.Values{}
	for i := 0; i+1 < len(kv); i += 2 {
		v.Set(kv[i], kv[i+1])
	}
	return v
}

// at is a millisecond timestamp for fixtures.
func at(s string) time.Time {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		panic(err)
	}
	return t
}

// seed adds n customers created one second apart from start, named c0…,
// with source ids s0…, and returns their ids in creation order.
func (e *env) seed(n int, start time.Time) []string {
	e.t.Helper()
	ids := make([]string, n)
	for i := range n {
		id, err := e.srv.CreateCustomer(Customer{Name: "C " + itoa(i), Email: "c" + itoa(i) + "@example.com",
			SourceID: "s" + itoa(i), CreatedAt: start.Add(time.Duration(i) * time.Second)})
		if err != nil {
			e.t.Fatal(err)
		}
		ids[i] = id
	}
	return ids
}

func itoa(i int) string { return pad(i, 1) }
