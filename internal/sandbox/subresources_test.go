package sandbox

import (
	"fmt"
	"strings"
	"testing"
)

func TestAddresses(t *testing.T) {
	e := newEnv(t, Options{})
	cid := e.createCustomers(cust("a@example.com", "A", "A"))[0]
	base := usAddress(map[string]any{"customer_id": cid})

	// Required fields of address_Post.
	for _, k := range []string{"customer_id", "first_name", "last_name", "address1", "city", "country_code", "state_or_province", "postal_code"} {
		a := merge(base, map[string]any{k: nil})
		errs := e.wantError(e.do("POST", "/customers/addresses", []any{a}), 422)
		if errs["0."+k] == nil {
			t.Errorf("missing %s: errors %v", k, errs)
		}
	}
	errs := e.wantError(e.do("POST", "/customers/addresses", []any{merge(base, map[string]any{"customer_id": 999})}), 422)
	if errs["0.customer_id"] == nil {
		t.Errorf("unknown customer: %v", errs)
	}
	e.wantError(e.do("POST", "/customers/addresses", []any{merge(base, map[string]any{"state_or_province": "TX"})}), 422)
	e.wantError(e.do("POST", "/customers/addresses", []any{merge(base, map[string]any{"city": strings.Repeat("c", 101)})}), 422)
	e.wantError(e.do("POST", "/customers/addresses", repeat(base, 11)), 413)
	// A country without states takes an empty state.
	e.want(e.do("POST", "/customers/addresses", []any{merge(base, map[string]any{"country_code": "HK", "state_or_province": "", "postal_code": ""})}), 200)

	// Dedupe: the second identical item of a batch, and a re-POST, are
	// absent from data and change nothing.
	near := merge(base, map[string]any{"address1": "1 main st"}) // differs only in case: a new address
	r := e.do("POST", "/customers/addresses", []any{base, base, near})
	e.want(r, 200)
	if len(r.data()) != 2 {
		t.Fatalf("batch with a duplicate: %s", r.raw)
	}
	first := num(obj0(r)["id"])
	r = e.do("POST", "/customers/addresses", []any{merge(base, map[string]any{"form_fields": []any{map[string]any{"name": "g", "value": 1}}})})
	e.want(r, 200)
	if len(r.data()) != 0 {
		t.Fatalf("re-POST returned %s", r.raw)
	}
	if _, n, _, f := e.srv.Counts(); n != 3 || f != 0 {
		t.Fatalf("addresses %d forms %d", n, f)
	}
	spaced := merge(base, map[string]any{"address1": "1 Main St "})
	e.want(e.do("POST", "/customers/addresses", []any{spaced}), 200)
	if _, n, _, _ := e.srv.Counts(); n != 4 {
		t.Fatalf("trailing space must make a new address (exact comparison): %d", n)
	}

	// PUT: id required and existing; making it identical to another is a
	// silent no-op.
	e.wantError(e.do("PUT", "/customers/addresses", []any{map[string]any{"city": "Dallas"}}), 422)
	e.wantError(e.do("PUT", "/customers/addresses", []any{map[string]any{"id": 999, "city": "Dallas"}}), 422)
	e.wantError(e.do("PUT", "/customers/addresses", []any{map[string]any{"id": first, "customer_id": 5}}), 422)
	r = e.do("PUT", "/customers/addresses", []any{map[string]any{"id": first, "city": "Dallas", "form_fields": []any{map[string]any{"name": "g", "value": "x"}}}})
	e.want(r, 200)
	if obj0(r)["city"] != "Dallas" || obj0(r)["state_or_province"] != "Texas" {
		t.Fatalf("PUT: %s", r.raw)
	}
	r = e.do("PUT", "/customers/addresses", []any{map[string]any{"id": first, "address1": "1 main st", "city": "Austin"}})
	e.want(r, 200)
	if len(r.data()) != 0 {
		t.Fatalf("PUT into a duplicate returned %s", r.raw)
	}
	r = e.do("GET", fmt.Sprintf("/customers/addresses?id:in=%d&include=formfields", first), nil)
	if a := obj0(r); a["city"] != "Dallas" || a["form_fields"].([]any)[0].(map[string]any)["value"] != "x" {
		t.Fatalf("address changed by a no-op PUT: %s", r.raw)
	}

	// Filters.
	r = e.do("GET", fmt.Sprintf("/customers/addresses?customer_id:in=%d&name:in=jane+doe&company:in=", cid), nil)
	e.wantError(r, 422)
	r = e.do("GET", fmt.Sprintf("/customers/addresses?customer_id:in=%d&name:in=jane+doe", cid), nil)
	if len(r.data()) != 4 {
		t.Fatalf("filter: %s", r.raw)
	}
	e.want(e.do("DELETE", fmt.Sprintf("/customers/addresses?id:in=%d", first), nil), 204)
	e.want(e.do("DELETE", "/customers/addresses", nil), 204)
	if _, n, _, _ := e.srv.Counts(); n != 3 {
		t.Fatalf("after delete: %d", n)
	}
}

