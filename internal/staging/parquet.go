package staging

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"
	"os"
	"reflect"

	"github.com/parquet-go/parquet-go"

	"github.com/bcetl/bcetl/internal/atomicfile"
)

// RowGroupRows bounds a row group: readers (DuckDB, Spark, our own streaming
// reader) hold about one row group per column in memory at a time.
const RowGroupRows = 64 * 1024

// FileStats describes a committed file, as the manifest records it.
type FileStats struct {
	Rows   int64  `json:"rows"`
	Bytes  int64  `json:"bytes"`
	SHA256 string `json:"sha256"`
}

// Writer streams rows of one entity into a Parquet file that appears at its
// final path only on Commit. Files are owner-only and zstd-compressed.
type Writer[T any] struct {
	f    *atomicfile.File
	h    hash.Hash
	cw   *countWriter
	pw   *parquet.GenericWriter[T]
	rows int64
	text []textField // the row type's string fields (utf8.go)
}

// Create starts a writer for path.
func Create[T any](path string) (*Writer[T], error) {
	f, err := atomicfile.Create(path)
	if err != nil {
		return nil, err
	}
	h := sha256.New()
	cw := &countWriter{w: io.MultiWriter(f, h)}
	pw := parquet.NewGenericWriter[T](cw,
		parquet.Compression(pageCodec), // zstd (zstd.go)
		parquet.MaxRowsPerRowGroup(RowGroupRows),
		parquet.CreatedBy("bcetl", "1", ""),
		// No min/max in each page header: they hold whole values, and one
		// large value (a 10 MB note) makes a header Arrow refuses (4 MiB
		// in Go, 16 MiB in pyarrow). Readers take page bounds from the
		// column index, whose values parquet-go truncates.
		parquet.DataPageStatistics(false),
	)
	return &Writer[T]{f: f, h: h, cw: cw, pw: pw, text: textFieldsOf(reflect.TypeFor[T]())}, nil
}

// Write appends rows. A string that is not valid UTF-8 is written escaped
// (utf8.go): no file bcetl writes holds invalid UTF-8.
func (w *Writer[T]) Write(rows ...T) error {
	n, err := w.pw.Write(validRows(w.text, rows))
	w.rows += int64(n)
	return err
}

// Rows is the number of rows written so far.
func (w *Writer[T]) Rows() int64 { return w.rows }

// Commit finishes the file, renames it into place and returns its stats.
func (w *Writer[T]) Commit() (FileStats, error) {
	if err := w.pw.Close(); err != nil {
		w.f.Abort()
		return FileStats{}, fmt.Errorf("write %s: %w", w.f.Path(), err)
	}
	st := FileStats{Rows: w.rows, Bytes: w.cw.n, SHA256: hex.EncodeToString(w.h.Sum(nil))}
	if err := w.f.Commit(); err != nil {
		return FileStats{}, err
	}
	return st, nil
}

// Abort discards the file; a no-op after Commit.
func (w *Writer[T]) Abort() { w.f.Abort() }

type countWriter struct {
	w io.Writer
	n int64
}

func (c *countWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n += int64(n)
	return n, err
}

// WriteAll writes rows to path in one go.
func WriteAll[T any](path string, rows []T) (FileStats, error) {
	w, err := Create[T](path)
	if err != nil {
		return FileStats{}, err
	}
	defer w.Abort()
	if err := w.Write(rows...); err != nil {
		return FileStats{}, err
	}
	return w.Commit()
}

// ErrStop may be returned by a Scan callback to end the scan early without
// an error.
var ErrStop = errors.New("stop")

// Scan streams the rows of a Parquet file to fn in file order, holding at
// most one batch of rows in memory.
func Scan[T any](path string, fn func(T) error) error {
	return ScanSchema(path, nil, fn)
}

// ScanSchema is Scan reading the file through schema, T's columns or some
// of them (the others are left zero), which parquet-go converts the file's
// columns to by name; nil is T's own schema. It is for files another tool
// wrote (extract/parquet decides which schema fits).
func ScanSchema[T any](path string, schema *parquet.Schema, fn func(T) error) error {
	pf, f, err := OpenFile(path)
	if err != nil {
		return err
	}
	defer f.Close()
	var opts []parquet.ReaderOption
	if schema != nil {
		opts = append(opts, schema)
	}
	r := parquet.NewGenericReader[T](pf, opts...)
	defer r.Close()
	buf := make([]T, 1024)
	for {
		n, err := r.Read(buf)
		for i := 0; i < n; i++ {
			if ferr := fn(buf[i]); ferr != nil {
				if errors.Is(ferr, ErrStop) {
					return nil
				}
				return ferr
			}
			var zero T
			buf[i] = zero // drop references so slices are not shared across rows
		}
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return fmt.Errorf("%s: %w", path, err)
		}
	}
}

// OpenFile opens a Parquet file for reading. Close the returned *os.File
// when done with the *parquet.File.
func OpenFile(path string) (*parquet.File, *os.File, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, nil, err
	}
	st, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, nil, err
	}
	pf, err := parquet.OpenFile(f, st.Size())
	if err != nil {
		f.Close()
		return nil, nil, fmt.Errorf("%s: not a readable Parquet file: %w", path, err)
	}
	return pf, f, nil
}

// ReadAll reads every row of a Parquet file. Use Scan for large files.
func ReadAll[T any](path string) ([]T, error) {
	var out []T
	err := Scan(path, func(r T) error { out = append(out, r); return nil })
	return out, err
}

// FileHash returns the stats of an existing file, for checking that a
// stage's output is unchanged.
func FileHash(path string) (FileStats, error) {
	f, err := os.Open(path)
	if err != nil {
		return FileStats{}, err
	}
	defer f.Close()
	h := sha256.New()
	n, err := io.Copy(h, f)
	if err != nil {
		return FileStats{}, err
	}
	return FileStats{Bytes: n, SHA256: hex.EncodeToString(h.Sum(nil))}, nil
}
