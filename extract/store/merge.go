package store

import (
	"container/heap"
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"sync"
)

// The store extractor receives rows in an order it does not control (pages
// of several windows interleave, addresses of old customers carry new ids),
// yet must write every file ordered by key without holding the store in
// memory. So each entity's rows go into a runSet: a bounded in-memory
// buffer that, when full, is sorted and spilled to an owner-only temporary
// Parquet "run". At the end the runs are k-way merged into the final file,
// dropping duplicate keys on the way. Memory is the buffer plus one small
// read batch per run, whatever the store's size. A run is a file of this
// package's own (runfile.go), not Parquet: it is written and read once.

// defaultSpillRows bounds each entity's in-memory buffer. A customer row
// with its strings is a few hundred bytes, so four entities stay in the
// tens of MiB even while one buffer is being written and the next fills.
const defaultSpillRows = 16 * 1024

// mergeReadBatch is how many rows of each run the merge holds at a time.
const mergeReadBatch = 128

// mergeFanIn is the most runs read at once (see merge).
const mergeFanIn = 32

// rowOrder tells a runSet how rows of one entity are ordered and which of
// two rows with the same key survives.
type rowOrder[T any] struct {
	// cmp orders rows by key; 0 means the same record.
	cmp func(a, b *T) int
	// newer reports whether a is strictly newer than b (by date_modified).
	// When neither is newer the row received later wins: it is the fresher
	// read. nil means rows carry no modification time.
	newer func(a, b *T) bool
}

// runSet collects the rows of one entity. It is safe for concurrent use.
type runSet[T any] struct {
	dir   string // temporary directory, owner-only
	name  string // entity, for file names and errors
	order rowOrder[T]
	limit int

	mu   sync.Mutex
	buf  []T
	runs []string // spilled runs, in the order their rows were received
	seq  int
}

func newRunSet[T any](dir, name string, order rowOrder[T], limit int) *runSet[T] {
	if limit <= 0 {
		limit = defaultSpillRows
	}
	return &runSet[T]{dir: dir, name: name, order: order, limit: limit}
}

// add appends rows; when the buffer is full the caller spills it. Spilling
// in the caller's goroutine is the back-pressure that keeps fetchers from
// outrunning the disk.
func (r *runSet[T]) add(rows ...T) error {
	if len(rows) == 0 {
		return nil
	}
	r.mu.Lock()
	r.buf = append(r.buf, rows...)
	if len(r.buf) < r.limit {
		r.mu.Unlock()
		return nil
	}
	full := r.buf
	r.buf = make([]T, 0, r.limit)
	path := filepath.Join(r.dir, r.name+"."+strconv.Itoa(r.seq)+".run")
	r.seq++
	r.runs = append(r.runs, path)
	r.mu.Unlock()
	return writeRun(path, full, r.order.cmp)
}

// writeRun sorts rows by key (stably: among equal keys, reception order is
// kept, which the merge relies on) and writes them to a new owner-only file.
func writeRun[T any](path string, rows []T, cmp func(a, b *T) int) error {
	w, err := createRun[T](path)
	if err != nil {
		return err
	}
	for _, i := range sortedOrder(rows, cmp) {
		if err := w.write(rows[i : i+1]); err != nil {
			w.abort()
			return err
		}
	}
	return w.close()
}

// sortedOrder returns the indexes of rows in key order, equal keys in
// reception order. Sorting indexes, not the rows, moves 4 bytes instead of
// a row of a few hundred per swap, and compares rows in place: a
// comparison through a func value of rows passed by value allocated two
// copies each time, and that was most of a spill.
func sortedOrder[T any](rows []T, cmp func(a, b *T) int) []int32 {
	idx := make([]int32, len(rows))
	for i := range idx {
		idx[i] = int32(i)
	}
	slices.SortFunc(idx, func(i, j int32) int {
		if c := cmp(&rows[i], &rows[j]); c != 0 {
			return c
		}
		return int(i - j) // reception order breaks ties: a total order, so no stable sort is needed
	})
	return idx
}

