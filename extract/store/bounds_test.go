package store

import (
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/bcetl/bcetl/internal/sandbox"
	"github.com/bcetl/bcetl/internal/staging"
	"github.com/bcetl/bcetl/internal/stagingtest"
)

// Whether the API includes a record stamped exactly on a date filter's
// bound is undocumented: these tests put records on the bounds the
// extractor sends and run under both readings.

// Customers created exactly on the seconds where date_created windows
// meet (four customers in every second, so every boundary second has
// some): under exclusive bounds none is lost, under inclusive none is
// doubled — not in the files, not in the overflow requests, not in the
// minimum.
func TestExtractStoreWindowBoundaries(t *testing.T) {
	forModes(t, func(t *testing.T, md mode) {
		const n, perSecond, windows = 1200, 4, 4
		e := newStoreEnvMode(t, n, md)
		t0 := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
		created := func(id int64) time.Time { return t0.Add(time.Duration((id-1)/perSecond) * time.Second) }
		all := make([]int64, n)
		for i := range all {
			all[i] = int64(i + 1)
		}
		if k, err := e.srv.ModifyCustomers(all, func(f *sandbox.CustomerFields) { f.DateCreated = created(f.ID) }); err != nil || k != n {
			t.Fatalf("ModifyCustomers: %d, %v", k, err)
		}
		// The windows the extractor will cut: from the earliest
		// date_created of its sizing page (customer 1) to the latest.
		ws := splitWindows(created(1), created(n), windows)
		if len(ws) != windows {
			t.Fatalf("%d windows", len(ws))
		}
		onBoundary := 0
		for _, w := range ws[1:] {
			for id := int64(1); id <= n; id++ {
				if d := created(id); d.Equal(w.min) || d.Equal(w.min.Add(-time.Second)) {
					onBoundary++
				}
			}
		}
		if onBoundary < 2*(windows-1) {
			t.Fatalf("only %d customers on boundary seconds", onBoundary)
		}

		lists := customerIDLists(e)
		dir := t.TempDir()
		m, _ := e.extract(dir, storeOptions{Windows: windows})
		e.onRequest.Store(nil)
		checkFiles(t, dir, m, DefaultEntities)
		ids := sortedIDs(t, "customers", stagingtest.Read[staging.Customer](t, filepath.Join(dir, staging.FileName(staging.EntityCustomers))), func(r *staging.Customer) *int64 { return r.ID })
		if !slices.Equal(ids, all) {
			var missing []int64
			for _, id := range all {
				if _, ok := slices.BinarySearch(ids, id); !ok {
					missing = append(missing, id)
				}
			}
			t.Fatalf("%d customers of %d; missing %v (%d on boundary seconds)", len(ids), n, missing, onBoundary)
		}
		_, na, nv, nf := e.srv.Counts()
		for entity, want := range map[string]int{staging.EntityAddresses: na, staging.EntityAttributeValues: nv, staging.EntityFormFieldValues: nf} {
			if got := m.Entities[entity].Rows; got != int64(want) {
				t.Errorf("%s: %d rows, the store has %d", entity, got, want)
			}
		}
		if got, want := m.Entities[staging.EntityCustomers].MinRequests, int64((n+pageSize-1)/pageSize); got != want {
			t.Errorf("customers min_requests %d, want %d: customers read twice were counted", got, want)
		}
		type asked struct {
			path string
			id   int64
		}
		seen := map[asked]bool{}
		for _, l := range lists() {
			for _, id := range l.ids {
				if seen[asked{l.path, id}] {
					t.Errorf("customer %d asked for twice from %s", id, l.path)
				}
				seen[asked{l.path, id}] = true
			}
		}
		t.Logf("%d customers on boundary seconds; %d requests for a minimum of %d", onBoundary, totalOf(m, false), totalOf(m, true))
	})
}

// The incremental bound, under both readings: a customer stamped exactly
// StateOverlap before the saved watermark (as a store whose clock is that
// much behind ours stamps a change made just after the watermark) is in
// the next run, and so is one modified exactly at --since.
func TestExtractStoreWatermarkBoundary(t *testing.T) {
	for _, md := range modes[:2] {
		t.Run(md.String(), func(t *testing.T) {
			e := newStoreEnvMode(t, 200, md)
			state := filepath.Join(t.TempDir(), "extract.state")
			m1, _ := e.extract(t.TempDir(), storeOptions{StatePath: state})
			skewed := m1.StartedAt.Add(-StateOverlap)
			if _, err := e.srv.ModifyCustomers([]int64{7}, func(f *sandbox.CustomerFields) { f.Notes, f.DateModified = "skewed", skewed }); err != nil {
				t.Fatal(err)
			}
			e.clock.Advance(time.Hour)
			dir := t.TempDir()
			m2, _ := e.extract(dir, storeOptions{StatePath: state})
			if !m2.Since.Equal(skewed) {
				t.Errorf("since %v, want %v", m2.Since, skewed)
			}
			if got := customerIDs(t, dir); !slices.Equal(got, []int64{7}) {
				t.Errorf("incremental run after a change stamped %v: customers %v, want [7]", skewed, got)
			}

			at := e.clock.Now().Truncate(time.Second)
			if _, err := e.srv.ModifyCustomers([]int64{9}, func(f *sandbox.CustomerFields) { f.Notes = "at since" }); err != nil {
				t.Fatal(err)
			}
			e.clock.Advance(time.Hour)
			dir = t.TempDir()
			e.extract(dir, storeOptions{Since: &at})
			if got := customerIDs(t, dir); !slices.Equal(got, []int64{9}) {
				t.Errorf("--since %v, a change at that second: customers %v, want [9]", at, got)
			}
		})
	}
}

func customerIDs(t *testing.T, dir string) []int64 {
	t.Helper()
	return sortedIDs(t, "customers", stagingtest.Read[staging.Customer](t, filepath.Join(dir, staging.FileName(staging.EntityCustomers))), func(r *staging.Customer) *int64 { return r.ID })
}

// totalOf sums the manifest's requests (or minimum).
func totalOf(m *staging.Manifest, minimum bool) int64 {
	var n int64
	for _, em := range m.Entities {
		if minimum {
			n += em.MinRequests
		} else {
			n += em.Requests
		}
	}
	return n
}
