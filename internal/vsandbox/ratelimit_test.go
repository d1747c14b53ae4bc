package vsandbox

import (
	"net/http"
	"strconv"
	"testing"
	"time"
)

// The documented limit headers on every answer; past the quota a 429 with
// Retry-After and X-Rate-Limit-Type, not executed and not counted; a new
// window after Window; Quota 0: no limit and no headers. The clock is fake:
// nothing waits.
func TestRateLimit(t *testing.T) {
	e := newEnv(t, Options{Quota: 3, Window: time.Minute})
	e.seed(1, at("2024-01-01T00:00:00Z"))
	start := e.clock.Now()
	end := start.Add(time.Minute).Unix()
	for i, want := range []struct {
		remaining string
		retry     int64
	}{{"2", start.Unix()}, {"1", start.Unix()}, {"0", end}} {
		r := e.do("GET", "/v1/customers", "")
		h := r.header
		if r.status != 200 || h.Get("X-Rate-Limit-Limit") != "3" || h.Get("X-Rate-Limit-Remaining") != want.remaining ||
			h.Get("X-Rate-Limit-Retry") != strconv.FormatInt(want.retry, 10) || h.Get("Retry-After") != "" {
			t.Errorf("request %d: %d, headers %v", i+1, r.status, h)
		}
	}
	e.clock.Advance(20*time.Second + 300*time.Millisecond)
	r := e.do("GET", "/v1/customers", "")
	r.wantError(t, http.StatusTooManyRequests, "")
	h := r.header
	if r.body["message"] != "Too many requests hit the API too quickly." || h.Get("Retry-After") != "40" ||
		h.Get("X-Rate-Limit-Type") != "api_calls" || h.Get("X-Rate-Limit-Remaining") != "0" ||
		h.Get("X-Rate-Limit-Retry") != strconv.FormatInt(end, 10) {
		t.Errorf("429: %s, headers %v", r.raw, h)
	}
	if st := e.srv.Stats(); st.RateLimited != 1 || st.ListCustomers != 3 {
		t.Errorf("the refused request was executed or not counted: %+v", st)
	}
	// A refused request does not use the next window's quota either.
	e.clock.Advance(40 * time.Second)
	for i := range 3 {
		if r := e.do("GET", "/v1/customers", ""); r.status != 200 || r.header.Get("X-Rate-Limit-Remaining") != strconv.Itoa(2-i) {
			t.Errorf("new window, request %d: %d %v", i+1, r.status, r.header)
		}
	}
	e.do("GET", "/v1/customers/nope", "").wantError(t, http.StatusTooManyRequests, "") // every endpoint counts

	e.srv.SetQuota(0, 0)
	if r := e.do("GET", "/v1/customers", ""); r.status != 200 || r.header.Get("X-Rate-Limit-Limit") != "" {
		t.Errorf("quota 0: %d %v", r.status, r.header)
	}
	e.srv.SetQuota(1, time.Hour)
	e.do("GET", "/v1/customers", "")
	if r := e.do("GET", "/v1/customers", ""); r.status != http.StatusTooManyRequests || r.header.Get("Retry-After") != "3600" {
		t.Errorf("SetQuota(1, 1h): %d %v", r.status, r.header)
	}
}
