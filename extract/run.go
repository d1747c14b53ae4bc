package extract

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/bcetl/bcetl/internal/atomicfile"
	"github.com/bcetl/bcetl/internal/staging"
)

// Run reads src into the staging directory dir: the entity files it
// described, rejects.parquet if it has rejects, and manifest.json. Every
// file is written under a temporary name, owner-only, and renamed into
// place once the source has read everything, the manifest last, so that a
// directory with a manifest is a complete one; on error dir keeps what it
// held. The source's checkpoint moves only after that (Report.Committed).
func Run(ctx context.Context, src Source, dir string, o Options) (*staging.Manifest, error) {
	d := src.Describe()
	now := o.Now
	if now == nil {
		now = time.Now
	}
	log := o.Logger()
	if err := checkOutput(d.Path, dir); err != nil {
		return nil, fmt.Errorf("source %q: %w", d, err)
	}
	// What a killed run was writing here holds personal data.
	if err := sweepOutputs(dir); err != nil {
		return nil, err
	}
	s, err := newSink(dir, d, now().UTC(), log)
	if err != nil {
		return nil, err
	}
	defer s.abort()
	r, err := src.Read(ctx, s)
	if err != nil {
		return nil, err
	}
	m, err := s.commit(d, r, now)
	if err != nil {
		return nil, err
	}
	if r.Committed != nil {
		if err := r.Committed(m); err != nil {
			return nil, err
		}
	}
	args := []any{"source", d.String(), "took", m.FinishedAt.Sub(m.StartedAt).Round(time.Millisecond)}
	for _, t := range s.tables {
		args = append(args, t.Entity(), t.Rows())
	}
	if s.rejects != nil {
		args = append(args, "rejects", s.rejects.Rows())
	}
	log.Info("extract finished", append(args, r.Stats...)...)
	return m, nil
}

// checkOutput refuses an output directory that is a directory source or
// inside it, by any spelling (staging.CheckOutputDir), so a source is
// never rewritten in place; a file source's file must exist.
func checkOutput(path, outDir string) error {
	if path == "" {
		return nil // an API
	}
	fi, err := os.Stat(path)
	if os.IsNotExist(err) {
		return fmt.Errorf("%s does not exist", path)
	}
	if err != nil {
		return err
	}
	if fi.IsDir() {
		return staging.CheckOutputDir(path, outDir)
	}
	return nil
}

// sweepOutputs removes what a killed extract was writing into outDir: the
// temporary files of its outputs and its scratch directories. Both have
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
	scratch, _ := filepath.Glob(filepath.Join(outDir, ScratchPrefix+"*"))
	for _, d := range scratch {
		if err := os.RemoveAll(d); err != nil {
			return err
		}
	}
	return nil
}
