package transform

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"

	"github.com/parquet-go/parquet-go"

	"github.com/bcetl/bcetl/internal/staging"
)

// One pass over an entity file uses every core and still behaves as a
// loop over the rows in input order. A reader goroutine decodes the file
// in batches; workers prepare each batch (normalise, validate, resolve
// the customer, hash the keys: the costly part, which depends only on the
// row and on tables no one writes during the pass); the caller's goroutine
// applies the batches strictly in input order, and is the only one that
// touches the pass's tables and writes output. So the rows, rejects and
// merges written, and their order, do not depend on the number of workers
// (TestSameOutputWhateverTheWorkers).

// batchRows is the number of rows a batch holds.
const batchRows = 2048

// maxRows bounds an entity file: row numbers are 31 bits (dupEntry).
const maxRows = math.MaxInt32

// running counts the goroutines this package started that have not
// returned yet: each decrements it before it signals its end, so it is
// zero whenever Run has returned (TestCancelStopsEveryGoroutine).
var running atomic.Int64

// testHookBatch, when set by a test, is called before each batch is
// applied.
var testHookBatch func(entity string, start uint32)

type batch[T, R any] struct {
	start uint32 // row number of rows[0]
	rows  []T
	res   []R // what the worker found out about rows[i]
	err   error
	done  chan struct{} // closed when prepared
	buf   []T
	rbuf  []R
}

// passRows runs one pass over dir's entity file (a missing file is empty):
// each prep function is one worker. apply runs on the caller's goroutine,
// batch after batch in input order; rows and results are reused after it
// returns, so it copies what it keeps. Cancelling ctx, or an error from
// apply, stops the reader and the workers before passRows returns.
func passRows[T, R any](ctx context.Context, dir, entity string, preps []func(*batch[T, R]), apply func(*batch[T, R]) error) error {
	path := filepath.Join(dir, staging.FileName(entity))
	if _, err := os.Stat(path); os.IsNotExist(err) {
		return nil
	}
	pf, f, err := staging.OpenFile(path)
	if err != nil {
		return err
	}
	defer f.Close()
	if pf.NumRows() > maxRows {
		return fmt.Errorf("%s: %d rows; a file holds at most %d: split the input", path, pf.NumRows(), maxRows)
	}
	parent := ctx
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	nb := 2*len(preps) + 2
	free := make(chan *batch[T, R], nb)
	for range nb {
		free <- &batch[T, R]{buf: make([]T, batchRows), rbuf: make([]R, batchRows)}
	}
	work := make(chan *batch[T, R], nb)
	order := make(chan *batch[T, R], nb)
	var wg sync.WaitGroup
	wg.Add(1 + len(preps))
	running.Add(int64(1 + len(preps)))
	go func() {
		defer wg.Done()
		defer running.Add(-1)
		defer close(order)
		defer close(work)
		readBatches(ctx, path, pf, free, work, order)
	}()
	for _, prep := range preps {
		go func() {
			defer wg.Done()
			defer running.Add(-1)
			for b := range work {
				if b.err == nil {
					prep(b)
				}
				close(b.done)
			}
		}()
	}
	err = applyBatches(ctx, entity, free, order, apply)
	cancel()
	wg.Wait()
	if err == nil || errors.Is(err, context.Canceled) {
		if perr := parent.Err(); perr != nil {
			return perr
		}
	}
	return err
}

func readBatches[T, R any](ctx context.Context, path string, pf *parquet.File, free, work, order chan *batch[T, R]) {
	r := parquet.NewGenericReader[T](pf)
	defer r.Close()
	var row uint32
	for {
		var b *batch[T, R]
		select {
		case b = <-free:
		case <-ctx.Done():
			return
		}
		n, err := r.Read(b.buf)
		b.start, b.rows, b.res, b.done = row, b.buf[:n], b.rbuf[:n], make(chan struct{})
		row += uint32(n)
		if err != nil && err != io.EOF {
			b.err = fmt.Errorf("%s: %w", path, err)
		}
		if n == 0 && b.err == nil {
			return
		}
		// Neither send blocks: both channels hold every batch there is.
		order <- b
		work <- b
		if err != nil {
			return
		}
	}
}

func applyBatches[T, R any](ctx context.Context, entity string, free, order chan *batch[T, R], apply func(*batch[T, R]) error) error {
	for b := range order {
		select {
		case <-b.done:
		case <-ctx.Done():
			return ctx.Err()
		}
		if b.err != nil {
			return b.err
		}
		if testHookBatch != nil {
			testHookBatch(entity, b.start)
		}
		if err := apply(b); err != nil {
			return err
		}
		// Dropping the references makes the reader allocate new slices
		// and strings: what apply kept stays intact.
		clear(b.buf)
		clear(b.rbuf)
		free <- b
	}
	return nil
}