// rowWriter takes the merged rows: a Table of the sink, or in tests a
// staging.Writer.
type rowWriter[T any] interface{ Write(rows ...T) error }

// merge writes every row received to out, ordered by key and without
// duplicate keys, calling visit on each row before it is written, and
// returns the number of rows dropped because a row with the same key won.
// The runs are removed afterwards.
//
// At most mergeFanIn runs are read at once: more are first merged in
// groups into bigger runs (each row rewritten once per level), so the
// merge's memory does not grow with the store.
func (r *runSet[T]) merge(ctx context.Context, out rowWriter[T], visit func(*T)) (int64, error) {
	r.mu.Lock()
	tail := r.buf
	r.buf = nil
	runs := r.runs
	r.runs = nil
	r.mu.Unlock()
	created := slices.Clone(runs)
	defer func() {
		for _, p := range created {
			os.Remove(p)
		}
	}()
	var dups int64
	for len(runs) > mergeFanIn {
		// Groups are contiguous and keep their place, so reception
		// order, which breaks ties, is preserved.
		var next []string
		for group := range slices.Chunk(runs, mergeFanIn) {
			if len(group) == 1 {
				next = append(next, group[0])
				continue
			}
			merged := filepath.Join(r.dir, r.name+".m"+strconv.Itoa(r.seq)+".run")
			r.seq++
			created = append(created, merged)
			n, err := r.mergeGroup(ctx, group, merged)
			dups += n
			if err != nil {
				return dups, err
			}
			for _, p := range group {
				os.Remove(p)
			}
			next = append(next, merged)
		}
		runs = next
	}

	sorted := make([]T, len(tail))
	for k, i := range sortedOrder(tail, r.order.cmp) {
		sorted[k] = tail[i]
	}
	tail = nil
	srcs, err := openRunSources[T](runs)
	if err != nil {
		return dups, err
	}
	srcs = append(srcs, &runSource[T]{idx: len(runs), rows: sorted})
	n, err := mergeSources(ctx, r.order, srcs, func(rows []T) error {
		if visit != nil {
			for i := range rows {
				visit(&rows[i])
			}
		}
		return out.Write(rows...)
	})
	return dups + n, err
}

// mergeGroup merges runs into one new run at out.
func (r *runSet[T]) mergeGroup(ctx context.Context, runs []string, out string) (int64, error) {
	srcs, err := openRunSources[T](runs)
	if err != nil {
		return 0, err
	}
	w, err := createRun[T](out)
	if err != nil {
		closeSources(srcs)
		return 0, err
	}
	dups, err := mergeSources(ctx, r.order, srcs, w.write)
	if err != nil {
		w.abort()
		return dups, err
	}
	return dups, w.close()
}

func openRunSources[T any](runs []string) ([]*runSource[T], error) {
	srcs := make([]*runSource[T], 0, len(runs)+1)
	for i, p := range runs {
		src, err := openRunSource[T](p, i)
		if err != nil {
			closeSources(srcs)
			return nil, err
		}
		srcs = append(srcs, src)
	}
	return srcs, nil
}

func closeSources[T any](srcs []*runSource[T]) {
	for _, s := range srcs {
		s.close()
	}
}

