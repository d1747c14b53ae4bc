package transform

import (
	"fmt"
	"strings"
	"testing"

	"github.com/bcetl/bcetl/internal/bcrules"
	"github.com/bcetl/bcetl/internal/staging"
)

// Fields over the API's limits are rejected in the transform, the limit in
// the message, before a request could fail with them: notes and form field
// values, which the document leaves unbounded, at bcrules.MaxLongText characters
// (one 10 MB note would make every load of its batch fail with 413);
// address lines at 255. Values at the limit pass.
func TestLongFieldsAreRejected(t *testing.T) {
	long := func(n int) string { return strings.Repeat("é", n) } // characters, not bytes
	arr := func(n int) []string { return []string{long(n / 2), long(n - n/2)} }
	cust := func(key, notes string) staging.Customer {
		return staging.Customer{SourceKey: key, Email: key + "@example.com", FirstName: "A", LastName: "B", Notes: notes}
	}
	withLine := func(key string, line1, line2 string) staging.Address {
		a := addr(key, "ok", line1)
		a.Address2 = line2
		return a
	}
	str := func(key, name, v string) staging.FormFieldValue { return strVal(key, "ok", nil, name, v) }
	array := func(key string, v []string) staging.FormFieldValue {
		return staging.FormFieldValue{SourceKey: key, CustomerSourceKey: "ok", Name: "tags", ValueType: "array", ValueArray: v, ValueJSON: "[]"}
	}
	r := runFixture(t, fixture{
		customers: []staging.Customer{cust("ok", long(bcrules.MaxLongText)), cust("huge", strings.Repeat("n", 10<<20)), cust("over", long(bcrules.MaxLongText+1))},
		addresses: []staging.Address{
			withLine("a-ok", long(255), long(255)), withLine("a-line1", long(256), ""), withLine("a-line2", "1 Main St", long(256)),
		},
		forms: []staging.FormFieldValue{
			str("f-ok", "note", long(bcrules.MaxLongText)), str("f-long", "note2", long(bcrules.MaxLongText+1)),
			str("f-name", strings.Repeat("n", 256), "x"),
			array("f-arr-ok", arr(bcrules.MaxLongText)), func() staging.FormFieldValue {
				f := array("f-arr", arr(bcrules.MaxLongText+1))
				f.Name = "tags2"
				return f
			}(),
		},
	}, Options{})
	for _, c := range []struct{ entity, key, field, msg string }{
		{"customers", "huge", "notes", fmt.Sprintf("notes must be at most %d characters, it has %d", bcrules.MaxLongText, 10<<20)},
		{"customers", "over", "notes", fmt.Sprintf("notes must be at most %d characters", bcrules.MaxLongText)},
		{"addresses", "a-line1", "address1", "address1 must be at most 255 characters, it has 256"},
		{"addresses", "a-line2", "address2", "address2 must be at most 255 characters, it has 256"},
		{"form_field_values", "f-long", "value_string", fmt.Sprintf("value_string must be at most %d characters", bcrules.MaxLongText)},
		{"form_field_values", "f-name", "name", "name must be at most 255 characters"},
		{"form_field_values", "f-arr", "value_array", fmt.Sprintf("value_array must hold at most %d characters in all, it has %d", bcrules.MaxLongText, bcrules.MaxLongText+1)},
	} {
		rj := r.reject(c.entity, c.key)
		if rj == nil || rj.Rule != CheckLength || rj.Field != c.field || !strings.Contains(rj.Message, c.msg) {
			t.Errorf("%s %s: reject %+v, want rule length on %s with %q", c.entity, c.key, rj, c.field, c.msg)
		}
		if rj != nil && len(rj.Value) > staging.MaxRejectValue+len("…") {
			t.Errorf("%s %s: reject value of %d bytes", c.entity, c.key, len(rj.Value))
		}
	}
	for _, c := range []struct{ entity, key string }{{"customers", "ok"}, {"addresses", "a-ok"}, {"form_field_values", "f-ok"}, {"form_field_values", "f-arr-ok"}} {
		if rj := r.reject(c.entity, c.key); rj != nil {
			t.Errorf("%s %s at the limit was rejected: %s", c.entity, c.key, rj.Message)
		}
	}
}
