package transform

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"sync/atomic"
	"testing"

	"github.com/bcetl/bcetl/internal/staging"
	"github.com/bcetl/bcetl/internal/stagingtest"
)

// compareOutputs fails t unless two transform outputs hold the same rows
// in the same order — every entity file, rejects and merges — and the same
// report and manifest (times and paths aside).
func compareOutputs(t *testing.T, want, got string) {
	t.Helper()
	sameRows[staging.Customer](t, want, got, staging.FileName(staging.EntityCustomers))
	sameRows[staging.Address](t, want, got, staging.FileName(staging.EntityAddresses))
	sameRows[staging.AttributeValue](t, want, got, staging.FileName(staging.EntityAttributeValues))
	sameRows[staging.FormFieldValue](t, want, got, staging.FileName(staging.EntityFormFieldValues))
	sameRows[staging.Attribute](t, want, got, staging.FileName(staging.EntityAttributes))
	sameRows[staging.CustomerGroup](t, want, got, staging.FileName(staging.EntityCustomerGroups))
	sameRows[staging.Metafield](t, want, got, staging.FileName(staging.EntityMetafields))
	sameRows[staging.Subscriber](t, want, got, staging.FileName(staging.EntitySubscribers))
	sameRows[staging.Consent](t, want, got, staging.FileName(staging.EntityConsents))
	sameRows[staging.Reject](t, want, got, staging.RejectsFile)
	sameRows[staging.Merge](t, want, got, staging.MergesFile)
	sameJSON(t, want, got, staging.ReportFile, "started_at", "finished_at")
	sameJSON(t, want, got, staging.ManifestFile, "started_at", "finished_at", "inputs", "source")
}

func sameRows[T any](t *testing.T, want, got, name string) {
	t.Helper()
	w := stagingtest.Read[T](t, filepath.Join(want, name))
	g := stagingtest.Read[T](t, filepath.Join(got, name))
	if len(w) != len(g) {
		t.Errorf("%s: %d rows, want %d", name, len(g), len(w))
	}
	bad := 0
	for i := range min(len(w), len(g)) {
		if !reflect.DeepEqual(w[i], g[i]) {
			if bad++; bad <= 3 {
				t.Errorf("%s row %d:\n got %+v\nwant %+v", name, i, g[i], w[i])
			}
		}
	}
	if bad > 3 {
		t.Errorf("%s: %d rows differ in all", name, bad)
	}
}

func sameJSON(t *testing.T, want, got, name string, ignore ...string) {
	t.Helper()
	read := func(dir string) map[string]any {
		b, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		var m map[string]any
		if err := json.Unmarshal(b, &m); err != nil {
			t.Fatal(err)
		}
		for _, k := range ignore {
			delete(m, k)
		}
		return m
	}
	if w, g := read(want), read(got); !reflect.DeepEqual(w, g) {
		t.Errorf("%s differs:\n got %v\nwant %v", name, g, w)
	}
}

// The rows written, their order, the rejects, the merges (and which row
// survives) and the report do not depend on the number of workers, nor on
// whether the dedupe tables spilled to disk.
func TestSameOutputWhateverTheWorkers(t *testing.T) {
	in := t.TempDir()
	stagingtest.Write(t, in, stagingtest.Spec{Messy: true, Customers: 3000, AddressesPer: 3, Seed: 5})
	run := func(opts Options) string {
		out := t.TempDir()
		if _, err := Run(t.Context(), in, out, opts); err != nil {
			t.Fatal(err)
		}
		return out
	}
	one := run(Options{Workers: 1})
	for _, opts := range []Options{{}, {Workers: 3}, {Workers: 2, spillAt: 500}} {
		t.Run(fmt.Sprintf("workers=%d,spillAt=%d", opts.Workers, opts.spillAt), func(t *testing.T) {
			compareOutputs(t, one, run(opts))
		})
	}
}

// Spilling writes sorted runs to disk past the budget and removes them.
func TestDedupeSpillsPastItsBudget(t *testing.T) {
	in, out := t.TempDir(), t.TempDir()
	stagingtest.Write(t, in, stagingtest.Spec{Messy: true, Customers: 500, AddressesPer: 3, Seed: 2})
	var runs atomic.Int64
	testHookSpill = func() { runs.Add(1) }
	t.Cleanup(func() { testHookSpill = nil })
	if _, err := Run(t.Context(), in, out, Options{spillAt: 100}); err != nil {
		t.Fatal(err)
	}
	if runs.Load() < 10 {
		t.Errorf("%d runs spilled, want some per entity", runs.Load())
	}
	if left, _ := filepath.Glob(filepath.Join(out, ScratchPrefix+"*")); len(left) > 0 {
		t.Errorf("scratch left behind: %v", left)
	}
}

