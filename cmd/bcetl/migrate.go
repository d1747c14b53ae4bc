package main

import (
	"context"
	"fmt"
	"io"

	"github.com/spf13/pflag"

	"github.com/bcetl/bcetl/extract"
	"github.com/bcetl/bcetl/pipelines"
)

func init() {
	register(&command{
		name:    "migrate",
		summary: "extract → transform → load into a target store, as one resumable job",
		example: `  export BIGCOMMERCE_SOURCE_STORE_HASH=src BIGCOMMERCE_SOURCE_ACCESS_TOKEN=...
  export BIGCOMMERCE_TARGET_STORE_HASH=dst BIGCOMMERCE_TARGET_ACCESS_TOKEN=...
  bcetl migrate --from bigcommerce --work ./migration --dry-run   # the plan; writes nothing
  bcetl migrate --from bigcommerce --work ./migration
  bcetl migrate --from shopify-csv:customers_export.csv --work ./m2 \
    --target-api-url http://127.0.0.1:8080/stores/{store_hash}/v3
  VOUCHERIFY_APP_ID=... VOUCHERIFY_SECRET_KEY=... bcetl migrate --from voucherify-api --work ./m3
  bcetl migrate --from voucherify-csv:customers_export.csv --work ./m4
  # interrupted? run the same command again: finished stages are not redone, the load resumes.
  # --dry-run: the load's plan (requests per endpoint, time at the target's quota); the target gets only
  #   reads, --work is read, not written: stages it lacks are run in a temporary directory ($TMPDIR), removed after.
  # --results-format csv: WORK/success.csv and WORK/error.csv, every record read in one row of one of them.`,
		long:  "Sources (--from):\n" + extract.Help(),
		setup: setupMigrate,
	})
}

func setupMigrate(fs *pflag.FlagSet) func(ctx context.Context, a *app) error {
	from := fs.String("from", "", "source: "+extract.Specs()+" (required)")
	mapping := fs.String("mapping", "", "column mapping FILE for --from csv:PATH")
	vfURL := addVoucherifyURLFlag(fs)
	work := fs.String("work", "", "work directory: staging files, state, results (required)")
	source := addStoreFlags(fs, "source")
	target := addStoreFlags(fs, "target")
	sf := addStageFlags(fs)
	rf := addResultsFlag(fs)
	progress := addProgressFlag(fs)
	return func(ctx context.Context, a *app) error {
		if *from == "" || *work == "" {
			return usagef("--from and --work are required")
		}
		if err := sourcePaths(*from, *mapping); err != nil {
			return err
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
		format, err := rf.options()
		if err != nil {
			return err
		}
		o := pipelines.MigrateOptions{From: *from, Mapping: *mapping, SourceAPIURL: *vfURL, Work: *work, Target: tgt, Load: lo, Transform: to,
			Results: format, Options: progress.options(a)}
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
		if n := res.Ledger.Rejected(); n > 0 && !lo.DryRun {
			return rejectedError{n: n}
		}
		return nil
	}
}

func printMigrate(w io.Writer, res *pipelines.MigrateResult) {
	fmt.Fprintln(w, "\nLedger (every record read ends in exactly one column):")
	res.Ledger.Print(w)
	if s := res.Load; s != nil && s.DryRun {
		fmt.Fprint(w, "\n"+s.String()) // the load's plan
		return
	}
	if s := res.Load; s != nil {
		fmt.Fprintf(w, "\nRequests %d (minimum %d), 429s %d, retries %d, quota utilisation %.1f%%, %.1f customers/s\n",
			s.HTTPRequests, s.MinimumRequests, s.RateLimited, s.Retries, 100*s.QuotaUtilisation, s.CustomersPerSecond)
	}
	if res.ResultsPath != "" {
		fmt.Fprintf(w, "Results: %s\n", res.ResultsPath)
	}
	fmt.Fprintf(w, "Rejects: %s\nMerges:  %s\n", res.RejectsPath, res.MergesPath)
	if p := res.CSV; p != nil {
		fmt.Fprintf(w, "Success: %s (%d rows)\nErrors:  %s (%d rows)\n", p.SuccessPath, p.Success, p.ErrorPath, p.Error)
	}
}
