package parquet

import (
	"github.com/bcetl/bcetl/internal/staging"
	"math"
	"os"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/apache/arrow/go/v17/arrow"
	"github.com/apache/arrow/go/v17/arrow/array"
	"github.com/apache/arrow/go/v17/arrow/decimal128"
	"github.com/apache/arrow/go/v17/arrow/memory"
	arrowparquet "github.com/apache/arrow/go/v17/parquet"
	"github.com/apache/arrow/go/v17/parquet/compress"
	"github.com/apache/arrow/go/v17/parquet/pqarrow"
)

// arrowWriter writes staging rows the way Arrow-based tools (DuckDB's
// COPY, pandas/pyarrow, Polars) do rather than as parquet-go does: through
// Arrow's own Parquet implementation (pqarrow), every column nullable,
// the columns in reverse order, an extra column the layout does not have,
// integers that fit as INT32, timestamps in microseconds, snappy, lists
// in the standard layout with optional elements (list { element }).
type arrowWriter struct {
	int96 bool // timestamps as INT96, as older Spark and Impala wrote
	// nullElement, when not 0, puts a null element at the end of the
	// lists of that row (1-based).
	nullElement int
}

func (aw arrowWriter) write(t *testing.T, path string, rows any) {
	t.Helper()
	rv := reflect.ValueOf(rows)
	typ := rv.Type().Elem()
	type col struct {
		field int
		name  string
		dt    arrow.DataType
	}
	var cols []col
	for i := typ.NumField() - 1; i >= 0; i-- {
		f := typ.Field(i)
		name, _, _ := strings.Cut(f.Tag.Get("parquet"), ",")
		cols = append(cols, col{i, name, aw.arrowType(f.Type, rv, i)})
	}
	fields := make([]arrow.Field, 0, len(cols)+1)
	for _, c := range cols {
		fields = append(fields, arrow.Field{Name: c.name, Type: c.dt, Nullable: true})
	}
	fields = append(fields, arrow.Field{Name: "written_by", Type: arrow.BinaryTypes.String, Nullable: true})
	schema := arrow.NewSchema(fields, nil)
	b := array.NewRecordBuilder(memory.DefaultAllocator, schema)
	defer b.Release()
	for r := 0; r < rv.Len(); r++ {
		for j, c := range cols {
			aw.appendValue(b.Field(j), rv.Index(r).Field(c.field), r)
		}
		b.Field(len(cols)).(*array.StringBuilder).Append("another tool")
	}
	rec := b.NewRecord()
	defer rec.Release()
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	props := arrowparquet.NewWriterProperties(arrowparquet.WithCompression(compress.Codecs.Snappy))
	opts := []pqarrow.WriterOption{pqarrow.WithStoreSchema()}
	if aw.int96 {
		opts = append(opts, pqarrow.WithDeprecatedInt96Timestamps(true))
	}
	w, err := pqarrow.NewFileWriter(schema, f, props, pqarrow.NewArrowWriterProperties(opts...))
	if err != nil {
		t.Fatal(err)
	}
	if err := w.Write(rec); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
}

// arrowType is the Arrow type of a staging field; an int64 column whose
// values all fit is written as INT32, as DuckDB does for an INTEGER.
func (aw arrowWriter) arrowType(ft reflect.Type, rows reflect.Value, field int) arrow.DataType {
	switch ft {
	case reflect.TypeFor[*int64]():
		for r := 0; r < rows.Len(); r++ {
			if v := rows.Index(r).Field(field); !v.IsNil() && (v.Elem().Int() > math.MaxInt32 || v.Elem().Int() < math.MinInt32) {
				return arrow.PrimitiveTypes.Int64
			}
		}
		return arrow.PrimitiveTypes.Int32
	case reflect.TypeFor[int32]():
		return arrow.PrimitiveTypes.Int32
	case reflect.TypeFor[*bool]():
		return arrow.FixedWidthTypes.Boolean
	case reflect.TypeFor[*float64]():
		return arrow.PrimitiveTypes.Float64
	case reflect.TypeFor[*time.Time]():
		if aw.int96 { // pqarrow writes INT96 for nanoseconds only
			return &arrow.TimestampType{Unit: arrow.Nanosecond, TimeZone: "UTC"}
		}
		return &arrow.TimestampType{Unit: arrow.Microsecond, TimeZone: "UTC"}
	case reflect.TypeFor[[]int64]():
		return arrow.ListOf(arrow.PrimitiveTypes.Int64)
	case reflect.TypeFor[[]float64]():
		return arrow.ListOf(arrow.PrimitiveTypes.Float64)
	case reflect.TypeFor[[]string]():
		return arrow.ListOf(arrow.BinaryTypes.String)
	case reflect.TypeFor[[]staging.Money]():
		// DECIMAL(20,4), as pyarrow or DuckDB write a DECIMAL(20,4)
		// column: Arrow's decimal128 stored in the fewest bytes.
		return arrow.ListOf(&arrow.Decimal128Type{Precision: staging.MoneyPrecision, Scale: staging.MoneyScale})
	}
	if ft.Kind() == reflect.String || ft == reflect.TypeFor[*string]() {
		return arrow.BinaryTypes.String
	}
	panic("arrowWriter: no Arrow type for " + ft.String())
}

func (aw arrowWriter) appendValue(b array.Builder, v reflect.Value, row int) {
	if v.Kind() == reflect.Pointer {
		if v.IsNil() {
			b.AppendNull()
			return
		}
		v = v.Elem()
	}
	switch b := b.(type) {
	case *array.StringBuilder:
		b.Append(v.String())
	case *array.Int32Builder:
		b.Append(int32(v.Int()))
	case *array.Int64Builder:
		b.Append(v.Int())
	case *array.BooleanBuilder:
		b.Append(v.Bool())
	case *array.Float64Builder:
		b.Append(v.Float())
	case *array.TimestampBuilder:
		ts := v.Interface().(time.Time)
		if b.Type().(*arrow.TimestampType).Unit == arrow.Nanosecond {
			b.Append(arrow.Timestamp(ts.UnixNano()))
		} else {
			b.Append(arrow.Timestamp(ts.UnixMicro()))
		}
	case *array.Decimal128Builder:
		n, err := decimal128.FromString(v.Interface().(staging.Money).String(), staging.MoneyPrecision, staging.MoneyScale)
		if err != nil {
			panic(err)
		}
		b.Append(n)
	case *array.ListBuilder:
		b.Append(true)
		for i := 0; i < v.Len(); i++ {
			aw.appendValue(b.ValueBuilder(), v.Index(i), row)
		}
		if aw.nullElement == row+1 {
			b.ValueBuilder().AppendNull()
		}
	default:
		panic("arrowWriter: builder " + reflect.TypeOf(b).String())
	}
}
