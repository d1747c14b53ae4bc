// Package pipelines joins the stages into the jobs users run: migrate
// (extract → transform → load, resumable), export (a warehouse dataset) and
// nightly (webhook-driven incremental runs). It keeps the ledger that
// follows every record from the source to its end.
package pipelines

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"time"

	"github.com/bcetl/bcetl/extract"
	_ "github.com/bcetl/bcetl/extract/all" // every --from source
	"github.com/bcetl/bcetl/internal/accounting"
	"github.com/bcetl/bcetl/internal/atomicfile"
	"github.com/bcetl/bcetl/internal/bigcommerce"
	"github.com/bcetl/bcetl/internal/lockfile"
	"github.com/bcetl/bcetl/internal/results"
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

// MigrateOptions configures a migration.
type MigrateOptions struct {
	// From is the source's spec, opened by extract.Open: "bigcommerce",
	// "voucherify:PATH", "voucherify-api", "voucherify-csv:PATH",
	// "csv:PATH", "shopify-csv:PATH", "parquet:DIR".
	From    string
	Mapping string // for csv:PATH
	// Source is the client of the source store, for a source that reads
	// one (extract.Needs.Store).
	Source          *bigcommerce.Client
	SourceStoreHash string
	// SourceAPIURL is the API root of a source that reaches its API
	// itself (voucherify-api; extract.Options.APIURL).
	SourceAPIURL string

	Work      string
	Target    *bigcommerce.Client
	Transform transform.Options
	// Load carries the load flags; In, StatePath, Client and Options
	// are set by Migrate.
	Load load.Options

	// Results is what is written for the records' outcomes: the load's
	// results.parquet, the pair success.csv and error.csv in Work, or
	// both (internal/results). Zero: results.DefaultFormat.
	Results results.Format

	// Options are the logger and the progress bars' terminal, for every
	// stage.
	accounting.Options

	// CPUTime, if set, reads the process's CPU time (user + system), so
	// MigrateResult can say what a stage used (bcetl bench).
	CPUTime func() time.Duration
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
	// TransformCPU is the process's CPU time during the transform, when
	// MigrateOptions.CPUTime is set.
	TransformCPU time.Duration

	WorkDir     string
	ResultsPath string
	RejectsPath string
	MergesPath  string
	// CSV is the pair success.csv and error.csv, when asked for: every
	// record read in one row of one of them.
	CSV *results.Counts
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
	// A spec or option the source does not take is refused before
	// anything is written (an *extract.UsageError).
	// --with-consent reads the data preferences of a store source too (a
	// request per customer); a file source has none to read.
	src, err := extract.Open(o.From, extract.Options{Mapping: o.Mapping, Store: o.Source, StoreHash: o.SourceStoreHash,
		APIURL: o.SourceAPIURL, WithConsent: o.Load.WithConsent && o.Source != nil, Options: o.Options})
	if err != nil {
		return nil, err
	}
	if o.Load.DryRun {
		return migrateDryRun(ctx, o, src)
	}
	if err := os.MkdirAll(o.Work, 0o700); err != nil {
		return nil, err
	}
	// One migration per work directory at a time: two would extract into
	// the same files.
	lock, err := lockfile.Acquire(o.Work, "bcetl migrate")
	if err != nil {
		return nil, err
	}
	defer lock.Release()
	if err := atomicfile.Sweep(filepath.Join(o.Work, LedgerFile)); err != nil {
		return nil, err
	}
	res := &MigrateResult{WorkDir: o.Work}
	exDir := filepath.Join(o.Work, ExtractDir)
	trDir := filepath.Join(o.Work, TransformDir)

	if res.ExtractSkipped = extractDone(exDir, src.Describe()); res.ExtractSkipped {
		o.Log.Info("extract: output complete and unchanged, not redone", "dir", exDir)
	} else {
		o.Log.Info("extract: starting", "from", o.From, "dir", exDir)
		start := time.Now()
		// A partial extract from an interrupted run is discarded: extract
		// writes every file anew.
		if _, err := src.Extract(ctx, exDir); err != nil {
			return nil, fmt.Errorf("extract: %w", err)
		}
		res.ExtractTime = time.Since(start)
	}

	if res.TransformSkipped = transformDone(exDir, trDir, o.Transform); res.TransformSkipped {
		o.Log.Info("transform: output complete and unchanged, not redone", "dir", trDir)
		if res.Transform, err = readReport(trDir); err != nil {
			return nil, err
		}
	} else {
		o.Log.Info("transform: starting", "dir", trDir)
		start, cpu := time.Now(), time.Duration(0)
		if o.CPUTime != nil {
			cpu = o.CPUTime()
		}
		if res.Transform, err = transform.Run(ctx, exDir, trDir, o.Transform); err != nil {
			return nil, fmt.Errorf("transform: %w", err)
		}
		res.TransformTime = time.Since(start)
		if o.CPUTime != nil {
			res.TransformCPU = o.CPUTime() - cpu
		}
	}

	lo := o.Load
	lo.In, lo.StatePath, lo.Client, lo.Options = trDir, filepath.Join(o.Work, StateFile), o.Target, o.Options
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
	format := o.Results
	if format == (results.Format{}) {
		format = results.DefaultFormat
	}
	// The pair joins the three stages: the extract's records and rejects,
	// the transform's rejects and merges, the load's results.
	res.CSV, err = FinishResults(sum, results.Inputs{Dir: exDir, Rejects: res.RejectsPath, Merges: res.MergesPath},
		filepath.Join(o.Work, results.SuccessFile), filepath.Join(o.Work, results.ErrorFile), format)
	res.ResultsPath = sum.ResultsPath
	if err != nil {
		return res, fmt.Errorf("results: %w", err)
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

// extractDone reports whether exDir holds a complete extract of the source
// d describes, whose inputs and outputs are unchanged. For a file source
// that means the SHA-256 of each of its inputs (the file, a csv: source's
// mapping, a parquet: directory's files) is still the one the manifest
// recorded: a path says nothing of what the file holds now, and a row
// added to a CSV after a finished migration must be extracted,
// transformed and loaded by the next run. An API source (a store,
// voucherify-api) has no inputs and is not re-read: to migrate a fresh
// copy, use a new work directory (README).
func extractDone(exDir string, d extract.Description) bool {
	m, err := staging.ReadManifest(exDir)
	if err != nil || m.Stage != staging.StageExtract || m.FinishedAt.IsZero() {
		return false
	}
	if !sameSource(m.Source, d.Source) || !sameHashes(m.Inputs, d.Inputs) {
		return false
	}
	_, err = staging.VerifyInput(exDir)
	return err == nil
}

// sameSource reports whether two descriptions name the same source, paths
// compared as absolute paths.
func sameSource(a, b staging.Source) bool {
	samePath := func(a, b string) bool { return a == b || (a != "" && b != "" && abs(a) == abs(b)) }
	return a.Kind == b.Kind && a.StoreHash == b.StoreHash && a.APIURL == b.APIURL &&
		samePath(a.Path, b.Path) && samePath(a.Mapping, b.Mapping)
}

// sameHashes reports whether files (manifest name → path) are exactly the
// recorded inputs, each with its recorded SHA-256.
func sameHashes(recorded map[string]staging.FileStats, files map[string]string) bool {
	if len(recorded) != len(files) {
		return false
	}
	for name, path := range files {
		want, ok := recorded[name]
		if !ok {
			return false
		}
		got, err := staging.FileHash(path)
		if err != nil || got.SHA256 != want.SHA256 {
			return false
		}
	}
	return true
}

// transformDone reports whether trDir was made from exDir's current files
// with the same options, and is itself unchanged.
func transformDone(exDir, trDir string, opts transform.Options) bool {
	m, err := staging.ReadManifest(trDir)
	if err != nil || m.Stage != staging.StageTransform || len(m.Inputs) == 0 {
		return false
	}
	if _, err := staging.VerifyInput(trDir); err != nil {
		return false
	}
	rep, err := readReport(trDir)
	if err != nil || !sameTransformOptions(rep, opts) {
		return false
	}
	// Every file the transform reads that exDir holds now, and only those.
	files := map[string]string{}
	for _, name := range transformInputs {
		p := filepath.Join(exDir, name)
		if _, err := os.Stat(p); err == nil {
			files[name] = p
		}
	}
	return sameHashes(m.Inputs, files)
}

// transformInputs are the files of an extract directory that the
// transform reads (and records in its manifest's Inputs).
var transformInputs = func() []string {
	var out []string
	for _, e := range staging.Entities {
		out = append(out, staging.FileName(e))
	}
	return append(out, staging.RejectsFile, staging.ManifestFile)
}()

// sameTransformOptions reports whether a transform report was made with
// opts: other rules or another survivor policy give another output.
func sameTransformOptions(rep *transform.Report, opts transform.Options) bool {
	survivor := opts.CustomerSurvivor
	if survivor == "" {
		survivor = transform.SurvivorNewest
	}
	if rep.CustomerSurvivor != survivor {
		return false
	}
	disabled := map[string]bool{}
	for _, r := range rep.DisabledRules {
		disabled[r] = true
	}
	for _, r := range transform.Rules {
		if disabled[r] != opts.Disabled[r] {
			return false
		}
	}
	return true
}

func abs(p string) string {
	if a, err := filepath.Abs(p); err == nil {
		return a
	}
	return p
}
