package vsandbox

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// exportAll creates an export of fields (with filters, order), waits for
// it and returns the downloaded file.
func (e *env) exportAll(fields []string, extra string) []byte {
	e.t.Helper()
	fj, _ := json.Marshal(fields)
	id, _ := e.createExport(`{"exported_object":"customer","parameters":{"fields":` + string(fj) + extra + `}}`)
	u, _ := e.waitDone(id)
	d := e.download(u)
	if d.status != 200 {
		e.t.Fatalf("download: %d %s", d.status, d.raw)
	}
	return d.raw
}

func readCSV(t *testing.T, file []byte) [][]string {
	t.Helper()
	file, ok := bytes.CutPrefix(file, []byte("\ufeff"))
	if !ok {
		t.Fatal("no byte order mark")
	}
	recs, err := csv.NewReader(bytes.NewReader(file)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	return recs
}

// The export file of every documented field says what the API says, for
// every customer of a generated (messy) project: same customers, same
// values, dates in the API's format, metadata as a JSON object whose
// values keep their types. This is what lets a CSV migration and an API
// migration of one project give one target store.
func TestExportFileMatchesTheAPI(t *testing.T) {
	e := newEnv(t, Options{})
	must(t, e.srv.Generate(GenOptions{Customers: 1500, Seed: 3}))
	api := map[string]map[string]any{}
	for page := 1; ; page++ {
		r := e.list(q("order", "created_at", "limit", "100", "page", itoa(page)))
		for _, c := range r.customers() {
			api[c["id"].(string)] = c
		}
		if r.body["has_more"] != true {
			break
		}
	}
	recs := readCSV(t, e.exportAll(customerFields, ""))
	head := recs[0]
	for i, f := range customerFields {
		if head[i] != label(f) {
			t.Errorf("column %d: %q, want %q", i, head[i], label(f))
		}
	}
	if len(recs)-1 != len(api) {
		t.Fatalf("%d rows, %d customers", len(recs)-1, len(api))
	}
	col := func(rec []string, f string) string { return rec[slices.Index(customerFields, f)] }
	str := func(v any) string {
		switch x := v.(type) {
		case string:
			return x
		case float64:
			return strconv.FormatFloat(x, 'f', -1, 64)
		}
		return ""
	}
	for _, rec := range recs[1:] {
		c := api[col(rec, "id")]
		if c == nil {
			t.Fatalf("row for unknown customer %q", col(rec, "id"))
		}
		for _, f := range []string{"name", "description", "email", "source_id", "created_at", "updated_at", "phone", "birthday", "birthdate"} {
			if got, want := col(rec, f), str(c[f]); got != strings.ReplaceAll(want, "\r\n", "\n") {
				t.Errorf("%s %s: csv %q, api %q", c["id"], f, got, want)
			}
		}
		addr, _ := c["address"].(map[string]any)
		for _, k := range addressKeys {
			if got, want := col(rec, "address_"+k), str(addr[k]); got != want {
				t.Errorf("%s address %s: csv %q, api %q", c["id"], k, got, want)
			}
		}
		md := c["metadata"].(map[string]any)
		if cell := col(rec, "metadata"); cell == "" {
			if len(md) != 0 {
				t.Errorf("%s: empty metadata cell, api %v", c["id"], md)
			}
		} else {
			var got map[string]any
			if err := json.Unmarshal([]byte(cell), &got); err != nil || !reflect.DeepEqual(got, md) {
				t.Errorf("%s metadata: csv %s, api %v (%v)", c["id"], cell, md, err)
			}
		}
		sum := c["summary"].(map[string]any)
		orders := sum["orders"].(map[string]any)
		red := sum["redemptions"].(map[string]any)
		loyalty := c["loyalty"].(map[string]any)
		for f, want := range map[string]any{
			"orders_total_amount": orders["total_amount"], "orders_total_count": orders["total_count"],
			"orders_average_amount": orders["average_amount"], "orders_last_order_amount": orders["last_order_amount"],
			"orders_last_order_date": orders["last_order_date"], "redemptions_total_redeemed": red["total_redeemed"],
			"redemptions_total_failed": red["total_failed"], "redemptions_total_succeeded": red["total_succeeded"],
			"redemptions_total_rolled_back": red["total_rolled_back"], "loyalty_points": loyalty["points"],
			"loyalty_referred_customers": loyalty["referred_customers"],
		} {
			if got := col(rec, f); got != str(want) {
				t.Errorf("%s %s: csv %q, api %v", c["id"], f, got, want)
			}
		}
	}
}

// The bytes of the file: a byte order mark, labelled headers, CRLF line
// ends, RFC 4180 quoting (commas, quotes, line breaks, a leading space),
// metadata as compact JSON with its types and without HTML escaping, empty
// cells for what a customer lacks. Each of the silent choices has its
// option.
func TestExportFileFormat(t *testing.T) {
	e := newEnv(t, Options{})
	_, err := e.srv.CreateCustomer(Customer{Name: "Ann, Lee", SourceID: "a", Description: "Said \"no\"\nthen left",
		Email: " ann@example.com", CreatedAt: at("2024-01-02T03:04:05.006Z"),
		Address:  &Address{Line1: "1 Main St", Country: "US"},
		Metadata: map[string]any{"b": true, "n": 1.5, "s": "<b>&", "l": []any{"x"}, "o": map[string]any{"k": nil}}})
	must(t, err)
	_, err = e.srv.CreateCustomer(Customer{SourceID: "b", CreatedAt: at("2024-01-02T03:04:05.007Z")})
	must(t, err)
	fields := []string{"source_id", "name", "description", "email", "created_at", "updated_at", "address_line_1", "address_city", "metadata"}
	file := string(e.exportAll(fields, `,"order":"source_id"`))
	want := "\ufeffSource ID,Name,Description,Email,Created At,Updated At,Address Line 1,Address City,Metadata\r\n" +
		"a,\"Ann, Lee\",\"Said \"\"no\"\"\r\nthen left\",\" ann@example.com\",2024-01-02T03:04:05.006Z,,1 Main St,," +
		`"{""b"":true,""l"":[""x""],""n"":1.5,""o"":{""k"":null},""s"":""<b>&""}"` + "\r\n" +
		"b,,,,2024-01-02T03:04:05.007Z,,,,\r\n"
	if file != want {
		t.Errorf("file:\n%q\nwant\n%q", file, want)
	}

	e2 := newEnv(t, Options{CSV: CSVOptions{Header: CSVHeaderFields, NoBOM: true, LF: true}})
	_, err = e2.srv.CreateCustomer(Customer{SourceID: "a", Description: "x\ny", CreatedAt: at("2024-01-02T03:04:05.006Z")})
	must(t, err)
	if file := string(e2.exportAll([]string{"source_id", "description"}, "")); file != "source_id,description\na,\"x\ny\"\n" {
		t.Errorf("fields, no BOM, LF: %q", file)
	}
	if _, err := New(Options{AppID: "a", AppToken: "b", CSV: CSVOptions{Header: "names"}}); err == nil {
		t.Error("CSV.Header names accepted")
	}
}

func TestLabels(t *testing.T) {
	for f, want := range map[string]string{"id": "ID", "source_id": "Source ID", "address_line_1": "Address Line 1",
		"orders_last_order_date": "Orders Last Order Date", "metadata": "Metadata"} {
		if got := label(f); got != want {
			t.Errorf("label(%q) = %q, want %q", f, got, want)
		}
	}
}

// Export filters select what they say, with the junction; rows follow the
// order parameter.
func TestExportFilters(t *testing.T) {
	e := newEnv(t, Options{})
	for _, c := range []Customer{
		{SourceID: "a", Name: "Ann", Email: "ann@example.com", CreatedAt: at("2024-01-01T00:00:00Z"), Metadata: map[string]any{"lang": "en", "visits": 3.0}},
		{SourceID: "b", Name: "Bob", Email: "bob@example.com", CreatedAt: at("2024-02-01T00:00:00Z"), UpdatedAt: at("2024-03-01T00:00:00Z"), Metadata: map[string]any{"lang": "de", "visits": 30.0}},
		{SourceID: "c", Name: "Anna", CreatedAt: at("2024-03-01T00:00:00Z"), Address: &Address{City: "Berlin"}},
	} {
		_, err := e.srv.CreateCustomer(c)
		must(t, err)
	}
	for _, c := range []struct {
		filters string
		order   string
		want    []string
	}{
		{`{"created_at":{"conditions":{"$after":["2024-01-01T00:00:00Z"]}}}`, "source_id", []string{"b", "c"}},
		{`{"created_at":{"conditions":{"$after":["2023-12-31"],"$before":["2024-03-01T00:00:00Z"]}}}`, "-source_id", []string{"b", "a"}},
		{`{"email":{"conditions":{"$is":["ann@example.com"]}}}`, "", []string{"a"}},
		{`{"name":{"conditions":{"$starts_with":["Ann"]}}}`, "-name", []string{"c", "a"}},
		{`{"metadata.lang":{"conditions":{"$in":["de","fr"]}}}`, "", []string{"b"}},
		{`{"metadata.visits":{"conditions":{"$more_than":[5]}}}`, "", []string{"b"}},
		{`{"junction":"or","city":{"conditions":{"$is":["Berlin"]}},"email":{"conditions":{"$is":["bob@example.com"]}}}`, "created_at", []string{"b", "c"}},
		{`{"junction":"and","city":{"conditions":{"$is":["Berlin"]}},"email":{"conditions":{"$is":["bob@example.com"]}}}`, "", nil},
		{`{"updated_at":{"conditions":{"$is_unknown":[]}}}`, "-created_at", []string{"c", "a"}},
		{`{"email":{"conditions":{"$has_value":[]}},"metadata.lang":{"conditions":{"$is_not":["en"]}}}`, "", []string{"b"}},
	} {
		extra := `,"filters":` + c.filters
		if c.order != "" {
			extra += `,"order":"` + c.order + `"`
		}
		recs := readCSV(t, e.exportAll([]string{"source_id"}, extra))
		var got []string
		for _, r := range recs[1:] {
			got = append(got, r[0])
		}
		if c.order == "" {
			slices.Sort(got)
		}
		if !slices.Equal(got, c.want) {
			t.Errorf("%s order %q: %v, want %v", c.filters, c.order, got, c.want)
		}
	}
}
