package sandbox

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"
)

// The default sandbox answers as recorded answers of the real API do
// (shared/guide/bigcommerce-facts.md (h)). Each test here uses the default
// Options; options_test.go checks the other value of each option.

// wantBody checks an error's title and its whole errors map.
func (e *env) wantBody(r resp, status int, title string, errs map[string]string) {
	e.t.Helper()
	e.wantError(r, status)
	if r.body["title"] != title {
		e.t.Errorf("title %q, want %q", r.body["title"], title)
	}
	got := map[string]string{}
	for k, v := range r.errs() {
		got[k], _ = v.(string)
	}
	if fmt.Sprint(got) != fmt.Sprint(errs) {
		e.t.Errorf("errors %v, want %v", got, errs)
	}
}

func TestRecordedDuplicateEmailFailsTheWholeBatch(t *testing.T) {
	e := newEnv(t, Options{})
	e.createCustomers(cust("old@example.com", "O", "Ld"))
	// bulk_create/422.json: one error keyed .customer_create naming the
	// email, no item index; nothing of the batch is written.
	items := []any{cust("a@example.com", "A", "A"), cust("OLD@example.com", "D", "D"), cust("c@example.com", "C", "C")}
	e.wantBody(e.do("POST", "/customers", items), 422, "Create customers failed.",
		map[string]string{".customer_create": "Error creating customers: email OLD@example.com already in use"})
	// Two items of one request with the same email (in another case): the
	// second is the one already in use once the first is created.
	items = []any{cust("b@example.com", "B", "B"), cust("dup@example.com", "A", "A"), cust("Dup@Example.com", "E", "E")}
	e.wantBody(e.do("POST", "/customers", items), 422, "Create customers failed.",
		map[string]string{".customer_create": "Error creating customers: email Dup@Example.com already in use"})
	if n, _, _, _ := e.srv.Counts(); n != 1 {
		t.Fatalf("failed batches wrote customers: %d in the store", n)
	}
	// A batch with invalid items is refused for those first: the duplicate
	// is found only when the customers are created.
	items = []any{cust("OLD@example.com", "A", "A"), cust("not-an-email", "B", "B")}
	errs := e.wantError(e.do("POST", "/customers", items), 422)
	if _, ok := errs["1.email"]; !ok || len(errs) != 1 {
		t.Errorf("validation before creation: errors %v", errs)
	}
}

func TestRecordedErrorKeysHaveNoBrackets(t *testing.T) {
	e := newEnv(t, Options{})
	e.want(e.do("POST", "/customers/attributes", []any{map[string]any{"name": "Size", "type": "number"}}), 200)
	items := []any{
		merge(cust("a@example.com", "A", "A"), map[string]any{"attributes": []any{map[string]any{"attribute_id": 1, "attribute_value": "big"}}}),
		merge(cust("b@example.com", "B", "B"), map[string]any{"addresses": []any{usAddress(nil), usAddress(map[string]any{"state_or_province": "CA"})}}),
		merge(cust("c@example.com", "C", "C"), map[string]any{"form_fields": []any{map[string]any{"name": "n", "value": nil}}}),
		cust("not-an-email", "D", "D"),
		merge(cust("e@example.com", "E", "E"), map[string]any{"addresses": []any{usAddress(map[string]any{
			"form_fields": []any{map[string]any{"name": "gate", "value": true}}})}}),
		merge(cust("f@example.com", "F", "F"), map[string]any{"store_credit_amounts": []any{map[string]any{"amount": -1}}}),
	}
	errs := e.wantError(e.do("POST", "/customers", items), 422)
	for _, k := range []string{"0.attributes.0.attribute_value", "1.addresses.1.state_or_province", "2.form_fields.0.value",
		"3.email", "4.addresses.0.form_fields.0.value", "5.store_credit_amounts.0.amount"} {
		if _, ok := errs[k]; !ok {
			t.Errorf("errors lack %q: %v", k, errs)
		}
	}
	if len(errs) != 6 {
		t.Errorf("errors %v, want 6", errs)
	}
	cid := e.createCustomers(cust("ok@example.com", "O", "K"))[0]
	// The addresses, attribute-values and form-field-values endpoints'
	// items likewise.
	errs = e.wantError(e.do("POST", "/customers/addresses", []any{usAddress(map[string]any{"customer_id": cid}),
		usAddress(map[string]any{"customer_id": cid, "city": nil})}), 422)
	if _, ok := errs["1.city"]; !ok || len(errs) != 1 {
		t.Errorf("addresses: errors %v", errs)
	}
	errs = e.wantError(e.do("PUT", "/customers/addresses", []any{map[string]any{"id": 999, "city": "Dallas"}}), 422)
	if _, ok := errs["0.id"]; !ok || len(errs) != 1 {
		t.Errorf("address PUT: errors %v", errs)
	}
	errs = e.wantError(e.do("PUT", "/customers/attribute-values", []any{map[string]any{"customer_id": cid, "attribute_id": 1, "value": "5"},
		map[string]any{"customer_id": cid, "attribute_id": 1, "value": "six"}}), 422)
	if _, ok := errs["1.value"]; !ok {
		t.Errorf("attribute values: errors %v", errs)
	}
	errs = e.wantError(e.do("PUT", "/customers/form-field-values", []any{map[string]any{"customer_id": 999, "name": "n", "value": "v"}}), 422)
	if _, ok := errs["0.customer_id"]; !ok || len(errs) != 1 {
		t.Errorf("form field values: errors %v", errs)
	}
	for k := range errs {
		if strings.ContainsAny(k, "[]") {
			t.Errorf("bracketed key %q", k)
		}
	}
}

