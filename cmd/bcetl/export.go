package main

import (
	"context"
	"fmt"

	"github.com/spf13/pflag"

	"github.com/bcetl/bcetl/internal/staging"
	"github.com/bcetl/bcetl/internal/warehouse"
	"github.com/bcetl/bcetl/pipelines"
)

func init() {
	register(&command{
		name:    "export",
		summary: "export a store's customers to a Hive-partitioned Parquet dataset (incremental with --state)",
		example: `  export BIGCOMMERCE_SOURCE_STORE_HASH=abc123 BIGCOMMERCE_SOURCE_ACCESS_TOKEN=...
  bcetl export --out ./warehouse --state ./warehouse.state
  duckdb -c "SELECT count(*) FROM read_parquet('warehouse/customers/*/*.parquet', hive_partitioning=true)"
  # straight to object storage; credentials from the SDK's environment (AWS_PROFILE, AWS_ACCESS_KEY_ID …)
  bcetl export --out s3://analytics/bcetl --state s3://analytics/bcetl/export.state
  # weekly: tombstones for the customers deleted without a webhook (reads only ids: 4 requests per 1,000)
  bcetl export --reconcile --out s3://analytics/bcetl --state s3://analytics/bcetl/export.state`,
		setup: setupExport,
	})
}

func setupExport(fs *pflag.FlagSet) func(ctx context.Context, a *app) error {
	out := fs.String("out", "", "dataset: a directory, s3://BUCKET/PREFIX, gs://BUCKET/PREFIX or azblob://CONTAINER/PREFIX (required)")
	state := fs.String("state", "", "state FILE (or s3://BUCKET/KEY) with the watermark: later runs export only what changed")
	reconcile := fs.Bool("reconcile", false, "read only the ids of every customer and write customer_deletions for those the --out has and the store no longer has")
	blob := addBlobFlags(fs)
	store := addStoreFlags(fs, "source")
	progress := addProgressFlag(fs)
	return func(ctx context.Context, a *app) error {
		if *out == "" {
			return usagef("--out is required")
		}
		if err := checkLocations(*out, *state); err != nil {
			return err
		}
		c, err := store.client()
		if err != nil {
			return err
		}
		o := pipelines.ExportOptions{Out: *out, StatePath: *state, Blob: blob.options(), Client: c, StoreHash: *store.storeHash,
			Options: progress.options(a)}
		if *reconcile {
			res, err := pipelines.Reconcile(ctx, o)
			if err != nil {
				return err
			}
			fmt.Fprintf(a.stdout, "reconcile: %d customers in the warehouse, %d in the store (%d requests, minimum %d)\n",
				res.Warehouse, res.Store, res.Requests, res.MinRequests)
			fmt.Fprintf(a.stdout, "  deleted from the store, tombstoned in %s: %d\n", warehouse.CustomerDeletions, len(res.Deleted))
			if res.ManifestPath != "" {
				fmt.Fprintf(a.stdout, "  run manifest %s\n", res.ManifestPath)
			}
			return nil
		}
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
