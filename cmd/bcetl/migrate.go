package main

import (
	"context"
	"flag"
	"fmt"
	"io"

	"github.com/bcetl/bcetl/extract"
	"github.com/bcetl/bcetl/pipelines"
)

func init() {
	register(&command{
		name:    "migrate",
		summary: "extract → transform → load into a target store, as one resumable job",
		usage: `  BIGCOMMERCE_SOURCE_STORE_HASH=src BIGCOMMERCE_SOURCE_ACCESS_TOKEN=... \
  BIGCOMMERCE_STORE_HASH=dst BIGCOMMERCE_ACCESS_TOKEN=... \
    bcetl migrate --from bigcommerce --work ./migration
  bcetl migrate --from shopify-csv:samples/shopify/customers_export.csv --work ./m2 \
    --api-url http://127.0.0.1:8080/stores/{store_hash}/v3 --store-hash abc123 --token secret
  # interrupted? run the same command again: finished stages are not redone, the load resumes.

Sources (--from):
` + extract.Help(),
		setup: setupMigrate,
	})
}

func setupMigrate(fs *flag.FlagSet) func(ctx context.Context, a *app) error {
	from := fs.String("from", "", "source: "+extract.Specs()+" (required)")
	mapping := fs.String("mapping", "", "column mapping FILE for --from csv:PATH")
	work := fs.String("work", "", "work directory: staging files, state, results (required)")
	target := addStoreFlags(fs, "", "target")
	source := addStoreFlags(fs, "source-", "source")
	sf := addStageFlags(fs)
	progress := addProgressFlag(fs)
	return func(ctx context.Context, a *app) error {
		if *from == "" || *work == "" {
			return usagef("--from and --work are required")
		}
		tgt, err := target.client()
		if err != nil {
			return err
		}
		lo, to, err := sf.options()
		if err != nil {
			return err
		}
		lo.StoreHash = *target.storeHash
		o := pipelines.MigrateOptions{From: *from, Mapping: *mapping, Work: *work, Target: tgt, Load: lo, Transform: to,
			Options: progress.options(a)}
		if o.Source, o.SourceStoreHash, err = sourceStore(*from, source); err != nil {
			return err
		}
		res, err := pipelines.Migrate(ctx, o)
		if res != nil && res.Ledger != nil {
			printMigrate(a.stdout, res)
		}
		if err != nil {
			return sourceUsage(err)
		}
		if n := res.Ledger.Rejected(); n > 0 {
			return rejectedError{n: n}
		}
		return nil
	}
}

func printMigrate(w io.Writer, res *pipelines.MigrateResult) {
	fmt.Fprintln(w, "\nLedger (every record read ends in exactly one column):")
	res.Ledger.Print(w)
	if s := res.Load; s != nil {
		fmt.Fprintf(w, "\nRequests %d (minimum %d), 429s %d, retries %d, quota utilisation %.1f%%, %.1f customers/s\n",
			s.HTTPRequests, s.MinimumRequests, s.RateLimited, s.Retries, 100*s.QuotaUtilisation, s.CustomersPerSecond)
	}
	fmt.Fprintf(w, "Results: %s\nRejects: %s\nMerges:  %s\n", res.ResultsPath, res.RejectsPath, res.MergesPath)
}
