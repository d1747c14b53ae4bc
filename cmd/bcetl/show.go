package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/apache/arrow/go/v17/arrow/array"
	"github.com/apache/arrow/go/v17/arrow/memory"
	"github.com/apache/arrow/go/v17/parquet/file"
	"github.com/apache/arrow/go/v17/parquet/pqarrow"
	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
)

// bcetl show prints a Parquet file as JSON lines, so a user without DuckDB
// or pandas can read a rejects or results file. It reads through Arrow's
// Parquet implementation, independent of the parquet-go code that wrote
// the file: what it shows is what other tools will see.
func init() {
	register(&command{
		name:    "show",
		summary: "print a Parquet file (staging, rejects, merges, results) as JSON lines",
		example: `  bcetl show work/transform/rejects.parquet
  bcetl show --limit 5 work/load-state.results.parquet`,
		use:   "FILE",
		args:  cobra.ExactArgs(1),
		setup: setupShow,
	})
}

func setupShow(fs *pflag.FlagSet) func(ctx context.Context, a *app) error {
	limit := fs.Int64("limit", 0, "print at most N rows (0 = all)")
	return func(ctx context.Context, a *app) error {
		if fi, err := os.Stat(a.args[0]); err != nil || fi.IsDir() {
			return usagef("%s: no such file", a.args[0])
		}
		return showParquet(ctx, a.args[0], *limit, a.stdout)
	}
}

func showParquet(ctx context.Context, path string, limit int64, w io.Writer) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	pr, err := file.NewParquetReader(f)
	if err != nil {
		return fmt.Errorf("%s: not a readable Parquet file: %w", path, err)
	}
	defer pr.Close()
	fr, err := pqarrow.NewFileReader(pr, pqarrow.ArrowReadProperties{BatchSize: 1024}, memory.DefaultAllocator)
	if err != nil {
		return err
	}
	rr, err := fr.GetRecordReader(ctx, nil, nil)
	if err != nil {
		return err
	}
	defer rr.Release()
	var n int64
	for rr.Next() {
		rec := rr.Record()
		if limit > 0 && n+rec.NumRows() > limit {
			rec = rec.NewSlice(0, limit-n)
			defer rec.Release()
		}
		if err := array.RecordToJSON(rec, w); err != nil {
			return err
		}
		if n += rec.NumRows(); limit > 0 && n >= limit {
			return nil
		}
	}
	err = rr.Err()
	if err != nil && !errors.Is(err, io.EOF) {
		return fmt.Errorf("%s: after %d rows: %w", path, n, err)
	}
	// Arrow's record reader ends with io.EOF, not the error, when a page
	// cannot be read (e.g. a page header over its 4 MiB limit, which
	// parquet-go's per-page statistics of one large value used to
	// reach): the footer's row count is what proves every row came out.
	if want := pr.NumRows(); n < want {
		return fmt.Errorf("%s: Arrow read %d of the file's %d rows, then stopped%s", path, n, want, unreadablePage(pr))
	}
	return nil
}

// unreadablePage names the first column chunk whose pages Arrow cannot
// read, and why, for the error of a short read.
func unreadablePage(pr *file.Reader) string {
	for g := 0; g < pr.NumRowGroups(); g++ {
		rg := pr.RowGroup(g)
		for c := 0; c < rg.NumColumns(); c++ {
			pages, err := rg.GetColumnPageReader(c)
			if err == nil {
				for pages.Next() {
				}
				err = pages.Err()
			}
			if err != nil {
				name := rg.MetaData().Schema.Column(c).Path()
				return fmt.Sprintf(": column %s, row group %d: %v", name, g, err)
			}
		}
	}
	return ""
}
