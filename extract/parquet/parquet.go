// Package parquet is the source that reads an existing staging directory
// (--from parquet:DIR), checked against its manifest and, column by
// column, against the staging schema — files another tool wrote are read
// when their columns' names and types fit (schema.go) — every row
// re-written. See ../SOURCES.md.
package parquet

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"

	"github.com/bcetl/bcetl/extract"
	"github.com/bcetl/bcetl/internal/staging"
)

// Scheme is the --from scheme and source kind of a staging directory.
const Scheme = "parquet"

func init() {
	extract.Register(&extract.Registration{Scheme: Scheme, Location: "DIR",
		Summary: "an existing staging directory (the output of another extract)",
		New:     func(dir string, _ extract.Options) (extract.Source, error) { return parquetSource(dir), nil }})
}

// parquetSource is a staging directory taken as the source: it checks the
// manifest (if any) against the files, checks that each entity file has
// the staging schema, and re-writes every row. Rows are re-written rather
// than the files copied, so that each row is read once (a file that parses
// but holds a broken page fails here, not in load) and the output is in
// this version's encoding. Extract-stage rejects of the input are carried
// over; later stages' rejects are not, since re-running those stages
// produces them again.
type parquetSource string

func (p parquetSource) Describe() extract.Description {
	in := map[string]string{}
	for _, e := range staging.Entities {
		in[staging.FileName(e)] = filepath.Join(string(p), staging.FileName(e))
	}
	return extract.Description{Source: staging.Source{Kind: Scheme, Path: string(p)}, Inputs: in, Rejects: true}
}

func (p parquetSource) Read(ctx context.Context, s *extract.Sink) (extract.Report, error) {
	dir := string(p)
	fail := func(err error) (extract.Report, error) {
		return extract.Report{}, fmt.Errorf("parquet: %s: %w", dir, err)
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
		s.Log.Warn("staging directory has no manifest; checking the files only", "dir", dir)
	}
	if err := copyRejects(dir, s); err != nil {
		return fail(err)
	}
	for _, e := range []struct {
		entity string
		copy   func(in string) error
	}{
		{staging.EntityCustomers, func(in string) error { return copyStagingRows(in, s.Customers, s) }},
		{staging.EntityAddresses, func(in string) error { return copyStagingRows(in, s.Addresses, s) }},
		{staging.EntityAttributeValues, func(in string) error { return copyStagingRows(in, s.AttributeValues, s) }},
		{staging.EntityFormFieldValues, func(in string) error { return copyStagingRows(in, s.FormFieldValues, s) }},
		{staging.EntityAttributes, func(in string) error { return copyStagingRows(in, s.Attributes, s) }},
		{staging.EntityCustomerGroups, func(in string) error { return copyStagingRows(in, s.CustomerGroups, s) }},
		{staging.EntityMetafields, func(in string) error { return copyStagingRows(in, s.Metafields, s) }},
		{staging.EntitySubscribers, func(in string) error { return copyStagingRows(in, s.Subscribers, s) }},
		{staging.EntityConsents, func(in string) error { return copyStagingRows(in, s.Consents, s) }},
	} {
		name := staging.FileName(e.entity)
		in := filepath.Join(dir, name)
		if err := s.Hash(in); err != nil {
			return fail(fmt.Errorf("%s: %w (a staging directory holds a file for every entity)", name, err))
		}
		if err := e.copy(in); err != nil {
			return fail(err)
		}
		if err := ctx.Err(); err != nil {
			return extract.Report{}, err
		}
	}
	return extract.Report{}, nil
}

// copyStagingRows checks a file's schema and streams its rows into out. A
// row holding a string that is not valid UTF-8 (another tool wrote the
// file; parquet-go does not check) becomes a reject, rule "utf8", as in
// every other source: DuckDB would refuse the whole file for it, and the
// API cannot carry it.
func copyStagingRows[T any](in string, out *extract.Table[T], s *extract.Sink) error {
	entity := strings.TrimSuffix(filepath.Base(in), ".parquet")
	row := 0
	return scanFile(in, func(r T) error {
		row++
		if col, v, bad := staging.InvalidUTF8(&r); bad {
			return s.Reject(staging.Reject{Entity: entity, SourceKey: sourceKeyOf(r), Field: col, Rule: "utf8", Value: v,
				Message: fmt.Sprintf("%s row %d: column %s is not valid UTF-8 (the value shows the bytes escaped); rewrite the file with UTF-8 text", filepath.Base(in), row, col)})
		}
		return out.Write(r)
	})
}

// sourceKeyOf is the source_key of a staging row of any entity.
func sourceKeyOf(row any) string {
	return reflect.ValueOf(row).FieldByName("SourceKey").String()
}

// copyRejects carries the input's extract-stage rejects over; an input
// without rejects.parquet adds none.
func copyRejects(dir string, s *extract.Sink) error {
	in := filepath.Join(dir, staging.RejectsFile)
	if _, err := os.Stat(in); err != nil {
		return nil
	}
	return scanFile(in, func(r staging.Reject) error {
		if r.Stage != staging.StageExtract {
			return nil
		}
		return s.Reject(r)
	})
}
