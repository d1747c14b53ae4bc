package store

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"

	json "github.com/goccy/go-json"
	"github.com/klauspost/compress/s2"

	"github.com/bcetl/bcetl/internal/atomicfile"
)

// The spilled runs' format: an S2-compressed stream of rows, each its
// JSON (github.com/goccy/go-json, the client's codec) behind its length
// as a uvarint. A run is written once and read once, by this package
// only, so it needs none of Parquet's columns, statistics or types, and
// Parquet's row-to-column shredding and its reassembly by reflection were
// most of the extract's local work: a 16,384-customer run costs a fifth of
// the CPU this way (BenchmarkSpillRun). JSON keeps every row exactly —
// the staging types have no omitempty and no JSON tags, so a nil pointer
// stays nil and a pointer to 0 stays a 0; a store's strings come from JSON
// answers and are valid UTF-8 (the decoder replaces what is not); times
// are RFC 3339 with nanoseconds; Money goes through its text form.
//
// Memory: S2 blocks of runBlockBytes, so a reader holds two blocks (the
// compressed and the decoded one) and a bufio buffer, whatever the run's
// size: the merge reads up to mergeFanIn runs at once.

// runBlockBytes is the S2 block size of a run.
const runBlockBytes = 64 << 10

// runWriter writes one run file.
type runWriter[T any] struct {
	f   *os.File
	z   *s2.Writer
	len []byte
}

func createRun[T any](path string) (*runWriter[T], error) {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, atomicfile.FileMode)
	if err != nil {
		return nil, err
	}
	// One goroutine: the two page converters (and two merges) already
	// keep both cores busy, and a block written in order is what the
	// reader's bound assumes.
	z := s2.NewWriter(f, s2.WriterBlockSize(runBlockBytes), s2.WriterConcurrency(1))
	return &runWriter[T]{f: f, z: z}, nil
}

func (w *runWriter[T]) write(rows []T) error {
	for i := range rows {
		b, err := json.Marshal(&rows[i])
		if err != nil {
			return fmt.Errorf("spill %s: %w", filepath.Base(w.f.Name()), err)
		}
		w.len = binary.AppendUvarint(w.len[:0], uint64(len(b)))
		if _, err := w.z.Write(w.len); err != nil {
			return fmt.Errorf("spill %s: %w", filepath.Base(w.f.Name()), err)
		}
		if _, err := w.z.Write(b); err != nil {
			return fmt.Errorf("spill %s: %w", filepath.Base(w.f.Name()), err)
		}
	}
	return nil
}

// close finishes the file; abort is close after an error.
func (w *runWriter[T]) close() error {
	err := w.z.Close()
	if cerr := w.f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("spill %s: %w", filepath.Base(w.f.Name()), err)
	}
	return nil
}

func (w *runWriter[T]) abort() {
	w.z.Close()
	w.f.Close()
}

// runReader reads one run file back, in the order it was written.
type runReader[T any] struct {
	f   *os.File
	r   *bufio.Reader
	rec []byte
}

func openRun[T any](path string) (*runReader[T], error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	z := s2.NewReader(f, s2.ReaderMaxBlockSize(runBlockBytes))
	return &runReader[T]{f: f, r: bufio.NewReaderSize(z, 16<<10)}, nil
}

// read fills rows from the start and returns how many it read; io.EOF
// after the last row. Each row is zeroed first: what the JSON of a row
// holds is all that row is.
func (r *runReader[T]) read(rows []T) (int, error) {
	var zero T
	for i := range rows {
		n, err := binary.ReadUvarint(r.r)
		if errors.Is(err, io.EOF) {
			return i, io.EOF
		}
		if err == nil && n > 64<<20 {
			err = fmt.Errorf("a row of %d bytes", n)
		}
		if err == nil {
			if uint64(cap(r.rec)) < n {
				r.rec = make([]byte, n)
			}
			r.rec = r.rec[:n]
			_, err = io.ReadFull(r.r, r.rec)
		}
		if err == nil {
			rows[i] = zero
			err = json.Unmarshal(r.rec, &rows[i])
		}
		if err != nil {
			return i, fmt.Errorf("read run %s: %w", r.f.Name(), err)
		}
	}
	return len(rows), nil
}

func (r *runReader[T]) close() { r.f.Close() }
