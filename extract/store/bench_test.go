//go:build unix

package store

import (
	"os"
	"strconv"
	"syscall"
	"testing"

	"github.com/bcetl/bcetl/internal/staging"
)

// BenchmarkExtract extracts a generated store of BCETL_BENCH_CUSTOMERS
// customers (default 2,000) from an in-process sandbox without rate limit,
// once per sandbox mode (date bounds exclusive or inclusive, counts sent or
// not), and reports customers/s, all rows/s, requests over the minimum, and
// the process's peak RSS (sandbox included: for the extractor alone, run
// the binaries as in STORE.md).
//
//	BCETL_BENCH_CUSTOMERS=100000 go test -run '^$' -bench 'BenchmarkExtract/exclusive/no-counts' -benchtime 1x ./extract/
func BenchmarkExtract(b *testing.B) {
	n := 2000
	if s := os.Getenv("BCETL_BENCH_CUSTOMERS"); s != "" {
		v, err := strconv.Atoi(s)
		if err != nil || v <= 0 {
			b.Fatalf("BCETL_BENCH_CUSTOMERS=%q", s)
		}
		n = v
	}
	for _, md := range modes {
		b.Run(md.String(), func(b *testing.B) { benchmarkExtract(b, n, md) })
	}
}

func benchmarkExtract(b *testing.B, n int, md mode) {
	e := newStoreEnvMode(b, n, md)
	var rows, customers, made, minimum int64
	b.ResetTimer()
	for b.Loop() {
		m, _ := e.extract(b.TempDir(), storeOptions{})
		for _, em := range m.Entities {
			rows += em.Rows
			made += em.Requests
			minimum += em.MinRequests
		}
		customers += m.Entities[staging.EntityCustomers].Rows
	}
	secs := b.Elapsed().Seconds()
	b.ReportMetric(float64(customers)/secs, "customers/s")
	b.ReportMetric(float64(rows)/secs, "rows/s")
	b.ReportMetric(float64(made)/float64(max(minimum, 1)), "requests/min")
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) == nil {
		b.ReportMetric(float64(ru.Maxrss)/1024, "peakRSS-MiB") // Linux: KiB
	}
}
