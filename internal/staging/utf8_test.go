package staging

import (
	"context"
	"path/filepath"
	"reflect"
	"testing"
	"unicode/utf8"

	"github.com/apache/arrow/go/v17/arrow"
	"github.com/apache/arrow/go/v17/arrow/array"
	"github.com/apache/arrow/go/v17/arrow/memory"
	"github.com/apache/arrow/go/v17/parquet/file"
	"github.com/apache/arrow/go/v17/parquet/pqarrow"
)

// No file a Writer commits holds invalid UTF-8 in a string column, whatever
// the row type and whichever field (string, *string, []string) carries it:
// read back through Arrow's own Parquet reader, every string is valid, and
// the offending bytes are visible, escaped. The caller's rows are not
// changed.
func TestWriterNeverWritesInvalidUTF8(t *testing.T) {
	dir := t.TempDir()
	bad := "Stra\xdfe"
	rejects := []Reject{{Stage: "extract", Entity: EntityCustomers, SourceKey: "k\xff", Rule: "utf8", Value: bad, Message: "ok"}}
	if _, err := WriteAll(filepath.Join(dir, RejectsFile), rejects); err != nil {
		t.Fatal(err)
	}
	if rejects[0].Value != bad {
		t.Error("Write changed the caller's row")
	}
	merges := []Merge{{Entity: EntityCustomers, SourceKey: "a", SurvivorKey: "b", Field: "notes", DroppedValue: bad, KeptValue: "fine"}}
	if _, err := WriteAll(filepath.Join(dir, MergesFile), merges); err != nil {
		t.Fatal(err)
	}
	vs := bad
	forms := []FormFieldValue{{SourceKey: "f", CustomerSourceKey: "c", Name: "n", ValueType: "array", ValueString: &vs, ValueArray: []string{"ok", bad}, ValueJSON: "[]"}}
	if _, err := WriteAll(filepath.Join(dir, FileName(EntityFormFieldValues)), forms); err != nil {
		t.Fatal(err)
	}
	if forms[0].ValueArray[1] != bad || *forms[0].ValueString != bad {
		t.Error("Write changed the caller's row")
	}
	seen := map[string]bool{}
	for _, name := range []string{RejectsFile, MergesFile, FileName(EntityFormFieldValues)} {
		for _, s := range arrowStrings(t, filepath.Join(dir, name)) {
			if !utf8.ValidString(s) {
				t.Errorf("%s holds invalid UTF-8: %q", name, s)
			}
			seen[s] = true
		}
	}
	for _, want := range []string{`"Stra\xdfe"`, `"k\xff"`, "ok", "fine"} {
		if !seen[want] {
			t.Errorf("no string %s read back; the value must be kept, escaped", want)
		}
	}
	r, err := ReadAll[Reject](filepath.Join(dir, RejectsFile))
	if err != nil || len(r) != 1 || r[0].Value != `"Stra\xdfe"` {
		t.Errorf("rejects read back %+v, %v", r, err)
	}
}

// arrowStrings reads every string value of a Parquet file through pqarrow,
// lists included.
func arrowStrings(t *testing.T, path string) []string {
	t.Helper()
	pf, err := file.OpenParquetFile(path, false)
	if err != nil {
		t.Fatal(err)
	}
	defer pf.Close()
	fr, err := pqarrow.NewFileReader(pf, pqarrow.ArrowReadProperties{}, memory.DefaultAllocator)
	if err != nil {
		t.Fatal(err)
	}
	tbl, err := fr.ReadTable(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	defer tbl.Release()
	var out []string
	var walk func(a arrow.Array)
	walk = func(a arrow.Array) {
		switch a := a.(type) {
		case *array.String:
			for i := 0; i < a.Len(); i++ {
				if a.IsValid(i) {
					out = append(out, a.Value(i))
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
	return out
}

func BenchmarkWriterUTF8Check(b *testing.B) {
	rows := make([]Customer, 1024)
	for i := range rows {
		rows[i] = Customer{SourceKey: "c1", Email: "ann@example.com", FirstName: "Ann", LastName: "Lee", Company: "Acme", Notes: "a note", ChannelIDs: []int64{1}}
	}
	plan := textFieldsOf(reflect.TypeFor[Customer]())
	b.ReportAllocs()
	for b.Loop() {
		validRows(plan, rows)
	}
}
