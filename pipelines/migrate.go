// Package pipelines joins the stages into the jobs users run: migrate
// (extract → transform → load, resumable), export (a warehouse dataset) and
// nightly (webhook-driven incremental runs). It keeps the ledger that
// follows every record from the source to its end.
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
	"github.com/bcetl/bcetl/internal/atomicfile"
	"github.com/bcetl/bcetl/internal/bigcommerce"
	"github.com/bcetl/bcetl/internal/staging"
	"github.com/bcetl/bcetl/load"
	"github.com/bcetl/bcetl/transform"
)

// Work directory layout of a migration.
const (
	ExtractDir   = "extract"
	TransformDir = "transform"
	StateFile    = "load-state.db"
	LedgerFile   = "ledger.json"
)

// SourceBigCommerce is the --from value for a BigCommerce store.
const SourceBigCommerce = "bigcommerce"

// MigrateOptions configures a migration.
type MigrateOptions struct {
	// From is "bigcommerce", "voucherify:PATH", "csv:PATH",
	// "shopify-csv:PATH" or "parquet:DIR".
	From    string
	Mapping string // for csv:PATH
	// Source is the client of the source store (From == "bigcommerce").
	Source          *bigcommerce.Client
	SourceStoreHash string

	Work      string
	Target    *bigcommerce.Client
	Transform transform.Options
	// Load carries the load flags; In, StatePath, Client, Log and Progress
	// are set by Migrate.
	Load load.Options

	Log *slog.Logger
	// Terminal, when set, gets progress bars; otherwise progress is logged.
	Terminal io.Writer
}

// MigrateResult is what a migration did.
type MigrateResult struct {
	ExtractSkipped   bool
	TransformSkipped bool
	Transform        *transform.Report
	Load             *load.Summary
	Ledger           Ledger
	// Stage wall times; a skipped stage took none.
	ExtractTime, TransformTime, LoadTime time.Duration

	WorkDir     string
	ResultsPath string
	RejectsPath string
	MergesPath  string
}

// Migrate runs extract → transform → load into the target. Running it again
// with the same work directory continues where it stopped: a stage whose
// output is complete and unchanged (its manifest verifies against its
// files and its inputs) is not redone, and the load resumes from its state
// file.
func Migrate(ctx context.Context, o MigrateOptions) (*MigrateResult, error) {
	if o.Log == nil {
		o.Log = slog.New(slog.DiscardHandler)
	}
	if err := os.MkdirAll(o.Work, 0o700); err != nil {
		return nil, err
	}
	res := &MigrateResult{WorkDir: o.Work}
	exDir := filepath.Join(o.Work, ExtractDir)
	trDir := filepath.Join(o.Work, TransformDir)

	var err error
	if res.ExtractSkipped, err = extractDone(exDir, o); err != nil {
		return nil, err
	}
	if res.ExtractSkipped {
		o.Log.Info("extract: output complete and unchanged, not redone", "dir", exDir)
	} else {
		o.Log.Info("extract: starting", "from", o.From, "dir", exDir)
		start := time.Now()
		if err := runExtract(ctx, exDir, o); err != nil {
			return nil, fmt.Errorf("extract: %w", err)
		}
		res.ExtractTime = time.Since(start)
	}

	if res.TransformSkipped = transformDone(exDir, trDir); res.TransformSkipped {
		o.Log.Info("transform: output complete and unchanged, not redone", "dir", trDir)
		if res.Transform, err = readReport(trDir); err != nil {
			return nil, err
		}
	} else {
		o.Log.Info("transform: starting", "dir", trDir)
		start := time.Now()
		if res.Transform, err = transform.Run(ctx, exDir, trDir, o.Transform); err != nil {
			return nil, fmt.Errorf("transform: %w", err)
		}
		res.TransformTime = time.Since(start)
	}

	lo := o.Load
	lo.In, lo.StatePath, lo.Client, lo.Log = trDir, filepath.Join(o.Work, StateFile), o.Target, o.Log
	lo.Progress = o.Terminal != nil
	start := time.Now()
	sum, loadErr := load.Run(ctx, lo)
	res.LoadTime = time.Since(start)
	if sum == nil {
		return res, fmt.Errorf("load: %w", loadErr)
	}
	res.Load = sum
	res.ResultsPath = sum.ResultsPath
	res.RejectsPath = filepath.Join(trDir, staging.RejectsFile)
	res.MergesPath = filepath.Join(trDir, staging.MergesFile)
	if res.Ledger, err = joinLedger(exDir, res.Transform, sum); err != nil {
		return res, err
	}
	if err := atomicfile.WriteJSON(filepath.Join(o.Work, LedgerFile), res.Ledger); err != nil {
		return res, err
	}
	if loadErr != nil {
		return res, fmt.Errorf("load: %w", loadErr)
	}
	if sum.Complete {
		if err := res.Ledger.Check(); err != nil {
			return res, err
		}
	}
	return res, nil
}

// extractDone reports whether exDir holds a complete extract of the same
// source whose files are unchanged.
func extractDone(exDir string, o MigrateOptions) (bool, error) {
	m, err := staging.ReadManifest(exDir)
	if errors.Is(err, os.ErrNotExist) {
		return false, nil
	}
	if err != nil || m.Stage != "extract" || m.FinishedAt.IsZero() {
		return false, nil
	}
	kind, path := splitSource(o.From)
	if m.Source.Kind != kind {
		return false, nil
	}
	if kind == SourceBigCommerce {
		if m.Source.StoreHash != o.SourceStoreHash {
			return false, nil
		}
	} else if abs(m.Source.Path) != abs(path) {
		return false, nil
	}
	return m.Verify(exDir) == nil, nil
}

// transformDone reports whether trDir was made from exDir's current files
// and is itself unchanged.
func transformDone(exDir, trDir string) bool {
	m, err := staging.ReadManifest(trDir)
	if err != nil || m.Stage != "transform" || m.Verify(trDir) != nil || len(m.Inputs) == 0 {
		return false
	}
	if _, err := os.Stat(filepath.Join(trDir, staging.ReportFile)); err != nil {
		return false
	}
	for name, want := range m.Inputs {
		got, err := staging.FileHash(filepath.Join(exDir, name))
		if err != nil || got.SHA256 != want.SHA256 {
			return false
		}
	}
	return true
}

func runExtract(ctx context.Context, exDir string, o MigrateOptions) error {
	// A partial extract from an interrupted run is discarded: extract
	// writes every file anew.
	if kind, _ := splitSource(o.From); kind == SourceBigCommerce {
		if o.Source == nil {
			return errors.New("no source store client")
		}
		_, err := extract.ExtractStore(ctx, o.Source, exDir, extract.StoreOptions{
			StoreHash: o.SourceStoreHash, APIURL: o.Source.BaseURL(), Log: o.Log, Terminal: o.Terminal,
		})
		return err
	}
	_, err := extract.ExtractFile(ctx, o.From, exDir, extract.FileSourceOptions{Mapping: o.Mapping, Log: o.Log})
	return err
}

func splitSource(from string) (kind, path string) {
	if from == SourceBigCommerce {
		return from, ""
	}
	kind, path, _ = strings.Cut(from, ":")
	return kind, path
}

func abs(p string) string {
	if a, err := filepath.Abs(p); err == nil {
		return a
	}
	return p
}
