package extract

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"reflect"
	"strings"
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
	rw, err := staging.Create[staging.Reject](filepath.Join(outDir, staging.RejectsFile))
	if err != nil {
		return fail(err)
	}
	pending = append(pending, pendingFile{"", rw})
	if err := copyRejects(dir, rw); err != nil {
		return fail(err)
	}
	for _, e := range []struct {
		entity string
		fn     func(in, out string, rejects *staging.Writer[staging.Reject]) (committer, error)
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
		w, err := e.fn(in, filepath.Join(outDir, name), rw)
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

// copyStagingRows checks a file's schema and streams its rows into a new
// file, left uncommitted. A row holding a string that is not valid UTF-8
// (another tool wrote the file; parquet-go does not check) becomes a
// reject, rule "utf8", as in every other source: DuckDB would refuse the
// whole file for it, and the API cannot carry it.
func copyStagingRows[T any](in, out string, rejects *staging.Writer[staging.Reject]) (committer, error) {
	if err := checkParquetSchema[T](in); err != nil {
		return nil, err
	}
	w, err := staging.Create[T](out)
	if err != nil {
		return nil, err
	}
	entity := strings.TrimSuffix(filepath.Base(out), ".parquet")
	row := 0
	err = staging.Scan(in, func(r T) error {
		row++
		if col, v, bad := staging.InvalidUTF8(&r); bad {
			return rejects.Write(staging.Reject{Stage: "extract", Entity: entity, SourceKey: sourceKeyOf(r), Field: col, Rule: "utf8",
				Value:   staging.TruncateValue(v),
				Message: fmt.Sprintf("%s row %d: column %s is not valid UTF-8 (the value shows the bytes escaped); rewrite the file with UTF-8 text", filepath.Base(in), row, col)})
		}
		return w.Write(r)
	})
	return w, err
}

// sourceKeyOf is the source_key of a staging row of any entity.
func sourceKeyOf(row any) string {
	return reflect.ValueOf(row).FieldByName("SourceKey").String()
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

// copyRejects carries the input's extract-stage rejects over into w; an
// input without rejects.parquet adds none.
func copyRejects(dir string, w *staging.Writer[staging.Reject]) error {
	in := filepath.Join(dir, staging.RejectsFile)
	if _, err := os.Stat(in); err != nil {
		return nil
	}
	if err := checkParquetSchema[staging.Reject](in); err != nil {
		return err
	}
	return staging.Scan(in, func(r staging.Reject) error {
		if r.Stage != "extract" {
			return nil
		}
		return w.Write(r)
	})
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
