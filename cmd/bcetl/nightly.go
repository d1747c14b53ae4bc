package main

import (
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/spf13/pflag"

	"github.com/bcetl/bcetl/internal/bigcommerce"
	"github.com/bcetl/bcetl/internal/webhooks"
	"github.com/bcetl/bcetl/pipelines"
)

func init() {
	register(&command{
		name:    "nightly",
		summary: "the scheduled job: incremental export, webhook-announced customers and carts, Voucherify sync",
		example: `  # crontab: every night at 02:15
  15 2 * * *  BIGCOMMERCE_SOURCE_STORE_HASH=abc123 BIGCOMMERCE_SOURCE_ACCESS_TOKEN=... \
    bcetl nightly --spool /var/lib/bcetl/spool.db --state /var/lib/bcetl/export.state \
      --out /data/warehouse --log-format json
  # what would it do? reads only: no file, no watermark, no event claimed
  bcetl nightly --dry-run --spool /var/lib/bcetl/spool.db --state /var/lib/bcetl/export.state --out /data/warehouse
  # exit 3: finished, but records were rejected or events failed (listed; status 'failed' in the spool)`,
		setup: setupNightly,
	})
}

func setupNightly(fs *pflag.FlagSet) func(ctx context.Context, a *app) error {
	spoolPath := fs.String("spool", "", "webhook spool FILE written by 'bcetl webhooks serve' (required)")
	state := fs.String("state", "", "state FILE (or s3://BUCKET/KEY) with the export watermark (required)")
	out := fs.String("out", "", "dataset: a directory, s3://BUCKET/PREFIX, gs://… or azblob://… (required)")
	blob := addBlobFlags(fs)
	store := addStoreFlags(fs, "source")
	target := addStoreFlags(fs, "target") // the Voucherify sync's
	sf := addStageFlags(fs)
	progress := addProgressFlag(fs)
	return func(ctx context.Context, a *app) error {
		if *spoolPath == "" || *state == "" || *out == "" {
			return usagef("--spool, --state and --out are required")
		}
		if err := errors.Join(checkLocations(*out, *state), needParent("spool", *spoolPath)); err != nil {
			return err
		}
		c, err := store.client()
		if err != nil {
			return err
		}
		lo, to, err := sf.options()
		if err != nil {
			return err
		}
		var tgt *bigcommerce.Client
		if *target.storeHash != "" || *target.apiURL != "" {
			if tgt, err = target.client(); err != nil {
				return err
			}
			lo.StoreHash = *target.storeHash
		}
		// A dry run opens the spool read-only: it must not even create or
		// upgrade the file.
		open := webhooks.Open
		if lo.DryRun {
			open = webhooks.OpenReadOnly
		}
		sp, err := open(*spoolPath)
		if err != nil {
			return err
		}
		defer sp.Close()
		o := pipelines.NightlyOptions{Spool: sp, StatePath: *state, Out: *out, Blob: blob.options(), Store: c, StoreHash: *store.storeHash,
			Target: tgt, Load: lo, Transform: to, DryRun: lo.DryRun,
			Options: progress.options(a)}
		res, err := pipelines.Nightly(ctx, o)
		if res != nil && res.Plan != nil {
			res.Plan.Print(a.stdout)
		}
		if res != nil && res.Export != nil {
			printNightly(a.stdout, res)
		}
		if err != nil {
			return err
		}
		// Exit 3 ("finished with rejects") for rejected records and for
		// failed events alike: the run is complete, something needs a look.
		if n := res.Voucherify.Rejected() + int64(len(res.Failed)); n > 0 {
			if len(res.Failed) > 0 {
				a.log.Warn("finished with failed events: they are marked failed in the spool with their reasons", "failed_events", len(res.Failed))
			}
			return rejectedError{n: n}
		}
		return nil
	}
}

func printNightly(w io.Writer, res *pipelines.NightlyResult) {
	fmt.Fprintf(w, "export: run manifest %s\n", res.Export.ManifestPath)
	fmt.Fprintf(w, "customers fetched from store/customer/created events: %d\n", res.CreatedFetched)
	if n := len(res.CreatedMissing); n > 0 {
		fmt.Fprintf(w, "  no longer in the store (deleted since?): %d, ids %v\n", n, res.CreatedMissing)
	}
	fmt.Fprintf(w, "customers re-read from store/customer/updated and address events: %d\n", res.ChangedFetched)
	if n := len(res.ChangedMissing); n > 0 {
		fmt.Fprintf(w, "  no longer in the store: %d\n", n)
	}
	fmt.Fprintf(w, "deletions from store/customer/deleted events: %d\n", res.Deletions)
	fmt.Fprintf(w, "cart events appended: %d\n", res.CartEvents)
	if res.VoucherifyRuns > 0 {
		fmt.Fprintln(w, "Voucherify customers:")
		res.Voucherify.Print(w)
	}
	if res.VoucherifyLeft > 0 {
		fmt.Fprintf(w, "Voucherify events left pending (no --target-store-hash): %d\n", res.VoucherifyLeft)
	}
	if len(res.Failed) > 0 {
		fmt.Fprintf(w, "events failed: %d (status 'failed' in the spool; the rest of their claims went through)\n", len(res.Failed))
		for _, f := range res.Failed {
			fmt.Fprintf(w, "  event %d: %s\n", f.ID, f.Reason)
		}
	}
}
