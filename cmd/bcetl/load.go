package main

import (
	"context"
	"errors"
	"fmt"

	"github.com/spf13/pflag"

	"github.com/bcetl/bcetl/load"
)

func init() {
	register(&command{
		name:    "load",
		summary: "load a staging directory into a store (resumable; exactly once)",
		example: `  export BIGCOMMERCE_TARGET_STORE_HASH=abc123 BIGCOMMERCE_TARGET_ACCESS_TOKEN=...
  bcetl load --in staging/ --state load.db
  # killed or interrupted? run the same command again: it resumes.
  # results and summary are named after --state: load.results.parquet, load.summary.json.`,
		setup: setupLoad,
	})
}

func setupLoad(fs *pflag.FlagSet) func(ctx context.Context, a *app) error {
	in := fs.String("in", "", "staging directory to load (required)")
	statePath := fs.String("state", "", "SQLite state file: checkpoints and the id map; the results and summary are named after it, e.g. load.db → load.results.parquet, load.summary.json (required)")
	store := addStoreFlags(fs, "target")
	lf := addLoadFlags(fs)
	progress := addProgressFlag(fs)
	return func(ctx context.Context, a *app) error {
		if *in == "" || *statePath == "" {
			return usagef("--in and --state are required")
		}
		opts, err := lf.options()
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
		if sum != nil {
			fmt.Fprint(a.stdout, sum.String())
		}
		if err != nil {
			return err
		}
		if n := sum.Rejected(); n > 0 && !opts.DryRun {
			return rejectedError{n: n}
		}
		return nil
	}
}
