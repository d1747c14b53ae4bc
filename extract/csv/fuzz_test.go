package csv

import (
	"context"
	"strings"
	"testing"
	"unicode/utf8"
)

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
