package extract

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/bcetl/bcetl/internal/atomicfile"
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
	if err := checkOutput(kind, path, outDir); err != nil {
		return nil, fmt.Errorf("file source %q: %w", spec, err)
	}
	// What a killed run was writing here holds personal data.
	if err := sweepOutputs(outDir); err != nil {
		return nil, err
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
	var mappingStats staging.FileStats
	if kind == KindCSV {
		if opts.Mapping == "" {
			return nil, fmt.Errorf("file source %q: a csv: source needs --mapping FILE (see extract/SOURCES.md)", spec)
		}
		var err error
		if m, err = loadMapping(opts.Mapping); err != nil {
			return nil, err
		}
		if mappingStats, err = staging.FileHash(opts.Mapping); err != nil {
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
		Source:    staging.Source{Kind: kind, Path: path, Mapping: opts.Mapping},
		StartedAt: started,
		Inputs:    map[string]staging.FileStats{},
	}
	inputs, err := SourceInputs(spec, opts.Mapping)
	if err != nil {
		return nil, err
	}
	for name, p := range inputs {
		if p == path {
			man.Inputs[name] = in.stats() // hashed as it was read
		} else {
			man.Inputs[name] = mappingStats
		}
	}
	if err := s.commit(outDir, man); err != nil {
		return nil, err
	}
	opts.Log.Info("extract finished", "source", spec, "customers", s.customers.Rows(),
		"addresses", s.addresses.Rows(), "attribute_values", s.attrValues.Rows(),
		"form_field_values", s.formValues.Rows(), "rejects", s.rejects.Rows(), "skipped_empty_rows", s.skippedEmpty)
	return man, nil
}

// SourceInputs names the files a file source reads, as the extract
// manifest's Inputs records them (name → path): the source file and, for a
// csv: source, its mapping; for parquet:DIR, the entity files in DIR. A
// pipeline compares their SHA-256 with the manifest's to tell whether an
// extract is still current.
func SourceInputs(spec, mapping string) (map[string]string, error) {
	kind, path, ok := strings.Cut(spec, ":")
	if !ok || path == "" {
		return nil, fmt.Errorf("file source %q: want KIND:PATH", spec)
	}
	out := map[string]string{}
	if kind == KindParquet {
		for _, e := range staging.Entities {
			out[staging.FileName(e)] = filepath.Join(path, staging.FileName(e))
		}
		return out, nil
	}
	out[filepath.Base(path)] = path
	if mapping != "" {
		name := filepath.Base(mapping)
		if name == filepath.Base(path) {
			name += " (mapping)"
		}
		out[name] = mapping
	}
	return out, nil
}

// checkOutput refuses an output directory that is a parquet: source's
// directory or inside it, by any spelling (staging.CheckOutputDir), so a
// source is never rewritten in place; for a file source it requires that
// the file exists.
func checkOutput(kind, path, outDir string) error {
	if kind == KindParquet {
		return staging.CheckOutputDir(path, outDir)
	}
	if _, err := os.Stat(path); err != nil {
		if os.IsNotExist(err) {
			return fmt.Errorf("%s does not exist", path)
		}
		return err
	}
	return nil
}

// sweepOutputs removes what a killed extract was writing into outDir: the
// temporary files of its outputs and its spilled sorted runs. Both have
// names only bcetl gives.
func sweepOutputs(outDir string) error {
	var paths []string
	for _, e := range staging.Entities {
		paths = append(paths, filepath.Join(outDir, staging.FileName(e)))
	}
	paths = append(paths, filepath.Join(outDir, staging.RejectsFile), filepath.Join(outDir, staging.ManifestFile))
	if err := atomicfile.Sweep(paths...); err != nil {
		return err
	}
	runs, _ := filepath.Glob(filepath.Join(outDir, runsDirPrefix+"*"))
	for _, d := range runs {
		if err := os.RemoveAll(d); err != nil {
			return err
		}
	}
	return nil
}
