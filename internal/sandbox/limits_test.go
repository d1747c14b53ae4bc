package sandbox

import (
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"
)

func TestRateLimit(t *testing.T) {
	e := newEnv(t, Options{Quota: 3, Window: 30 * time.Second})
	for i := 0; i < 3; i++ {
		r := e.do("GET", "/customers/nope", nil) // a 404 still counts and carries the headers
		if r.header.Get("X-Rate-Limit-Requests-Left") != fmt.Sprint(2-i) {
			t.Fatalf("left %q after %d", r.header.Get("X-Rate-Limit-Requests-Left"), i+1)
		}
		if r.header.Get("X-Rate-Limit-Time-Window-Ms") != "30000" || r.header.Get("X-Rate-Limit-Requests-Quota") != "3" || r.header.Get("X-Rate-Limit-Time-Reset-Ms") != fmt.Sprint(30000-10000*(i/2)) {
			t.Fatalf("headers %v", r.header)
		}
		if i == 1 {
			e.clock.Advance(10 * time.Second)
		}
	}
	r := e.do("POST", "/customers", []any{cust("a@example.com", "A", "A")})
	e.wantError(r, 429)
	if r.header.Get("X-Retry-After") != "20" || r.header.Get("X-Rate-Limit-Time-Reset-Ms") != "20000" || r.header.Get("X-Rate-Limit-Requests-Left") != "0" {
		t.Fatalf("429 headers %v", r.header)
	}
	if n, _, _, _ := e.srv.Counts(); n != 0 {
		t.Fatal("a rate-limited request was executed")
	}
	e.clock.Advance(20 * time.Second) // the window ends: full quota again
	r = e.do("POST", "/customers", []any{cust("a@example.com", "A", "A")})
	e.want(r, 200)
	if r.header.Get("X-Rate-Limit-Requests-Left") != "2" {
		t.Fatalf("new window: %v", r.header)
	}
	if s := e.srv.Stats(); s.RateLimited != 1 {
		t.Fatalf("stats %+v", s)
	}
	e.srv.SetQuota(0, 0)
	for i := 0; i < 5; i++ {
		r := e.do("GET", "/customers", nil)
		e.want(r, 200)
		if r.header.Get("X-Rate-Limit-Requests-Left") != "" {
			t.Fatal("quota 0 still sends headers")
		}
	}
}

func TestConcurrencyCaps(t *testing.T) {
	e := newEnv(t, Options{Quota: 1000, Window: time.Minute})
	ids := e.createCustomers(cust("a@example.com", "A", "A"))
	release := make(chan struct{})
	var entered sync.WaitGroup
	e.srv.blockHook = func(r *http.Request) {
		if r.Method == "PUT" {
			entered.Done()
			<-release
		}
	}
	entered.Add(3)
	var wg sync.WaitGroup
	codes := make([]int, 3)
	for i := 0; i < 3; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			codes[i] = e.do("PUT", "/customers", []any{map[string]any{"id": ids[0], "notes": fmt.Sprint(i)}}).status
		}(i)
	}
	entered.Wait()
	r := e.do("PUT", "/customers", []any{map[string]any{"id": ids[0], "notes": "4th"}})
	e.wantError(r, 429)
	if r.body["title"] != "Too many concurrent requests" || r.header.Get("X-Rate-Limit-Requests-Left") == "" {
		t.Fatalf("4th PUT: %v %s", r.header, r.raw)
	}
	// Other endpoints are not affected.
	e.want(e.do("GET", "/customers", nil), 200)
	close(release)
	wg.Wait()
	if fmt.Sprint(codes) != "[200 200 200]" {
		t.Fatalf("held requests: %v", codes)
	}
	if s := e.srv.Stats(); s.ConcurrencyLimited != 1 {
		t.Fatalf("stats %+v", s)
	}
	for key, n := range map[string]int{"POST /v3/customers/addresses": 10, "PUT /v3/customers/addresses": 3, "POST /v3/customers/attributes": 3,
		"PUT /v3/customers/attributes": 3, "PUT /v3/customers": 3, "PUT /v3/customers/attribute-values": 3, "PUT /v3/customers/form-field-values": 10,
		"GET /v2/customer_groups": 40, "POST /v2/customer_groups": 40} {
		if cap(e.srv.caps[key]) != n {
			t.Errorf("%s cap %d, want %d", key, cap(e.srv.caps[key]), n)
		}
	}
}

func TestFaults(t *testing.T) {
	e := newEnv(t, Options{FaultRate: 1, Seed: 42})
	kinds := map[string]int{}
	var committed, failedWrites int
	for i := 0; i < 80; i++ {
		req, _ := http.NewRequest("POST", e.base+"/customers", strings.NewReader(fmt.Sprintf(`[{"email":"u%d@example.com","first_name":"A","last_name":"B"}]`, i)))
		req.Header.Set("X-Auth-Token", testToken)
		req.Header.Set("Content-Type", "application/json")
		res, err := e.http.Client().Do(req)
		if err == nil {
			_, err = io.ReadAll(res.Body)
			res.Body.Close()
		}
		switch {
		case err != nil:
			kinds["cut"]++
		default:
			kinds[fmt.Sprint(res.StatusCode)]++
			if res.StatusCode == 200 {
				t.Fatal("fault rate 1 answered 200")
			}
			if res.StatusCode == 502 && res.Header.Get("Content-Type") != "text/html" {
				t.Errorf("502 is a gateway page")
			}
		}
		failedWrites++
		if _, ok := e.srv.CustomerByEmail(fmt.Sprintf("u%d@example.com", i)); ok {
			committed++
		}
	}
	for _, k := range []string{"500", "502", "503", "cut"} {
		if kinds[k] == 0 {
			t.Errorf("no %s faults: %v", k, kinds)
		}
	}
	// About half of the failed writes were committed anyway.
	if committed < 20 || committed > 60 {
		t.Errorf("%d of %d failed writes committed", committed, failedWrites)
	}
	// The store stays consistent: every committed customer is whole.
	e.srv.SetFaultRate(0)
	r := e.do("GET", "/customers?limit=250", nil)
	if len(r.data()) != committed {
		t.Fatalf("list %d, committed %d", len(r.data()), committed)
	}
	if s := e.srv.Stats(); s.Faults != 80 {
		t.Errorf("stats %+v", s)
	}
}
