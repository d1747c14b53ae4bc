package parquet

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/parquet-go/parquet-go"

	"github.com/bcetl/bcetl/extract/internal/sourcetest"
	"github.com/bcetl/bcetl/internal/staging"
)

// A parquet: source whose file holds invalid UTF-8 (written by another
// tool: parquet-go itself does not check) rejects that row with rule utf8
// instead of copying it into a file DuckDB would refuse.
func TestParquetSourceInvalidUTF8IsRejected(t *testing.T) {
	src := sourcetest.MustExtract(t, "voucherify:"+voucherifySample, "")
	custs := append([]staging.Customer{}, src.Customers...)
	custs[2].LastName = "Stra\xdfe"
	// Written with parquet-go directly: the staging writer would escape it.
	path := filepath.Join(src.Dir, staging.FileName(staging.EntityCustomers))
	if err := parquet.WriteFile(path, custs); err != nil {
		t.Fatal(err)
	}
	if err := os.Remove(filepath.Join(src.Dir, staging.ManifestFile)); err != nil {
		t.Fatal(err)
	}
	out := sourcetest.MustExtract(t, "parquet:"+src.Dir, "")
	sourcetest.AssertValidUTF8(t, out.Dir)
	if len(out.Customers) != len(custs)-1 {
		t.Errorf("%d customers copied, want %d", len(out.Customers), len(custs)-1)
	}
	var got *staging.Reject
	for i, r := range out.Rejects {
		if r.Rule == "utf8" {
			got = &out.Rejects[i]
		}
	}
	if got == nil || got.SourceKey != custs[2].SourceKey || got.Field != "last_name" || got.Value != `"Stra\xdfe"` ||
		got.Entity != staging.EntityCustomers || got.Stage != "extract" {
		t.Errorf("utf8 reject %+v, want customers %s last_name \"Stra\\xdfe\"", got, custs[2].SourceKey)
	}
	if len(out.Rejects) != len(src.Rejects)+1 {
		t.Errorf("%d rejects, want the %d carried over plus one", len(out.Rejects), len(src.Rejects))
	}
}
