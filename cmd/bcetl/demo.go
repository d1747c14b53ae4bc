package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"time"

	"github.com/spf13/pflag"

	"github.com/bcetl/bcetl/extract/store"
	"github.com/bcetl/bcetl/internal/accounting"
	"github.com/bcetl/bcetl/internal/bigcommerce"
	"github.com/bcetl/bcetl/internal/results"
	"github.com/bcetl/bcetl/internal/sandbox"
	"github.com/bcetl/bcetl/internal/voucherify"
	"github.com/bcetl/bcetl/internal/vsandbox"
	"github.com/bcetl/bcetl/load"
	"github.com/bcetl/bcetl/pipelines"
	"github.com/bcetl/bcetl/samples"
	"github.com/bcetl/bcetl/transform"
)

func init() {
	register(&command{
		name:    "demo",
		summary: "migrate a generated store, a Voucherify project and the samples into a rate-limited sandbox, all in-process",
		example: `  bcetl demo                      # from any directory: the samples are built in
  bcetl demo --customers 5000 --quota 50 --window 2s --work ./demo
  bcetl demo --samples ./samples  # your edited copy of the repository's samples/`,
		setup: setupDemo,
	})
}

func setupDemo(fs *pflag.FlagSet) func(ctx context.Context, a *app) error {
	customers := fs.Int("customers", 1500, "customers in the generated source store")
	quota := fs.Int("quota", 50, "target store's quota: requests per --window")
	window := fs.Duration("window", 2*time.Second, "target store's quota window")
	latency := fs.Duration("latency", 5*time.Millisecond, "latency the target store adds per request")
	work := fs.String("work", "", "work directory (default: a new directory under the system temp dir)")
	samplesDir := fs.String("samples", "", "a samples directory to use instead of the ones built into bcetl (the repository's samples/)")
	vfCustomers := fs.Int("voucherify-customers", 1000, "customers in the generated Voucherify project (its API: 100 calls a minute)")
	return func(ctx context.Context, a *app) error {
		if *customers < 1 || *quota < 1 {
			return usagef("--customers and --quota must be at least 1")
		}
		if err := needDir("samples", *samplesDir); err != nil {
			return err
		}
		if *samplesDir != "" {
			for _, f := range demoSampleFiles {
				if _, err := os.Stat(filepath.Join(*samplesDir, f)); err != nil {
					return usagef("--samples %s: %v", *samplesDir, err)
				}
			}
		}
		dir := *work
		if dir == "" {
			var err error
			if dir, err = os.MkdirTemp("", "bcetl-demo-"); err != nil {
				return err
			}
		}
		// The samples built into the binary are written into the work
		// directory and read from there like any user's file: the demo
		// needs no repository around it (go install, then bcetl demo).
		from := *samplesDir
		if from == "" {
			from = filepath.Join(dir, "samples")
			if err := samples.WriteTo(from); err != nil {
				return err
			}
		}
		src, err := startLocalStore(sandbox.Options{StoreHash: "source", Token: "demo-source-token", Seed: 1})
		if err != nil {
			return err
		}
		defer src.stop()
		src.Generate(*customers, 1)
		// Store to store: the target has the source's form fields and its
		// channels under other ids (mapped), no groups (created by name).
		cfg, channelMap := targetOf(src)
		dst, err := startLocalStore(sandbox.Options{StoreHash: "target", Token: "demo-target-token",
			Quota: *quota, Window: *window, Latency: *latency, Seed: 2, Config: cfg})
		if err != nil {
			return err
		}
		defer dst.stop()
		vf, err := startLocalVoucherify(*vfCustomers)
		if err != nil {
			return err
		}
		defer vf.Close()
		c, ad, av, ff := src.Counts()
		fmt.Fprintf(a.stdout, "Source store: %d customers, %d addresses, %d attribute values, %d form field values (generated, messy).\n", c, ad, av, ff)
		fmt.Fprintf(a.stdout, "Voucherify project: %d customers (generated, messy, bursts sharing one created_at), read through List Customers.\n", *vfCustomers)
		fmt.Fprintf(a.stdout, "Target store: quota %d requests per %s, %s latency.\nWork directory: %s\n\n", *quota, *window, *latency, dir)

		runs := []struct{ name, from string }{
			{"store", store.Scheme},
			{"voucherify-api", "voucherify-api"},
			{"voucherify", "voucherify:" + filepath.Join(from, demoSampleFiles[0])},
			{"shopify", "shopify-csv:" + filepath.Join(from, demoSampleFiles[1])},
		}
		start := time.Now()
		total := pipelines.Ledger{}
		var summaries []*load.Summary
		for _, r := range runs {
			tgt, err := dst.flags().client()
			if err != nil {
				return err
			}
			o := pipelines.MigrateOptions{From: r.from, Work: filepath.Join(dir, r.name), Target: tgt, Results: results.Format{Parquet: true, CSV: true},
				Options:   accounting.Options{Progress: a.terminal(), Log: a.log},
				Transform: transform.Options{CustomerSurvivor: transform.SurvivorNewest}}
			if r.from == "voucherify-api" {
				o.SourceAPIURL = vf.URL
			}
			if r.from == store.Scheme {
				if o.Source, err = src.flags().client(); err != nil {
					return err
				}
				o.SourceStoreHash = src.Hash
				o.Load.ChannelMap = channelMap
				if o.Load.Storefront, err = bigcommerce.NewStorefront(dst.storefront()); err != nil {
					return err
				}
			}
			fmt.Fprintf(a.stdout, "== migrate --from %s\n", r.from)
			res, err := pipelines.Migrate(ctx, o)
			if err != nil {
				return fmt.Errorf("%s: %w", r.name, err)
			}
			printMigrate(a.stdout, res)
			fmt.Fprintln(a.stdout)
			total.Add(res.Ledger)
			summaries = append(summaries, res.Load)
		}
		elapsed := time.Since(start)
		fmt.Fprintln(a.stdout, "== All sources together")
		total.Print(a.stdout)
		if err := total.Check(); err != nil {
			return err
		}
		st := dst.Stats()
		allowed := float64(*quota) * elapsed.Seconds() / window.Seconds()
		fmt.Fprintf(a.stdout, "\nTarget requests %d in %s (the quota allowed %.0f: %.0f%% used over the whole demo, including extract and transform time), 429s: %d\n",
			st.Requests, elapsed.Round(time.Millisecond), allowed, 100*float64(st.Requests)/allowed, st.RateLimited+st.ConcurrencyLimited)
		for i, s := range summaries {
			use := "fits in one quota window"
			if s.HTTPRequests > int64(*quota) {
				use = fmt.Sprintf("load took %.1f s, %.2f × the quota-bound minimum", s.WallSeconds, s.WallOverMinimum)
			}
			fmt.Fprintf(a.stdout, "  load %-14s %4d requests (minimum %d): %s\n", runs[i].name, s.HTTPRequests, s.MinimumRequests, use)
		}
		fmt.Fprintf(a.stdout, "\nEvery record is in a results file (%s/*/load-state.results.parquet), every reject in %s/*/transform/rejects.parquet with its reason;\n"+
			"every record read in one row of %s/*/success.csv or error.csv, for a spreadsheet.\n", dir, dir, dir)
		if total.Rejected() == 0 {
			return errors.New("demo: the samples' rejects did not happen")
		}
		return nil
	}
}