// mergeSources k-way merges sorted sources, drops duplicate keys and
// passes the surviving rows to emit in batches (emit must not keep the
// slice). It closes the sources.
func mergeSources[T any](ctx context.Context, order rowOrder[T], srcs []*runSource[T], emit func([]T) error) (int64, error) {
	h := &mergeHeap[T]{cmp: order.cmp}
	for _, s := range srcs {
		h.push(s)
	}
	defer h.closeAll()
	heap.Init(h)
	var dups int64
	out := make([]T, 0, 1024)
	flush := func() error {
		if len(out) == 0 {
			return nil
		}
		err := emit(out)
		clear(out)
		out = out[:0]
		return err
	}
	var cur T
	have := false
	for h.Len() > 0 {
		if len(out) == 0 && ctx.Err() != nil {
			return dups, ctx.Err()
		}
		src := h.srcs[0]
		// The row is looked at where it lies (a copy whose address
		// escaped into cmp would be allocated for every row), and
		// copied out before advance refills its batch.
		row := &src.rows[src.pos]
		switch {
		case have && order.cmp(&cur, row) == 0:
			dups++
			// Equal keys arrive in reception order (heap ties break
			// by run, runs sort stably), so the later row replaces the
			// current one unless the current one is strictly newer.
			if order.newer == nil || !order.newer(&cur, row) {
				cur = *row
			}
		case have:
			out = append(out, cur)
			cur = *row
		default:
			cur, have = *row, true
		}
		if err := src.advance(); err != nil {
			return dups, err
		}
		if src.done() {
			heap.Pop(h)
			src.close()
		} else {
			heap.Fix(h, 0)
		}
		if len(out) == cap(out) {
			if err := flush(); err != nil {
				return dups, err
			}
		}
	}
	if have {
		out = append(out, cur)
	}
	return dups, flush()
}

// runSource is one sorted input of the merge: a spilled run read in small
// batches, or the in-memory tail.
type runSource[T any] struct {
	idx  int // reception order of the run: ties go to the lower index first
	rows []T
	pos  int
	r    *runReader[T]
	eof  bool
}

func openRunSource[T any](path string, idx int) (*runSource[T], error) {
	r, err := openRun[T](path)
	if err != nil {
		return nil, err
	}
	s := &runSource[T]{idx: idx, r: r, rows: make([]T, 0, mergeReadBatch)}
	if err := s.fill(); err != nil {
		s.close()
		return nil, err
	}
	return s, nil
}

// fill reads the next batch into the buffer, whose rows the merge has
// copied out (it keeps rows by value).
func (s *runSource[T]) fill() error {
	buf := s.rows[:cap(s.rows)]
	n, err := s.r.read(buf)
	s.rows, s.pos = buf[:n], 0
	if errors.Is(err, io.EOF) {
		s.eof = true
		return nil
	}
	return err
}

func (s *runSource[T]) advance() error {
	s.pos++
	for s.pos >= len(s.rows) && s.r != nil && !s.eof {
		if err := s.fill(); err != nil {
			return err
		}
	}
	return nil
}

func (s *runSource[T]) done() bool { return s.pos >= len(s.rows) }

func (s *runSource[T]) close() {
	if s.r != nil {
		s.r.close()
		s.r = nil
	}
}

// mergeHeap orders sources by their current row, then by reception order.
type mergeHeap[T any] struct {
	srcs []*runSource[T]
	cmp  func(a, b *T) int
}

func (h *mergeHeap[T]) push(s *runSource[T]) {
	if !s.done() {
		h.srcs = append(h.srcs, s)
	} else {
		s.close()
	}
}

func (h *mergeHeap[T]) closeAll() {
	for _, s := range h.srcs {
		s.close()
	}
}

func (h *mergeHeap[T]) Len() int { return len(h.srcs) }
func (h *mergeHeap[T]) Less(i, j int) bool {
	a, b := h.srcs[i], h.srcs[j]
	if c := h.cmp(&a.rows[a.pos], &b.rows[b.pos]); c != 0 {
		return c < 0
	}
	return a.idx < b.idx
}
func (h *mergeHeap[T]) Swap(i, j int) { h.srcs[i], h.srcs[j] = h.srcs[j], h.srcs[i] }
func (h *mergeHeap[T]) Push(x any)    { h.srcs = append(h.srcs, x.(*runSource[T])) }
func (h *mergeHeap[T]) Pop() any {
	s := h.srcs[len(h.srcs)-1]
	h.srcs = h.srcs[:len(h.srcs)-1]
	return s
}
