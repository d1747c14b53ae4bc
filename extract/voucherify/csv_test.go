package voucherify

import (
	"context"
	"maps"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/bcetl/bcetl/extract"
	"github.com/bcetl/bcetl/extract/internal/sourcetest"
	"github.com/bcetl/bcetl/internal/staging"
	"github.com/bcetl/bcetl/internal/voucherify"
	"github.com/bcetl/bcetl/internal/vsandbox"
)

// exportCSV has the emulator export every customer field through its
// Exports endpoint and downloads the file.
func (e *apiEnv) exportCSV(t *testing.T, fields []string) string {
	t.Helper()
	c, err := voucherify.NewClient(voucherify.Config{BaseURL: e.url, AppID: testAppID, AppToken: testKey}, voucherify.WithClock(e.clock))
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	x, _, err := c.Exports.Create(ctx, voucherify.ExportRequest{ExportedObject: "customer",
		Parameters: &voucherify.ExportParameters{Fields: fields}})
	if err != nil {
		t.Fatal(err)
	}
	if x, err = c.Exports.Wait(ctx, x.ID, time.Second); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "customers.csv")
	if _, err := c.Exports.Download(ctx, x, path); err != nil {
		t.Fatal(err)
	}
	return path
}

// byKey indexes rows by source key.
func byKey[T any](rows []T, key func(T) string) map[string]T {
	m := map[string]T{}
	for _, r := range rows {
		m[key(r)] = r
	}
	return m
}

// sameStaging reports every difference between two extracts' rows.
func sameStaging(t *testing.T, what string, a, b *sourcetest.Output) {
	t.Helper()
	ca := byKey(a.Customers, func(c staging.Customer) string { return c.SourceKey })
	cb := byKey(b.Customers, func(c staging.Customer) string { return c.SourceKey })
	if len(ca) != len(a.Customers) || !slices.Equal(slices.Sorted(maps.Keys(ca)), slices.Sorted(maps.Keys(cb))) {
		t.Fatalf("%s: %d and %d customers, keys differ", what, len(a.Customers), len(b.Customers))
	}
	n := 0
	for k, c := range ca {
		if !reflect.DeepEqual(c, cb[k]) && n < 5 {
			n++
			t.Errorf("%s: customer %s\n%+v\n%+v", what, k, c, cb[k])
		}
	}
	aa := byKey(a.Addresses, func(x staging.Address) string { return x.SourceKey })
	ab := byKey(b.Addresses, func(x staging.Address) string { return x.SourceKey })
	if !reflect.DeepEqual(aa, ab) {
		t.Errorf("%s: addresses differ (%d and %d)", what, len(aa), len(ab))
	}
	va := byKey(a.AttributeValues, func(x staging.AttributeValue) string { return x.SourceKey })
	vb := byKey(b.AttributeValues, func(x staging.AttributeValue) string { return x.SourceKey })
	for k, v := range va {
		if v != vb[k] && n < 10 {
			n++
			t.Errorf("%s: attribute value %s: %+v and %+v", what, k, v, vb[k])
		}
	}
	if len(va) != len(vb) || !reflect.DeepEqual(a.Attributes, b.Attributes) {
		t.Errorf("%s: %d and %d attribute values, definitions %v and %v", what, len(va), len(vb), a.Attributes, b.Attributes)
	}
}

// Rule: one mapping. The emulator's messy customers read through List
// Customers and through its export CSV — every documented field, headed by
// labels (BOM, CRLF) and by field names (no BOM, LF) — make the same
// staging rows, row for row.
func TestCSVExportMakesTheRowsTheAPIMakes(t *testing.T) {
	for _, o := range []vsandbox.CSVOptions{{}, {Header: vsandbox.CSVHeaderFields, NoBOM: true, LF: true}} {
		e := newAPIEnv(t, vsandbox.Options{CSV: o})
		if err := e.srv.Generate(vsandbox.GenOptions{Customers: 800, Seed: 11}); err != nil {
			t.Fatal(err)
		}
		api := e.extract(t, extract.Options{})
		path := e.exportCSV(t, voucherify.CustomerExportFields)
		file := sourcetest.MustExtract(t, CSVScheme+":"+path, "")
		if len(file.Rejects) != 0 || len(file.Customers) != 800 {
			t.Fatalf("%+v: %d customers, rejects %v", o, len(file.Customers), file.RejectSummaries())
		}
		sameStaging(t, "header "+o.Header, api, file)
	}
}

