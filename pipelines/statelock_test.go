package pipelines

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/bcetl/bcetl/internal/lockfile"
	"github.com/bcetl/bcetl/internal/webhooks"
)

// Rule 1 for export and nightly: a run on a --state another run holds is
// refused before any request; a free state runs, and first clears what a
// killed run left in the dataset's staging area (rule 16).
func TestExportAndNightlyHoldTheirState(t *testing.T) {
	ctx := context.Background()
	src, store := newSourceStore(t, 20)
	out := filepath.Join(t.TempDir(), "warehouse")
	state := filepath.Join(t.TempDir(), "export.state")
	sp, err := webhooks.Open(filepath.Join(t.TempDir(), "spool.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer sp.Close()

	lock, err := lockfile.Acquire(state, "bcetl nightly")
	if err != nil {
		t.Fatal(err)
	}
	before := src.RequestCount()
	_, err = Export(ctx, ExportOptions{Out: out, StatePath: state, Client: store, StoreHash: "source"})
	var held *lockfile.HeldError
	if !errors.As(err, &held) {
		t.Errorf("export on a held state: %v", err)
	}
	_, err = Nightly(ctx, NightlyOptions{Spool: sp, StatePath: state, Out: out, Store: store, StoreHash: "source"})
	if !errors.As(err, &held) {
		t.Errorf("nightly on a held state: %v", err)
	}
	if n := src.RequestCount() - before; n != 0 {
		t.Errorf("%d requests sent by refused runs", n)
	}
	lock.Release()

	left := filepath.Join(out, stagingDir, "20260101T000000.000Z", "customers.parquet")
	if err := os.MkdirAll(filepath.Dir(left), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(left, []byte("personal data of a killed run"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := Nightly(ctx, NightlyOptions{Spool: sp, StatePath: state, Out: out, Store: store, StoreHash: "source"}); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(left); !os.IsNotExist(err) {
		t.Errorf("a killed run's staging files survived: %v", err)
	}
}
