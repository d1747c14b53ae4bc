package sandbox

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"testing"
	"time"
)

func TestPostCustomersLimits(t *testing.T) {
	e := newEnv(t, Options{})
	var items []map[string]any
	for i := 0; i < 11; i++ {
		items = append(items, cust(fmt.Sprintf("u%d@example.com", i), "A", "B"))
	}
	r := e.do("POST", "/customers", items)
	e.wantError(r, 413)
	if r.body["title"] != "The maximum number of items allowed in the array is 10." {
		t.Errorf("413 title %q", r.body["title"])
	}
	if n, _, _, _ := e.srv.Counts(); n != 0 {
		t.Fatalf("413 wrote %d customers", n)
	}
	if ids := e.createCustomers(items[:10]...); len(ids) != 10 {
		t.Fatalf("10 items: %v", ids)
	}
	// PUT has the same limit.
	var puts []map[string]any
	for i := 0; i < 11; i++ {
		puts = append(puts, map[string]any{"id": i + 1, "notes": "x"})
	}
	e.wantError(e.do("PUT", "/customers", puts), 413)
}

func TestPostCustomersValidation(t *testing.T) {
	e := newEnv(t, Options{})
	e.createCustomers(cust("taken@example.com", "T", "Aken"))
	long := strings.Repeat("x", 101)
	cases := []struct {
		name string
		item map[string]any
		key  string
	}{
		{"missing email", map[string]any{"first_name": "a", "last_name": "b"}, "0.email"},
		{"missing first", map[string]any{"email": "x@example.com", "last_name": "b"}, "0.first_name"},
		{"empty last", cust("x@example.com", "a", ""), "0.last_name"},
		{"long first", cust("x@example.com", long, "b"), "0.first_name"},
		{"bad email", cust("not-an-email", "a", "b"), "0.email"},
		{"email with spaces", cust(" x@example.com", "a", "b"), "0.email"},
		{"email too long", cust(strings.Repeat("e", 240)+"@example.com", "a", "b"), "0.email"},
		{"duplicate email other case", cust("TAKEN@example.com", "a", "b"), ".customer_create"},
		{"phone too long", merge(cust("x@example.com", "a", "b"), map[string]any{"phone": strings.Repeat("1", 51)}), "0.phone"},
		{"phone as number", merge(cust("x@example.com", "a", "b"), map[string]any{"phone": 5551234}), "0.phone"},
		{"company too long", merge(cust("x@example.com", "a", "b"), map[string]any{"company": strings.Repeat("c", 256)}), "0.company"},
		{"tax category too long", merge(cust("x@example.com", "a", "b"), map[string]any{"tax_exempt_category": strings.Repeat("c", 256)}), "0.tax_exempt_category"},
		{"read-only id", merge(cust("x@example.com", "a", "b"), map[string]any{"id": 5}), "0.id"},
		{"read-only date", merge(cust("x@example.com", "a", "b"), map[string]any{"date_created": "2020-01-01T00:00:00Z"}), "0.date_created"},
		{"empty channel_ids", merge(cust("x@example.com", "a", "b"), map[string]any{"channel_ids": []int{}}), "0.channel_ids"},
		{"weak password", merge(cust("x@example.com", "a", "b"), map[string]any{"authentication": map[string]any{"new_password": "abc"}}), "0.authentication.new_password"},
		{"address state code", merge(cust("x@example.com", "a", "b"), map[string]any{"addresses": []any{usAddress(map[string]any{"state_or_province": "CA"})}}), "0.addresses.0.state_or_province"},
		{"address AU state code", merge(cust("x@example.com", "a", "b"), map[string]any{"addresses": []any{usAddress(map[string]any{"country_code": "AU", "state_or_province": "NSW"})}}), "0.addresses.0.state_or_province"},
		{"address unknown country", merge(cust("x@example.com", "a", "b"), map[string]any{"addresses": []any{usAddress(map[string]any{"country_code": "XX"})}}), "0.addresses.0.country_code"},
		{"address lower-case country", merge(cust("x@example.com", "a", "b"), map[string]any{"addresses": []any{usAddress(map[string]any{"country_code": "us"})}}), "0.addresses.0.country_code"},
		{"address 3-letter country", merge(cust("x@example.com", "a", "b"), map[string]any{"addresses": []any{usAddress(map[string]any{"country_code": "USA"})}}), "0.addresses.0.country_code"},
		{"address missing city", merge(cust("x@example.com", "a", "b"), map[string]any{"addresses": []any{usAddress(map[string]any{"city": nil})}}), "0.addresses.0.city"},
		{"address long postal", merge(cust("x@example.com", "a", "b"), map[string]any{"addresses": []any{usAddress(map[string]any{"postal_code": strings.Repeat("1", 31)})}}), "0.addresses.0.postal_code"},
		{"address bad type", merge(cust("x@example.com", "a", "b"), map[string]any{"addresses": []any{usAddress(map[string]any{"address_type": "home"})}}), "0.addresses.0.address_type"},
		{"11 addresses", merge(cust("x@example.com", "a", "b"), map[string]any{"addresses": repeat(usAddress(nil), 11)}), "0.addresses"},
		{"unknown attribute", merge(cust("x@example.com", "a", "b"), map[string]any{"attributes": []any{map[string]any{"attribute_id": 99, "attribute_value": "x"}}}), "0.attributes.0.attribute_id"},
		{"form field null value", merge(cust("x@example.com", "a", "b"), map[string]any{"form_fields": []any{map[string]any{"name": "n", "value": nil}}}), "0.form_fields.0.value"},
		{"form field object value", merge(cust("x@example.com", "a", "b"), map[string]any{"form_fields": []any{map[string]any{"name": "n", "value": map[string]any{}}}}), "0.form_fields.0.value"},
		{"form field array of numbers", merge(cust("x@example.com", "a", "b"), map[string]any{"form_fields": []any{map[string]any{"name": "n", "value": []int{1}}}}), "0.form_fields.0.value"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := e.do("POST", "/customers", []any{c.item})
			errs := e.wantError(r, 422)
			if _, ok := errs[c.key]; !ok {
				t.Fatalf("errors %v lack %q", errs, c.key)
			}
		})
	}
	if n, _, _, _ := e.srv.Counts(); n != 1 {
		t.Fatalf("invalid posts wrote customers: %d", n)
	}
}