func writeFile(t *testing.T, name, body string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// Rule: bad rows are rejected with the file and line, and the others load;
// columns no documented field names are kept as string attributes; the
// summary columns are not read; semicolons are understood.
func TestCSVBadRowsAreRejectedWithTheirLine(t *testing.T) {
	body := "Name;Email;Source ID;Created At;Metadata;Loyalty Points;Favourite Shop;metadata.tier\n" +
		"Ann Lee;ann@example.com;ann;2024-02-01T10:42:59.594Z;\"{\"\"visits\"\":3}\";120;Berlin;gold\n" +
		"Bo Li;bo@example.com;bo;yesterday;;0;;\n" +
		"Cy Poe;cy@example.com;cy;2024-02-01T10:00:00Z;{not json;0;;\n" +
		"Di Moe;di@example.com;di\n" +
		"Ed \"Eddie\" Roe;ed@example.com;ed;;;0;;\n" +
		"Fay Wu;fay@example.com;fay;2024-02-01 10:00:00;;0;;\n" +
		";;;;;;;\n" +
		"\"Gus\nGray\";gus@example.com;gus;;;0;;\n"
	x := sourcetest.MustExtract(t, CSVScheme+":"+writeFile(t, "export.csv", body), "")
	want := []sourcetest.RejectSummary{
		{"voucherify:bo", "created_at", "invalid-timestamp", `export.csv line 3: column "Created At": created_at "yesterday" is not an RFC 3339 timestamp like 2024-02-01T10:42:59.594Z`},
		{"voucherify:cy", "metadata", "invalid-metadata", `export.csv line 4: column "Metadata": the metadata is not a JSON object (invalid character 'n' looking for beginning of object key string); the export writes it as one, e.g. {"tier":"gold"}`},
		{"voucherify-csv:export.csv:5", "", "csv-field-count", "export.csv line 5: wrong number of fields: 3, the header has 8; check for an unquoted comma or a missing value"},
		{"voucherify-csv:export.csv:6", "", "csv-quote", `export.csv line 6: character 4: a " inside an unquoted field; quote the field and double the quote ("")`},
	}
	if got := x.RejectSummaries(); !reflect.DeepEqual(got, want) {
		t.Errorf("rejects\n got %q\nwant %q", got, want)
	}
	if len(x.Customers) != 3 {
		t.Fatalf("customers %+v", x.Customers)
	}
	if c := x.Customer(t, "voucherify:fay"); c.DateCreated == nil || !c.DateCreated.Equal(time.Date(2024, 2, 1, 10, 0, 0, 0, time.UTC)) {
		t.Errorf("a re-saved timestamp: %+v", c.DateCreated)
	}
	if c := x.Customer(t, "voucherify:gus"); c.FirstName != "Gus" || c.LastName != "Gray" {
		t.Errorf("a name across lines: %q %q", c.FirstName, c.LastName)
	}
	attrs := map[string]string{}
	for _, a := range x.AttributeValues {
		attrs[a.SourceKey] = a.AttributeType + ":" + a.AttributeValue
	}
	wantAttrs := map[string]string{"voucherify:ann/attribute/visits": "string:3", "voucherify:ann/attribute/tier": "string:gold",
		"voucherify:ann/attribute/Favourite Shop": "string:Berlin"}
	if !reflect.DeepEqual(attrs, wantAttrs) {
		t.Errorf("attributes %v, want %v (Loyalty Points not read)", attrs, wantAttrs)
	}
}

// An export without an email column (the default export has only name and
// source_id) stops the run with a message saying what to do; so does a
// column given twice under its two spellings.
func TestCSVHeaderMistakesStopTheRun(t *testing.T) {
	for body, want := range map[string]string{
		"Name,Source ID\nAnn,ann\n":              "no email column (have Name, Source ID): export again with email among parameters.fields",
		"Email,Source ID,source_id\na@b.c,x,y\n": `columns 2 ("Source ID") and 3 ("source_id") are both source_id`,
		"":                                       "the file is empty",
	} {
		_, err := sourcetest.Extract(CSVScheme+":"+writeFile(t, "e.csv", body), filepath.Join(t.TempDir(), "o"), "")
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%q: %v, want %q", body, err, want)
		}
	}
}
