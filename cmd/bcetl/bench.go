package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/spf13/pflag"

	"github.com/bcetl/bcetl/extract/store"
	"github.com/bcetl/bcetl/internal/accounting"
	"github.com/bcetl/bcetl/internal/sandbox"
	"github.com/bcetl/bcetl/load"
	"github.com/bcetl/bcetl/pipelines"
	"github.com/bcetl/bcetl/transform"
)

func init() {
	register(&command{
		name:    "bench",
		summary: "measure the pipeline against in-process sandboxes: requests, quota use, 429s, rows/s, RSS, export requests per 1,000 customers",
		example: `  bcetl bench --customers 20000 --quota 150 --window 30s
  bcetl bench --customers 5000 --quota 50 --window 2s --latency 50ms`,
		setup: setupBench,
	})
}

func setupBench(fs *pflag.FlagSet) func(ctx context.Context, a *app) error {
	customers := fs.Int("customers", 5000, "customers in the generated source store")
	quota := fs.Int("quota", 50, "target store's quota per --window (0 = no limit)")
	window := fs.Duration("window", 2*time.Second, "target store's quota window")
	latency := fs.Duration("latency", 50*time.Millisecond, "latency the target store adds per request")
	seed := fs.Int64("seed", 1, "seed of the generated store")
	work := fs.String("work", "", "work directory (default: a temporary one, removed afterwards)")
	return func(ctx context.Context, a *app) error {
		if *customers < 1 || *quota < 0 {
			return usagef("--customers must be at least 1 and --quota at least 0")
		}
		dir := *work
		if dir == "" {
			var err error
			if dir, err = os.MkdirTemp("", "bcetl-bench-"); err != nil {
				return err
			}
			defer os.RemoveAll(dir)
		}
		src, err := startLocalStore(sandbox.Options{StoreHash: "source", Token: "bench-source", Seed: *seed})
		if err != nil {
			return err
		}
		defer src.stop()
		src.Generate(*customers, *seed)
		cfg, channelMap := targetOf(src) // a target set up for the source (see demo)
		dst, err := startLocalStore(sandbox.Options{StoreHash: "target", Token: "bench-target", Quota: *quota,
			Window: *window, Latency: *latency, Seed: *seed + 1, Config: cfg})
		if err != nil {
			return err
		}
		defer dst.stop()
		srcClient, err := src.flags().client()
		if err != nil {
			return err
		}
		tgtClient, err := dst.flags().client()
		if err != nil {
			return err
		}
		res, err := pipelines.Migrate(ctx, pipelines.MigrateOptions{
			From: store.Scheme, Source: srcClient, SourceStoreHash: src.Hash,
			Work: dir, Target: tgtClient, Options: accounting.Options{Log: a.log},
			Transform: transform.Options{CustomerSurvivor: transform.SurvivorNewest},
			Load:      load.Options{ChannelMap: channelMap},
			CPUTime:   processCPU,
		})
		if err != nil {
			return err
		}
		s := res.Load
		// Extract writes and transform reads the same rows: all entities.
		var rows int64
		for _, c := range res.Transform.Entities {
			rows += c.RowsIn
		}
		st := dst.Stats()
		fmt.Fprintf(a.stdout, "bcetl bench: %d customers, target quota %d per %s, latency %s\n\n", *customers, *quota, *window, *latency)
		fmt.Fprintf(a.stdout, "%-44s %s\n", "requests ÷ theoretical minimum", fmt.Sprintf("%d ÷ %d = %.3f", s.HTTPRequests, s.MinimumRequests, ratio(s.HTTPRequests, s.MinimumRequests)))
		fmt.Fprintf(a.stdout, "%-44s %.3f (minimum %.3f)\n", "requests per customer", ratio(s.HTTPRequests, s.CustomersThisRun), ratio(s.MinimumRequests, s.CustomersThisRun))
		if *quota > 0 {
			minTime := load.QuotaBoundMinimum(s.MinimumRequests, *quota, *window)
			fmt.Fprintf(a.stdout, "%-44s %.1f%%\n", "quota utilisation during the load", 100*s.QuotaUtilisation)
			fmt.Fprintf(a.stdout, "%-44s %s ÷ %s = %.3f\n", "load wall time ÷ quota-bound minimum", res.LoadTime.Round(time.Millisecond), minTime.Round(time.Millisecond), res.LoadTime.Seconds()/minTime.Seconds())
			fmt.Fprintf(a.stdout, "%-44s %.1f (quota-bound ceiling %.1f)\n", "customers/s", s.CustomersPerSecond, float64(*quota)/window.Seconds()*10)
		} else {
			fmt.Fprintf(a.stdout, "%-44s %.1f\n", "customers/s (no quota)", s.CustomersPerSecond)
		}
		fmt.Fprintf(a.stdout, "%-44s %d (store quota %d, concurrency caps %d)\n", "429s seen by the target", st.RateLimited+st.ConcurrencyLimited, st.RateLimited, st.ConcurrencyLimited)
		fmt.Fprintf(a.stdout, "%-44s %.0f rows/s (%d rows in %s)\n", "extract", float64(rows)/res.ExtractTime.Seconds(), rows, res.ExtractTime.Round(time.Millisecond))
		fmt.Fprintf(a.stdout, "%-44s %.0f rows/s (%d rows in %s), CPU/wall %.2f\n", "transform", float64(rows)/res.TransformTime.Seconds(), rows,
			res.TransformTime.Round(time.Millisecond), res.TransformCPU.Seconds()/res.TransformTime.Seconds())
		if err := benchExport(ctx, a.stdout, src, srcClient, *customers, filepath.Join(dir, "export")); err != nil {
			return err
		}
		fmt.Fprintf(a.stdout, "%-44s %.0f MiB (this process, both sandboxes included)\n", "peak RSS", float64(peakRSS())/(1<<20))
		return res.Ledger.Check()
	}
}

func ratio(a, b int64) float64 {
	if b == 0 {
		return 0
	}
	return float64(a) / float64(b)
}
