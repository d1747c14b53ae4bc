package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
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
		// The stages' figures (bench_meter.go): CPU and RSS sampled, the
		// stages' starts taken from the pipeline's log.
		m := startMeter()
		log := slog.New(&markHandler{Handler: a.log.Handler(), m: m, watch: []string{stageExtract, stageTransform}})
		began := time.Now()
		res, err := pipelines.Migrate(ctx, pipelines.MigrateOptions{
			From: store.Scheme, Source: srcClient, SourceStoreHash: src.Hash,
			Work: dir, Target: tgtClient, Options: accounting.Options{Log: log},
			Transform: transform.Options{CustomerSurvivor: transform.SurvivorNewest},
			Load:      load.Options{ChannelMap: channelMap},
			CPUTime:   processCPU,
		})
		ended := time.Now()
		m.finish()
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
		printStages(a.stdout, m, began, ended, res, rows)
		if err := benchExport(ctx, a.stdout, src, srcClient, *customers, filepath.Join(dir, "export")); err != nil {
			return err
		}
		fmt.Fprintf(a.stdout, "%-44s %.0f MiB (this process, both sandboxes included)\n", "peak RSS", float64(peakRSS())/(1<<20))
		return res.Ledger.Check()
	}
}

// The messages the pipeline logs as a stage starts (pipelines.Migrate).
const (
	stageExtract   = "extract: starting"
	stageTransform = "transform: starting"
)

// printStages prints each stage's rows/s, CPU/wall and RSS: extract from
// its start to the transform's, transform for its wall time, load from
// then to the end of the run (the ledger's few milliseconds included).
func printStages(w io.Writer, m *meter, began, ended time.Time, res *pipelines.MigrateResult, rows int64) {
	exStart, trStart := m.mark(stageExtract), m.mark(stageTransform)
	if exStart.IsZero() || trStart.IsZero() {
		return // a stage was skipped: nothing to measure
	}
	trEnd := trStart.Add(res.TransformTime)
	var loadRows int64
	for _, c := range res.Load.Counts {
		for _, n := range c {
			loadRows += n
		}
	}
	fmt.Fprintf(w, "\n%-10s %10s %12s %9s %9s %16s %14s\n", "stage", "wall", "rows/s", "CPU", "CPU/wall", "peak RSS (sampled)", "VmHWM so far")
	for _, st := range []struct {
		name string
		a, b time.Time
		rows int64
	}{
		{"extract", exStart, trStart, rows},
		{"transform", trStart, trEnd, rows},
		{"load", trEnd, ended, loadRows},
	} {
		f := m.between(st.a, st.b)
		wall := st.b.Sub(st.a)
		fmt.Fprintf(w, "%-10s %10s %12.0f %9s %9.2f %14.0f MiB %10.0f MiB\n", st.name, wall.Round(time.Millisecond),
			float64(st.rows)/wall.Seconds(), f.cpu.Round(10*time.Millisecond), f.cpu.Seconds()/wall.Seconds(),
			float64(f.peak)/(1<<20), float64(f.hwm)/(1<<20))
	}
	all := m.between(began, ended)
	fmt.Fprintf(w, "%-10s %10s %12s %9s %9.2f %14.0f MiB %10.0f MiB\n", "all", ended.Sub(began).Round(time.Millisecond), "",
		all.cpu.Round(10*time.Millisecond), all.cpu.Seconds()/ended.Sub(began).Seconds(), float64(all.peak)/(1<<20), float64(all.hwm)/(1<<20))
	fmt.Fprintf(w, "(this process, both sandboxes included; load rows are every input record's result)\n\n")
}

func ratio(a, b int64) float64 {
	if b == 0 {
		return 0
	}
	return float64(a) / float64(b)
}