func TestAttributes(t *testing.T) {
	e := newEnv(t, Options{})
	r := e.do("POST", "/customers/attributes", []any{map[string]any{"name": "Age", "type": "number"}, map[string]any{"name": "Joined", "type": "date"}})
	e.want(r, 200)
	e.wantError(e.do("POST", "/customers/attributes", []any{map[string]any{"name": "age", "type": "string"}}), 422)       // name taken
	e.wantError(e.do("POST", "/customers/attributes", []any{map[string]any{"name": "X", "type": "boolean"}}), 422)        // bad type
	e.wantError(e.do("POST", "/customers/attributes", []any{map[string]any{"name": "", "type": "string"}}), 422)          // empty name
	e.wantError(e.do("PUT", "/customers/attributes", []any{map[string]any{"id": 1, "name": "A", "type": "string"}}), 422) // type immutable
	r = e.do("PUT", "/customers/attributes", []any{map[string]any{"id": 1, "name": "Age in years", "type": "number"}})
	e.want(r, 200)
	if obj0(r)["name"] != "Age in years" || obj0(r)["type"] != "number" {
		t.Fatalf("PUT: %s", r.raw)
	}
	// At most 50 per store.
	for have := 2; have < 49; {
		var batch []any
		for ; len(batch) < 10 && have < 49; have++ {
			batch = append(batch, map[string]any{"name": fmt.Sprint("a", have), "type": "string"})
		}
		e.want(e.do("POST", "/customers/attributes", batch), 200)
	}
	r = e.do("POST", "/customers/attributes", []any{map[string]any{"name": "one more", "type": "string"}, map[string]any{"name": "two more", "type": "string"}})
	e.wantError(r, 422)
	e.want(e.do("POST", "/customers/attributes", []any{map[string]any{"name": "the 50th", "type": "string"}}), 200)
	e.wantError(e.do("POST", "/customers/attributes", []any{map[string]any{"name": "51st", "type": "string"}}), 422)
	r = e.do("GET", "/customers/attributes?name:like=AGE&type=number", nil)
	if len(r.data()) != 1 {
		t.Fatalf("attribute filter: %s", r.raw)
	}
	e.wantError(e.do("GET", "/customers/attributes?type=bool", nil), 422)
}

func TestAttributeValues(t *testing.T) {
	e := newEnv(t, Options{})
	cid := e.createCustomers(cust("a@example.com", "A", "A"))[0]
	e.want(e.do("POST", "/customers/attributes", []any{map[string]any{"name": "Age", "type": "number"}, map[string]any{"name": "Joined", "type": "date"}, map[string]any{"name": "Tier", "type": "string"}}), 200)

	// Written as value; attribute_value is refused.
	errs := e.wantError(e.do("PUT", "/customers/attribute-values", []any{map[string]any{"customer_id": cid, "attribute_id": 1, "attribute_value": "5"}}), 422)
	if errs["0.value"] == nil || errs["0.attribute_value"] == nil {
		t.Errorf("attribute_value on write: %v", errs)
	}
	r := e.do("PUT", "/customers/attribute-values", []any{map[string]any{"customer_id": cid, "attribute_id": 1, "value": "5"}})
	e.want(r, 200)
	v := obj0(r)
	if v["attribute_value"] != "5" || v["value"] != nil {
		t.Fatalf("read back: %s", r.raw)
	}
	vid := num(v["id"])
	// Upsert on (customer_id, attribute_id): same id, new value.
	r = e.do("PUT", "/customers/attribute-values", []any{map[string]any{"customer_id": cid, "attribute_id": 1, "value": "6.5"}})
	if num(obj0(r)["id"]) != vid || obj0(r)["attribute_value"] != "6.5" {
		t.Fatalf("upsert: %s", r.raw)
	}
	for _, bad := range []map[string]any{
		{"customer_id": cid, "attribute_id": 1, "value": "six"},
		{"customer_id": cid, "attribute_id": 2, "value": "2024-13-45"},
		{"customer_id": cid, "attribute_id": 9, "value": "x"},
		{"customer_id": 999, "attribute_id": 3, "value": "x"},
		{"customer_id": cid, "attribute_id": 3, "value": 5},
		{"customer_id": cid, "attribute_id": 3, "value": strings.Repeat("v", 256)},
		{"customer_id": cid, "attribute_id": 3, "value": "x", "id": vid},
	} {
		e.wantError(e.do("PUT", "/customers/attribute-values", []any{bad}), 422)
	}
	e.wantError(e.do("PUT", "/customers/attribute-values", repeat(map[string]any{"customer_id": cid, "attribute_id": 3, "value": "x"}, 11)), 413)
	e.wantError(e.do("PUT", "/customers/attribute-values", repeat(map[string]any{"customer_id": cid, "attribute_id": 3, "value": "x"}, 2)), 422)
	e.want(e.do("PUT", "/customers/attribute-values", []any{map[string]any{"customer_id": cid, "attribute_id": 2, "value": "2024-02-29"}, map[string]any{"customer_id": cid, "attribute_id": 3, "value": ""}}), 200)

	r = e.do("GET", fmt.Sprintf("/customers/attribute-values?customer_id:in=%d&name=joined", cid), nil)
	if len(r.data()) != 1 || obj0(r)["attribute_value"] != "2024-02-29" {
		t.Fatalf("filter by attribute name: %s", r.raw)
	}
	r = e.do("GET", "/customers/attribute-values?attribute_id:in=1,3", nil)
	if len(r.data()) != 2 {
		t.Fatalf("attribute_id:in: %s", r.raw)
	}
	// Deleting a definition deletes its values.
	e.want(e.do("DELETE", "/customers/attributes?id:in=1", nil), 204)
	if _, _, n, _ := e.srv.Counts(); n != 2 {
		t.Fatalf("values left %d", n)
	}
	e.want(e.do("DELETE", "/customers/attribute-values?id:in=999", nil), 204)
	r = e.do("GET", "/customers?include=attributes", nil)
	if len(obj0(r)["attributes"].([]any)) != 2 {
		t.Fatalf("attributes after the definition was deleted: %s", r.raw)
	}
}

