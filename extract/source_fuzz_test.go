package extract

import (
	"context"
	"strings"
	"testing"
	"unicode/utf8"
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
		rec, rerr := mapVoucherify(raw, "voucherify:f:1")
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

// csvFuzzHeader is the header the CSV fuzz targets put before their input.
const csvFuzzHeader = "ID,Email,Name,Zip,Segment\n"

// Parsing any bytes after a header never panics; every record comes out
// once, as a good row or a bad one, with lines in increasing order, and
// good rows are UTF-8 with the header's width.
func FuzzCSVLine(f *testing.F) {
	for _, s := range []string{
		"1,a@b.c,A B,'0123,vip\n", "1,\"a\"\"b\",c,d,e\r\n", "1,a\"b,c,d,e\n", "\"unterminated,\n", "1,2\n",
		"1,\xff,3,4,5\n", ",,,,\n", "1,\"multi\nline\",3,4,5\n2,b,c,d,e", "\ufeff1,2,3,4,5",
	} {
		f.Add(s)
	}
	m, err := parseMapping([]byte("source_key=ID\nemail=Email\nname=Name\naddress.postal_code=Zip\nattribute.segment=Segment\n"))
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, body string) {
		last := 0
		err := scanCSV(context.Background(), strings.NewReader(csvFuzzHeader+body), ',', csvHandler{
			header: func(h []string) error { return m.bind("f.csv", h) },
			batch: func(b *csvBatch) error {
				for _, bad := range b.bad {
					if bad.rule == "" || bad.line < 2 {
						t.Fatalf("bad row %+v", bad)
					}
				}
				for row := 0; row < b.rows(); row++ {
					if b.lines[row] <= last {
						t.Fatalf("line %d after %d", b.lines[row], last)
					}
					last = b.lines[row]
					for col := range b.cols {
						if !utf8.ValidString(b.value(row, col)) {
							t.Fatalf("invalid UTF-8 passed on at line %d", b.lines[row])
						}
					}
					if _, rerr := m.apply(func(c int) string { return b.value(row, c) }, "csv:f.csv:1"); rerr != nil && rerr.rule == "" {
						t.Fatalf("reject without rule: %+v", rerr)
					}
				}
				return nil
			},
		})
		if err != nil {
			t.Fatalf("a data row stopped the file: %v", err)
		}
	})
}

// Mapping any Shopify row never panics, with either header.
func FuzzShopifyRow(f *testing.F) {
	current := "Customer ID,First Name,Last Name,Email,Accepts Email Marketing,Default Address Company,Default Address Address1,Default Address Address2,Default Address City,Default Address Province Code,Default Address Country Code,Default Address Zip,Default Address Phone,Phone,Accepts SMS Marketing,Total Spent,Total Orders,Note,Tax Exempt,Tags"
	older := "First Name,Last Name,Email,Company,Address1,Address2,City,Province,Province Code,Country,Country Code,Zip,Phone,Accepts Email Marketing,Accepts SMS Marketing,Total Spent,Total Orders,Tags,Note,Tax Exempt"
	f.Add(false, "'7012345678901,Emma,Thompson,emma@example.com,yes,,12 King St W,,Toronto,ON,CA,'M5H 1A1,'+1416,'+1416,no,1.00,1,,no,\"vip, x\"")
	f.Add(true, "Ana,Silva,ana@example.com,,Rua 1,,Lisboa,,LI,Portugal,,'1100,'+351,maybe,no,0,0,,,no")
	f.Add(false, "'',,,,,,,,,,,,,,,,,,,")
	f.Fuzz(func(t *testing.T, old bool, row string) {
		header := current
		if old {
			header = older
		}
		var m *csvMapping
		err := scanCSV(context.Background(), strings.NewReader(header+"\n"+row), ',', csvHandler{
			header: func(h []string) error {
				var err error
				if m, err = shopifyMapping(h); err != nil {
					return err
				}
				return m.bind("s.csv", h)
			},
			batch: func(b *csvBatch) error {
				for r := 0; r < b.rows(); r++ {
					rec, rerr := m.apply(func(c int) string { return b.value(r, c) }, "shopify-csv:s.csv:2")
					if rerr == nil && !strings.HasPrefix(rec.Customer.SourceKey, "shopify") {
						t.Fatalf("source key %q", rec.Customer.SourceKey)
					}
				}
				return nil
			},
		})
		if err != nil {
			t.Fatal(err)
		}
	})
}

// splitName never panics, never returns one name empty without the other,
// and is stable: splitting "first last" again gives the same pair.
func FuzzSplitName(f *testing.F) {
	for _, s := range []string{"", " ", "Madonna", "Anna Maria  van der Berg", " \t山田\u3000太郎 ", "a\u00a0b", "\xff\xfe x"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		first, last := SplitName(s)
		if (first == "") != (last == "") {
			t.Fatalf("SplitName(%q) = %q, %q", s, first, last)
		}
		if f2, l2 := SplitName(first + " " + last); f2 != first || l2 != last {
			t.Fatalf("not stable: %q -> (%q, %q) -> (%q, %q)", s, first, last, f2, l2)
		}
		if strings.TrimSpace(first) != first || strings.TrimSpace(last) != last {
			t.Fatalf("untrimmed: %q, %q", first, last)
		}
	})
}
