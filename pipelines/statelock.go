package pipelines

import (
	"context"
	"os"
	"path/filepath"

	"github.com/bcetl/bcetl/internal/lockfile"
)

// Export extracts the store (incrementally when the state file has a
// watermark) and files the result into the partitioned dataset. The state
// moves only after the files and the run manifest are in place, so a crash
// at any point leaves at worst a run that will be read again. The state
// file has one writer at a time (lockExportState).
func Export(ctx context.Context, o ExportOptions) (*ExportResult, error) {
	release, err := lockExportState(o.StatePath, o.Out, "bcetl export")
	if err != nil {
		return nil, err
	}
	defer release()
	return export(ctx, o)
}

// lockExportState takes the lock of an export's --state for the run (two
// runs would read the same watermark, export the same changes twice and
// race to move it) and then removes what a killed run left in the
// dataset's staging area: extracts in progress, personal data that never
// became part of the dataset. Without a state there is nothing to guard,
// and another run may be using the staging area.
func lockExportState(statePath, out, purpose string) (func(), error) {
	if statePath == "" {
		return func() {}, nil
	}
	lock, err := lockfile.Acquire(statePath, purpose)
	if err != nil {
		return nil, err
	}
	if err := os.RemoveAll(filepath.Join(out, stagingDir)); err != nil {
		lock.Release()
		return nil, err
	}
	return func() { lock.Release() }, nil
}
