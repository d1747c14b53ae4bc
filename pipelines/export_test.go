package pipelines

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/bcetl/bcetl/extract/store"
	"github.com/bcetl/bcetl/internal/sandbox"
	"github.com/bcetl/bcetl/internal/staging"
	"github.com/bcetl/bcetl/internal/warehouse"
)

// Two exports, the second incremental: each entity is one partitioned
// table; the second run adds a part with just the changed customers; the
// watermark moves; everything is owner-only.
func TestExportTwiceIsPartitionedAndIncremental(t *testing.T) {
	ctx := context.Background()
	src, client := newSourceStore(t, 700)
	out := filepath.Join(t.TempDir(), "warehouse")
	state := filepath.Join(t.TempDir(), "export.state")
	o := ExportOptions{Out: out, StatePath: state, Client: client, StoreHash: "source"}

	first, err := Export(ctx, o)
	if err != nil {
		t.Fatal(err)
	}
	if first.Incremental || first.Manifest.Entities[staging.EntityCustomers].Rows != 700 {
		t.Fatalf("first export: incremental=%v, %d customers", first.Incremental, first.Manifest.Entities[staging.EntityCustomers].Rows)
	}
	st1, err := store.LoadState(state)
	if err != nil || st1 == nil {
		t.Fatalf("state after the first run: %v %v", st1, err)
	}

	changed := []int64{3, 141, 592}
	if n, err := src.ModifyCustomers(changed, func(c *sandbox.CustomerFields) { c.Company = "Changed Ltd" }); err != nil || n != 3 {
		t.Fatalf("modify: %d %v", n, err)
	}
	second, err := Export(ctx, o)
	if err != nil {
		t.Fatal(err)
	}
	if !second.Incremental {
		t.Fatal("second export was not incremental")
	}
	rows, err := staging.ReadAll[staging.Customer](second.Files[staging.EntityCustomers])
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 3 {
		t.Fatalf("incremental run wrote %d customers, want the 3 changed", len(rows))
	}
	for i, r := range rows {
		if *r.ID != changed[i] || r.Company != "Changed Ltd" {
			t.Errorf("row %d: id %d company %q", i, *r.ID, r.Company)
		}
	}
	st2, _ := store.LoadState(state)
	if !st2.Watermark.After(st1.Watermark) {
		t.Errorf("watermark did not move: %v then %v", st1.Watermark, st2.Watermark)
	}

	// One table per entity: every part under ENTITY/extracted_on=DAY/.
	for _, entity := range store.DefaultEntities { // what a store export writes (consents only when asked for)
		parts, _ := filepath.Glob(filepath.Join(out, entity, warehouse.PartitionKey+"=*", "part-*.parquet"))
		if len(parts) != 2 {
			t.Errorf("%s: %d parts, want 2: %v", entity, len(parts), parts)
		}
		for _, p := range parts {
			if fi, err := os.Stat(p); err != nil || fi.Mode().Perm() != 0o600 {
				t.Errorf("%s: mode %v %v", p, fi.Mode().Perm(), err)
			}
		}
	}
	manifests, _ := filepath.Glob(filepath.Join(out, warehouse.ManifestsDir, "*.json"))
	if len(manifests) != 2 {
		t.Errorf("run manifests %v", manifests)
	}
	if left, _ := os.ReadDir(warehouse.Disk(out).StagingDir()); len(left) != 0 {
		t.Errorf("temporary staging left behind: %v", left)
	}
}
