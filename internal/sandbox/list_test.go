package sandbox

import (
	"fmt"
	"net/url"
	"sort"
	"testing"
	"time"
)

func ids(r resp) []int64 {
	var out []int64
	for _, d := range r.data() {
		out = append(out, num(d.(map[string]any)["id"]))
	}
	return out
}

// Pagination links are sent with Shapes "documented" (recorded answers
// have none: TestRecordedCustomerObject).
func TestPagination(t *testing.T) {
	e := newEnv(t, Options{Shapes: ShapesDocumented})
	e.srv.Generate(120, 7)
	r := e.do("GET", "/customers", nil)
	e.want(r, 200)
	p := r.meta()["pagination"].(map[string]any)
	if len(r.data()) != 50 || num(p["per_page"]) != 50 || num(p["total"]) != 120 || num(p["total_pages"]) != 3 || num(p["current_page"]) != 1 || num(p["count"]) != 50 {
		t.Fatalf("default page: %v", p)
	}
	links := p["links"].(map[string]any)
	if links["current"] != "?page=1&limit=50" || links["next"] != "?page=2&limit=50" || links["previous"] != nil {
		t.Errorf("links %v", links)
	}
	if r.meta()["cursor_pagination"] == nil {
		t.Errorf("first page lacks cursor_pagination")
	}
	r = e.do("GET", "/customers?page=3&limit=50", nil)
	p = r.meta()["pagination"].(map[string]any)
	links = p["links"].(map[string]any)
	if len(r.data()) != 20 || links["previous"] != "?page=2&limit=50" || links["next"] != nil {
		t.Errorf("last page: %v", p)
	}
	if r.meta()["cursor_pagination"] != nil {
		t.Errorf("page 3 has cursor_pagination (document: only pagination when page > 1)")
	}
	e.want(e.do("GET", "/customers?limit=250", nil), 200)
	errs := e.wantError(e.do("GET", "/customers?limit=251", nil), 413)
	if errs["limit"] == nil {
		t.Errorf("413 errors %v", errs)
	}
	for _, q := range []string{"limit=0", "limit=abc", "limit=2.5", "page=0", "page=x", "after=%%%", "after=bm9wZQ", "sort=email:asc", "include=orders", "bogus=1"} {
		e.wantError(e.do("GET", "/customers?"+q, nil), 422)
	}
	// Page size applies to every list endpoint.
	for _, path := range []string{"/customers/addresses", "/customers/attributes", "/customers/attribute-values", "/customers/form-field-values"} {
		e.wantError(e.do("GET", path+"?limit=251", nil), 413)
		r := e.do("GET", path+"?limit=3", nil)
		e.want(r, 200)
		if num(r.meta()["pagination"].(map[string]any)["per_page"]) != 3 {
			t.Errorf("%s per_page", path)
		}
	}
}

// walk pages forward with after= and returns every id.
func walk(e *env, query string, limit int) []int64 {
	var all []int64
	r := e.do("GET", fmt.Sprintf("/customers?limit=%d%s", limit, query), nil)
	e.want(r, 200)
	all = append(all, ids(r)...)
	for {
		cp := r.meta()["cursor_pagination"].(map[string]any)
		if cp["links"].(map[string]any)["next"] == nil {
			return all
		}
		r = e.do("GET", fmt.Sprintf("/customers?limit=%d%s&after=%s", limit, query, url.QueryEscape(cp["end_cursor"].(string))), nil)
		e.want(r, 200)
		if r.meta()["pagination"] != nil {
			e.t.Fatalf("cursor page has pagination")
		}
		all = append(all, ids(r)...)
	}
}