func TestFormFieldValues(t *testing.T) {
	e := newEnv(t, Options{})
	cid := e.createCustomers(merge(cust("a@example.com", "A", "A"), map[string]any{"addresses": []any{usAddress(nil)}}))[0]
	body := `[{"customer_id":` + fmt.Sprint(cid) + `,"name":"Points","value":12345678901234567890.123456789},
	          {"customer_id":` + fmt.Sprint(cid) + `,"name":"Colors","value":["red","grün"]},
	          {"address_id":1,"name":"Gate","value":"42A"}]`
	r := e.do("PUT", "/customers/form-field-values", body)
	e.want(r, 200)
	if !strings.Contains(string(r.raw), "12345678901234567890.123456789") {
		t.Fatalf("number not kept losslessly: %s", r.raw)
	}
	r = e.do("GET", "/customers/form-field-values", nil)
	if len(r.data()) != 3 || !strings.Contains(string(r.raw), `"value":12345678901234567890.123456789`) {
		t.Fatalf("list: %s", r.raw)
	}
	// Upsert by (owner, name).
	e.want(e.do("PUT", "/customers/form-field-values", []any{map[string]any{"customer_id": cid, "name": "Points", "value": 7}}), 200)
	if _, _, _, n := e.srv.Counts(); n != 3 {
		t.Fatalf("upsert created a value: %d", n)
	}
	for q, want := range map[string]int{
		"customer_id=" + fmt.Sprint(cid): 3, "address_id=1": 1, "field_name=Gate": 1,
		"field_type=numbers": 1, "field_type=checkboxes": 1, "field_type=text": 1, "field_type=date": 0,
	} {
		r := e.do("GET", "/customers/form-field-values?"+q, nil)
		e.want(r, 200)
		if len(r.data()) != want {
			t.Errorf("%s: %s", q, r.raw)
		}
	}
	e.wantError(e.do("GET", "/customers/form-field-values?field_type=color", nil), 422)
	for _, bad := range []string{
		`[{"name":"x","value":"y"}]`,
		`[{"customer_id":1,"address_id":1,"name":"x","value":"y"}]`,
		`[{"customer_id":99,"name":"x","value":"y"}]`,
		`[{"customer_id":1,"name":"x","value":null}]`,
		`[{"customer_id":1,"name":"x","value":true}]`,
		`[{"customer_id":1,"name":"","value":"y"}]`,
	} {
		e.wantError(e.do("PUT", "/customers/form-field-values", bad), 422)
	}
	// Cursor paging walks every value once.
	r = e.do("GET", "/customers/form-field-values?limit=1", nil)
	seen := 1
	for {
		cp := r.meta()["cursor_pagination"].(map[string]any)
		if cp["links"].(map[string]any)["next"] == nil {
			break
		}
		r = e.do("GET", "/customers/form-field-values?limit=1&after="+cp["end_cursor"].(string), nil)
		seen += len(r.data())
	}
	if seen != 3 {
		t.Fatalf("cursor walk saw %d", seen)
	}
}
