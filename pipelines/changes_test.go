package pipelines

import (
	"context"
	"fmt"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/bcetl/bcetl/internal/sandbox"
	"github.com/bcetl/bcetl/internal/sandboxtest"
	"github.com/bcetl/bcetl/internal/staging"
	"github.com/bcetl/bcetl/internal/warehouse"
	"github.com/bcetl/bcetl/internal/warehousetest"
	"github.com/bcetl/bcetl/internal/webhooks"
)

// spoolDeliveries stores callbacks as the receiver would (the receiver's
// own checks are internal/webhooks' tests).
func spoolDeliveries(t *testing.T, sp *webhooks.Spool, deliveries [][]byte) {
	t.Helper()
	for _, body := range deliveries {
		cb, err := webhooks.ParseBigCommerce(body)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := sp.Insert(context.Background(), webhooks.Event{Provider: webhooks.ProviderBigCommerce, DedupeKey: cb.DedupeKey,
			Scope: cb.Scope, Payload: body}); err != nil {
			t.Fatal(err)
		}
	}
}

// After a full export, customers are deleted and addresses and attribute
// values change without touching any date_modified. With the webhooks
// spooled, one nightly run leaves a warehouse whose latest-version query
// (README) equals a fresh full export of the store, row for row, for every
// entity; every event is done and a second run does nothing. Without the
// change capture (the state before it), the deleted customers and the old
// addresses and values would still be the latest.
func TestNightlyChangeCaptureMatchesAFreshExport(t *testing.T) {
	ctx := context.Background()
	st := sandboxtest.Start(t, sandbox.Options{StoreHash: "source", Token: "source-token", Seed: 5})
	st.Server.Generate(600, 5)
	dir := t.TempDir()
	sp, err := webhooks.Open(filepath.Join(dir, "spool.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer sp.Close()
	out := filepath.Join(dir, "warehouse")
	o := NightlyOptions{Spool: sp, StatePath: filepath.Join(dir, "export.state"), Out: out, Store: st.Client, StoreHash: "source"}
	if _, err := Nightly(ctx, o); err != nil {
		t.Fatal(err)
	}
	ch := warehousetest.Change(t, st.Client, "source", warehousetest.ChangeSpec{Delete: 6, Addresses: 12, Values: 6, Seed: 15})
	spoolDeliveries(t, sp, ch.Deliveries)
	res, err := Nightly(ctx, o)
	if err != nil {
		t.Fatal(err)
	}
	if res.Deletions != 6 || res.ChangedFetched != 18 || len(res.Failed) != 0 {
		t.Errorf("nightly: %d deletions, %d customers re-read, %d failed; want 6, 18, 0", res.Deletions, res.ChangedFetched, len(res.Failed))
	}
	if n := pendingCount(t, sp); n != 0 {
		t.Errorf("%d events still pending", n)
	}
	fresh := filepath.Join(dir, "fresh")
	if _, err := Export(ctx, ExportOptions{Out: fresh, Client: st.Client, StoreHash: "source"}); err != nil {
		t.Fatal(err)
	}
	want := warehousetest.Fresh(t, fresh)
	warehousetest.Equal(t, "latest version (Go)", warehousetest.Latest(t, out), want)
	if duckdb := warehousetest.DuckDB(); duckdb != "" {
		warehousetest.Equal(t, "latest version (DuckDB, the README's query)", warehousetest.RunDuckDB(t, duckdb, "../README.md", out), want)
	} else {
		t.Log("no DuckDB (BCETL_DUCKDB or duckdb on PATH): the README's query was evaluated in Go only")
	}

	again, err := Nightly(ctx, o)
	if err != nil || again.Deletions != 0 || again.ChangedFetched != 0 {
		t.Errorf("second run did work again: %+v %v", again, err)
	}
}

// export --reconcile, without any webhook, finds exactly the customers the
// warehouse has and the store no longer has, and writes their tombstones;
// run again it finds none.
func TestReconcileFindsDeletionsWithoutWebhooks(t *testing.T) {
	ctx := context.Background()
	st := sandboxtest.Start(t, sandbox.Options{StoreHash: "source", Token: "source-token", Seed: 6})
	st.Server.Generate(700, 6)
	out := filepath.Join(t.TempDir(), "warehouse")
	clock := func() time.Time { return time.Date(2026, 11, 25, 2, 15, 0, 0, time.UTC) }
	o := ExportOptions{Out: out, Client: st.Client, StoreHash: "source", Now: clock}
	if _, err := Export(ctx, o); err != nil {
		t.Fatal(err)
	}
	ch := warehousetest.Change(t, st.Client, "source", warehousetest.ChangeSpec{Delete: 9, Seed: 6})
	before := st.Server.RequestCount()
	res, err := Reconcile(ctx, o)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(res.Deleted, ch.Deleted) || res.Warehouse != 700 || res.Store != 691 {
		t.Errorf("reconcile: deleted %v of %d/%d, want %v", res.Deleted, res.Warehouse, res.Store, ch.Deleted)
	}
	// ceil(691/250) pages of customers, and the one page of groups the
	// customer rows take their group names from.
	if n := st.Server.RequestCount() - before; n != 4 || res.Requests != 4 || res.MinRequests != 4 {
		t.Errorf("the listing of 691 customers took %d requests (reported %d, minimum %d), want ceil(691/250) + 1 = 4", n, res.Requests, res.MinRequests)
	}
	var tomb []int64
	for _, r := range warehousetest.ReadDataset(t, out, warehouse.CustomerDeletions) {
		if r["detected_by"] != warehouse.DetectedByReconcile {
			t.Errorf("tombstone %v", r)
		}
		var id int64
		fmt.Sscan(fmt.Sprint(r["customer_id"]), &id)
		tomb = append(tomb, id)
	}
	slices.Sort(tomb)
	if !slices.Equal(tomb, ch.Deleted) {
		t.Errorf("customer_deletions holds %v, want %v", tomb, ch.Deleted)
	}
	latest := warehousetest.Latest(t, out)
	if n := len(latest[staging.EntityCustomers]); n != 691 {
		t.Errorf("the latest version has %d customers, want 691", n)
	}
	res, err = Reconcile(ctx, o)
	if err != nil || len(res.Deleted) != 0 || res.ManifestPath != "" {
		t.Errorf("second reconcile: %+v %v", res, err)
	}
}
