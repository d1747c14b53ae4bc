package extract

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/apache/arrow/go/v17/arrow"
	"github.com/apache/arrow/go/v17/arrow/array"
	"github.com/parquet-go/parquet-go"

	"github.com/bcetl/bcetl/internal/staging"
)

// assertValidUTF8 reads every Parquet file of dir through Arrow and fails
// on any string that is not valid UTF-8: DuckDB refuses such a file whole.
func assertValidUTF8(t *testing.T, dir string) {
	t.Helper()
	files, _ := filepath.Glob(filepath.Join(dir, "*.parquet"))
	if len(files) == 0 {
		t.Fatalf("no Parquet files in %s", dir)
	}
	for _, path := range files {
		tbl := readArrowTable(t, path)
		var walk func(a arrow.Array)
		walk = func(a arrow.Array) {
			switch a := a.(type) {
			case *array.String:
				for i := 0; i < a.Len(); i++ {
					if a.IsValid(i) && !utf8.ValidString(a.Value(i)) {
						t.Errorf("%s holds invalid UTF-8: %q", filepath.Base(path), a.Value(i))
					}
				}
			case *array.List:
				walk(a.ListValues())
			}
		}
		for i := 0; i < int(tbl.NumCols()); i++ {
			for _, ch := range tbl.Column(i).Data().Chunks() {
				walk(ch)
			}
		}
		tbl.Release()
	}
}

// A Voucherify record with bytes that are not UTF-8 is a reject (rule
// utf8, naming the field), not a customer whose name encoding/json
// silently turned into U+FFFD; the other records load, and every file
// written reads as valid UTF-8.
func TestVoucherifyInvalidUTF8IsRejected(t *testing.T) {
	path := filepath.Join(t.TempDir(), "latin1.ndjson")
	data := `{"source_id":"ok","name":"Ann Lee","email":"ann@example.com"}` + "\n" +
		"{\"source_id\":\"bad\",\"name\":\"J\xfcrgen Stra\xdfe\",\"email\":\"j@example.com\",\"address\":{\"city\":\"K\xf6ln\",\"country\":\"DE\"}}\n" +
		`{"source_id":"ok2","name":"Bo Li","email":"bo@example.com"}` + "\n"
	if err := os.WriteFile(path, []byte(data), 0o600); err != nil {
		t.Fatal(err)
	}
	x := mustExtractFile(t, "voucherify:"+path, "")
	assertValidUTF8(t, x.dir)
	if len(x.customers) != 2 || len(x.addresses) != 0 {
		t.Fatalf("%d customers, %d addresses; want the two good records only: %+v", len(x.customers), len(x.addresses), x.customers)
	}
	for _, c := range x.customers {
		if strings.ContainsRune(c.FirstName+c.LastName, utf8.RuneError) {
			t.Errorf("customer %s has a name with U+FFFD: %q %q", c.SourceKey, c.FirstName, c.LastName)
		}
	}
	if len(x.rejects) != 1 {
		t.Fatalf("rejects %+v, want one", x.rejects)
	}
	r := x.rejects[0]
	if r.Rule != "utf8" || r.SourceKey != "voucherify:bad" || r.Field != "address" && r.Field != "name" ||
		!strings.Contains(r.Message, "not valid UTF-8") || !strings.Contains(r.Value, `J\xfcrgen`) {
		t.Errorf("reject %+v, want rule utf8 for voucherify:bad naming its field, the bytes escaped", r)
	}
}

// A parquet: source whose file holds invalid UTF-8 (written by another
// tool: parquet-go itself does not check) rejects that row with rule utf8
// instead of copying it into a file DuckDB would refuse.
func TestParquetSourceInvalidUTF8IsRejected(t *testing.T) {
	src := mustExtractFile(t, "voucherify:"+voucherifySample, "")
	custs := append([]staging.Customer{}, src.customers...)
	custs[2].LastName = "Stra\xdfe"
	// Written with parquet-go directly: the staging writer would escape it.
	path := filepath.Join(src.dir, staging.FileName(staging.EntityCustomers))
	if err := parquet.WriteFile(path, custs); err != nil {
		t.Fatal(err)
	}
	if err := os.Remove(filepath.Join(src.dir, staging.ManifestFile)); err != nil {
		t.Fatal(err)
	}
	out := mustExtractFile(t, "parquet:"+src.dir, "")
	assertValidUTF8(t, out.dir)
	if len(out.customers) != len(custs)-1 {
		t.Errorf("%d customers copied, want %d", len(out.customers), len(custs)-1)
	}
	var got *staging.Reject
	for i, r := range out.rejects {
		if r.Rule == "utf8" {
			got = &out.rejects[i]
		}
	}
	if got == nil || got.SourceKey != custs[2].SourceKey || got.Field != "last_name" || got.Value != `"Stra\xdfe"` ||
		got.Entity != staging.EntityCustomers || got.Stage != "extract" {
		t.Errorf("utf8 reject %+v, want customers %s last_name \"Stra\\xdfe\"", got, custs[2].SourceKey)
	}
	if len(out.rejects) != len(src.rejects)+1 {
		t.Errorf("%d rejects, want the %d carried over plus one", len(out.rejects), len(src.rejects))
	}
}
