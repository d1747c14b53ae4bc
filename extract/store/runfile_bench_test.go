package store

import (
	"context"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/bcetl/bcetl/internal/staging"
)

// benchCustomers are n customer rows as a store extract makes them,
// in descending id order (the spill sorts them).
func benchCustomers(n int) []staging.Customer {
	rows := make([]staging.Customer, n)
	t := time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC)
	for i := range rows {
		id := int64(n - i)
		k := idKey(id)
		rows[i] = staging.Customer{SourceKey: k, ID: int64p(id), Email: "someone" + k + "@example.com", FirstName: "Firstname", LastName: "Lastname",
			Phone: "+1 555 0100", CustomerGroupID: int64p(0), DateCreated: &t, DateModified: &t, OriginChannelID: int64p(1),
			ChannelIDs: []int64{1}, StoreCreditAmounts: []staging.Money{}}
	}
	return rows
}

// BenchmarkSpillRun measures one spill of the extract's sink: a full
// buffer of customer rows (defaultSpillRows) sorted and written as a run,
// then read back as the merge reads it.
//
//	go test -run '^$' -bench SpillRun ./extract/store/
func BenchmarkSpillRun(b *testing.B) {
	rows := benchCustomers(defaultSpillRows)
	for b.Loop() {
		p := filepath.Join(b.TempDir(), "c.run")
		if err := writeRun(p, rows, customerOrder.cmp); err != nil {
			b.Fatal(err)
		}
		src, err := openRunSource[staging.Customer](p, 0)
		if err != nil {
			b.Fatal(err)
		}
		n := 0
		for !src.done() {
			n++
			if err := src.advance(); err != nil {
				b.Fatal(err)
			}
		}
		src.close()
		if n != len(rows) {
			b.Fatal(n)
		}
	}
	b.ReportMetric(float64(len(rows))*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
}

// BenchmarkMergeRuns measures the spilled-run merge at the end of an
// extract: 100,000 customers added in an interleaved order (as windows
// walked in parallel deliver them) through a runSet, spilled into runs,
// and merged into customers.parquet through the staging writer (the
// sink's writes: zstd, SHA-256).
//
//	go test -run '^$' -bench MergeRuns -benchtime 3x ./extract/store/
func BenchmarkMergeRuns(b *testing.B) {
	const n = 100000
	rows := benchCustomers(n)
	// Four windows' worth of ids, interleaved page by page.
	var order []staging.Customer
	for p := 0; p < n/4; p += 250 {
		for w := range 4 {
			order = append(order, rows[w*n/4+p:w*n/4+p+250]...)
		}
	}
	for b.Loop() {
		b.StopTimer()
		dir := b.TempDir()
		set := newRunSet(dir, staging.EntityCustomers, customerOrder, 0)
		b.StartTimer()
		for i := 0; i < len(order); i += 250 {
			if err := set.add(order[i : i+250]...); err != nil {
				b.Fatal(err)
			}
		}
		w, err := staging.Create[staging.Customer](filepath.Join(dir, "customers.parquet"))
		if err != nil {
			b.Fatal(err)
		}
		if _, err := set.merge(context.Background(), w, nil); err != nil {
			b.Fatal(err)
		}
		st, err := w.Commit()
		if err != nil || st.Rows != n {
			b.Fatal(strconv.FormatInt(st.Rows, 10), err)
		}
	}
	b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
}
