package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/bcetl/bcetl/load"
	"github.com/bcetl/bcetl/pipelines"
	"github.com/bcetl/bcetl/transform"
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
  # interrupted? run the same command again: finished stages are not redone, the load resumes.`,
		setup: setupMigrate,
	})
}

func setupMigrate(fs *flag.FlagSet) func(ctx context.Context, a *app) error {
	from := fs.String("from", "", "source: bigcommerce, voucherify:PATH, csv:PATH, shopify-csv:PATH or parquet:DIR (required)")
	mapping := fs.String("mapping", "", "column mapping FILE for --from csv:PATH")
	work := fs.String("work", "", "work directory: staging files, state, results (required)")
	target := addStoreFlags(fs, "", "target")
	source := addStoreFlags(fs, "source-", "source")
	lf := addLoadFlags(fs)
	tf := addTransformFlags(fs)
	return func(ctx context.Context, a *app) error {
		if *from == "" || *work == "" {
			return usagef("--from and --work are required")
		}
		tgt, err := target.client()
		if err != nil {
			return err
		}
		lo, err := lf.options()
		if err != nil {
			return err
		}
		to, err := tf.options()
		if err != nil {
			return err
		}
		o := pipelines.MigrateOptions{From: *from, Mapping: *mapping, Work: *work, Target: tgt, Load: lo, Transform: to, Log: a.log}
		if *from == pipelines.SourceBigCommerce {
			if o.Source, err = source.client(); err != nil {
				return err
			}
			o.SourceStoreHash = *source.storeHash
		} else if !strings.Contains(*from, ":") {
			return usagef("--from %q: want bigcommerce or KIND:PATH", *from)
		}
		if load.StderrIsTerminal() {
			o.Terminal = os.Stderr
		}
		res, err := pipelines.Migrate(ctx, o)
		if res != nil && res.Ledger != nil {
			printMigrate(a.stdout, res)
		}
		if err != nil {
			return err
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

// loadFlags are the load options shared by load, migrate and nightly.
type loadFlags struct {
	dryRun     *bool
	onExisting *string
	force      *bool
	maxConc    *int
}

func addLoadFlags(fs *flag.FlagSet) loadFlags {
	return loadFlags{
		dryRun:     fs.Bool("dry-run", false, "validate and print the plan (requests, minimum time at the quota); write nothing"),
		onExisting: fs.String("on-existing", load.OnExistingSkip, "when the target already has a customer's email: skip, update or fail"),
		force:      fs.Bool("force-password-reset", true, "set force_password_reset on created customers (passwords cannot be imported)"),
		maxConc:    fs.Int("max-concurrency", 0, "lower every per-endpoint concurrency cap to at most N (0 = documented caps)"),
	}
}

func (l loadFlags) options() (load.Options, error) {
	switch *l.onExisting {
	case load.OnExistingSkip, load.OnExistingUpdate, load.OnExistingFail:
	default:
		return load.Options{}, usagef("--on-existing must be skip, update or fail")
	}
	if *l.maxConc < 0 {
		return load.Options{}, usagef("--max-concurrency must be >= 0")
	}
	return load.Options{DryRun: *l.dryRun, OnExisting: *l.onExisting, ForcePasswordReset: l.force, MaxConcurrency: *l.maxConc}, nil
}

// transformFlags are the transform options shared by transform and migrate.
type transformFlags struct {
	disable  *string
	survivor *string
}

func addTransformFlags(fs *flag.FlagSet) transformFlags {
	return transformFlags{
		disable:  fs.String("disable", "", "comma-separated normalisation rules to turn off: "+strings.Join(transform.Rules, ", ")),
		survivor: fs.String("customer-survivor", transform.SurvivorNewest, "which of customers sharing an email survives: newest, first or last"),
	}
}

func (t transformFlags) options() (transform.Options, error) {
	disabled, err := transform.ParseDisabled(*t.disable)
	if err != nil {
		return transform.Options{}, usagef("--disable: %v", err)
	}
	o := transform.Options{Disabled: disabled, CustomerSurvivor: *t.survivor}
	switch o.CustomerSurvivor {
	case transform.SurvivorNewest, transform.SurvivorFirst, transform.SurvivorLast:
	default:
		return o, usagef("--customer-survivor must be newest, first or last")
	}
	return o, nil
}
