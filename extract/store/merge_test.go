package store

import (
	"context"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/bcetl/bcetl/extract/internal/sourcetest"
	"github.com/bcetl/bcetl/internal/sandboxtest"
	"github.com/bcetl/bcetl/internal/staging"
	"github.com/bcetl/bcetl/internal/stagingtest"
)

// Rows added out of order and with duplicate ids, across many spilled runs,
// come out sorted by id, once each, the newest date_modified winning and,
// between equal times, the row received last.
func TestRunSetMergeSortsAndDedupes(t *testing.T) {
	dir := t.TempDir()
	rs := newRunSet(dir, staging.EntityCustomers, customerOrder, 7)
	base := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	rng := rand.New(rand.NewPCG(sandboxtest.Seed(t, 3), 4))
	want := map[int64]string{} // id → email of the row that must win
	newest := map[int64]time.Time{}
	for i := range 500 {
		id := int64(rng.IntN(120) + 1)
		dm := base.Add(time.Duration(rng.IntN(5)) * time.Second)
		email := "row" + idKey(int64(i))
		if cur, ok := newest[id]; !ok || !dm.Before(cur) {
			newest[id], want[id] = dm, email
		}
		r := staging.Customer{SourceKey: idKey(id), ID: int64p(id), Email: email, DateModified: &dm, ChannelIDs: []int64{id}}
		if err := rs.add(r); err != nil {
			t.Fatal(err)
		}
	}
	if len(rs.runs) < 50 {
		t.Fatalf("only %d runs spilled", len(rs.runs))
	}
	out := filepath.Join(dir, "customers.parquet")
	w, err := staging.Create[staging.Customer](out)
	if err != nil {
		t.Fatal(err)
	}
	dups, err := rs.merge(context.Background(), w, nil)
	if err != nil {
		t.Fatal(err)
	}
	st, err := w.Commit()
	if err != nil {
		t.Fatal(err)
	}
	rows := stagingtest.Read[staging.Customer](t, out)
	if int(st.Rows) != len(want) || len(rows) != len(want) || dups != int64(500-len(want)) {
		t.Fatalf("rows %d (stats %d, duplicates %d), want %d", len(rows), st.Rows, dups, len(want))
	}
	sortedIDs(t, "customers", rows, func(r *staging.Customer) *int64 { return r.ID })
	for _, r := range rows {
		if r.Email != want[*r.ID] || len(r.ChannelIDs) != 1 || r.ChannelIDs[0] != *r.ID {
			t.Errorf("id %d: kept %s (channels %v), want %s", *r.ID, r.Email, r.ChannelIDs, want[*r.ID])
		}
	}
	left, _ := filepath.Glob(filepath.Join(dir, "*.run"))
	if len(left) != 0 {
		t.Errorf("runs left behind: %v", left)
	}
	fi, _ := os.Stat(out)
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("mode %v", fi.Mode().Perm())
	}
	sourcetest.AssertArrowAgrees(t, out)
}

// The packer's chunks: exactly one page each while the pool allows it,
// every customer in exactly one chunk, and never more rows than a page.
func TestPackerFillsPages(t *testing.T) {
	ch := make(chan overflowChunk, 1000)
	p := newPacker(staging.EntityAddresses, ch, 8000)
	rng := rand.New(rand.NewPCG(sandboxtest.Seed(t, 5), 6))
	total, seen := 0, map[int64]bool{}
	ctx := context.Background()
	for id := int64(1); id <= 400; id++ {
		n := 11 + rng.IntN(20)
		if id == 77 {
			n = 600 // more than a page: alone
		}
		total += n
		if err := p.add(ctx, id, n); err != nil {
			t.Fatal(err)
		}
	}
	if err := p.finish(ctx); err != nil {
		t.Fatal(err)
	}
	close(ch)
	chunks, pages, rows := 0, 0, 0
	for c := range ch {
		chunks++
		pages += (c.rows + pageSize - 1) / pageSize
		rows += c.rows
		if c.rows > pageSize && len(c.ids) != 1 {
			t.Errorf("chunk of %d customers has %d rows, more than a page", len(c.ids), c.rows)
		}
		for _, id := range c.ids {
			if seen[id] {
				t.Errorf("customer %d in two chunks", id)
			}
			seen[id] = true
		}
	}
	minPages := (total - 600 + pageSize - 1) / pageSize // the shared pages
	if rows != total || len(seen) != 400 {
		t.Fatalf("rows %d/%d, customers %d/400", rows, total, len(seen))
	}
	if pages > minPages+3 { // +3: the big customer's pages
		t.Errorf("%d pages for %d rows: minimum %d+3", pages, total, minPages)
	}
	t.Logf("%d rows in %d chunks, %d pages (minimum %d+3)", total, chunks, pages, minPages)
}

func TestBestSubsetUsesEachItemOnce(t *testing.T) {
	items := []overflowItem{{1, 100}, {2, 100}, {3, 60}, {4, 90}}
	idx, sum := bestSubset(items, 250)
	if sum != 250 {
		t.Fatalf("sum %d, want 250 (100+60+90)", sum)
	}
	got, seen := 0, map[int]bool{}
	for _, i := range idx {
		if seen[i] {
			t.Fatalf("item %d used twice", i)
		}
		seen[i] = true
		got += items[i].rows
	}
	if got != 250 {
		t.Fatalf("indexes %v sum to %d", idx, got)
	}
	if _, sum := bestSubset([]overflowItem{{1, 200}, {2, 200}}, 250); sum != 200 {
		t.Fatalf("best of two 200s: %d", sum)
	}
}
