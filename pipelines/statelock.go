package pipelines

import (
	"context"

	"github.com/bcetl/bcetl/internal/lockfile"
	"github.com/bcetl/bcetl/internal/warehouse"
)

// openWarehouse takes the lock of an export's --state for the run (two
// runs would read the same watermark, export the same changes twice and
// race to move it), opens the --out for the store and then clears what a
// killed run left in its staging area. Without a state there is nothing to
// guard, and another run may be using the staging area.
func openWarehouse(ctx context.Context, out, statePath, storeHash, purpose string) (*warehouse.Warehouse, func(), error) {
	release := func() {}
	if statePath != "" {
		lock, err := lockfile.Acquire(statePath, purpose)
		if err != nil {
			return nil, nil, err
		}
		release = func() { lock.Release() }
	}
	wh, err := warehouse.Open(ctx, warehouse.Disk(out), storeHash)
	if err == nil && statePath != "" {
		err = wh.SweepStaging()
	}
	if err != nil {
		release()
		return nil, nil, err
	}
	return wh, release, nil
}
