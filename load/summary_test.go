package load

import (
	"math"
	"strings"
	"testing"
)

// The quota figures of a summary, from given counts and times (no clock).
func TestSummaryQuotaFigures(t *testing.T) {
	for _, c := range []struct {
		requests     int64
		quota        int
		window, wall float64
		util, min    float64
		over         float64
	}{
		// A fixed window starts full: 522 requests at 150 per 30 s need
		// three refreshes (90 s), so 92 s is near the minimum even though
		// the continuous rate says more than 100%.
		{requests: 522, quota: 150, window: 30, wall: 92, util: 522 / (150 * 92 / 30.0), min: 90, over: 92 / 90.0},
		{requests: 2075, quota: 50, window: 2, wall: 90.4, util: 2075 / (50 * 90.4 / 2), min: 82, over: 90.4 / 82},
		{requests: 150, quota: 150, window: 30, wall: 3, util: 150 / (150 * 3 / 30.0), min: 0, over: 0},
		{requests: 151, quota: 150, window: 30, wall: 31, util: 151 / (150 * 31 / 30.0), min: 30, over: 31 / 30.0},
		{requests: 0, quota: 150, window: 30, wall: 1, util: 0, min: 0, over: 0},
		{requests: 10, quota: 0, window: 0, wall: 1}, // no rate-limit headers
	} {
		s := &Summary{HTTPRequests: c.requests, Quota: c.quota, WindowSeconds: c.window, WallSeconds: c.wall}
		s.setQuotaFigures()
		if !near(s.QuotaUtilisation, c.util) || !near(s.QuotaBoundMinimumSeconds, c.min) || !near(s.WallOverMinimum, c.over) {
			t.Errorf("%d requests, %d per %gs, %gs: utilisation %g, minimum %g, wall÷minimum %g; want %g, %g, %g",
				c.requests, c.quota, c.window, c.wall, s.QuotaUtilisation, s.QuotaBoundMinimumSeconds, s.WallOverMinimum, c.util, c.min, c.over)
		}
	}
	s := &Summary{HTTPRequests: 522, Quota: 150, WindowSeconds: 30, WallSeconds: 92, Complete: true}
	s.setQuotaFigures()
	out := s.String()
	for _, want := range []string{"utilisation 113.5% (continuous rate", "quota-bound minimum for 522 requests 90.0s (fixed window); wall time ÷ minimum 1.022"} {
		if !strings.Contains(out, want) {
			t.Errorf("summary text lacks %q:\n%s", want, out)
		}
	}
}

func near(a, b float64) bool { return math.Abs(a-b) < 1e-9 }
