package store

import (
	"path/filepath"
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/bcetl/bcetl/extract"
	"github.com/bcetl/bcetl/extract/internal/sourcetest"
	"github.com/bcetl/bcetl/internal/sandbox"
	"github.com/bcetl/bcetl/internal/staging"
	"github.com/bcetl/bcetl/internal/stagingtest"
)

// An incremental run (--state) after 100 customers were modified writes
// exactly those 100 customers, each with all its sub-resources (overflow
// customers included), and moves the watermark to its own start.
func TestExtractStoreIncremental(t *testing.T) {
	forModes(t, testExtractStoreIncremental)
}

func testExtractStoreIncremental(t *testing.T, md mode) {
	e := newStoreEnvMode(t, 3000, md)
	state := filepath.Join(t.TempDir(), "extract.state")
	full := t.TempDir()
	m1, _ := e.extract(full, storeOptions{StatePath: state})
	if m1.Incremental {
		t.Fatal("first run with a new state file must be full")
	}
	st, err := LoadState(state)
	if err != nil || st == nil || !st.Watermark.Equal(m1.StartedAt) || st.StoreHash != envStoreHash {
		t.Fatalf("state after run 1: %+v, %v", st, err)
	}
	customers := stagingtest.Read[staging.Customer](t, filepath.Join(full, staging.FileName(staging.EntityCustomers)))
	if len(customers) != 3000 {
		t.Fatalf("full run: %d customers", len(customers))
	}

	// 100 customers, overflow ones first so their sub-resources are
	// checked too.
	var ids []int64
	for _, c := range customers {
		if c.AddressCount > 10 || c.AttributeCount > 10 {
			ids = append(ids, *c.ID)
		}
	}
	for i := 0; len(ids) < 100; i += 29 {
		if id := *customers[i].ID; !slices.Contains(ids, id) {
			ids = append(ids, id)
		}
	}
	ids = ids[:100]
	slices.Sort(ids)
	e.clock.Advance(time.Hour)
	n, err := e.srv.ModifyCustomers(ids, func(f *sandbox.CustomerFields) { f.Notes = "changed in the control panel" })
	if err != nil || n != 100 {
		t.Fatalf("ModifyCustomers: %d, %v", n, err)
	}
	e.clock.Advance(time.Hour)

	inc := t.TempDir()
	m2, _ := e.extract(inc, storeOptions{StatePath: state})
	checkFiles(t, inc, m2, DefaultEntities)
	if !m2.Incremental || m2.Since == nil || !m2.Since.Equal(m1.StartedAt.Add(-StateOverlap)) {
		t.Errorf("run 2: incremental %v since %v, want since %v", m2.Incremental, m2.Since, m1.StartedAt.Add(-StateOverlap))
	}
	got := stagingtest.Read[staging.Customer](t, filepath.Join(inc, staging.FileName(staging.EntityCustomers)))
	gotIDs := sortedIDs(t, "customers", got, func(r *staging.Customer) *int64 { return r.ID })
	if !slices.Equal(gotIDs, ids) {
		t.Fatalf("incremental run wrote %d customers %v…, want exactly the 100 modified", len(gotIDs), gotIDs[:min(10, len(gotIDs))])
	}
	for _, c := range got {
		if c.Notes != "changed in the control panel" {
			t.Errorf("customer %d: notes %q", *c.ID, c.Notes)
		}
	}
	// Sub-resources: exactly those of the modified customers, equal to
	// the full run's (they did not change).
	mod := map[int64]bool{}
	for _, id := range ids {
		mod[id] = true
	}
	sameRows(t, "addresses", filterRows(stagingtest.Read[staging.Address](t, filepath.Join(full, staging.FileName(staging.EntityAddresses))), func(r *staging.Address) bool { return mod[*r.CustomerID] }),
		stagingtest.Read[staging.Address](t, filepath.Join(inc, staging.FileName(staging.EntityAddresses))))
	sameRows(t, "attribute_values", filterRows(stagingtest.Read[staging.AttributeValue](t, filepath.Join(full, staging.FileName(staging.EntityAttributeValues))), func(r *staging.AttributeValue) bool { return mod[*r.CustomerID] }),
		stagingtest.Read[staging.AttributeValue](t, filepath.Join(inc, staging.FileName(staging.EntityAttributeValues))))
	sameRows(t, "form_field_values", filterRows(stagingtest.Read[staging.FormFieldValue](t, filepath.Join(full, staging.FileName(staging.EntityFormFieldValues))), func(r *staging.FormFieldValue) bool { return mod[*r.CustomerID] }),
		stagingtest.Read[staging.FormFieldValue](t, filepath.Join(inc, staging.FileName(staging.EntityFormFieldValues))))

	st2, err := LoadState(state)
	if err != nil || !st2.Watermark.Equal(m2.StartedAt) || !st2.Watermark.After(st.Watermark) {
		t.Fatalf("state after run 2: %+v, %v", st2, err)
	}

	// --since overrides the state: nothing was modified after the
	// second run's start.
	since := m2.StartedAt.Add(time.Second)
	m3, _ := e.extract(t.TempDir(), storeOptions{StatePath: state, Since: &since})
	if m3.Entities[staging.EntityCustomers].Rows != 0 || !m3.Since.Equal(since) {
		t.Errorf("--since after every change: %d customers, since %v", m3.Entities[staging.EntityCustomers].Rows, m3.Since)
	}
}

