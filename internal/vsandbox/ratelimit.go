package vsandbox

import (
	"net/http"
	"strconv"
	"sync"
	"time"
)

// limiter is the project's API call limit: Quota requests per Window
// (docs "Limits": Business 100 per minute, Organization 2,000 per minute;
// older plans counted per hour). What the documents say, and what is
// emulated:
//
//   - "Each API response … has a couple of headers": X-Rate-Limit-Limit
//     (the maximum per period), X-Rate-Limit-Remaining (left in the
//     current period) and X-Rate-Limit-Retry ("the time when the next API
//     request can be made, in Unix epoch format (in seconds)"). Read
//     literally: now while requests remain, the end of the period once
//     none do (rounded up to the second, so a client that waits until then
//     is never early).
//   - After the limit is reached: Retry-After (whole seconds, rounded up)
//     and X-Rate-Limit-Type: api_calls; status 429 with the body documented
//     for the bulk endpoint ("Too many requests hit the API too quickly.").
//     A refused request is not executed and does not count.
//
// Where the documents are silent: the period is a fixed window that starts
// with the first request after the previous one ended (as the BigCommerce
// sandbox's); a 401 carries no headers and does not count (no project is
// known); every authenticated answer counts, the CSV download included.
// Quota 0 disables the limit and the headers.
type limiter struct {
	mu     sync.Mutex
	quota  int
	window time.Duration
	start  time.Time
	used   int
}

// take counts one request, sets the headers and reports whether it may
// run; when it may not, retryAfter is the wait the answer announces.
func (l *limiter) take(h http.Header, now time.Time) (ok bool, retryAfter time.Duration) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.quota <= 0 {
		return true, 0
	}
	if l.start.IsZero() || now.Sub(l.start) >= l.window || now.Before(l.start) {
		l.start, l.used = now, 0
	}
	end := l.start.Add(l.window)
	ok = l.used < l.quota
	if ok {
		l.used++
	}
	next := now
	if l.used >= l.quota {
		next = end
	}
	h.Set("X-Rate-Limit-Limit", strconv.Itoa(l.quota))
	h.Set("X-Rate-Limit-Remaining", strconv.Itoa(l.quota-l.used))
	h.Set("X-Rate-Limit-Retry", strconv.FormatInt(ceilUnix(next), 10))
	if ok {
		return true, 0
	}
	retryAfter = end.Sub(now)
	h.Set("Retry-After", strconv.FormatInt(int64((retryAfter+time.Second-1)/time.Second), 10))
	h.Set("X-Rate-Limit-Type", "api_calls")
	return false, retryAfter
}

func (l *limiter) set(quota int, window time.Duration) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.quota, l.used, l.start = quota, 0, time.Time{}
	if window > 0 {
		l.window = window
	}
}

// ceilUnix is t in Unix seconds, rounded up.
func ceilUnix(t time.Time) int64 {
	s := t.Unix()
	if t.Nanosecond() > 0 {
		s++
	}
	return s
}

// tooManyRequests is the 429 body: the one documented (customers.json,
// Update Customers in Bulk: code 429, "Too many requests hit the API too
// quickly."), with details saying which limit was reached.
func tooManyRequests(quota int, window, retry time.Duration) *apiError {
	return &apiError{status: http.StatusTooManyRequests, body: errorBody{Code: 429,
		Message: "Too many requests hit the API too quickly.",
		Details: "API calls limit of " + strconv.Itoa(quota) + " per " + window.String() + " reached; retry in " +
			strconv.FormatInt(int64((retry+time.Second-1)/time.Second), 10) + " s"}}
}