func merge(a, b map[string]any) map[string]any {
	out := map[string]any{}
	for k, v := range a {
		out[k] = v
	}
	for k, v := range b {
		out[k] = v
	}
	return out
}

func repeat(v any, n int) []any {
	out := make([]any, n)
	for i := range out {
		out[i] = v
	}
	return out
}

// With ErrorKeys "bracketed" a duplicate email is an error on each item
// that has one (recorded_test.go has the default, one .customer_create).
func TestPostCustomersBatchFailsWholeBracketed(t *testing.T) {
	e := newEnv(t, Options{ErrorKeys: ErrorKeysBracketed})
	e.createCustomers(cust("old@example.com", "O", "Ld"))
	items := []any{
		cust("a@example.com", "A", "A"), cust("b@example.com", "B", "B"), cust("c@example.com", "C", "C"),
		cust("OLD@example.com", "D", "D"), // taken in the store
		cust("A@Example.com", "E", "E"),   // duplicates item 0
	}
	errs := e.wantError(e.do("POST", "/customers", items), 422)
	if !strings.Contains(fmt.Sprint(errs["[3].email"]), "already in use") || errs["[4].email"] == nil || len(errs) != 2 {
		t.Fatalf("errors %v", errs)
	}
	if n, _, _, _ := e.srv.Counts(); n != 1 {
		t.Fatalf("a failed batch wrote %d customers", n)
	}
}

