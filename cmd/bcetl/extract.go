package main

import (
	"context"
	"flag"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/bcetl/bcetl/extract"
)

// bcetl extract: read a store (or a file source) into a staging directory.
func init() {
	register(&command{
		name:    "extract",
		summary: "extract customers, addresses, attribute and form field values into Parquet staging files",
		usage: "  BIGCOMMERCE_STORE_HASH=abc123 BIGCOMMERCE_ACCESS_TOKEN=... \\\n" +
			"    bcetl extract --out staging/ --state extract.state --concurrency 4\n" +
			"  # later runs with the same --state read only what changed since\n" +
			"  bcetl extract --from csv:customers.csv --mapping mapping.json --out staging/",
		setup: setupExtract,
	})
}

func setupExtract(fs *flag.FlagSet) func(ctx context.Context, a *app) error {
	out := fs.String("out", "", "staging directory to write (required)")
	store := addStoreFlags(fs, "", "")
	state := fs.String("state", "", "state FILE: read for the watermark of an incremental run, written after success")
	since := fs.String("since", "", "extract only records modified at or after this RFC 3339 time (overrides --state)")
	entities := fs.String("entities", strings.Join(extract.StoreEntities, ","), "comma-separated entities to write")
	concurrency := fs.Int("concurrency", extract.DefaultConcurrency, "requests in flight at most (the store's rate limit applies on top)")
	from := fs.String("from", "", "source: the store (default) or voucherify:PATH, csv:PATH, shopify-csv:PATH, parquet:DIR")
	mapping := fs.String("mapping", "", "column mapping FILE for a csv: source")
	progressEvery := fs.Duration("progress-every", 10*time.Second, "interval of progress log lines when stderr is not a terminal")
	return func(ctx context.Context, a *app) error {
		if *out == "" {
			return usagef("--out is required")
		}
		if len(a.args) > 0 {
			return usagef("unexpected arguments: %s", strings.Join(a.args, " "))
		}
		if *from != "" && *from != "bigcommerce" {
			if *state != "" || *since != "" {
				return usagef("--state and --since apply to the store, not to --from %s", *from)
			}
			m, err := extract.ExtractFile(ctx, *from, *out, extract.FileSourceOptions{Mapping: *mapping, Log: a.log})
			if err != nil {
				return err
			}
			a.log.Info("extract written", "out", *out, "source", m.Source.Kind)
			return nil
		}
		if *mapping != "" {
			return usagef("--mapping applies to --from csv:PATH only")
		}
		if *concurrency < 1 {
			return usagef("--concurrency must be at least 1")
		}
		opts := extract.StoreOptions{Concurrency: *concurrency, StatePath: *state, Log: a.log, ProgressEvery: *progressEvery}
		for _, e := range strings.Split(*entities, ",") {
			if e = strings.TrimSpace(e); e != "" {
				if !slices.Contains(extract.StoreEntities, e) {
					return usagef("--entities: unknown entity %q (want %s)", e, strings.Join(extract.StoreEntities, ","))
				}
				opts.Entities = append(opts.Entities, e)
			}
		}
		if *since != "" {
			t, err := time.Parse(time.RFC3339, *since)
			if err != nil {
				return usagef("--since: want an RFC 3339 time such as 2026-01-31T00:00:00Z: %v", err)
			}
			opts.Since = &t
		}
		c, err := store.client()
		if err != nil {
			return err
		}
		opts.StoreHash, opts.APIURL = *store.storeHash, c.BaseURL()
		// Bars on a terminal, log lines otherwise: never both.
		opts.Terminal = a.terminal()
		m, err := extract.ExtractStore(ctx, c, *out, opts)
		if err != nil {
			return fmt.Errorf("extract: %w", err)
		}
		a.log.Info("extract written", "out", *out, "entities", len(m.Entities), "watermark", m.Watermark)
		return nil
	}
}
