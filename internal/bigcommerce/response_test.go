package bigcommerce

import (
	"net/http"
	"testing"
	"time"
)

func TestParseRateNeedsAllHeaders(t *testing.T) {
	h := http.Header{}
	h.Set("x-rate-limit-requests-left", "3") // lower case: names are case-insensitive
	h.Set(HeaderRequestsQuota, "150")
	h.Set(HeaderTimeResetMs, "1500")
	h.Set(HeaderTimeWindowMs, "30000")
	r := parseRate(h, time.Unix(0, 0))
	if !r.Known || r.Left != 3 || r.Quota != 150 || r.Reset != 1500*time.Millisecond || r.Window != 30*time.Second {
		t.Fatalf("parsed %+v", r)
	}
	h.Del(HeaderTimeWindowMs)
	if parseRate(h, time.Unix(0, 0)).Known {
		t.Fatal("a rate without the window header must not be Known")
	}
}
