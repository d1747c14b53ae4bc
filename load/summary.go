package load

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/bcetl/bcetl/internal/atomicfile"
	"github.com/bcetl/bcetl/internal/staging"
)

// Summary is what a run did. Counts are over the whole input (every run
// on this state file); requests, times and rates are this run's.
type Summary struct {
	DryRun   bool `json:"dry_run"`
	Complete bool `json:"complete"` // every record has a final status

	// Counts[entity][status], one per input record (results.parquet).
	Counts map[string]map[staging.Status]int64 `json:"counts"`

	Requests        map[string]int64   `json:"requests_per_endpoint"` // calls made (retries not counted)
	ItemsPerRequest map[string]float64 `json:"items_per_request"`
	HTTPRequests    int64              `json:"http_requests"` // every round trip, retries included
	Retries         int64              `json:"retries"`
	RateLimited     int64              `json:"rate_limited_429"`
	// MinimumRequests is the theoretical minimum for this input:
	// attribute list and creations, ceil(customers/10), and the overflow
	// address and value batches.
	MinimumRequests int64 `json:"minimum_requests"`

	WallSeconds        float64 `json:"wall_seconds"`
	CustomersThisRun   int64   `json:"customers_this_run"`
	CustomersPerSecond float64 `json:"customers_per_second"`

	// From the X-Rate-Limit-* headers; zero when the store sent none.
	Quota         int     `json:"quota"`
	WindowSeconds float64 `json:"window_seconds"`
	// QuotaUtilisation is the continuous-rate utilisation: requests used ÷
	// (quota × wall time ÷ window). The quota is a fixed window that starts
	// full, so over a run of a few windows this can pass 100% (522
	// requests at 150 per 30 s in 92 s: 113.5%); QuotaBoundMinimumSeconds
	// and WallOverMinimum are the fixed-window view.
	QuotaUtilisation float64 `json:"quota_utilisation"`
	// QuotaBoundMinimumSeconds is the least wall time this run's
	// HTTPRequests could take under a fixed window of Quota per
	// WindowSeconds: the first Quota go at once and each further Quota
	// waits for the next refresh, so R requests need floor((R−1)/Quota)
	// windows (0 when R ≤ Quota).
	QuotaBoundMinimumSeconds float64 `json:"quota_bound_minimum_seconds"`
	// WallOverMinimum is WallSeconds ÷ QuotaBoundMinimumSeconds (0 when
	// that is 0): 1.0 would be a run that did nothing but wait for the
	// quota; what is above it is time the quota did not impose (the
	// import, latency, the results).
	WallOverMinimum float64 `json:"wall_over_minimum"`

	Plan *Plan `json:"plan,omitempty"`

	ResultsPath string `json:"results_path,omitempty"`
	SummaryPath string `json:"summary_path,omitempty"`
}

// Rejected is the number of input records rejected, all entities.
func (s *Summary) Rejected() int64 { return s.total(staging.StatusRejected) }

// Pending is the number of input records not settled yet (a run that
// stopped early).
func (s *Summary) Pending() int64 { return s.total(staging.StatusPending) }

func (s *Summary) total(status staging.Status) int64 {
	var n int64
	for _, c := range s.Counts {
		n += c[status]
	}
	return n
}

// finish writes the results and the summary (ResultsPath, SummaryPath).
func (l *loader) finish(ctx context.Context, complete bool) (*Summary, error) {
	ctx = context.WithoutCancel(ctx) // a cancelled run still reports
	s := l.baseSummary()
	path, counts, err := l.finishResults(ctx)
	if err != nil {
		return s, err
	}
	s.ResultsPath, s.Counts = path, counts
	s.Complete = complete && s.Pending() == 0
	s.MinimumRequests = l.minimumRequests()
	return s, l.writeSummary(s)
}

func (l *loader) baseSummary() *Summary {
	wall := time.Since(l.start)
	r := l.acct.Requests()
	s := &Summary{
		Requests:        map[string]int64{},
		ItemsPerRequest: map[string]float64{},
		HTTPRequests:    r.Requests,
		Retries:         r.Retries,
		RateLimited:     r.RateLimited,
		WallSeconds:     wall.Seconds(),
	}
	l.mu.Lock()
	for ep, n := range l.requests {
		s.Requests[ep] = n
		if n > 0 {
			s.ItemsPerRequest[ep] = float64(l.items[ep]) / float64(n)
		}
	}
	l.mu.Unlock()
	s.CustomersThisRun = l.customersDone.Load()
	if wall > 0 {
		s.CustomersPerSecond = float64(s.CustomersThisRun) / wall.Seconds()
	}
	if ps := l.c.Pacer().State(); ps.Known && ps.Window > 0 {
		s.Quota, s.WindowSeconds = ps.Quota, ps.Window.Seconds()
		s.setQuotaFigures()
	}
	return s
}

