package transform

import (
	"bufio"
	"container/heap"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
)

// spiller holds a dupTable's sorted runs on disk once it has more entries
// than its budget: one temporary file of 20-byte records, the runs one
// after the other, merged when the table is resolved. The file lives in
// the run's scratch directory (removed at the end of the run, and by the
// next run into the same output if a killed run left it) and holds hashes
// and row numbers, never values.
type spiller struct {
	dir     func() (string, error)
	entries int // entries held in memory before a run is written
	f       *os.File
	w       *bufio.Writer
	runs    int
	lens    []int64 // entries per run
}

const entrySize = 20

// testHookSpill, when set by a test, is called for each run written.
var testHookSpill func()

func (s *spiller) write(sorted []dupEntry) error {
	if s.f == nil {
		dir, err := s.dir()
		if err != nil {
			return err
		}
		f, err := os.CreateTemp(dir, "dedupe-*.runs")
		if err != nil {
			return err
		}
		s.f, s.w = f, bufio.NewWriterSize(f, 1<<20)
	}
	var rec [entrySize]byte
	for _, e := range sorted {
		copy(rec[:16], e.key[:])
		binary.BigEndian.PutUint32(rec[16:], e.rankRow)
		if _, err := s.w.Write(rec[:]); err != nil {
			return fmt.Errorf("spill: %w", err)
		}
	}
	s.runs++
	if testHookSpill != nil {
		testHookSpill()
	}
	s.lens = append(s.lens, int64(len(sorted)))
	return nil
}

// close removes the file.
func (s *spiller) close() {
	if s.f != nil {
		s.f.Close()
		os.Remove(s.f.Name())
		s.f = nil
	}
}

// merge calls each for every entry of the runs and of mem (sorted), in
// order, then removes the file.
func (s *spiller) merge(mem []dupEntry, each func(dupEntry)) error {
	defer s.close()
	if err := s.w.Flush(); err != nil {
		return fmt.Errorf("spill: %w", err)
	}
	h := &entryHeap{}
	var off int64
	for _, n := range s.lens {
		c := &runCursor{r: bufio.NewReaderSize(io.NewSectionReader(s.f, off*entrySize, n*entrySize), 64<<10), left: n}
		off += n
		if err := c.next(); err != nil {
			return err
		}
		heap.Push(h, c)
	}
	if len(mem) > 0 {
		c := &runCursor{mem: mem, left: int64(len(mem))}
		c.next()
		heap.Push(h, c)
	}
	for h.Len() > 0 {
		c := (*h)[0]
		each(c.cur)
		if c.left == 0 {
			heap.Pop(h)
			continue
		}
		if err := c.next(); err != nil {
			return err
		}
		heap.Fix(h, 0)
	}
	return nil
}

// runCursor reads one sorted run, from the file or from memory.
type runCursor struct {
	r    *bufio.Reader
	mem  []dupEntry
	left int64
	cur  dupEntry
}

func (c *runCursor) next() error {
	c.left--
	if c.r == nil {
		c.cur, c.mem = c.mem[0], c.mem[1:]
		return nil
	}
	var rec [entrySize]byte
	if _, err := io.ReadFull(c.r, rec[:]); err != nil {
		if errors.Is(err, io.EOF) {
			err = io.ErrUnexpectedEOF
		}
		return fmt.Errorf("spill: %w", err)
	}
	copy(c.cur.key[:], rec[:16])
	c.cur.rankRow = binary.BigEndian.Uint32(rec[16:])
	return nil
}

type entryHeap []*runCursor

func (h entryHeap) Len() int           { return len(h) }
func (h entryHeap) Less(i, j int) bool { return compareEntries(h[i].cur, h[j].cur) < 0 }
func (h entryHeap) Swap(i, j int)      { h[i], h[j] = h[j], h[i] }
func (h *entryHeap) Push(x any)        { *h = append(*h, x.(*runCursor)) }
func (h *entryHeap) Pop() any {
	old := *h
	x := old[len(old)-1]
	*h = old[:len(old)-1]
	return x
}