// demoSampleFiles are the samples the demo migrates, relative to a samples
// directory.
var demoSampleFiles = []string{
	filepath.Join("voucherify", "customers.ndjson"),
	filepath.Join("shopify", "customers_export.csv"),
}

// localVoucherify is the Voucherify emulator on a loopback port, with
// the documented Business limit (100 calls a minute). Its keys are put in
// this process's environment, where --from voucherify-api reads them.
type localVoucherify struct {
	URL string
	hs  *http.Server
}

func startLocalVoucherify(customers int) (*localVoucherify, error) {
	const appID, key = "demo-app", "demo-voucherify-secret-key"
	srv, err := vsandbox.New(vsandbox.Options{AppID: appID, AppToken: key, Quota: 100, Window: time.Minute, Seed: 3})
	if err != nil {
		return nil, err
	}
	if err := srv.Generate(vsandbox.GenOptions{Customers: customers, Seed: 3}); err != nil {
		return nil, err
	}
	for k, v := range map[string]string{voucherify.EnvAppID: appID, voucherify.EnvSecretKey: key} {
		if err := os.Setenv(k, v); err != nil {
			return nil, err
		}
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	l := &localVoucherify{URL: "http://" + ln.Addr().String(), hs: &http.Server{Handler: srv, ReadHeaderTimeout: 10 * time.Second}}
	go l.hs.Serve(ln)
	return l, nil
}

func (l *localVoucherify) Close() { l.hs.Close() }
