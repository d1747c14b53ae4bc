package staging

import (
	"reflect"
	"strconv"
	"strings"
	"sync"
	"unicode/utf8"
)

// Every string column of every file bcetl writes holds valid UTF-8.
// Parquet's STRING is UTF-8 by definition, and readers hold it to that:
// DuckDB refuses the whole file ("Invalid string encoding found in Parquet
// file") for one bad value, so a single Latin-1 byte in one reject would
// hide every record of the file from the warehouse. Writer is the one place
// all rows pass, so the guarantee is made there, for every writer: a string
// that is not valid UTF-8 is written escaped (ValidText). Sources reject
// such records before they become entity rows (rule "utf8"), so for them
// this is a safety net; for rejects and merges, which show the offending
// value, it is how the value is written.

// ValidText returns s if it is valid UTF-8, else s quoted and escaped as a
// Go string literal ("Stra\xdfe"): every byte stays visible, nothing is
// silently replaced, and the result is ASCII-safe UTF-8.
func ValidText(s string) string {
	if utf8.ValidString(s) {
		return s
	}
	return strconv.Quote(s)
}

// textField is a string-holding field of a row type: string, *string or
// []string.
type textField struct {
	index  int
	kind   reflect.Kind // String, Pointer or Slice
	column string
}

var textPlans sync.Map // reflect.Type → []textField

// textFieldsOf lists the string-holding fields of the struct type t.
func textFieldsOf(t reflect.Type) []textField {
	if p, ok := textPlans.Load(t); ok {
		return p.([]textField)
	}
	var out []textField
	if t.Kind() == reflect.Struct {
		for i := 0; i < t.NumField(); i++ {
			f := t.Field(i)
			if !f.IsExported() {
				continue
			}
			col, _, _ := strings.Cut(f.Tag.Get("parquet"), ",")
			if col == "" || col == "-" {
				col = f.Name
			}
			switch {
			case f.Type.Kind() == reflect.String:
				out = append(out, textField{i, reflect.String, col})
			case f.Type.Kind() == reflect.Pointer && f.Type.Elem().Kind() == reflect.String:
				out = append(out, textField{i, reflect.Pointer, col})
			case f.Type.Kind() == reflect.Slice && f.Type.Elem().Kind() == reflect.String:
				out = append(out, textField{i, reflect.Slice, col})
			}
		}
	}
	textPlans.Store(t, out)
	return out
}

// InvalidUTF8 returns the column and value of the first string in row that
// is not valid UTF-8, for sources that reject such a record (rule "utf8").
func InvalidUTF8[T any](row *T) (column, value string, bad bool) {
	v := reflect.ValueOf(row).Elem()
	return firstInvalid(v, textFieldsOf(v.Type()))
}

func firstInvalid(v reflect.Value, plan []textField) (column, value string, bad bool) {
	for _, f := range plan {
		fv := v.Field(f.index)
		switch f.kind {
		case reflect.String:
			if s := fv.String(); !utf8.ValidString(s) {
				return f.column, s, true
			}
		case reflect.Pointer:
			if !fv.IsNil() {
				if s := fv.Elem().String(); !utf8.ValidString(s) {
					return f.column, s, true
				}
			}
		case reflect.Slice:
			for j := 0; j < fv.Len(); j++ {
				if s := fv.Index(j).String(); !utf8.ValidString(s) {
					return f.column, s, true
				}
			}
		}
	}
	return "", "", false
}

// validRows returns rows with every invalid string escaped (ValidText).
// The caller's rows are never changed: the few rows that need it are
// copied, and so are the strings they point to.
func validRows[T any](plan []textField, rows []T) []T {
	if len(plan) == 0 {
		return rows
	}
	var out []T
	for i := range rows {
		if _, _, bad := firstInvalid(reflect.ValueOf(&rows[i]).Elem(), plan); !bad {
			continue
		}
		if out == nil {
			out = append([]T(nil), rows...)
		}
		v := reflect.ValueOf(&out[i]).Elem()
		for _, f := range plan {
			fv := v.Field(f.index)
			switch f.kind {
			case reflect.String:
				fv.SetString(ValidText(fv.String()))
			case reflect.Pointer:
				if !fv.IsNil() {
					s := ValidText(fv.Elem().String())
					fv.Set(reflect.ValueOf(&s).Convert(fv.Type()))
				}
			case reflect.Slice:
				if fv.Len() > 0 {
					c := reflect.MakeSlice(fv.Type(), fv.Len(), fv.Len())
					for j := 0; j < fv.Len(); j++ {
						c.Index(j).SetString(ValidText(fv.Index(j).String()))
					}
					fv.Set(c)
				}
			}
		}
	}
	if out == nil {
		return rows
	}
	return out
}
