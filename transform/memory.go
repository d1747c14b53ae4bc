package transform

import (
	"os"
	"path/filepath"
)

// DefaultMemoryLimit is the memory budget of a transform when
// Options.MemoryLimit is 0: enough for the tables of a 10-million address
// transform (about 1.6 million rows of dedupe keys in memory at a time,
// the rest spilled).
const DefaultMemoryLimit = 1 << 30

// MinMemoryLimit is the smallest budget accepted: below it the fixed
// costs (decoded batches, Parquet pages, the customer table of a small
// store) would not fit anyway.
const MinMemoryLimit = 64 << 20

// spillShare is the part of the budget one dedupe table may hold in
// memory (one is built at a time); the rest is for the customer and
// source-key tables, the batches in flight, the Parquet buffers and the
// garbage collector's headroom.
const spillShare = 32

// ScratchPrefix names the directory a transform spills to, inside its
// output directory; it is removed when the run ends, and by the next run
// into the same directory if a killed run left it.
const ScratchPrefix = ".transform-spill-"

// spillEntries is how many dedupe entries a table holds before it writes
// a sorted run to disk.
func (o Options) spillEntries() int {
	if o.spillAt > 0 {
		return o.spillAt
	}
	limit := o.MemoryLimit
	if limit <= 0 {
		limit = DefaultMemoryLimit
	}
	return int(limit / spillShare / entrySize)
}

// dupTable is a new dedupe table, spilling past the budget into the
// run's scratch directory.
func (r *run) dupTable() *dupTable {
	n := r.opts.spillEntries()
	return &dupTable{entries: make([]dupEntry, 0, min(n, 1<<16)), spill: &spiller{entries: n, dir: r.scratchDir}}
}

// scratchDir makes the run's scratch directory on first use.
func (r *run) scratchDir() (string, error) {
	if r.scratch != "" {
		return r.scratch, nil
	}
	dir, err := os.MkdirTemp(r.out, ScratchPrefix) // 0700
	if err != nil {
		return "", err
	}
	r.scratch = dir
	return dir, nil
}

func (r *run) removeScratch() {
	if r.scratch != "" {
		os.RemoveAll(r.scratch)
		r.scratch = ""
	}
}

// sweepScratch removes what a killed run spilled into outDir.
func sweepScratch(outDir string) error {
	left, err := filepath.Glob(filepath.Join(outDir, ScratchPrefix+"*"))
	if err != nil {
		return err
	}
	for _, d := range left {
		if err := os.RemoveAll(d); err != nil {
			return err
		}
	}
	return nil
}