func filterRows[T any](rows []T, keep func(*T) bool) []T {
	var out []T
	for i := range rows {
		if keep(&rows[i]) {
			out = append(out, rows[i])
		}
	}
	return out
}

func sameRows[T any](t *testing.T, entity string, want, got []T) {
	t.Helper()
	if len(want) == 0 {
		t.Errorf("%s: the modified customers have none; the check proves nothing", entity)
	}
	if len(got) != len(want) {
		t.Errorf("%s: %d rows, want %d", entity, len(got), len(want))
		return
	}
	for i := range want {
		if !reflect.DeepEqual(want[i], got[i]) {
			t.Errorf("%s row %d: got %+v, want %+v", entity, i, got[i], want[i])
			return
		}
	}
}

// A run restricted to ids (as the nightly pipeline does for customers a
// webhook announced) reads just those, 250 per request, without windows,
// and leaves no watermark.
func TestExtractStoreIDs(t *testing.T) {
	e := newStoreEnv(t, 800)
	var ids []int64
	for id := int64(1); id <= 800; id += 2 {
		ids = append(ids, id)
	}
	ids = append(ids, 999999, 3) // unknown and repeated ids are harmless
	dir := t.TempDir()
	m, _ := e.extract(dir, storeOptions{IDs: ids})
	got := sortedIDs(t, "customers", stagingtest.Read[staging.Customer](t, filepath.Join(dir, staging.FileName(staging.EntityCustomers))), func(r *staging.Customer) *int64 { return r.ID })
	if len(got) != 400 || got[0] != 1 || got[399] != 799 {
		t.Fatalf("%d customers, want the 400 odd ids", len(got))
	}
	if r := m.Entities[staging.EntityCustomers].Requests; r != 2 {
		t.Errorf("%d customer requests for 401 distinct ids, want 2", r)
	}
	if m.Watermark != nil {
		t.Errorf("a run by ids has a watermark: %v", m.Watermark)
	}
	// Metafields and subscribers are not per customer: a run by ids
	// writes neither (extras.go).
	for _, en := range DefaultEntities {
		if en == staging.EntityMetafields || en == staging.EntitySubscribers {
			if _, ok := m.Entities[en]; ok {
				t.Errorf("a run by ids wrote %s", en)
			}
			continue
		}
		sourcetest.AssertArrowAgrees(t, filepath.Join(dir, staging.FileName(en)))
	}
	c := e.client()
	if _, err := extract.Open(Scheme, extract.Options{Store: c, IDs: ids, StatePath: filepath.Join(t.TempDir(), "s")}); err == nil {
		t.Error("ids with a state file were accepted")
	}
}
