package pipelines

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/bcetl/bcetl/extract"
	"github.com/bcetl/bcetl/extract/store"
	"github.com/bcetl/bcetl/internal/atomicfile"
	"github.com/bcetl/bcetl/internal/bigcommerce"
	"github.com/bcetl/bcetl/internal/staging"
)

// Export dataset layout: one Hive-style partitioned table per entity,
//
//	OUT/customers/extracted_on=2026-11-25/part-00000.parquet
//	OUT/_manifests/20261125T103000Z.json
//
// so DuckDB, Spark and pandas read each entity as one table with the
// partition as a column. Several runs a day add part-00001, part-00002….
const (
	PartitionKey = "extracted_on"
	ManifestsDir = "_manifests"
	stagingDir   = "_staging"
)

// ExportOptions configures a warehouse export.
type ExportOptions struct {
	Out       string
	StatePath string // the watermark between runs; empty: always a full export
	Client    *bigcommerce.Client
	StoreHash string
	Log       *slog.Logger
	Terminal  io.Writer
	// Now stamps the partition; nil means time.Now.
	Now func() time.Time
}

// ExportResult says what a run added.
type ExportResult struct {
	Manifest     *staging.Manifest
	ManifestPath string
	Files        map[string]string // entity → partition file
	Incremental  bool
}

// export extracts the store (incrementally when the state file has a
// watermark) and files the result into the partitioned dataset. The state
// moves only after the files and the run manifest are in place, so a crash
// at any point leaves at worst a run that will be read again. The caller
// holds the state's lock (Export, Nightly).
func export(ctx context.Context, o ExportOptions) (*ExportResult, error) {
	if o.Log == nil {
		o.Log = slog.New(slog.DiscardHandler)
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Client == nil {
		return nil, errors.New("export: no store client")
	}
	var err error
	if o.StoreHash, err = storeHashOf(o.StoreHash, o.Client.BaseURL()); err != nil {
		return nil, err
	}
	if err := checkOutStore(o.Out, o.StoreHash); err != nil {
		return nil, err
	}
	if err := os.MkdirAll(o.Out, atomicfile.DirMode); err != nil {
		return nil, err
	}
	st, err := loadExportState(o.StatePath, o.StoreHash)
	if err != nil {
		return nil, err
	}
	runID := o.Now().UTC().Format("20060102T150405.000Z")
	tmp := filepath.Join(o.Out, stagingDir, runID)
	defer os.RemoveAll(tmp)

	opts := extract.Options{Store: o.Client, StoreHash: o.StoreHash, Log: o.Log, Terminal: o.Terminal, Now: o.Now}
	if st != nil {
		since := st.Watermark.Add(-store.StateOverlap).UTC()
		opts.Since = &since
	}
	src, err := extract.Open(store.Scheme, opts)
	if err != nil {
		return nil, err
	}
	m, err := src.Extract(ctx, tmp)
	if err != nil {
		return nil, err
	}
	res := &ExportResult{Manifest: m, Files: map[string]string{}, Incremental: opts.Since != nil}
	day := m.StartedAt.UTC().Format("2006-01-02")
	for _, entity := range staging.Entities {
		e, ok := m.Entities[entity]
		if !ok {
			continue
		}
		src, err := exportFile(tmp, entity, &e, o.StoreHash)
		if err != nil {
			return nil, err
		}
		dst, err := filePartition(o.Out, entity, day, src)
		if err != nil {
			return nil, err
		}
		rel, _ := filepath.Rel(o.Out, dst)
		e.File = rel
		m.Entities[entity] = e
		res.Files[entity] = dst
	}
	res.ManifestPath = filepath.Join(o.Out, ManifestsDir, runID+".json")
	if err := atomicfile.WriteJSON(res.ManifestPath, m); err != nil {
		return nil, err
	}
	if o.StatePath != "" && m.Watermark != nil {
		err := store.SaveState(o.StatePath, &store.State{
			StoreHash: o.StoreHash, APIURL: o.Client.BaseURL(), Watermark: *m.Watermark,
			LastOutput: res.ManifestPath, FinishedAt: m.FinishedAt,
		})
		if err != nil {
			return nil, err
		}
	}
	return res, nil
}

// loadExportState reads the watermark (nil: a full export) and refuses a
// state written for another store.
func loadExportState(path, storeHash string) (*store.State, error) {
	st, err := store.LoadState(path)
	if path != "" && err != nil {
		return nil, err
	}
	if st != nil && st.StoreHash != "" && st.StoreHash != storeHash {
		return nil, fmt.Errorf("state %s was written for store %q, not %q", path, st.StoreHash, storeHash)
	}
	return st, nil
}

// filePartition moves src into the entity's partition for day under the
// next free part number.
func filePartition(out, entity, day, src string) (string, error) {
	dir := filepath.Join(out, entity, PartitionKey+"="+day)
	if err := os.MkdirAll(dir, atomicfile.DirMode); err != nil {
		return "", err
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		return "", err
	}
	next := 0
	for _, e := range entries {
		var n int
		if _, err := fmt.Sscanf(e.Name(), "part-%05d.parquet", &n); err == nil && strings.HasSuffix(e.Name(), ".parquet") && n >= next {
			next = n + 1
		}
	}
	dst := filepath.Join(dir, fmt.Sprintf("part-%05d.parquet", next))
	// Link, not rename: link fails if dst exists, so two exporters
	// racing for a part number cannot overwrite each other.
	if err := os.Link(src, dst); err != nil {
		return "", err
	}
	return dst, os.Remove(src)
}
