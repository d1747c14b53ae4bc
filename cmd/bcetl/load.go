package main

import (
	"context"
	"flag"
	"fmt"

	"github.com/bcetl/bcetl/internal/bigcommerce"
	"github.com/bcetl/bcetl/load"
)

func init() {
	register(&command{
		name:    "load",
		summary: "load a staging directory into a store (resumable; exactly once)",
		usage: `  bcetl load --in staging/ --state load.db --store-hash abc123 --token $TOKEN
  # killed or interrupted? run the same command again: it resumes.
  # results.parquet and load-summary.json are written beside --state.`,
		setup: setupLoad,
	})
}

func setupLoad(fs *flag.FlagSet) func(ctx context.Context, a *app) error {
	in := fs.String("in", "", "staging directory to load (required)")
	statePath := fs.String("state", "", "SQLite state file: checkpoints and the id map; results.parquet and load-summary.json go beside it (required)")
	apiURL := fs.String("api-url", "", "API root, e.g. http://127.0.0.1:8080/stores/{store_hash}/v3 (default: BigCommerce)")
	storeHash := fs.String("store-hash", "", "target store hash")
	token := fs.String("token", "", "target store access token (prefer BIGCOMMERCE_ACCESS_TOKEN)")
	dryRun := fs.Bool("dry-run", false, "validate and print the plan (requests, minimum time at the quota); write nothing")
	onExisting := fs.String("on-existing", load.OnExistingSkip, "when the target already has a customer's email: skip, update or fail")
	force := fs.Bool("force-password-reset", true, "set force_password_reset on created customers (passwords cannot be imported)")
	maxConc := fs.Int("max-concurrency", 0, "lower every per-endpoint concurrency cap to at most N (0 = documented caps)")
	return func(ctx context.Context, a *app) error {
		if *in == "" || *statePath == "" {
			return usagef("--in and --state are required")
		}
		switch *onExisting {
		case load.OnExistingSkip, load.OnExistingUpdate, load.OnExistingFail:
		default:
			return usagef("--on-existing must be skip, update or fail")
		}
		if *maxConc < 0 {
			return usagef("--max-concurrency must be >= 0")
		}
		cfg := bigcommerce.ConfigFromEnv(bigcommerce.Config{BaseURL: *apiURL, StoreHash: *storeHash, Token: *token})
		client, err := bigcommerce.NewClient(cfg)
		if err != nil {
			return usagef("%v", err)
		}
		sum, err := load.Run(ctx, load.Options{
			In: *in, StatePath: *statePath, Client: client, DryRun: *dryRun,
			OnExisting: *onExisting, ForcePasswordReset: force, MaxConcurrency: *maxConc,
			Log: a.log, Progress: load.StderrIsTerminal(),
		})
		if sum != nil {
			fmt.Fprint(a.stdout, sum.String())
		}
		if err != nil {
			return err
		}
		if n := sum.Rejected(); n > 0 && !*dryRun {
			return rejectedError{n: n}
		}
		return nil
	}
}
