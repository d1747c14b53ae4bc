package main

import (
	"context"
	"flag"
	"fmt"

	"github.com/bcetl/bcetl/internal/staging"
	"github.com/bcetl/bcetl/pipelines"
)

func init() {
	register(&command{
		name:    "export",
		summary: "export a store's customers to a Hive-partitioned Parquet dataset (incremental with --state)",
		usage: `  BIGCOMMERCE_STORE_HASH=abc123 BIGCOMMERCE_ACCESS_TOKEN=... \
    bcetl export --out ./warehouse --state ./warehouse.state
  duckdb -c "SELECT count(*) FROM read_parquet('warehouse/customers/*/*.parquet', hive_partitioning=true)"`,
		setup: setupExport,
	})
}

func setupExport(fs *flag.FlagSet) func(ctx context.Context, a *app) error {
	out := fs.String("out", "", "dataset directory (required)")
	state := fs.String("state", "", "state FILE with the watermark: later runs export only what changed")
	store := addStoreFlags(fs, "", "")
	progress := addProgressFlag(fs)
	return func(ctx context.Context, a *app) error {
		if *out == "" {
			return usagef("--out is required")
		}
		c, err := store.client()
		if err != nil {
			return err
		}
		o := pipelines.ExportOptions{Out: *out, StatePath: *state, Client: c, StoreHash: *store.storeHash, Options: progress.options(a)}
		res, err := pipelines.Export(ctx, o)
		if err != nil {
			return err
		}
		kind := "full"
		if res.Incremental {
			kind = "incremental"
		}
		fmt.Fprintf(a.stdout, "%s export, run manifest %s\n", kind, res.ManifestPath)
		for _, e := range staging.Entities {
			if path, ok := res.Files[e]; ok {
				fmt.Fprintf(a.stdout, "  %-18s %7d rows  %s\n", e, res.Manifest.Entities[e].Rows, path)
			}
		}
		return nil
	}
}
