package pipelines

import (
	"context"
	"path/filepath"

	"github.com/bcetl/bcetl/internal/lockfile"
	"github.com/bcetl/bcetl/internal/warehouse"
)

// openedWarehouse is a warehouse opened for a run, with its state.
type openedWarehouse struct {
	*warehouse.Warehouse
	state warehouse.StateFile // nil without --state
	locks []*lockfile.Lock
}

func (w *openedWarehouse) close() {
	for _, l := range w.locks {
		l.Release()
	}
	if w.state != nil {
		w.state.Close()
	}
	w.Backend().Close()
}

// openWarehouse takes the locks of a run, opens the --out for the store
// and the --state, and then clears what a killed run left in the staging
// area.
//
//   - A local --state is locked for the run (lockfile): two runs would read
//     the same watermark, export the same changes twice and race to move
//     it. A state in an object store cannot be locked that way; its guard
//     is the conditional write (warehouse.StateFile): of two runs that
//     read it, one advances it and the other fails.
//   - An object store warehouse stages its files in a local directory of
//     its own (warehouse.Blob), which is locked for the run, so two runs on
//     this machine never sweep each other's staging.
//
// A warehouse on a disk without a state has nothing to guard, and another
// run may be using its staging area: it is not swept.
func openWarehouse(ctx context.Context, out, statePath, storeHash, purpose string, bo warehouse.BlobOptions) (*openedWarehouse, error) {
	w := &openedWarehouse{}
	fail := func(err error) (*openedWarehouse, error) {
		for _, l := range w.locks {
			l.Release()
		}
		if w.state != nil {
			w.state.Close()
		}
		if w.Warehouse != nil {
			w.Backend().Close()
		}
		return nil, err
	}
	if statePath != "" {
		st, err := warehouse.OpenState(ctx, statePath, bo)
		if err != nil {
			return fail(err)
		}
		w.state = st
		if st.Local() != "" {
			lock, err := lockfile.Acquire(st.Local(), purpose)
			if err != nil {
				return fail(err)
			}
			w.locks = append(w.locks, lock)
		}
	}
	b, err := warehouse.OpenBackend(ctx, out, bo)
	if err != nil {
		return fail(err)
	}
	sweep := statePath != ""
	if _, remote := b.(*warehouse.Blob); remote {
		// The staging directory's parent: the sweep removes the
		// staging directory itself, lock file and all.
		lock, err := lockfile.Acquire(filepath.Dir(b.StagingDir()), purpose)
		if err != nil {
			b.Close()
			return fail(err)
		}
		w.locks = append(w.locks, lock)
		sweep = true
	}
	if w.Warehouse, err = warehouse.Open(ctx, b, storeHash); err != nil {
		b.Close()
		return fail(err)
	}
	if sweep {
		if err := w.SweepStaging(); err != nil {
			return fail(err)
		}
	}
	return w, nil
}