func TestPostCustomersResponse(t *testing.T) {
	e := newEnv(t, Options{SendCounts: true})
	ar := e.do("POST", "/customers/attributes", []any{map[string]any{"name": "Size", "type": "number"}, map[string]any{"name": "Born", "type": "date"}})
	e.want(ar, 200)
	items := []any{
		merge(cust("z@example.com", "Zoë", "Müller"), map[string]any{
			"authentication":       map[string]any{"force_password_reset": true, "new_password": "Secret123!"},
			"addresses":            []any{usAddress(map[string]any{"form_fields": []any{map[string]any{"name": "gate", "value": 1234}}}), usAddress(nil), usAddress(map[string]any{"address1": "1 MAIN ST"})},
			"attributes":           []any{map[string]any{"attribute_id": 1, "attribute_value": "42.5"}, map[string]any{"attribute_id": 2, "attribute_value": "2020-02-29"}},
			"form_fields":          []any{map[string]any{"name": "n", "value": json.Number("12345678901234567890.5")}, map[string]any{"name": "l", "value": []string{"a", "b"}}},
			"store_credit_amounts": []any{map[string]any{"amount": 43.15}},
		}),
		cust("a@example.com", "李", "O'Brien"),
	}
	r := e.do("POST", "/customers", items)
	e.want(r, 200)
	if len(r.meta()) != 0 {
		t.Errorf("meta %v, want {}", r.meta())
	}
	d := r.data()
	c0, c1 := d[0].(map[string]any), d[1].(map[string]any)
	if c0["email"] != "z@example.com" || c1["email"] != "a@example.com" {
		t.Fatalf("not in request order: %s", r.raw)
	}
	if num(c0["address_count"]) != 2 || num(c0["attribute_count"]) != 2 {
		t.Errorf("counts: %v %v (identical inline addresses are stored once)", c0["address_count"], c0["attribute_count"])
	}
	if strings.Contains(string(r.raw), "Secret123") || strings.Contains(string(r.raw), "new_password") {
		t.Errorf("new_password returned: %s", r.raw)
	}
	if c0["authentication"].(map[string]any)["force_password_reset"] != true {
		t.Errorf("force_password_reset not kept")
	}
	if c0["date_created"] != "2026-03-01T12:00:00Z" || c0["date_modified"] != "2026-03-01T12:00:00Z" {
		t.Errorf("dates %v %v", c0["date_created"], c0["date_modified"])
	}
	if !strings.Contains(string(r.raw), `"value":12345678901234567890.5`) {
		t.Errorf("number form field not lossless: %s", r.raw)
	}
	// Attribute value types are enforced.
	bad := merge(cust("q@example.com", "Q", "Q"), map[string]any{"attributes": []any{
		map[string]any{"attribute_id": 1, "attribute_value": "big"}, map[string]any{"attribute_id": 2, "attribute_value": "29/02/2020"}}})
	errs := e.wantError(e.do("POST", "/customers", []any{bad}), 422)
	if errs["0.attributes.0.attribute_value"] == nil || errs["0.attributes.1.attribute_value"] == nil {
		t.Errorf("errors %v", errs)
	}
}

func TestPutCustomers(t *testing.T) {
	e := newEnv(t, Options{})
	ids := e.createCustomers(cust("a@example.com", "A", "A"), cust("b@example.com", "B", "B"))
	e.clock.Advance(90 * time.Second)
	r := e.do("PUT", "/customers", []any{map[string]any{"id": ids[0], "company": "Acme", "form_fields": []any{map[string]any{"name": "x", "value": "y"}}}})
	e.want(r, 200)
	c := obj0(r)
	if c["company"] != "Acme" || c["first_name"] != "A" || c["email"] != "a@example.com" {
		t.Errorf("partial update: %s", r.raw)
	}
	if c["date_modified"] != "2026-03-01T12:01:30Z" || c["date_created"] != "2026-03-01T12:00:00Z" {
		t.Errorf("dates %v %v", c["date_created"], c["date_modified"])
	}
	cases := []struct {
		item map[string]any
		key  string
	}{
		{map[string]any{"company": "x"}, "id"}, // recorded: the path, not the item
		{map[string]any{"id": 999, "company": "x"}, "0.id"},
		{map[string]any{"id": ids[0], "email": "B@example.com"}, "0.email"},
		{map[string]any{"id": ids[0], "first_name": ""}, "0.first_name"},
		{map[string]any{"id": ids[0], "addresses": []any{}}, "0.addresses"},
		{map[string]any{"id": ids[0], "registration_ip_address": "1.2.3.4"}, "0.registration_ip_address"},
		{map[string]any{"id": ids[0], "origin_channel_id": 2}, "0.origin_channel_id"},
	}
	for _, tc := range cases {
		errs := e.wantError(e.do("PUT", "/customers", []any{tc.item}), 422)
		if errs[tc.key] == nil {
			t.Errorf("%v: errors %v lack %s", tc.item, errs, tc.key)
		}
	}
	// Email swaps within one batch are fine; a duplicate within the batch is not.
	e.want(e.do("PUT", "/customers", []any{map[string]any{"id": ids[0], "email": "b@example.com"}, map[string]any{"id": ids[1], "email": "a@example.com"}}), 200)
	if f, _ := e.srv.CustomerByEmail("A@example.com"); f.ID != ids[1] {
		t.Errorf("after swap a@ belongs to %d", f.ID)
	}
	errs := e.wantError(e.do("PUT", "/customers", []any{map[string]any{"id": ids[0], "email": "c@example.com"}, map[string]any{"id": ids[1], "email": "C@example.com"}}), 422)
	if errs["1.email"] == nil {
		t.Errorf("errors %v", errs)
	}
}