func TestCursorPaginationStable(t *testing.T) {
	e := newEnv(t, Options{})
	e.srv.Generate(100, 3)
	first := e.do("GET", "/customers?limit=10", nil)
	end := first.meta()["cursor_pagination"].(map[string]any)["end_cursor"].(string)
	// Delete customers before and at the cursor, insert new ones: the next
	// page must continue right after id 10.
	e.srv.DeleteCustomers([]int64{2, 10, 11})
	e.createCustomers(cust("new@example.com", "N", "Ew"))
	r := e.do("GET", "/customers?limit=5&page=4&after="+url.QueryEscape(end), nil) // page is ignored
	got := ids(r)
	if fmt.Sprint(got) != "[12 13 14 15 16]" {
		t.Fatalf("after cursor: %v", got)
	}
	cp := r.meta()["cursor_pagination"].(map[string]any)
	if cp["links"].(map[string]any)["previous"] == nil || num(cp["count"]) != 5 || num(cp["per_page"]) != 5 {
		t.Errorf("cursor meta %v", cp)
	}
	// before= returns the page preceding the cursor, in order.
	r = e.do("GET", "/customers?limit=3&before="+url.QueryEscape(cp["start_cursor"].(string)), nil)
	if fmt.Sprint(ids(r)) != "[7 8 9]" {
		t.Fatalf("before: %v", ids(r))
	}
	// A full walk sees every customer once, in every sort order.
	for _, s := range []string{"", "&sort=date_created:desc", "&sort=date_modified:asc", "&sort=last_name:desc", "&id:in=5,1,99,7"} {
		all := walk(e, s, 7)
		seen := map[int64]bool{}
		for _, id := range all {
			if seen[id] {
				t.Fatalf("%s: id %d twice", s, id)
			}
			seen[id] = true
		}
		want := 98
		if s == "&id:in=5,1,99,7" {
			want = 4
		}
		if len(all) != want {
			t.Fatalf("%s: %d customers, want %d", s, len(all), want)
		}
	}
	// A cursor of one sort cannot be used with another.
	e.wantError(e.do("GET", "/customers?sort=last_name:asc&after="+url.QueryEscape(end), nil), 422)
}

func TestSort(t *testing.T) {
	e := newEnv(t, Options{})
	e.srv.Generate(60, 11)
	r := e.do("GET", "/customers?limit=250&sort=date_created:desc", nil)
	var prev string
	for i, d := range r.data() {
		dc := d.(map[string]any)["date_created"].(string)
		if i > 0 && dc > prev {
			t.Fatalf("not descending: %s after %s", dc, prev)
		}
		prev = dc
	}
	r = e.do("GET", "/customers?limit=250&sort=last_name:asc", nil)
	var names []string
	for _, d := range r.data() {
		names = append(names, d.(map[string]any)["last_name"].(string))
	}
	if !sort.StringsAreSorted(names) {
		t.Fatalf("last_name not sorted: %v", names)
	}
	r = e.do("GET", "/customers?limit=250", nil)
	if got := ids(r); !sort.SliceIsSorted(got, func(i, j int) bool { return got[i] < got[j] }) {
		t.Fatalf("default order not by id")
	}
}

// TestCustomerFilters runs with the earlier readings: inclusive date
// bounds and every bad parameter named in errors (the defaults are in
// recorded_test.go).
func TestCustomerFilters(t *testing.T) {
	e := newEnv(t, Options{DateBounds: DateBoundsInclusive, ErrorKeys: ErrorKeysBracketed})
	mk := func(email, first, last, company string, group int, at time.Time) int64 {
		id, err := e.srv.CreateCustomerDirect(CustomerFields{Email: email, FirstName: first, LastName: last, Company: company, CustomerGroupID: int64(group), DateCreated: at})
		if err != nil {
			t.Fatal(err)
		}
		return id
	}
	d := func(s string) time.Time { t, _ := time.Parse(time.RFC3339, s); return t }
	a := mk("Sherlock@Example.com", "Sherlock", "Holmes", "Baker", 1, d("2024-05-13T23:59:59Z"))
	b := mk("james@example.com", "James", "Moriarty", "Crime Inc", 2, d("2024-05-14T09:34:00Z"))
	c := mk("mary@example.com", "Mary", "Watson", "", 0, d("2024-05-15T00:00:00Z"))
	e.srv.ModifyCustomers([]int64{c}, func(f *CustomerFields) { f.DateModified = d("2025-01-01T00:00:00Z") })
	cases := map[string][]int64{
		"id:in=" + fmt.Sprint(c, ",", a):                          {a, c},
		"email:in=sherlock@example.COM,nobody@x.y":                {a},
		"name:in=james+moriarty":                                  {b},
		"name:like=MORI,wats":                                     {b, c},
		"company:in=crime+inc,baker":                              {a, b},
		"customer_group_id:in=0,2":                                {b, c},
		"date_created=2024-05-14":                                 {b},
		"date_created=2024-05-14T09:34:00":                        {b},
		"date_created:min=2024-05-14T09:34:00Z":                   {b, c}, // inclusive
		"date_created:max=1715679240":                             {a, b}, // unix seconds, inclusive
		"date_created:min=2024-05-14&date_created:max=2024-05-15": {b, c},
		"date_modified:min=2024-12-31":                            {c},
		"date_modified:max=2024-06-01&name:like=o":                {a, b},
	}
	for q, want := range cases {
		r := e.do("GET", "/customers?"+q, nil)
		e.want(r, 200)
		if fmt.Sprint(ids(r)) != fmt.Sprint(want) {
			t.Errorf("%s: got %v want %v", q, ids(r), want)
		}
		if num(r.meta()["pagination"].(map[string]any)["total"]) != int64(len(want)) {
			t.Errorf("%s: total %v", q, r.meta()["pagination"])
		}
	}
	for _, q := range []string{"id:in=abc", "id:in=1,,x", "id:in=", "date_created=yesterday", "date_modified:min=2024-13-01", "customer_group_id:in=-1", "email=a@b.c", "name:in="} {
		errs := e.wantError(e.do("GET", "/customers?"+q, nil), 422)
		if len(errs) == 0 {
			t.Errorf("%s: no errors named", q)
		}
	}
}

