package main

import (
	"context"
	"flag"
	"fmt"

	"github.com/bcetl/bcetl/internal/bigcommerce"
	"github.com/bcetl/bcetl/internal/webhooks"
	"github.com/bcetl/bcetl/pipelines"
)

func init() {
	register(&command{
		name:    "nightly",
		summary: "the scheduled job: incremental export, webhook-announced customers and carts, Voucherify sync",
		usage: `  # crontab: every night at 02:15
  15 2 * * *  BIGCOMMERCE_STORE_HASH=abc123 BIGCOMMERCE_ACCESS_TOKEN=... \
    bcetl nightly --spool /var/lib/bcetl/spool.db --state /var/lib/bcetl/export.state \
      --out /data/warehouse --log-format json`,
		setup: setupNightly,
	})
}

func setupNightly(fs *flag.FlagSet) func(ctx context.Context, a *app) error {
	spoolPath := fs.String("spool", "", "webhook spool FILE written by 'bcetl webhooks serve' (required)")
	state := fs.String("state", "", "state FILE with the export watermark (required)")
	out := fs.String("out", "", "dataset directory (required)")
	store := addStoreFlags(fs, "", "exported store's")
	target := addStoreFlags(fs, "target-", "Voucherify sync target store's")
	sf := addStageFlags(fs)
	return func(ctx context.Context, a *app) error {
		if *spoolPath == "" || *state == "" || *out == "" {
			return usagef("--spool, --state and --out are required")
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
		sp, err := webhooks.Open(*spoolPath)
		if err != nil {
			return err
		}
		defer sp.Close()
		o := pipelines.NightlyOptions{Spool: sp, StatePath: *state, Out: *out, Store: c, StoreHash: *store.storeHash,
			Target: tgt, Load: lo, Transform: to, Log: a.log}
		o.Terminal = a.terminal()
		res, err := pipelines.Nightly(ctx, o)
		if res != nil && res.Export != nil {
			fmt.Fprintf(a.stdout, "export: run manifest %s\n", res.Export.ManifestPath)
			fmt.Fprintf(a.stdout, "customers fetched from store/customer/created events: %d\ncart events appended: %d\n", res.CreatedFetched, res.CartEvents)
			if res.VoucherifyRuns > 0 {
				fmt.Fprintln(a.stdout, "Voucherify customers:")
				res.Voucherify.Print(a.stdout)
			}
			if res.VoucherifyLeft > 0 {
				fmt.Fprintf(a.stdout, "Voucherify events left pending (no --target-store-hash): %d\n", res.VoucherifyLeft)
			}
		}
		if err != nil {
			return err
		}
		if n := res.Voucherify.Rejected(); n > 0 {
			return rejectedError{n: n}
		}
		return nil
	}
}