func TestRecordedPutCustomersErrors(t *testing.T) {
	e := newEnv(t, Options{})
	ids := e.createCustomers(cust("a@example.com", "A", "A"))
	// bulk_update/422.json
	e.wantBody(e.do("PUT", "/customers", []any{map[string]any{"id": 999, "company": "x"}}), 422, "Update customers failed.",
		map[string]string{"0.id": "invalid customer ID"})
	e.wantBody(e.do("PUT", "/customers", []any{map[string]any{"id": ids[0], "company": "x"}, map[string]any{"id": 998, "company": "x"}}), 422,
		"Update customers failed.", map[string]string{"1.id": "invalid customer ID"})
	// bulk_update/invalid_params_422.json: the path, not the item.
	for _, body := range [][]any{
		{map[string]any{"company": "x"}},
		{map[string]any{"id": ids[0], "company": "x"}, map[string]any{"company": "y"}},
	} {
		e.wantBody(e.do("PUT", "/customers", body), 422, "JSON data is missing or invalid", map[string]string{"id": "error.path.missing"})
	}
	if c, _ := e.srv.Customer(ids[0]); c.Company != "" {
		t.Fatalf("a refused PUT wrote: %+v", c)
	}
}

func TestRecordedQueryErrors(t *testing.T) {
	e := newEnv(t, Options{})
	// get_customers_url_error_case422.json, retrieve/bad_params_422.json:
	// the title says it all, errors is empty.
	e.wantBody(e.do("GET", "/customers?foo=1", nil), 422, "The filter(s): foo are not valid filter parameter(s).", map[string]string{})
	e.wantBody(e.do("GET", "/customers?foo=1&bar=2&limit=5", nil), 422, "The filter(s): bar, foo are not valid filter parameter(s).", map[string]string{})
	e.wantBody(e.do("GET", "/customers?id:in=hello", nil), 422,
		`Query parameter "id:in" value may contain only integer values. For input string: "hello".`, map[string]string{})
	e.wantBody(e.do("GET", "/customers?id:in=1,2,x3", nil), 422,
		`Query parameter "id:in" value may contain only integer values. For input string: "x3".`, map[string]string{})
	e.wantBody(e.do("GET", "/customers/addresses?customer_id:in=1.5", nil), 422,
		`Query parameter "customer_id:in" value may contain only integer values. For input string: "1.5".`, map[string]string{})
	e.wantBody(e.do("GET", "/customers/attribute-values?email:in=a@b.c", nil), 422,
		"The filter(s): email:in are not valid filter parameter(s).", map[string]string{})
	e.wantBody(e.do("DELETE", "/customers?id:in=abc", nil), 422,
		`Query parameter "id:in" value may contain only integer values. For input string: "abc".`, map[string]string{})
}