func TestDeleteCustomers(t *testing.T) {
	e := newEnv(t, Options{})
	ids := e.createCustomers(
		merge(cust("a@example.com", "A", "A"), map[string]any{"addresses": []any{usAddress(nil)}, "form_fields": []any{map[string]any{"name": "n", "value": "v"}}}),
		cust("b@example.com", "B", "B"))
	e.want(e.do("PUT", "/customers/attribute-values", []any{}), 422)
	e.do("POST", "/customers/attributes", []any{map[string]any{"name": "S", "type": "string"}})
	e.want(e.do("PUT", "/customers/attribute-values", []any{map[string]any{"attribute_id": 1, "customer_id": ids[0], "value": "x"}}), 200)

	e.want(e.do("DELETE", "/customers", nil), 204) // no id:in: nothing deleted
	e.want(e.do("DELETE", "/customers?id:in=", nil), 204)
	if n, _, _, _ := e.srv.Counts(); n != 2 {
		t.Fatalf("DELETE without id:in deleted: %d left", n)
	}
	e.wantError(e.do("DELETE", "/customers?id:in=abc", nil), 422)
	e.wantError(e.do("DELETE", "/customers?email:in=a@example.com", nil), 422)
	e.want(e.do("DELETE", fmt.Sprintf("/customers?id:in=%d,999", ids[0]), nil), 204)
	c, a, v, f := e.srv.Counts()
	if c != 1 || a != 0 || v != 0 || f != 0 {
		t.Fatalf("cascade: customers %d addresses %d values %d forms %d", c, a, v, f)
	}
	// The email is free again.
	e.createCustomers(cust("A@example.com", "A", "A"))
}

// A body over maxBody is answered 413 and writes nothing, whether the
// client announced its length or streamed it; a large body under the limit
// is accepted (the document bounds no notes length).
func TestRequestBodyLimit(t *testing.T) {
	e := newEnv(t, Options{})
	big := merge(cust("big@example.com", "A", "B"), map[string]any{"notes": strings.Repeat("n", maxBody)})
	r := e.do("POST", "/customers", []map[string]any{big})
	e.wantError(r, 413)
	if r.body["title"] != "The request payload is too large." {
		t.Errorf("413 title %q", r.body["title"])
	}
	b, _ := json.Marshal([]map[string]any{big})
	chunked := e.do("POST", "/customers", io.MultiReader(bytes.NewReader(b))) // no Content-Length
	e.wantError(chunked, 413)
	if n, _, _, _ := e.srv.Counts(); n != 0 {
		t.Fatalf("413 wrote %d customers", n)
	}
	ok := merge(cust("ok@example.com", "A", "B"), map[string]any{"notes": strings.Repeat("n", maxBody-200)})
	e.want(e.do("POST", "/customers", []map[string]any{ok}), 200)
}
