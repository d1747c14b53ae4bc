package voucherify

import (
	"strings"
	"testing"
)

// Decoding one JSON record never panics, and a record that maps has a
// source key and consistent child rows.
func FuzzVoucherifyRecord(f *testing.F) {
	for _, s := range []string{
		`{"customer":{"id":"c","name":"A B","email":"a@b.c","address":{"country":"Deutschland"},"metadata":{"x":[1,{"y":null}]}}}`,
		`{"id":"e","type":"customer.created","data":{"customer":{"source_id":"s","birthdate":"1974-01-02","created_at":"2024-02-01T10:42:59.594Z"}}}`,
		`{"type":"customer.deleted","data":{}}`, `{"data":null}`, `{"customer":7}`, `[]`, `null`, `{"name":{"a":1}}`,
		`{"phone":12e400,"id":-0}`, `{"metadata":"x","email":"e"}`, "{\"name\":\"\xff\xfe\"}",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, raw []byte) {
		rec, rerr := mapVoucherify(raw, "voucherify:f:1", ExportConsent)
		if (rec == nil) == (rerr == nil) {
			t.Fatalf("want a record or an error, got %v and %v", rec, rerr)
		}
		if rerr != nil {
			if rerr.rule == "" || rerr.msg == "" {
				t.Fatalf("reject without rule or message: %+v", rerr)
			}
			return
		}
		key := rec.Customer.SourceKey
		if !strings.HasPrefix(key, "voucherify:") {
			t.Fatalf("source key %q", key)
		}
		for _, a := range rec.Addresses {
			if a.CustomerSourceKey != key {
				t.Fatalf("address of %q under %q", a.CustomerSourceKey, key)
			}
		}
		seen := map[string]bool{}
		for _, a := range rec.AttributeValues {
			if a.CustomerSourceKey != key || seen[a.SourceKey] {
				t.Fatalf("attribute value %+v", a)
			}
			seen[a.SourceKey] = true
		}
	})
}