func TestRecordedCustomerObject(t *testing.T) {
	e := newEnv(t, Options{})
	post := e.do("POST", "/customers", []any{
		merge(cust("a@example.com", "A", "A"), map[string]any{"addresses": []any{usAddress(nil)}}),
		merge(cust("b@example.com", "B", "B"), map[string]any{"channel_ids": []int{1, 2}, "store_credit_amounts": []any{map[string]any{"amount": 5.5}}}),
	})
	e.want(post, 200)
	check := func(what string, raw json.RawMessage) {
		t.Helper()
		var c map[string]json.RawMessage
		if err := json.Unmarshal(raw, &c); err != nil {
			t.Fatal(err)
		}
		email := string(c["email"])
		want := map[string]string{"customer_group_id": "0", "origin_channel_id": "1",
			"channel_ids": "null", "store_credit_amounts": `[{"amount":0}]`}
		if email == `"b@example.com"` {
			want["channel_ids"], want["store_credit_amounts"] = "[1,2]", `[{"amount":5.5}]`
		}
		for k, v := range want {
			if got, ok := c[k]; !ok || string(got) != v {
				t.Errorf("%s %s: %s = %s (sent: %v), want %s", what, email, k, got, ok, v)
			}
		}
		for _, k := range []string{"address_count", "attribute_count"} {
			if _, ok := c[k]; ok {
				t.Errorf("%s %s: %s sent", what, email, k)
			}
		}
	}
	data := func(r resp) []json.RawMessage {
		var b struct{ Data []json.RawMessage }
		if err := json.Unmarshal(r.raw, &b); err != nil || len(b.Data) == 0 {
			t.Fatalf("%v: %s", err, r.raw)
		}
		return b.Data
	}
	for _, c := range data(post) {
		check("POST answer", c)
	}
	for _, q := range []string{"", "?include=addresses,attributes", "?include=storecredit,formfields"} {
		r := e.do("GET", "/customers"+q, nil)
		e.want(r, 200)
		for _, c := range data(r) {
			check("GET"+q, c)
		}
		p := r.meta()["pagination"].(map[string]any)
		if _, ok := p["links"]; ok || num(p["per_page"]) != 50 {
			t.Errorf("GET%s: pagination %v, want per_page 50 and no links", q, p)
		}
	}
	first := ids(e.do("GET", "/customers", nil))[0]
	put := e.do("PUT", "/customers", []any{map[string]any{"id": first, "notes": "n"}})
	e.want(put, 200)
	check("PUT answer", data(put)[0])
	// Every list endpoint's pagination is without links.
	for _, path := range []string{"/customers/addresses", "/customers/attributes", "/customers/attribute-values", "/customers/form-field-values"} {
		r := e.do("GET", path, nil)
		e.want(r, 200)
		if _, ok := r.meta()["pagination"].(map[string]any)["links"]; ok {
			t.Errorf("%s: pagination links sent", path)
		}
	}
}

func TestRecordedDateBoundsAreExclusive(t *testing.T) {
	e := newEnv(t, Options{}) // clock: 2026-03-01T12:00:00Z
	at := func(s string) int64 {
		tm, err := time.Parse(time.RFC3339, s)
		if err != nil {
			t.Fatal(err)
		}
		id, err := e.srv.CreateCustomerDirect(CustomerFields{Email: s + "@example.com", FirstName: "A", LastName: "B", DateCreated: tm})
		if err != nil {
			t.Fatal(err)
		}
		return id
	}
	midnight := at("2024-05-14T00:00:00Z")
	morning := at("2024-05-14T09:34:00Z")
	noon := at("2024-05-14T12:00:00Z")
	evening := at("2024-05-14T20:00:00Z")
	cases := map[string][]int64{
		"date_created:min=2024-05-14T09:34:00Z":                   {noon, evening},
		"date_created:max=2024-05-14T09:34:00":                    {midnight},
		"date_created:max=1715679240":                             {midnight},      // 09:34:00 as unix seconds
		"date_created:min=1715644800&date_created:max=1715716800": {morning, noon}, // 00:00 to 20:00
		// A date-only :min is midnight; a date-only :max takes the current
		// time of day (bigcommerce/docs#766), here 12:00:00.
		"date_created:min=2024-05-14": {morning, noon, evening},
		"date_created:max=2024-05-14": {midnight, morning},
		"date_created:max=2024-05-15": {midnight, morning, noon, evening},
		// The exact form is unchanged: a day, or a second.
		"date_created=2024-05-14":          {midnight, morning, noon, evening},
		"date_created=2024-05-14T09:34:00": {morning},
		// date_modified follows the same rules (it equals date_created here).
		"date_modified:min=2024-05-14T09:34:00Z&date_modified:max=2024-05-14T20:00:00Z": {noon},
	}
	for q, want := range cases {
		r := e.do("GET", "/customers?"+q, nil)
		e.want(r, 200)
		if fmt.Sprint(ids(r)) != fmt.Sprint(want) {
			t.Errorf("%s: got %v want %v", q, ids(r), want)
		}
	}
	// The other resources with date filters: attribute definitions and
	// attribute values (created at the clock's time).
	e.want(e.do("POST", "/customers/attributes", []any{map[string]any{"name": "Tier", "type": "string"}}), 200)
	e.want(e.do("PUT", "/customers/attribute-values", []any{map[string]any{"customer_id": morning, "attribute_id": 1, "value": "x"}}), 200)
	for _, path := range []string{"/customers/attributes", "/customers/attribute-values"} {
		for q, want := range map[string]int{
			"date_created:min=2026-03-01T12:00:00Z": 0, "date_created:max=2026-03-01T12:00:00Z": 0,
			"date_modified:min=2026-03-01T11:59:59Z": 1, "date_modified:max=2026-03-01T12:00:01Z": 1,
		} {
			r := e.do("GET", path+"?"+q, nil)
			e.want(r, 200)
			if len(r.data()) != want {
				t.Errorf("%s?%s: %d records, want %d", path, q, len(r.data()), want)
			}
		}
	}
}

