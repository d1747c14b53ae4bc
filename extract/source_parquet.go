package extract

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"time"

	"github.com/parquet-go/parquet-go"

	"github.com/bcetl/bcetl/internal/staging"
)

// extractParquet takes an existing staging directory as the source: it
// checks the manifest (if any) against the files, checks that each entity
// file has the staging schema, and re-writes every row into outDir. Rows
// are re-written rather than the files copied, so that each row is read
// once (a file that parses but holds a broken page fails here, not in
// load) and the output is in this version's encoding. Extract-stage
// rejects of the input are carried over; later stages' rejects are not,
// since re-running those stages produces them again.
func extractParquet(ctx context.Context, dir, outDir string, started time.Time, log *slog.Logger) (*staging.Manifest, error) {
	fail := func(err error) (*staging.Manifest, error) {
		return nil, fmt.Errorf("parquet: %s: %w", dir, err)
	}
	if _, err := os.Stat(filepath.Join(dir, staging.ManifestFile)); err == nil {
		in, err := staging.ReadManifest(dir)
		if err != nil {
			return fail(err)
		}
		if err := in.Verify(dir); err != nil {
			return fail(fmt.Errorf("the manifest does not match the files: %w", err))
		}
	} else if !errors.Is(err, os.ErrNotExist) {
		return fail(err)
	} else {
		log.Warn("staging directory has no manifest; checking the files only", "dir", dir)
	}

	m := &staging.Manifest{
		FormatVersion: staging.FormatVersion,
		Stage:         "extract",
		Source:        staging.Source{Kind: KindParquet, Path: dir},
		StartedAt:     started,
		Entities:      map[string]staging.EntityManifest{},
		Inputs:        map[string]staging.FileStats{},
	}
	// Files are committed only once every one has been read whole, so a
	// failed run leaves no entity file behind.
	var pending []pendingFile
	defer func() {
		for _, p := range pending {
			p.w.Abort() // a no-op for committed files
		}
	}()
	for _, e := range []struct {
		entity string
		fn     func(in, out string) (committer, error)
	}{
		{staging.EntityCustomers, copyStagingRows[staging.Customer]},
		{staging.EntityAddresses, copyStagingRows[staging.Address]},
		{staging.EntityAttributeValues, copyStagingRows[staging.AttributeValue]},
		{staging.EntityFormFieldValues, copyStagingRows[staging.FormFieldValue]},
		{staging.EntityAttributes, copyStagingRows[staging.Attribute]},
	} {
		name := staging.FileName(e.entity)
		in := filepath.Join(dir, name)
		st, err := staging.FileHash(in)
		if err != nil {
			return fail(fmt.Errorf("%s: %w (a staging directory holds all five entity files)", name, err))
		}
		m.Inputs[name] = st
		w, err := e.fn(in, filepath.Join(outDir, name))
		if w != nil {
			pending = append(pending, pendingFile{e.entity, w})
		}
		if err != nil {
			return fail(err)
		}
		if err := ctx.Err(); err != nil {
			return nil, err
		}
	}
	rw, err := copyRejects(dir, outDir)
	if rw != nil {
		pending = append(pending, pendingFile{"", rw})
	}
	if err != nil {
		return fail(err)
	}
	for _, p := range pending {
		st, err := p.w.Commit()
		if err != nil {
			return fail(err)
		}
		if p.entity != "" {
			m.Entities[p.entity] = staging.EntityManifest{File: staging.FileName(p.entity), FileStats: st}
		}
	}
	if err := setDateRange(outDir, m); err != nil {
		return fail(err)
	}
	m.FinishedAt = time.Now().UTC()
	if err := staging.WriteManifest(outDir, m); err != nil {
		return nil, err
	}
	return m, nil
}

// committer is a staging.Writer of any row type.
type committer interface {
	Commit() (staging.FileStats, error)
	Abort()
}

type pendingFile struct {
	entity string // "" for rejects.parquet
	w      committer
}

// copyRows checks a file's schema and streams its rows into a new file,
// left uncommitted.
func copyStagingRows[T any](in, out string) (committer, error) {
	if err := checkParquetSchema[T](in); err != nil {
		return nil, err
	}
	w, err := staging.Create[T](out)
	if err != nil {
		return nil, err
	}
	if err := staging.Scan(in, func(r T) error { return w.Write(r) }); err != nil {
		return w, err
	}
	return w, nil
}

// checkSchema checks that every column of the staging type T is in the
// file with the same type and repetition. parquet-go would otherwise read
// a missing or retyped column as zero values without a word. Extra columns
// are allowed: a newer layout may add some.
func checkParquetSchema[T any](path string) error {
	pf, f, err := staging.OpenFile(path)
	if err != nil {
		return err
	}
	defer f.Close()
	want := parquet.SchemaOf(new(T))
	got := pf.Schema()
	for _, col := range want.Columns() {
		w, _ := want.Lookup(col...)
		g, ok := got.Lookup(col...)
		name := fmt.Sprint(col)
		switch {
		case !ok:
			return fmt.Errorf("%s: column %v is missing; this is not a %s staging file", filepath.Base(path), name, filepath.Base(path))
		case g.Node.Type().Kind() != w.Node.Type().Kind():
			return fmt.Errorf("%s: column %v is %v, want %v", filepath.Base(path), name, g.Node.Type().Kind(), w.Node.Type().Kind())
		case g.MaxRepetitionLevel != w.MaxRepetitionLevel || g.MaxDefinitionLevel != w.MaxDefinitionLevel:
			return fmt.Errorf("%s: column %v has a different optional/list structure than the staging layout", filepath.Base(path), name)
		}
	}
	return nil
}

// copyRejects carries the input's extract-stage rejects over, uncommitted;
// an input without rejects.parquet gives an empty file.
func copyRejects(dir, outDir string) (committer, error) {
	w, err := staging.Create[staging.Reject](filepath.Join(outDir, staging.RejectsFile))
	if err != nil {
		return nil, err
	}
	in := filepath.Join(dir, staging.RejectsFile)
	if _, err := os.Stat(in); err == nil {
		if err := checkParquetSchema[staging.Reject](in); err != nil {
			return w, err
		}
		err := staging.Scan(in, func(r staging.Reject) error {
			if r.Stage != "extract" {
				return nil
			}
			return w.Write(r)
		})
		if err != nil {
			return w, err
		}
	}
	return w, nil
}

// setDateRange records the customers' date_modified range, as the store
// extractor does.
func setDateRange(outDir string, m *staging.Manifest) error {
	var lo, hi *time.Time
	err := staging.Scan(filepath.Join(outDir, staging.FileName(staging.EntityCustomers)), func(c staging.Customer) error {
		if dm := c.DateModified; dm != nil {
			if lo == nil || dm.Before(*lo) {
				lo = dm
			}
			if hi == nil || dm.After(*hi) {
				hi = dm
			}
		}
		return nil
	})
	e := m.Entities[staging.EntityCustomers]
	e.MinDateModified, e.MaxDateModified = lo, hi
	m.Entities[staging.EntityCustomers] = e
	return err
}
