package pipelines

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"time"

	"github.com/bcetl/bcetl/extract"
	"github.com/bcetl/bcetl/internal/atomicfile"
	"github.com/bcetl/bcetl/internal/lockfile"
	"github.com/bcetl/bcetl/load"
	"github.com/bcetl/bcetl/transform"
)

// migrateDryRun is migrate --dry-run: the plan of the load that the same
// command would run, written nowhere but a scratch directory.
//
// To know what it would load it must extract and transform; it does so
// into a scratch directory under the system's temporary directory
// ($TMPDIR), owner-only and removed at the end. --work is read, never
// written: a stage it holds complete and unchanged (the checks a real run
// makes) is used from there instead of being redone, and when both are,
// the load's state is copied into the scratch directory, so the plan is
// of what is left to load. The target gets only the load dry run's reads
// (load.Run with DryRun: the attribute list, the customer count, the
// email look-ups, the groups, channels and forms it maps to).
//
// While it reads --work it holds the work directory's lock, as a real run
// does, so it never plans from a stage being rewritten; it takes it only
// where a migration ran before (bcetl.lock is there), so a --work that
// does not exist, or that no migration used, is left as it is.
func migrateDryRun(ctx context.Context, o MigrateOptions, src *extract.Job) (*MigrateResult, error) {
	res := &MigrateResult{WorkDir: o.Work}
	exDir := filepath.Join(o.Work, ExtractDir)
	trDir := filepath.Join(o.Work, TransformDir)
	used := false // a migration ran in --work before
	if _, err := os.Stat(filepath.Join(o.Work, lockfile.DirLock)); err == nil {
		lock, err := lockfile.Acquire(o.Work, "bcetl migrate --dry-run")
		if err != nil {
			return nil, err
		}
		defer lock.Release()
		used = true
	}
	scratch, err := os.MkdirTemp("", "bcetl-migrate-dry-run-") // 0700
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(scratch)

	if res.ExtractSkipped = used && extractDone(exDir, src.Describe()); res.ExtractSkipped {
		o.Log.Info("dry run: extract complete and unchanged in --work, read from there", "dir", exDir)
	} else {
		exDir = filepath.Join(scratch, ExtractDir)
		o.Log.Info("dry run: extracting into a temporary directory", "from", o.From, "dir", exDir)
		start := time.Now()
		if _, err := src.Extract(ctx, exDir); err != nil {
			return nil, fmt.Errorf("extract: %w", err)
		}
		res.ExtractTime = time.Since(start)
	}
	if res.TransformSkipped = res.ExtractSkipped && transformDone(exDir, trDir, o.Transform); res.TransformSkipped {
		o.Log.Info("dry run: transform complete and unchanged in --work, read from there", "dir", trDir)
		if res.Transform, err = readReport(trDir); err != nil {
			return nil, err
		}
	} else {
		trDir = filepath.Join(scratch, TransformDir)
		o.Log.Info("dry run: transforming into a temporary directory", "dir", trDir)
		start := time.Now()
		if res.Transform, err = transform.Run(ctx, exDir, trDir, o.Transform); err != nil {
			return nil, fmt.Errorf("transform: %w", err)
		}
		res.TransformTime = time.Since(start)
	}

	lo := o.Load
	lo.DryRun = true
	lo.In, lo.StatePath, lo.Client, lo.Options = trDir, filepath.Join(scratch, StateFile), o.Target, o.Options
	if res.TransformSkipped {
		// The load input is the one the state was made from: plan what
		// is left of it.
		if err := copyState(filepath.Join(o.Work, StateFile), lo.StatePath); err != nil {
			return nil, err
		}
	}
	start := time.Now()
	sum, err := load.Run(ctx, lo)
	res.LoadTime = time.Since(start)
	if err != nil {
		return nil, fmt.Errorf("load: %w", err)
	}
	res.Load = sum
	if res.Ledger, err = joinLedger(exDir, res.Transform, sum); err != nil {
		return nil, err
	}
	return res, nil
}

// copyState copies a load state file (SQLite) and its write-ahead log,
// which holds the last commits of a run that was killed; SQLite replays
// it when the copy is opened. The caller holds the work directory's lock:
// no run writes the file meanwhile. A missing state is no state.
func copyState(from, to string) error {
	for _, suffix := range []string{"", "-wal"} {
		if err := copyFile(from+suffix, to+suffix); err != nil {
			if errors.Is(err, fs.ErrNotExist) {
				if suffix == "" {
					return nil
				}
				continue
			}
			return err
		}
	}
	return nil
}

func copyFile(from, to string) error {
	in, err := os.Open(from)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.OpenFile(to, os.O_WRONLY|os.O_CREATE|os.O_EXCL, atomicfile.FileMode) // personal data
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}
