package main

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"os"
	"runtime/debug"
	"slices"
	"strings"
	"time"

	"github.com/spf13/pflag"

	"github.com/bcetl/bcetl/extract"
	_ "github.com/bcetl/bcetl/extract/all" // every --from source
	"github.com/bcetl/bcetl/extract/store"
	"github.com/bcetl/bcetl/internal/bigcommerce"
	"github.com/bcetl/bcetl/internal/staging"
	"github.com/bcetl/bcetl/internal/voucherify"
)

// bcetl extract: read a source (a store by default) into a staging directory.
// extractMemoryLimit is the extract's soft memory limit
// (runtime/debug.SetMemoryLimit): peak RSS 170 MiB at a million
// customers with it, 207 MiB without.
const extractMemoryLimit = 112 << 20

func init() {
	register(&command{
		name:    "extract",
		summary: "extract customers, addresses, attribute and form field values into Parquet staging files",
		example: "  export BIGCOMMERCE_SOURCE_STORE_HASH=abc123 BIGCOMMERCE_SOURCE_ACCESS_TOKEN=...\n" +
			"  bcetl extract --out staging/ --state extract.state --concurrency 4\n" +
			"  # later runs with the same --state read only what changed since\n" +
			"  bcetl extract --from csv:customers.csv --mapping mapping.json --out staging/\n" +
			"  VOUCHERIFY_APP_ID=... VOUCHERIFY_SECRET_KEY=... bcetl extract --from voucherify-api --state vf.state --out staging/",
		long:  "Sources (--from):\n" + extract.Help(),
		setup: setupExtract,
	})
}

func setupExtract(fs *pflag.FlagSet) func(ctx context.Context, a *app) error {
	out := fs.String("out", "", "staging directory to write (required)")
	creds := addStoreFlags(fs, "source")
	state := fs.String("state", "", "state FILE: read for the watermark of an incremental run, written after success")
	since := fs.String("since", "", "extract only records modified at or after this RFC 3339 time (overrides --state)")
	entities := fs.String("entities", strings.Join(staging.Entities, ","), "comma-separated entities to write (a store source)")
	concurrency := fs.Int("concurrency", extract.DefaultConcurrency, "requests in flight at most (the store's rate limit applies on top)")
	from := fs.String("from", store.Scheme, "source: "+extract.Specs())
	mapping := fs.String("mapping", "", "column mapping FILE for a csv: source")
	progress := addProgressFlag(fs)
	vfURL := addVoucherifyURLFlag(fs)
	return func(ctx context.Context, a *app) error {
		if *out == "" {
			return usagef("--out is required")
		}
		// A store extract keeps some 60 MiB live (pages, the spill
		// buffers, the files being written) but allocates fast, so the
		// collector's default of twice the live heap made half its RSS.
		// A soft limit holds the heap near what is live at no measurable
		// CPU; GOMEMLIMIT, when set, is the user's.
		if os.Getenv("GOMEMLIMIT") == "" {
			debug.SetMemoryLimit(extractMemoryLimit)
		}
		if *concurrency < 1 {
			return usagef("--concurrency must be at least 1")
		}
		o := extract.Options{Mapping: *mapping, APIURL: *vfURL, StatePath: *state, Concurrency: *concurrency, Options: progress.options(a)}
		// A selection, not all of them, is the source's to take or refuse.
		for _, e := range strings.Split(*entities, ",") {
			if e = strings.TrimSpace(e); e != "" {
				o.Entities = append(o.Entities, e)
			}
		}
		if slices.Equal(slices.Sorted(slices.Values(o.Entities)), slices.Sorted(slices.Values(staging.Entities))) {
			o.Entities = nil
		}
		if *since != "" {
			t, err := time.Parse(time.RFC3339, *since)
			if err != nil {
				return usagef("--since: want an RFC 3339 time such as 2026-01-31T00:00:00Z: %v", err)
			}
			o.Since = &t
		}
		if err := errors.Join(sourcePaths(*from, *mapping), needParent("state", *state)); err != nil {
			return err
		}
		job, err := openSource(cmp.Or(*from, store.Scheme), o, creds)
		if err != nil {
			return err
		}
		m, err := job.Extract(ctx, *out)
		if err != nil {
			return fmt.Errorf("extract: %w", err)
		}
		a.log.Info("extract written", "out", *out, "source", m.Source.Kind, "entities", len(m.Entities), "watermark", m.Watermark)
		return nil
	}
}

// addVoucherifyURLFlag declares --voucherify-api-url, the API root of
// --from voucherify-api. Its keys have no flag: the source reads them from
// VOUCHERIFY_APP_ID and VOUCHERIFY_SECRET_KEY (a command line shows in
// ps), and the URL too from VOUCHERIFY_API_URL when the flag is not given.
func addVoucherifyURLFlag(fs *pflag.FlagSet) *string {
	return fs.String("voucherify-api-url", "", "Voucherify API root for --from voucherify-api (default "+
		voucherify.DefaultBaseURL+"; US https://us1.api.voucherify.io, Asia https://as1.api.voucherify.io; or "+voucherify.EnvAPIURL+")")
}

// openSource opens the --from source with o, giving it a client built
// from creds when it reads a store. A spec or option the source does not
// take is a usage error, found before any request.
func openSource(from string, o extract.Options, creds storeFlags) (*extract.Job, error) {
	var err error
	if o.Store, o.StoreHash, err = sourceStore(from, creds); err != nil {
		return nil, err
	}
	job, err := extract.Open(from, o)
	return job, sourceUsage(err)
}

// sourceStore builds the client of the store a --from source reads from
// creds, if it reads one (nil otherwise); a bad spec is left for Open to
// report.
func sourceStore(from string, creds storeFlags) (*bigcommerce.Client, string, error) {
	if reg, _, err := extract.Lookup(from); err != nil || !reg.Needs.Store {
		return nil, "", nil
	}
	c, err := creds.client()
	return c, *creds.storeHash, err
}

// sourcePaths checks that the file or directory of a KIND:PATH source
// exists, and the --mapping of one that takes it; what a source does not
// take is Open's to refuse.
func sourcePaths(from, mapping string) error {
	reg, loc, err := extract.Lookup(from)
	if err != nil {
		return nil
	}
	if loc != "" {
		if _, err := os.Stat(loc); err != nil {
			return usagef("--from %s: %s does not exist", from, loc)
		}
	}
	if reg.Needs.Mapping {
		return needFile("mapping", mapping)
	}
	return nil
}

// sourceUsage makes a source's refusal of its spec or options a usage
// error (exit 2).
func sourceUsage(err error) error {
	if ue, ok := errors.AsType[*extract.UsageError](err); ok {
		return usagef("%v", ue)
	}
	return err
}
