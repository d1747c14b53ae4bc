package main

import (
	"context"
	"errors"
	"fmt"

	"github.com/spf13/pflag"

	"github.com/bcetl/bcetl/internal/results"
	"github.com/bcetl/bcetl/load"
	"github.com/bcetl/bcetl/pipelines"
)

func init() {
	register(&command{
		name:    "load",
		summary: "load a staging directory into a store (resumable; exactly once)",
		example: `  export BIGCOMMERCE_TARGET_STORE_HASH=abc123 BIGCOMMERCE_TARGET_ACCESS_TOKEN=...
  bcetl load --in staging/ --state load.db
  # killed or interrupted? run the same command again: it resumes.
  # results and summary are named after --state: load.results.parquet, load.summary.json;
  # --results-format csv: load.success.csv and load.error.csv instead (parquet,csv: both).`,
		setup: setupLoad,
	})
}

func setupLoad(fs *pflag.FlagSet) func(ctx context.Context, a *app) error {
	in := fs.String("in", "", "staging directory to load (required)")
	statePath := fs.String("state", "", "SQLite state file: checkpoints and the id map; the results and summary are named after it, e.g. load.db → load.results.parquet, load.summary.json (required)")
	store := addStoreFlags(fs, "target")
	lf := addLoadFlags(fs)
	rf := addResultsFlag(fs)
	progress := addProgressFlag(fs)
	return func(ctx context.Context, a *app) error {
		if *in == "" || *statePath == "" {
			return usagef("--in and --state are required")
		}
		opts, err := lf.options()
		if err != nil {
			return err
		}
		format, err := rf.options()
		if err != nil {
			return err
		}
		if err := errors.Join(needDir("in", *in), needParent("state", *statePath)); err != nil {
			return err
		}
		if opts.Client, err = store.client(); err != nil {
			return err
		}
		opts.In, opts.StatePath, opts.StoreHash = *in, *statePath, *store.storeHash
		opts.Options = progress.options(a)
		sum, err := load.Run(ctx, opts)
		successPath, errorPath := pipelines.LoadResultPaths(*statePath)
		pair, ferr := pipelines.FinishResults(sum, results.Inputs{Dir: *in}, successPath, errorPath, format)
		if sum != nil {
			fmt.Fprint(a.stdout, sum.String())
		}
		if pair != nil {
			fmt.Fprintf(a.stdout, "success: %s (%d rows)\nerrors:  %s (%d rows)\n", pair.SuccessPath, pair.Success, pair.ErrorPath, pair.Error)
		}
		if err = errors.Join(err, ferr); err != nil {
			return err
		}
		if n := sum.Rejected(); n > 0 && !opts.DryRun {
			return rejectedError{n: n}
		}
		return nil
	}
}
