package parquet

import (
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"strings"

	"github.com/parquet-go/parquet-go"
	"github.com/parquet-go/parquet-go/format"

	"github.com/bcetl/bcetl/internal/staging"
)

// A staging file another tool wrote (DuckDB, pandas/pyarrow, Spark, Arrow)
// rarely has parquet-go's exact schema: DuckDB and Arrow write every column
// optional, in the order of the query, with INT32 where a value fits,
// timestamps in microseconds. readSchema decides column by column, by name,
// whether the file can be read as the staging type, and returns the schema
// to read it through; parquet-go's conversion then reorders the columns,
// maps optional onto required (a null reads as "", 0 or false, as bcetl
// itself writes an absent value), widens INT32 and FLOAT, and converts
// timestamp units. What does not fit is an error naming the file, the
// column, its type and the type wanted, so the file can be fixed.
//
// Two things parquet-go's conversion gets wrong are decided here instead:
// a column the file lacks is left out of the reading schema (parquet-go
// would fill a missing list from a neighbouring column's structure,
// inventing elements), and a list whose levels do not have the standard
// names (parquet-go matches by path) is refused, not read as empty.

// readSchema checks the file's columns against the staging type T and
// returns the schema to read it with: T's columns that the file has.
// Extra columns in the file are ignored (a newer layout may add some).
// A column T declares optional, or a list, may be missing (it reads as
// null or empty); a required one may not.
func readSchema[T any](pf *parquet.File, path string) (*parquet.Schema, error) {
	want := parquet.SchemaOf(new(T))
	name := filepath.Base(path)
	have := map[string]parquet.Field{}
	for _, f := range pf.Schema().Fields() {
		have[f.Name()] = f
	}
	// Every column that does not fit is named, so that one rewrite fixes
	// the file.
	var problems []string
	read := parquet.Group{}
	for _, w := range want.Fields() {
		g, ok := have[w.Name()]
		if !ok {
			if !w.Optional() && !isList(w) {
				problems = append(problems, fmt.Sprintf("column %s is missing; the staging layout requires it, as %s%s",
					w.Name(), wantedType(w), otherCase(w.Name(), have)))
			}
			continue
		}
		err := fits(w, g)
		if err == nil && isList(w) {
			err = noNullElements(pf, w.Name())
		}
		if err != nil {
			problems = append(problems, fmt.Sprintf("column %s %v", w.Name(), err))
			continue
		}
		read[w.Name()] = w
	}
	if len(problems) > 0 {
		return nil, fmt.Errorf("%s: %s", name, strings.Join(problems, "; "))
	}
	return parquet.NewSchema(want.Name(), read), nil
}

// isList reports whether n is a LIST-annotated group.
func isList(n parquet.Node) bool {
	if n.Leaf() {
		return false
	}
	_, ok := logical(n.Type()).(*format.ListType)
	return ok
}

// logical is a type's logical annotation (*format.StringType,
// *format.TimestampType, *format.IntType, …), nil if it has none.
func logical(t parquet.Type) format.LogicalTypeValue {
	if lt := t.LogicalType(); lt != nil {
		return lt.Value
	}
	return nil
}

// Target kinds of staging columns, from the type parquet-go derives for
// the Go field.
const (
	kindText = iota + 1
	kindTimestamp
	kindInt64
	kindInt32
	kindDouble
	kindBool
	kindMoney // staging.Money: DECIMAL(20,4) in FIXED_LEN_BYTE_ARRAY(9)
)

func targetKind(w parquet.Node) int {
	switch logical(w.Type()).(type) {
	case *format.StringType:
		return kindText
	case *format.TimestampType:
		return kindTimestamp
	case *format.DecimalType:
		return kindMoney
	}
	switch w.Type().Kind() {
	case parquet.Int64:
		return kindInt64
	case parquet.Int32:
		return kindInt32
	case parquet.Double:
		return kindDouble
	case parquet.Boolean:
		return kindBool
	}
	return 0
}

// fits checks one column; its error completes "column NAME …".
func fits(w, g parquet.Field) error {
	if !isList(w) {
		if !g.Leaf() || g.Repeated() {
			return fmt.Errorf("is %s, want %s", describe(g), wantedType(w))
		}
		return scalarFits(w, g, w.Name(), "")
	}
	// The standard layout: NAME (LIST) { repeated group list { element } }.
	if !isList(g) || g.Repeated() {
		return fmt.Errorf("is %s, want %s", describe(g), wantedType(w))
	}
	inner := g.Fields()
	if len(inner) != 1 || inner[0].Name() != "list" || !inner[0].Repeated() || inner[0].Leaf() ||
		len(inner[0].Fields()) != 1 || inner[0].Fields()[0].Name() != "element" {
		return fmt.Errorf("is a LIST in a legacy layout (%s), want the standard one, %s: write it with a current "+
			"writer (DuckDB, Arrow, pyarrow ≥ 13 or use_compliant_nested_type=True, Spark with spark.sql.parquet.writeLegacyFormat=false)",
			listShape(g), listShape(w))
	}
	we, ge := w.Fields()[0].Fields()[0], inner[0].Fields()[0]
	if !we.Leaf() { // a list of structs (a group's discount rules)
		if err := groupFits(we, ge, w.Name()); err != nil {
			return fmt.Errorf("holds elements that do not fit: %w", err)
		}
		return nil
	}
	if err := scalarFits(we, ge, w.Name(), "[]"); err != nil {
		return fmt.Errorf("holds elements that do not fit: %w", err)
	}
	return nil
}