func TestIncludeCaps(t *testing.T) {
	e := newEnv(t, Options{SendCounts: true})
	id := e.createCustomers(cust("many@example.com", "M", "Any"))[0]
	var defs, vals []any
	for i := 0; i < 12; i++ {
		defs = append(defs, map[string]any{"name": fmt.Sprint("attr", i), "type": "string"})
	}
	e.want(e.do("POST", "/customers/attributes", defs[:10]), 200)
	e.want(e.do("POST", "/customers/attributes", defs[10:]), 200)
	for i := 1; i <= 12; i++ {
		vals = append(vals, map[string]any{"customer_id": id, "attribute_id": i, "value": fmt.Sprint("v", i)})
	}
	e.want(e.do("PUT", "/customers/attribute-values", vals[:10]), 200)
	e.want(e.do("PUT", "/customers/attribute-values", vals[10:]), 200)
	for i := 0; i < 12; i++ {
		e.want(e.do("POST", "/customers/addresses", []any{usAddress(map[string]any{"customer_id": id, "address1": fmt.Sprint(i, " Main St"),
			"form_fields": []any{map[string]any{"name": "gate", "value": i}}})}), 200)
	}
	e.want(e.do("PUT", "/customers", []any{map[string]any{"id": id, "form_fields": []any{map[string]any{"name": "color", "value": "blue"}}}}), 200)

	r := e.do("GET", "/customers?include=addresses,attributes,formfields", nil)
	c := obj0(r)
	if n := len(c["addresses"].([]any)); n != 10 || num(c["address_count"]) != 12 {
		t.Errorf("addresses embedded %d, count %v", n, c["address_count"])
	}
	if n := len(c["attributes"].([]any)); n != 10 || num(c["attribute_count"]) != 12 {
		t.Errorf("attributes embedded %d, count %v", n, c["attribute_count"])
	}
	ff := c["form_fields"].([]any)[0].(map[string]any)
	if ff["customer_id"] == nil || ff["name"] != "color" {
		t.Errorf("customer form fields %v", ff)
	}
	af := c["addresses"].([]any)[0].(map[string]any)["form_fields"].([]any)[0].(map[string]any)
	if af["address_id"] == nil || af["name"] != "gate" {
		t.Errorf("address form fields %v", af)
	}
	// Without include nothing is embedded (store_credit_amounts, recorded
	// on every customer object, aside).
	c = obj0(e.do("GET", "/customers", nil))
	for _, k := range []string{"addresses", "attributes", "form_fields"} {
		if _, ok := c[k]; ok {
			t.Errorf("%s embedded without include", k)
		}
	}
	// Addresses without formfields carry none.
	c = obj0(e.do("GET", "/customers?include=addresses", nil))
	if _, ok := c["addresses"].([]any)[0].(map[string]any)["form_fields"]; ok {
		t.Errorf("address form_fields without include=formfields")
	}
}