// uriOf returns a /customers?email:in=… path whose request URI (the store
// prefix included) is exactly n bytes.
func (e *env) uriOf(n int) string {
	prefix := strings.TrimPrefix(e.base, e.http.URL)
	p := "/customers?email:in=a@example.com"
	for i := 0; len(prefix)+len(p) < n; i++ {
		p += fmt.Sprintf(",u%d@example.com", i)
	}
	if over := len(prefix) + len(p) - n; over > 0 {
		p = p[:len(p)-over]
	}
	return p
}

func TestRecordedLongURLsAreRefused(t *testing.T) {
	e := newEnv(t, Options{Quota: 100, Window: time.Minute})
	r := e.do("GET", e.uriOf(8192), nil)
	e.want(r, 200)
	req, _ := http.NewRequest("GET", e.base+e.uriOf(8193), nil)
	req.Header.Set("X-Auth-Token", testToken)
	res, err := e.http.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != http.StatusRequestURITooLong {
		t.Fatalf("8193-byte URI: %d %.200s", res.StatusCode, body)
	}
	// A gateway's refusal: an HTML page, no quota spent, no rate-limit headers.
	if ct := res.Header.Get("Content-Type"); ct != "text/html" || res.Header.Get("X-Rate-Limit-Requests-Left") != "" {
		t.Errorf("414 headers %v", res.Header)
	}
	r = e.do("GET", "/customers", nil)
	if r.header.Get("X-Rate-Limit-Requests-Left") != "98" {
		t.Errorf("the 414 counted against the quota: left %s", r.header.Get("X-Rate-Limit-Requests-Left"))
	}
	// Any endpoint, any method.
	req, _ = http.NewRequest("DELETE", e.base+strings.Replace(e.uriOf(9000), "email:in", "id:in", 1), nil)
	req.Header.Set("X-Auth-Token", testToken)
	if res, err = e.http.Client().Do(req); err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusRequestURITooLong {
		t.Errorf("DELETE with a long id:in: %d", res.StatusCode)
	}
}

// The document deprecates PUT /customers/form-field-values in favour of
// PUT /customers and PUT /customers/addresses, which carry form_fields.
func TestFormFieldsThroughCustomerAndAddressPUT(t *testing.T) {
	e := newEnv(t, Options{})
	cid := e.createCustomers(merge(cust("a@example.com", "A", "A"), map[string]any{
		"form_fields": []any{map[string]any{"name": "color", "value": "blue"}},
		"addresses":   []any{usAddress(nil)}}))[0]
	aid := num(obj0(e.do("GET", fmt.Sprintf("/customers/addresses?customer_id:in=%d", cid), nil))["id"])
	r := e.do("PUT", "/customers", []any{map[string]any{"id": cid, "form_fields": []any{
		map[string]any{"name": "color", "value": "red"}, map[string]any{"name": "points", "value": json.Number("12345678901234567890")}}}})
	e.want(r, 200)
	r = e.do("PUT", "/customers/addresses", []any{map[string]any{"id": aid, "form_fields": []any{
		map[string]any{"name": "gate", "value": []string{"a", "b"}}}}})
	e.want(r, 200)
	if len(r.data()) != 1 || !strings.Contains(string(r.raw), `"form_fields":[{"name":"gate","value":["a","b"],"address_id":`) {
		t.Errorf("address PUT answer: %s", r.raw)
	}
	r = e.do("GET", fmt.Sprintf("/customers/form-field-values?customer_id=%d", cid), nil)
	e.want(r, 200)
	got := map[string]string{}
	for _, d := range r.data() {
		m := d.(map[string]any)
		b, _ := json.Marshal(m["value"])
		got[m["name"].(string)] = string(b)
	}
	if fmt.Sprint(got) != `map[color:"red" gate:["a","b"] points:12345678901234567890]` {
		t.Errorf("form field values after the PUTs: %v", got)
	}
	// Bad form fields are refused on both, keyed to the field.
	errs := e.wantError(e.do("PUT", "/customers", []any{map[string]any{"id": cid, "form_fields": []any{map[string]any{"name": "x", "value": map[string]any{}}}}}), 422)
	if _, ok := errs["0.form_fields.0.value"]; !ok {
		t.Errorf("customer PUT: errors %v", errs)
	}
	errs = e.wantError(e.do("PUT", "/customers/addresses", []any{map[string]any{"id": aid, "form_fields": []any{map[string]any{"value": "v"}}}}), 422)
	if _, ok := errs["0.form_fields.0.name"]; !ok {
		t.Errorf("address PUT: errors %v", errs)
	}
	// The deprecated endpoint still works.
	e.want(e.do("PUT", "/customers/form-field-values", []any{map[string]any{"customer_id": cid, "name": "color", "value": "green"}}), 200)
}