// groupFits checks a struct element field by field, by name, as the
// top-level columns are: a missing optional field or list reads as null
// or empty.
func groupFits(w, g parquet.Node, column string) error {
	if g.Leaf() {
		return fmt.Errorf("is %s, want a group of %s", describe(g), nodeShape(w.(parquet.Field)))
	}
	have := map[string]parquet.Field{}
	for _, f := range g.Fields() {
		have[f.Name()] = f
	}
	var problems []string
	for _, f := range w.Fields() {
		gf, ok := have[f.Name()]
		if !ok {
			if !f.Optional() && !isList(f) {
				problems = append(problems, fmt.Sprintf("field %s.%s is missing", column, f.Name()))
			}
			continue
		}
		if err := fits(f, gf); err != nil {
			problems = append(problems, fmt.Sprintf("field %s.%s %v", column, f.Name(), err))
		}
	}
	if len(problems) > 0 {
		return errors.New(strings.Join(problems, "; "))
	}
	return nil
}

// scalarFits checks a leaf: the file's type must be the staging type or
// one that converts to it without loss. column and suffix name it in the
// hint ("[]": the elements of a list).
func scalarFits(w, g parquet.Node, column, suffix string) error {
	if !g.Leaf() || g.Repeated() {
		return fmt.Errorf("is %s, want %s", describe(g), wantedType(w))
	}
	gt := g.Type()
	gl := logical(gt)
	ok := false
	switch targetKind(w) {
	case kindText: // unannotated BYTE_ARRAY too: older writers; UTF-8 is checked row by row
		switch gl.(type) {
		case nil, *format.StringType, *format.EnumType:
			ok = gt.Kind() == parquet.ByteArray
		}
	case kindTimestamp:
		switch gl.(type) {
		case *format.TimestampType:
			ok = gt.Kind() == parquet.Int64
		case *format.DateType:
			ok = gt.Kind() == parquet.Int32
		}
	case kindInt64:
		ok = (gt.Kind() == parquet.Int64 || gt.Kind() == parquet.Int32) && signedFits(gl, 64)
	case kindInt32:
		ok = gt.Kind() == parquet.Int32 && signedFits(gl, 32)
	case kindDouble:
		ok = (gt.Kind() == parquet.Double || gt.Kind() == parquet.Float) && gl == nil
	case kindBool:
		ok = gt.Kind() == parquet.Boolean
	case kindMoney:
		// The unscaled value is read as it is stored: only the same
		// scale in the same width keeps every amount exact. Arrow,
		// pyarrow and DuckDB store a DECIMAL(19..20, s) in 9 bytes.
		d, isDec := gl.(*format.DecimalType)
		wd := logical(w.Type()).(*format.DecimalType)
		ok = isDec && gt.Kind() == parquet.FixedLenByteArray && gt.Length() == w.Type().Length() &&
			d.Scale == wd.Scale && d.Precision <= wd.Precision
	}
	if ok {
		return nil
	}
	return fmt.Errorf("is %s, want %s%s", describe(g), wantedType(w), hint(w, g, column, suffix))
}

// signedFits reports whether an integer column's values fit a signed
// integer of bits bits: plain INT32/INT64, or an INT logical type that is
// signed, or unsigned and narrower (UINT(32) does not fit an INT32, and
// is stored in an INT32 that parquet-go would sign-extend).
func signedFits(gl format.LogicalTypeValue, bits int8) bool {
	if gl == nil {
		return true
	}
	it, ok := gl.(*format.IntType)
	if !ok {
		return false // a timestamp, a date, a decimal, a time: not an integer
	}
	if it.IsSigned {
		return it.BitWidth <= bits
	}
	return it.BitWidth < 32 && it.BitWidth < bits
}

// wantedType says, in Parquet's terms, what a staging column may be.
func wantedType(w parquet.Node) string {
	if isList(w) {
		return "a LIST of " + wantedType(w.Fields()[0].Fields()[0]) + " (" + listShape(w) + ")"
	}
	switch targetKind(w) {
	case kindText:
		return "STRING (UTF-8 text)"
	case kindTimestamp:
		return "a TIMESTAMP (INT64, any unit; without a time zone it is read as UTC) or a DATE (read as midnight UTC)"
	case kindInt64:
		return "an integer of at most 64 bits, INT(64,true) or narrower"
	case kindInt32:
		return "an integer of at most 32 bits, INT(32,true) or narrower"
	case kindDouble:
		return "DOUBLE (or FLOAT)"
	case kindBool:
		return "BOOLEAN"
	case kindMoney:
		return fmt.Sprintf("DECIMAL(%d,%d) (FIXED_LEN_BYTE_ARRAY(%d))", staging.MoneyPrecision, staging.MoneyScale, w.Type().Length())
	}
	return w.Type().String()
}

