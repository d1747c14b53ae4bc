// Package sourcetest holds what the tests of every source share: reading a
// staging directory back whole, and checking each file with a second,
// independent Parquet implementation (Arrow's).
package sourcetest

import (
	"context"
	"fmt"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/apache/arrow/go/v17/arrow"
	"github.com/apache/arrow/go/v17/arrow/array"
	"github.com/apache/arrow/go/v17/arrow/memory"
	"github.com/apache/arrow/go/v17/parquet/file"
	"github.com/apache/arrow/go/v17/parquet/pqarrow"

	"github.com/bcetl/bcetl/internal/staging"
)

// AssertArrowAgrees reads a staging file with two independent Parquet
// implementations, Arrow's (pqarrow) and parquet-go's (staging.ReadAll),
// and fails unless they see the same columns, row count and values. The
// row type is chosen by the file name (customers.parquet → Customer,
// rejects.parquet → Reject, …). It catches files that parquet-go can read
// back but other tools (DuckDB, Spark, pandas, all Arrow-based) read
// differently: wrong logical types, list encodings, null handling.
//
// The store extractor's tests call it on every file they write.
func AssertArrowAgrees(t *testing.T, path string) {
	t.Helper()
	switch strings.TrimSuffix(filepath.Base(path), ".parquet") {
	case staging.EntityCustomers:
		arrowAgrees[staging.Customer](t, path)
	case staging.EntityAddresses:
		arrowAgrees[staging.Address](t, path)
	case staging.EntityAttributeValues:
		arrowAgrees[staging.AttributeValue](t, path)
	case staging.EntityFormFieldValues:
		arrowAgrees[staging.FormFieldValue](t, path)
	case staging.EntityAttributes:
		arrowAgrees[staging.Attribute](t, path)
	case staging.EntityCustomerGroups:
		arrowAgrees[staging.CustomerGroup](t, path)
	case staging.EntityMetafields:
		arrowAgrees[staging.Metafield](t, path)
	case staging.EntitySubscribers:
		arrowAgrees[staging.Subscriber](t, path)
	case staging.EntityConsents:
		arrowAgrees[staging.Consent](t, path)
	case strings.TrimSuffix(staging.RejectsFile, ".parquet"):
		arrowAgrees[staging.Reject](t, path)
	case strings.TrimSuffix(staging.MergesFile, ".parquet"):
		arrowAgrees[staging.Merge](t, path)
	default:
		t.Fatalf("AssertArrowAgrees: %s is not a staging file name", path)
	}
}

func arrowAgrees[T any](t *testing.T, path string) {
	t.Helper()
	rows, err := staging.ReadAll[T](path)
	if err != nil {
		t.Fatalf("parquet-go: %v", err)
	}
	tbl := ReadArrowTable(t, path)
	defer tbl.Release()
	if got := int(tbl.NumRows()); got != len(rows) {
		t.Fatalf("%s: Arrow reads %d rows, parquet-go %d", path, got, len(rows))
	}

	typ := reflect.TypeFor[T]()
	var names []string
	for i := 0; i < typ.NumField(); i++ {
		f := typ.Field(i)
		name, _, _ := strings.Cut(f.Tag.Get("parquet"), ",")
		names = append(names, name)
		idx := tbl.Schema().FieldIndices(name)
		if len(idx) != 1 {
			t.Errorf("%s: Arrow sees %d columns named %q", path, len(idx), name)
			continue
		}
		if f.Type == reflect.TypeFor[*time.Time]() || f.Type == reflect.TypeFor[time.Time]() {
			ts, ok := tbl.Schema().Field(idx[0]).Type.(*arrow.TimestampType)
			if !ok || ts.Unit != arrow.Millisecond || ts.TimeZone != "UTC" {
				t.Errorf("%s: column %s is %v in Arrow, want timestamp[ms, tz=UTC]", path, name, tbl.Schema().Field(idx[0]).Type)
			}
		}
		got := arrowValues(t, tbl.Column(idx[0]).Data())
		for r := range rows {
			want := goValue(reflect.ValueOf(rows[r]).Field(i))
			if !reflect.DeepEqual(got[r], want) {
				t.Errorf("%s row %d column %s: Arrow reads %#v, parquet-go %#v", path, r, name, got[r], want)
			}
		}
	}
	if n := int(tbl.NumCols()); n != len(names) {
		t.Errorf("%s: Arrow sees %d columns, the staging type has %d (%v)", path, n, len(names), names)
	}
}

