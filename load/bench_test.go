package load

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/bcetl/bcetl/internal/sandbox"
)

// BenchmarkLoadQuotaBound loads into a sandbox whose quota is the binding
// limit: BigCommerce's 150 per 30 s compressed to 50 per 2 s (same
// requests per window, 15× faster), with 50 ms latency, in real time.
// 2,970 customers with inline addresses, values and form fields need
// 297 customer batches plus 3 attribute requests: six full windows.
//
//	go test -run '^$' -bench LoadQuotaBound -benchtime 1x ./load/
//
// Metrics: quota utilisation (requests ÷ what the quota allowed over the
// wall time), 429s, customers/s against the quota-bound target
// (0.95 × quota/window × 10 = 237.5/s), and requests per customer relative
// to the theoretical minimum.
func BenchmarkLoadQuotaBound(b *testing.B) {
	const quota, window = 50, 2 * time.Second
	in := b.TempDir()
	spec := genSpec{customers: 2970}
	writeStaging(b, in, spec)
	var last *Summary
	for i := 0; i < b.N; i++ {
		_, base := newSandbox(b, sandbox.Options{Quota: quota, Window: window, Latency: 50 * time.Millisecond})
		c := newClient(b, base)
		out := b.TempDir()
		sum, err := Run(context.Background(), Options{In: in, StatePath: filepath.Join(out, "state.db"), Client: c})
		if err != nil {
			b.Fatal(err)
		}
		if !sum.Complete {
			b.Fatalf("incomplete:\n%s", sum)
		}
		last = sum
	}
	b.ReportMetric(last.QuotaUtilisation, "quota-utilisation")
	b.ReportMetric(float64(last.RateLimited), "429s")
	b.ReportMetric(last.CustomersPerSecond, "customers/s")
	b.ReportMetric(last.CustomersPerSecond/(0.95*quota/window.Seconds()*10), "customers/s÷target")
	b.ReportMetric(float64(last.HTTPRequests)/float64(last.MinimumRequests), "requests÷minimum")
	b.ReportMetric(float64(last.HTTPRequests)/float64(spec.customers), "requests/customer")
	b.ReportMetric(last.WallSeconds, "wall-s")
}
