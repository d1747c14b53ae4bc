package voucherify

import (
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/bcetl/bcetl/internal/pacer"
)

// Rate-limit headers (Voucherify docs, "Limits": "Each API response … has a
// couple of headers").
const (
	HeaderLimit     = "X-Rate-Limit-Limit"     // API calls per period
	HeaderRemaining = "X-Rate-Limit-Remaining" // left in the current period
	// HeaderRetry is "the time when the next API request can be made", in
	// Unix seconds: now while requests remain, the period's end once none
	// do.
	HeaderRetry      = "X-Rate-Limit-Retry"
	HeaderRetryAfter = "Retry-After"       // whole seconds, on a 429
	HeaderLimitType  = "X-Rate-Limit-Type" // on a 429: "api_calls"
)

// parseRate translates Voucherify's headers into the pacer's terms. Limit
// and Remaining must both parse for the rate to be Known. While requests
// remain the headers do not say when the period ends (Retry is "now"), so
// the rate has NoReset and the window the client assumes; once none
// remain, Retry is the end (rounded up to the second, so waiting until
// then is never early).
func parseRate(h http.Header, at time.Time, window time.Duration) pacer.Rate {
	limit, e1 := strconv.Atoi(strings.TrimSpace(h.Get(HeaderLimit)))
	left, e2 := strconv.Atoi(strings.TrimSpace(h.Get(HeaderRemaining)))
	if e1 != nil || e2 != nil || limit <= 0 || left < 0 {
		return pacer.Rate{At: at}
	}
	r := pacer.Rate{Known: true, Left: left, Quota: limit, Window: window, At: at, NoReset: true}
	if left > 0 {
		return r
	}
	if sec, err := strconv.ParseInt(strings.TrimSpace(h.Get(HeaderRetry)), 10, 64); err == nil {
		if reset := time.Unix(sec, 0).Sub(at); reset >= 0 {
			r.Reset, r.NoReset = reset, false
		}
	}
	return r
}
