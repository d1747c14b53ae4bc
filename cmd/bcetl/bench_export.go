package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/bcetl/bcetl/internal/bigcommerce"
	"github.com/bcetl/bcetl/internal/webhooks"
	"github.com/bcetl/bcetl/pipelines"
)

// benchExport measures the warehouse export's requests per 1,000
// customers against the source store src (c its client): a full export,
// an incremental one with nothing changed, the change capture's re-read
// of the customers named by webhooks (1,000 of them, or the whole store
// if smaller, by store/customer/updated events), and --reconcile.
func benchExport(ctx context.Context, w io.Writer, src *localStore, c *bigcommerce.Client, customers int, dir string) error {
	out, state := filepath.Join(dir, "warehouse"), filepath.Join(dir, "export.state")
	sp, err := webhooks.Open(filepath.Join(dir, "spool.db"))
	if err != nil {
		return err
	}
	defer sp.Close()
	o := pipelines.NightlyOptions{Spool: sp, StatePath: state, Out: out, Store: c, StoreHash: src.Hash}
	requests := func(run func() error) (int64, error) {
		before := src.Stats().Requests
		err := run()
		return src.Stats().Requests - before, err
	}
	full, err := requests(func() error {
		_, err := pipelines.Export(ctx, pipelines.ExportOptions{Out: out, StatePath: state, Client: c, StoreHash: src.Hash})
		return err
	})
	if err != nil {
		return err
	}
	incremental, err := requests(func() error { _, err := pipelines.Nightly(ctx, o); return err })
	if err != nil {
		return err
	}
	named := min(customers, 1000)
	for id := 1; id <= named; id++ {
		body := fmt.Sprintf(`{"created_at":%d,"store_id":"1","producer":"stores/%s","scope":"store/customer/updated","hash":"b%d","data":{"type":"customer","id":%d}}`,
			time.Now().Unix(), src.Hash, id, id)
		if _, err := sp.Insert(ctx, webhooks.Event{Provider: webhooks.ProviderBigCommerce, DedupeKey: fmt.Sprint("bench-", id),
			Scope: "store/customer/updated", Payload: []byte(body)}); err != nil {
			return err
		}
	}
	withCapture, err := requests(func() error { _, err := pipelines.Nightly(ctx, o); return err })
	if err != nil {
		return err
	}
	reconcile, err := requests(func() error {
		_, err := pipelines.Reconcile(ctx, pipelines.ExportOptions{Out: out, Client: c, StoreHash: src.Hash})
		return err
	})
	if err != nil {
		return err
	}
	per := func(n int64, of int) string { return fmt.Sprintf("%.1f", float64(n)*1000/float64(of)) }
	fmt.Fprintf(w, "\nwarehouse export, requests per 1,000 customers (%d customers)\n", customers)
	fmt.Fprintf(w, "%-44s %s (%d requests)\n", "full export", per(full, customers), full)
	fmt.Fprintf(w, "%-44s %d requests\n", "incremental export, nothing changed", incremental)
	fmt.Fprintf(w, "%-44s %s per 1,000 named (%d requests for %d customers)\n", "change capture: customers named by events",
		per(withCapture-incremental, named), withCapture-incremental, named)
	fmt.Fprintf(w, "%-44s %s (%d requests)\n", "export --reconcile (ids only)", per(reconcile, customers), reconcile)
	return os.RemoveAll(out)
}
