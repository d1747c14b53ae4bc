package extract

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/bcetl/bcetl/internal/staging"
)

// Source kinds, the value of Manifest.Source.Kind for file sources and the
// prefix of an ExtractFile spec.
const (
	KindVoucherify = "voucherify"
	KindCSV        = "csv"
	KindShopifyCSV = "shopify-csv"
	KindParquet    = "parquet"
)

// FileSourceOptions configures ExtractFile.
type FileSourceOptions struct {
	// Mapping is the column mapping file of a "csv:" source (see SOURCES.md).
	// Other sources ignore it.
	Mapping string
	// Log receives progress and warnings; nil discards them.
	Log *slog.Logger
}

// ExtractFile reads a file source and writes a staging directory in the
// same layout as the store extractor: one Parquet file per entity (all five,
// possibly empty), rejects.parquet for the records that could not be read,
// and manifest.json.
//
// spec is "voucherify:PATH", "csv:PATH", "shopify-csv:PATH" or
// "parquet:DIR". A record that cannot be read becomes a Reject row and the
// others go on; an error is returned only when the input as a whole cannot
// be read (missing file, missing required column, a JSON array broken
// mid-way). On error nothing of the output is committed.
func ExtractFile(ctx context.Context, spec, outDir string, opts FileSourceOptions) (*staging.Manifest, error) {
	kind, path, ok := strings.Cut(spec, ":")
	if !ok || path == "" {
		return nil, fmt.Errorf("file source %q: want KIND:PATH with KIND one of voucherify, csv, shopify-csv, parquet", spec)
	}
	if opts.Log == nil {
		opts.Log = slog.New(slog.DiscardHandler)
	}
	if kind != KindCSV && opts.Mapping != "" {
		return nil, fmt.Errorf("file source %q: --mapping applies to csv: sources only", spec)
	}
	if same, err := sameDir(path, outDir); err != nil {
		return nil, err
	} else if same {
		return nil, fmt.Errorf("file source %q: the output directory must differ from the input", spec)
	}
	started := time.Now().UTC()
	switch kind {
	case KindParquet:
		return extractParquet(ctx, path, outDir, started, opts.Log)
	case KindVoucherify, KindCSV, KindShopifyCSV:
	default:
		return nil, fmt.Errorf("file source %q: unknown kind %q (want voucherify, csv, shopify-csv or parquet)", spec, kind)
	}

	var m *csvMapping
	if kind == KindCSV {
		if opts.Mapping == "" {
			return nil, fmt.Errorf("file source %q: a csv: source needs --mapping FILE (see extract/SOURCES.md)", spec)
		}
		var err error
		if m, err = loadMapping(opts.Mapping); err != nil {
			return nil, err
		}
	}

	s, err := newFileSink(outDir)
	if err != nil {
		return nil, err
	}
	defer s.abort()
	in := &inputFile{path: path}
	switch kind {
	case KindVoucherify:
		err = readVoucherify(ctx, in, s)
	case KindCSV:
		err = readCSV(ctx, in, s, m, KindCSV)
	case KindShopifyCSV:
		err = readCSV(ctx, in, s, nil, KindShopifyCSV)
	}
	if err != nil {
		return nil, err
	}
	man := &staging.Manifest{
		Stage:     "extract",
		Source:    staging.Source{Kind: kind, Path: path},
		StartedAt: started,
		Inputs:    map[string]staging.FileStats{filepath.Base(path): in.stats()},
	}
	if err := s.commit(outDir, man); err != nil {
		return nil, err
	}
	opts.Log.Info("extract finished", "source", spec, "customers", s.customers.Rows(),
		"addresses", s.addresses.Rows(), "attribute_values", s.attrValues.Rows(),
		"form_field_values", s.formValues.Rows(), "rejects", s.rejects.Rows(), "skipped_empty_rows", s.skippedEmpty)
	return man, nil
}

// sameDir reports whether a and b name the same existing directory, so a
// parquet: source is never rewritten in place.
func sameDir(a, b string) (bool, error) {
	ai, err := os.Stat(a)
	if err != nil {
		if os.IsNotExist(err) {
			return false, fmt.Errorf("file source: %s does not exist", a)
		}
		return false, err
	}
	bi, err := os.Stat(b)
	if err != nil {
		return false, nil // the output directory does not exist yet
	}
	return os.SameFile(ai, bi), nil
}