func ReadArrowTable(t *testing.T, path string) arrow.Table {
	t.Helper()
	pf, err := file.OpenParquetFile(path, false)
	if err != nil {
		t.Fatalf("arrow: open %s: %v", path, err)
	}
	defer pf.Close()
	fr, err := pqarrow.NewFileReader(pf, pqarrow.ArrowReadProperties{}, memory.DefaultAllocator)
	if err != nil {
		t.Fatalf("arrow: %s: %v", path, err)
	}
	tbl, err := fr.ReadTable(context.Background())
	if err != nil {
		t.Fatalf("arrow: read %s: %v", path, err)
	}
	return tbl
}

// The two sides are brought to one canonical form: nil for null, int64 for
// every integer, int64 milliseconds (UTC) for timestamps, []any for lists
// (empty, never nil, as a required list has no null), the exact decimal
// text for DECIMAL (staging.Money.String), map[string]any by column name
// for a struct.

func arrowValues(t *testing.T, col *arrow.Chunked) []any {
	var out []any
	for _, chunk := range col.Chunks() {
		for i := 0; i < chunk.Len(); i++ {
			out = append(out, arrowValue(t, chunk, i))
		}
	}
	return out
}

func arrowValue(t *testing.T, a arrow.Array, i int) any {
	if a.IsNull(i) {
		return nil
	}
	switch a := a.(type) {
	case *array.String:
		return a.Value(i)
	case *array.LargeString:
		return a.Value(i)
	case *array.Binary:
		return string(a.Value(i))
	case *array.Int64:
		return a.Value(i)
	case *array.Int32:
		return int64(a.Value(i))
	case *array.Boolean:
		return a.Value(i)
	case *array.Float64:
		return a.Value(i)
	case *array.Timestamp:
		unit := a.DataType().(*arrow.TimestampType).Unit
		return a.Value(i).ToTime(unit).UnixMilli()
	case *array.Decimal128:
		dt := a.DataType().(*arrow.Decimal128Type)
		if dt.Scale != staging.MoneyScale || dt.Precision != staging.MoneyPrecision {
			t.Errorf("arrow reads a decimal(%d,%d), the staging files write decimal(%d,%d)", dt.Precision, dt.Scale, staging.MoneyPrecision, staging.MoneyScale)
		}
		m, err := staging.ParseMoney(a.Value(i).ToString(dt.Scale))
		if err != nil {
			t.Errorf("arrow decimal: %v", err)
		}
		return m.String()
	case *array.Struct:
		st := a.DataType().(*arrow.StructType)
		out := map[string]any{}
		for f := 0; f < a.NumField(); f++ {
			out[st.Field(f).Name] = arrowValue(t, a.Field(f), i)
		}
		return out
	case array.ListLike:
		start, end := a.ValueOffsets(i)
		out := []any{}
		for j := start; j < end; j++ {
			out = append(out, arrowValue(t, a.ListValues(), int(j)))
		}
		return out
	}
	t.Fatalf("arrow type %v not handled by the check", a.DataType())
	return nil
}

func goValue(v reflect.Value) any {
	switch v.Kind() {
	case reflect.Pointer:
		if v.IsNil() {
			return nil
		}
		return goValue(v.Elem())
	case reflect.String:
		return v.String()
	case reflect.Int32, reflect.Int64:
		return v.Int()
	case reflect.Bool:
		return v.Bool()
	case reflect.Float64:
		return v.Float()
	case reflect.Slice:
		out := []any{}
		for i := 0; i < v.Len(); i++ {
			out = append(out, goValue(v.Index(i)))
		}
		return out
	case reflect.Array:
		if m, ok := v.Interface().(staging.Money); ok {
			return m.String()
		}
	case reflect.Struct:
		if tm, ok := v.Interface().(time.Time); ok {
			return tm.UnixMilli()
		}
		out := map[string]any{}
		for i := 0; i < v.NumField(); i++ {
			name, _, _ := strings.Cut(v.Type().Field(i).Tag.Get("parquet"), ",")
			out[name] = goValue(v.Field(i))
		}
		return out
	}
	panic(fmt.Sprintf("goValue: %v not handled by the check", v.Type()))
}

// AssertValidUTF8 reads every Parquet file of dir through Arrow and fails
// on any string that is not valid UTF-8: DuckDB refuses such a file whole.
func AssertValidUTF8(t *testing.T, dir string) {
	t.Helper()
	files, _ := filepath.Glob(filepath.Join(dir, "*.parquet"))
	if len(files) == 0 {
		t.Fatalf("no Parquet files in %s", dir)
	}
	for _, path := range files {
		tbl := ReadArrowTable(t, path)
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