// QuotaBoundMinimum is the least time r requests can take under a quota of
// q per fixed window w: the first window's q go at once, each further q
// waits for the next refresh, so the last request goes at floor((r-1)/q)
// windows. (For the same reason utilisation over a short run can pass
// 100%: a fixed window starts full.)
func QuotaBoundMinimum(r int64, q int, w time.Duration) time.Duration {
	if r <= 0 || q <= 0 {
		return 0
	}
	return time.Duration((r-1)/int64(q)) * w
}

// setQuotaFigures computes the quota figures from HTTPRequests,
// WallSeconds, Quota and WindowSeconds.
func (s *Summary) setQuotaFigures() {
	s.QuotaUtilisation, s.QuotaBoundMinimumSeconds, s.WallOverMinimum = 0, 0, 0
	if s.Quota <= 0 || s.WindowSeconds <= 0 {
		return
	}
	if allowed := float64(s.Quota) * s.WallSeconds / s.WindowSeconds; allowed > 0 {
		s.QuotaUtilisation = float64(s.HTTPRequests) / allowed
	}
	s.QuotaBoundMinimumSeconds = QuotaBoundMinimum(s.HTTPRequests, s.Quota, time.Duration(s.WindowSeconds*float64(time.Second))).Seconds()
	if s.QuotaBoundMinimumSeconds > 0 {
		s.WallOverMinimum = s.WallSeconds / s.QuotaBoundMinimumSeconds
	}
}

func (l *loader) writeSummary(s *Summary) error {
	s.SummaryPath = SummaryPath(l.opts.StatePath)
	return atomicfile.WriteJSON(s.SummaryPath, s)
}

// String is the summary for a person.
func (s *Summary) String() string {
	var b strings.Builder
	if s.DryRun && s.Plan != nil {
		b.WriteString(s.Plan.String())
		return b.String()
	}
	fmt.Fprintf(&b, "records (entity: status counts):\n")
	for _, e := range staging.Entities {
		c := s.Counts[e]
		if len(c) == 0 {
			continue
		}
		var parts []string
		for _, st := range sortedKeys(c) {
			parts = append(parts, fmt.Sprintf("%s %d", st, c[st]))
		}
		fmt.Fprintf(&b, "  %-18s %s\n", e, strings.Join(parts, ", "))
	}
	fmt.Fprintf(&b, "requests (endpoint: calls, items/call):\n")
	for _, ep := range sortedKeys(s.Requests) {
		fmt.Fprintf(&b, "  %-34s %7d  %5.2f\n", ep, s.Requests[ep], s.ItemsPerRequest[ep])
	}
	fmt.Fprintf(&b, "http requests %d (minimum for this input %d), retries %d, 429s %d\n", s.HTTPRequests, s.MinimumRequests, s.Retries, s.RateLimited)
	fmt.Fprintf(&b, "wall time %.1fs, customers this run %d (%.1f/s)\n", s.WallSeconds, s.CustomersThisRun, s.CustomersPerSecond)
	if s.Quota > 0 {
		fmt.Fprintf(&b, "quota %d per %.0fs, utilisation %.1f%% (continuous rate; a fixed window starts full, so a short run can pass 100%%)\n",
			s.Quota, s.WindowSeconds, 100*s.QuotaUtilisation)
		if s.QuotaBoundMinimumSeconds > 0 {
			fmt.Fprintf(&b, "quota-bound minimum for %d requests %.1fs (fixed window); wall time ÷ minimum %.3f\n",
				s.HTTPRequests, s.QuotaBoundMinimumSeconds, s.WallOverMinimum)
		}
	} else {
		b.WriteString("quota: the store sent no rate-limit headers\n")
	}
	if s.ResultsPath != "" { // none with --results-format csv (internal/results)
		fmt.Fprintf(&b, "results: %s\n", s.ResultsPath)
	}
	fmt.Fprintf(&b, "summary: %s\n", s.SummaryPath)
	if !s.Complete {
		fmt.Fprintf(&b, "INCOMPLETE: %d records pending; run the same command again to resume\n", s.Pending())
	}
	return b.String()
}

func sortedKeys[K ~string, V any](m map[K]V) []K {
	return slices.Sorted(maps.Keys(m))
}
