package sandbox

import (
	"net/http"
	"strconv"
	"sync"
	"time"
)

// limiter is BigCommerce's store-wide quota: Quota requests per fixed
// Window, "refreshed every 30 seconds" (bigcommerce-facts.md (a)). A window
// starts with the first request after the previous one ended.
//
// Choices where the documents are silent:
//   - 401 answers carry no rate-limit headers and do not count: the
//     gateway refuses them before the store quota is consulted.
//   - Every authenticated answer (2xx, 4xx, 5xx and faults) carries the
//     four X-Rate-Limit-* headers; a refused one adds X-Retry-After
//     (whole seconds, rounded up) and is not executed.
//   - Quota 0 disables the limit and the headers.
type limiter struct {
	mu     sync.Mutex
	quota  int
	window time.Duration
	start  time.Time
	used   int
}

// take counts one request, sets the headers and reports whether it may run.
func (l *limiter) take(h http.Header, now time.Time) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.quota <= 0 {
		return true
	}
	if l.start.IsZero() || now.Sub(l.start) >= l.window || now.Before(l.start) {
		l.start, l.used = now, 0
	}
	reset := l.start.Add(l.window).Sub(now)
	ok := l.used < l.quota
	if ok {
		l.used++
	}
	h.Set("X-Rate-Limit-Time-Window-Ms", strconv.FormatInt(l.window.Milliseconds(), 10))
	h.Set("X-Rate-Limit-Time-Reset-Ms", strconv.FormatInt(reset.Milliseconds(), 10))
	h.Set("X-Rate-Limit-Requests-Quota", strconv.Itoa(l.quota))
	h.Set("X-Rate-Limit-Requests-Left", strconv.Itoa(l.quota-l.used))
	if !ok {
		h.Set("X-Retry-After", strconv.FormatInt(int64((reset+time.Second-1)/time.Second), 10))
	}
	return ok
}

func (l *limiter) set(quota int, window time.Duration) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.quota, l.used, l.start = quota, 0, time.Time{}
	if window > 0 {
		l.window = window
	}
}

// concurrencyCaps are the per-endpoint limits of the document ("Limit of 3
// concurrent requests", "The default rate limit for this endpoint is 10
// concurrent requests"). A request beyond its cap is refused at once with
// 429 "Too many concurrent requests" plus the store-wide X-Rate-Limit-*
// headers (how BigCommerce signals this is undocumented; a client that
// honours X-Rate-Limit-Time-Reset-Ms or backs off handles both).
var concurrencyCaps = map[string]int{
	"POST /v3/customers/addresses":        10,
	"PUT /v3/customers/addresses":         3,
	"POST /v3/customers/attributes":       3,
	"PUT /v3/customers/attributes":        3,
	"PUT /v3/customers":                   3,
	"PUT /v3/customers/attribute-values":  3,
	"PUT /v3/customers/form-field-values": 10,
	// customers.v2.yml: "The default rate limit for this endpoint is 40
	// concurrent requests" (every /customer_groups operation).
	"GET /v2/customer_groups":                     40,
	"POST /v2/customer_groups":                    40,
	"GET /v2/customer_groups/{customer_group_id}": 40,
}
