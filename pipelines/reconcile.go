package pipelines

import (
	"context"
	"errors"
	"log/slog"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"time"

	"github.com/bcetl/bcetl/extract"
	"github.com/bcetl/bcetl/extract/store"
	"github.com/bcetl/bcetl/internal/staging"
	"github.com/bcetl/bcetl/internal/warehouse"
)

// ReconcileResult is what export --reconcile found.
type ReconcileResult struct {
	Warehouse int     // customers the warehouse has and holds no tombstone for
	Store     int     // customers the store lists
	Deleted   []int64 // in the warehouse, no longer in the store: tombstoned now
	// Requests the store listing took, and the minimum (ceil(C/250)).
	Requests, MinRequests int64
	ManifestPath          string // "" when nothing was deleted (nothing written)
}

// Reconcile finds the deletions no webhook announced (hooks off, a
// delivery lost, a store older than its hooks): it reads the ids of every
// customer the warehouse has, then lists every customer of the store with
// the fewest requests that can (250 a page, no sub-resources: ceil(C/250),
// 4 per 1,000 customers, the same consistent cursor walk as an export),
// and writes a customer_deletions row for each id the warehouse has and
// the store no longer lists. The warehouse is read first: every id in it
// was read from the store before the listing started, so one missing from
// a consistent listing was deleted. Nothing else is written: the listing
// is not a new version of any customer (it has no sub-resources), and the
// watermark does not move.
func Reconcile(ctx context.Context, o ExportOptions) (*ReconcileResult, error) {
	if o.Client == nil {
		return nil, errors.New("export --reconcile: no store client")
	}
	if o.Log == nil {
		o.Log = slog.New(slog.DiscardHandler)
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	var err error
	if o.StoreHash, err = warehouse.StoreHashOf(o.StoreHash, o.Client.BaseURL()); err != nil {
		return nil, err
	}
	wh, err := openWarehouse(ctx, o.Out, o.StatePath, o.StoreHash, "bcetl export --reconcile", o.Blob)
	if err != nil {
		return nil, err
	}
	defer wh.close()
	have, err := wh.CustomerIDs(ctx)
	if err != nil {
		return nil, err
	}
	run := warehouse.RunName(o.Now())
	tmp := wh.Stage(run)
	defer os.RemoveAll(tmp)
	src, err := extract.Open(store.Scheme, extract.Options{Store: o.Client, StoreHash: o.StoreHash,
		Entities: []string{staging.EntityCustomers}, Options: o.Options, Now: o.Now})
	if err != nil {
		return nil, err
	}
	m, err := src.Extract(ctx, tmp)
	if err != nil {
		return nil, err
	}
	found, err := customerIDs(tmp, m)
	if err != nil {
		return nil, err
	}
	listed := slices.Sorted(maps.Keys(found))
	e := m.Entities[staging.EntityCustomers]
	res := &ReconcileResult{Warehouse: len(have), Store: len(listed), Deleted: warehouse.Minus(have, listed),
		Requests: e.Requests, MinRequests: e.MinRequests}
	o.Log.Info("reconcile", "warehouse_customers", res.Warehouse, "store_customers", res.Store, "deleted", len(res.Deleted),
		"requests", res.Requests)
	if len(res.Deleted) == 0 {
		return res, nil
	}
	listedAt := m.StartedAt.UTC().Truncate(time.Millisecond)
	rows := make([]warehouse.CustomerDeletion, len(res.Deleted))
	for i, id := range res.Deleted {
		rows[i] = warehouse.CustomerDeletion{CustomerID: id, DeletedAt: listedAt, DetectedBy: warehouse.DetectedByReconcile,
			StoreHash: wh.StoreHash(), ExtractedAt: listedAt}
	}
	file := warehouse.CustomerDeletions + ".parquet"
	st, err := staging.WriteAll(filepath.Join(tmp, file), rows)
	if err != nil {
		return nil, err
	}
	// The run manifest names only the tombstones, with the requests
	// the listing took; the listing itself is dropped with the staging.
	rm := *m
	rm.Watermark, rm.Incremental, rm.Since = nil, false, nil
	rm.Entities = map[string]staging.EntityManifest{warehouse.CustomerDeletions: {File: file, FileStats: st,
		Requests: e.Requests, MinRequests: e.MinRequests}}
	day := m.StartedAt.UTC().Format(time.DateOnly)
	if _, res.ManifestPath, err = wh.Commit(ctx, run, tmp, &rm, warehouse.Part{Day: day}); err != nil {
		return nil, err
	}
	return res, nil
}