// hint suggests the cast that fixes a mismatch, in DuckDB's words (the
// tool most people rewrite a Parquet file with).
func hint(w, g parquet.Node, column, suffix string) string {
	if g.Leaf() && g.Type().Kind() == parquet.Int96 {
		return ": INT96 is the legacy timestamp encoding; write INT64 timestamps (Spark: spark.sql.parquet.outputTimestampType=TIMESTAMP_MICROS)"
	}
	cast := map[int]string{kindText: "VARCHAR", kindTimestamp: "TIMESTAMPTZ", kindInt64: "BIGINT",
		kindInt32: "INTEGER", kindDouble: "DOUBLE", kindBool: "BOOLEAN",
		kindMoney: fmt.Sprintf("DECIMAL(%d,%d)", staging.MoneyPrecision, staging.MoneyScale)}[targetKind(w)]
	if cast == "" {
		return ""
	}
	return fmt.Sprintf(": rewrite the file with the column cast (DuckDB: CAST(%s AS %s%s))", column, cast, suffix)
}

// describe is a column's type as the file declares it.
func describe(n parquet.Node) string {
	rep := "required"
	switch {
	case n.Optional():
		rep = "optional"
	case n.Repeated():
		rep = "repeated"
	}
	if !n.Leaf() {
		if isList(n) {
			return rep + " " + listShape(n)
		}
		return rep + " group"
	}
	t := n.Type()
	if lt := logical(t); lt != nil {
		return fmt.Sprintf("%s %s (%s)", rep, lt, t.Kind())
	}
	return rep + " " + t.Kind().String()
}

// listShape is a LIST group's levels: LIST { repeated group list {
// required INT(64,true) element } }.
func listShape(n parquet.Node) string {
	var b strings.Builder
	b.WriteString("LIST {")
	for _, f := range n.Fields() {
		b.WriteString(" " + nodeShape(f))
	}
	b.WriteString(" }")
	return b.String()
}

func nodeShape(n parquet.Field) string {
	rep := "required"
	switch {
	case n.Optional():
		rep = "optional"
	case n.Repeated():
		rep = "repeated"
	}
	if n.Leaf() {
		t := n.Type().String()
		return fmt.Sprintf("%s %s %s", rep, t, n.Name())
	}
	parts := []string{rep, "group", n.Name(), "{"}
	for _, f := range n.Fields() {
		parts = append(parts, nodeShape(f))
	}
	return strings.Join(append(parts, "}"), " ")
}

// otherCase names a column that differs only in letter case: Parquet
// names are case-sensitive, DuckDB and pandas keep the case they were given.
func otherCase(name string, have map[string]parquet.Field) string {
	for n := range have {
		if strings.EqualFold(n, name) {
			return fmt.Sprintf("; the file has %q (names are case-sensitive)", n)
		}
	}
	return ""
}

// noNullElements fails if a list column holds a null element: the
// staging lists have none, and the conversion would read it as 0 or "".
// Only the column's levels are read, page by page.
func noNullElements(pf *parquet.File, column string) error {
	leaf, ok := pf.Schema().Lookup(column, "list", "element")
	if !ok {
		return nil
	}
	// The levels are counted from the column's own nodes: parquet-go's
	// leaf levels count the root too when a writer marks it repeated, as
	// Arrow does.
	var maxDef byte
	elementOptional := false
	n := parquet.Node(pf.Schema())
	for _, name := range []string{column, "list", "element"} {
		for _, f := range n.Fields() {
			if f.Name() == name {
				n = f
				break
			}
		}
		if !n.Required() {
			maxDef++
		}
		elementOptional = n.Optional()
	}
	if !elementOptional {
		return nil // a required element cannot be null
	}
	nullElem := maxDef - 1 // the element's own level is the last
	row := int64(0)
	for _, rg := range pf.RowGroups() {
		pages := rg.ColumnChunks()[leaf.ColumnIndex].Pages()
		for {
			p, err := pages.ReadPage()
			if err == io.EOF {
				break
			}
			if err != nil {
				pages.Close()
				return fmt.Errorf("cannot be read: %w", err)
			}
			reps, defs := p.RepetitionLevels(), p.DefinitionLevels()
			for i, d := range defs {
				if i < len(reps) && reps[i] == 0 {
					row++
				}
				if d == nullElem {
					parquet.Release(p)
					pages.Close()
					return fmt.Errorf("holds a null element (row %d): the staging layout's lists have none; "+
						"drop them (DuckDB: list_filter(%s, x -> x IS NOT NULL))", row, column)
				}
			}
			parquet.Release(p)
		}
		if err := pages.Close(); err != nil {
			return fmt.Errorf("cannot be read: %w", err)
		}
	}
	return nil
}

// scanFile streams the rows of a staging file another tool may have
// written, after readSchema accepted it.
func scanFile[T any](path string, fn func(T) error) error {
	pf, f, err := staging.OpenFile(path)
	if err != nil {
		return err
	}
	schema, err := readSchema[T](pf, path)
	f.Close()
	if err != nil {
		return err
	}
	return staging.ScanSchema(path, schema, fn)
}