// Equal hashes of different keys never merge two records: with a hash
// forced to collide, the run notices when a merged row meets its survivor,
// and starts again with fresh seeds; the output is a normal run's.
func TestForcedCollisionsNeverMerge(t *testing.T) {
	in := t.TempDir()
	stagingtest.Write(t, in, stagingtest.Spec{Messy: true, Customers: 400, AddressesPer: 3, Seed: 9})
	normal := t.TempDir()
	if _, err := Run(t.Context(), in, normal, Options{}); err != nil {
		t.Fatal(err)
	}
	var attempts atomic.Int64
	testHookSeeds = func(attempt int, s *keySeeds) *keySeeds {
		attempts.Add(1)
		s.weak = attempt == 0
		return s
	}
	t.Cleanup(func() { testHookSeeds = nil })
	forced := t.TempDir()
	if _, err := Run(t.Context(), in, forced, Options{}); err != nil {
		t.Fatal(err)
	}
	if attempts.Load() != 2 {
		t.Errorf("%d attempts, want the colliding one and one more", attempts.Load())
	}
	compareOutputs(t, normal, forced)

	// Colliding every time, the run fails rather than merge.
	testHookSeeds = func(_ int, s *keySeeds) *keySeeds { s.weak = true; return s }
	out := t.TempDir()
	if _, err := Run(t.Context(), in, out, Options{}); !errors.Is(err, errKeyCollision) {
		t.Fatalf("always colliding: %v", err)
	}
	if _, err := os.Stat(filepath.Join(out, staging.MergesFile)); !os.IsNotExist(err) {
		t.Errorf("a failed run left %s: %v", staging.MergesFile, err)
	}
}

// Cancelling the context mid-pass stops the reader, the workers and the
// writers: Run returns the cancellation, commits nothing, and every
// goroutine it started has returned (running). (testing/synctest would
// say so too, but the zstd decoders parquet-go pools carry channels from
// one bubble into the next.)
func TestCancelStopsEveryGoroutine(t *testing.T) {
	in := t.TempDir()
	stagingtest.Write(t, in, stagingtest.Spec{Messy: true, Customers: 3000, AddressesPer: 3, Seed: 3})
	for _, entity := range []string{staging.EntityCustomers, staging.EntityAddresses, staging.EntityFormFieldValues, ""} {
		t.Run(entity, func(t *testing.T) {
			ctx, cancel := context.WithCancel(t.Context())
			defer cancel()
			testHookBatch = func(e string, start uint32) {
				if e == entity && start > 0 {
					cancel()
				}
			}
			defer func() { testHookBatch = nil }()
			out := t.TempDir()
			_, err := Run(ctx, in, out, Options{Workers: 2})
			if entity == "" { // not cancelled
				if err != nil {
					t.Fatal(err)
				}
			} else {
				if !errors.Is(err, context.Canceled) {
					t.Errorf("Run after cancel: %v", err)
				}
				if left, _ := filepath.Glob(filepath.Join(out, "*.parquet")); len(left) > 0 {
					t.Errorf("a cancelled run committed %v", left)
				}
			}
			if n := running.Load(); n != 0 {
				t.Errorf("%d goroutines still running after Run returned", n)
			}
		})
	}
}

// TestOutputEqualsReference compares the transform of a directory with an
// output written before (by an older bcetl, say):
//
//	BCETL_REF_IN=/tmp/in BCETL_REF_OUT=/tmp/old-out go test -run TestOutputEqualsReference -v ./transform/
func TestOutputEqualsReference(t *testing.T) {
	in, ref := os.Getenv("BCETL_REF_IN"), os.Getenv("BCETL_REF_OUT")
	if in == "" || ref == "" {
		t.Skip("set BCETL_REF_IN and BCETL_REF_OUT")
	}
	out := t.TempDir()
	if _, err := Run(t.Context(), in, out, Options{}); err != nil {
		t.Fatal(err)
	}
	compareOutputs(t, ref, out)
}
