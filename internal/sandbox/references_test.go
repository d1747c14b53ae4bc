package sandbox

import (
	"encoding/json"
	"strings"
	"testing"
)

// at is e for another API of the store: "/v2", or "" for the store root.
func (e *env) at(api string) *env {
	cp := *e
	cp.base = strings.TrimSuffix(e.base, "/v3") + api
	return &cp
}

// A customer record names things of its store: a group, channels, form
// fields, a state of the store's geography list; a record carried from
// another store names that store's. The sandbox refuses what the store
// lacks, as BigCommerce does (bigcommerce-facts.md (h)). These tests use
// only requests an older sandbox also served, so they fail on it.

func TestCustomerGroupMustExistInTheStore(t *testing.T) {
	for _, keys := range []string{ErrorKeysRecorded, ErrorKeysBracketed} {
		e := newEnv(t, Options{ErrorKeys: keys})
		key := "0.customer_group_id"
		if keys == ErrorKeysBracketed {
			key = "[0].customer_group_id"
		}
		bad := merge(cust("a@example.com", "A", "A"), map[string]any{"customer_group_id": 7})
		errs := e.wantError(e.do("POST", "/customers", []any{bad}), 422)
		if !strings.Contains(errs[key].(string), "group 7") || len(errs) != 1 {
			t.Fatalf("%s: POST with group 7 of another store: errors %v", keys, errs)
		}
		if n, _, _, _ := e.srv.Counts(); n != 0 {
			t.Fatalf("%s: the refused customer was written", keys)
		}
		// The test hooks keep the rule too.
		if _, err := e.srv.CreateCustomerDirect(CustomerFields{Email: "h@example.com", FirstName: "H", LastName: "H", CustomerGroupID: 7}); err == nil {
			t.Fatalf("%s: CreateCustomerDirect with group 7 of another store", keys)
		}
		id := e.createCustomers(merge(cust("a@example.com", "A", "A"), map[string]any{"customer_group_id": 0}))[0]
		errs = e.wantError(e.do("PUT", "/customers", []any{map[string]any{"id": id, "customer_group_id": 7}}), 422)
		if _, ok := errs[key]; !ok {
			t.Fatalf("%s: PUT with group 7: errors %v", keys, errs)
		}
		// Once the store has the group, the same id is accepted.
		r := e.at("/v2").do("POST", "/customer_groups", map[string]any{"name": "Wholesale"})
		e.want(r, 200)
		gid := num(r.body["id"])
		r = e.do("PUT", "/customers", []any{map[string]any{"id": id, "customer_group_id": gid}})
		e.want(r, 200)
		if num(obj0(r)["customer_group_id"]) != gid {
			t.Fatalf("%s: group not set: %s", keys, r.raw)
		}
	}
}

func TestChannelsMustExistInTheStore(t *testing.T) {
	e := newEnv(t, Options{})
	for _, c := range []struct {
		extra map[string]any
		key   string
	}{
		{map[string]any{"channel_ids": []int{1, 664179}}, "0.channel_ids"},
		{map[string]any{"origin_channel_id": 664179}, "0.origin_channel_id"},
	} {
		errs := e.wantError(e.do("POST", "/customers", []any{merge(cust("c@example.com", "C", "C"), c.extra)}), 422)
		if !strings.Contains(errs[c.key].(string), "664179") {
			t.Errorf("%v: errors %v", c.extra, errs)
		}
	}
	// Channel 1 exists in every store.
	id := e.createCustomers(merge(cust("c@example.com", "C", "C"), map[string]any{"channel_ids": []int{1}, "origin_channel_id": 1}))[0]
	errs := e.wantError(e.do("PUT", "/customers", []any{map[string]any{"id": id, "channel_ids": []int{1, 99}}}), 422)
	if _, ok := errs["0.channel_ids"]; !ok {
		t.Fatalf("PUT with channel 99: errors %v", errs)
	}
}

func TestFormFieldNamesMustBeDefinedInTheStoreForms(t *testing.T) {
	e := newEnv(t, Options{})
	shoe := []any{map[string]any{"name": "Shoe Size", "value": "42"}}
	errs := e.wantError(e.do("POST", "/customers", []any{merge(cust("f@example.com", "F", "F"), map[string]any{
		"form_fields": shoe, "addresses": []any{usAddress(map[string]any{"form_fields": shoe})}})}), 422)
	for _, k := range []string{"0.form_fields.0.name", "0.addresses.0.form_fields.0.name"} {
		if !strings.Contains(errs[k].(string), `"Shoe Size"`) {
			t.Errorf("errors lack %s: %v", k, errs)
		}
	}
	id := e.createCustomers(merge(cust("f@example.com", "F", "F"), map[string]any{"addresses": []any{usAddress(nil)}}))[0]
	errs = e.wantError(e.do("PUT", "/customers", []any{map[string]any{"id": id, "form_fields": shoe}}), 422)
	if _, ok := errs["0.form_fields.0.name"]; !ok {
		t.Errorf("PUT /customers: errors %v", errs)
	}
	errs = e.wantError(e.do("POST", "/customers/addresses", []any{usAddress(map[string]any{"customer_id": id, "address1": "2 Main St", "form_fields": shoe})}), 422)
	if _, ok := errs["0.form_fields.0.name"]; !ok {
		t.Errorf("POST /customers/addresses: errors %v", errs)
	}
	errs = e.wantError(e.do("PUT", "/customers/form-field-values", []any{map[string]any{"customer_id": id, "name": "Shoe Size", "value": "42"}}), 422)
	if _, ok := errs["0.name"]; !ok {
		t.Errorf("PUT /customers/form-field-values: errors %v", errs)
	}
	// Names compare exactly, and a sign-up field is not an address field.
	errs = e.wantError(e.do("PUT", "/customers/form-field-values", []any{
		map[string]any{"customer_id": id, "name": "Color", "value": "red"},
		map[string]any{"address_id": 1, "name": "color", "value": "red"}}), 422)
	if _, ok := errs["0.name"]; !ok || len(errs) != 2 {
		t.Errorf("exact names, separate forms: errors %v", errs)
	}
	e.want(e.do("PUT", "/customers/form-field-values", []any{map[string]any{"customer_id": id, "name": "color", "value": "red"}}), 200)
}

func TestStateNamesComeFromTheGeographyList(t *testing.T) {
	e := newEnv(t, Options{})
	id := e.createCustomers(cust("s@example.com", "S", "S"))[0]
	addr := func(cc, state string) map[string]any {
		return usAddress(map[string]any{"customer_id": id, "country_code": cc, "state_or_province": state, "postal_code": "80331", "address1": cc + " " + state})
	}
	for _, c := range []struct{ cc, state string }{
		{"DE", "Bavaria"},                    // English, not the store's spelling
		{"DE", "BY"},                         // a code
		{"FR", "Provence-Alpes-Côte-d’Azur"}, // ISO 3166-2's spelling
		{"US", ""},
	} {
		errs := e.wantError(e.do("POST", "/customers/addresses", []any{addr(c.cc, c.state)}), 422)
		if _, ok := errs["0.state_or_province"]; !ok {
			t.Errorf("%s %q: errors %v", c.cc, c.state, errs)
		}
	}
	for _, c := range []struct{ cc, state string }{{"DE", "Bayern"}, {"FR", "provence-alpes-côte  d'azur"}, {"GB", "Greater London"}, {"FR", ""}} {
		e.want(e.do("POST", "/customers/addresses", []any{addr(c.cc, c.state)}), 200)
	}
}

func TestStoreCreditIsKeptExactly(t *testing.T) {
	e := newEnv(t, Options{})
	credit := func(amount string) map[string]any {
		return merge(cust("m"+itoa(len(amount))+"@example.com", "M", "M"),
			map[string]any{"store_credit_amounts": []any{map[string]any{"amount": json.RawMessage(amount)}}})
	}
	// 1234567890123.4567 has no float64: a float answers ….4568.
	for amount, want := range map[string]string{"1234567890123.4567": "1234567890123.4567", "43.1500": "43.15", "1e2": "100", "0.0001": "0.0001"} {
		r := e.do("POST", "/customers", []any{credit(amount)})
		e.want(r, 200)
		if !strings.Contains(string(r.raw), `"store_credit_amounts":[{"amount":`+want+`}]`) {
			t.Errorf("amount %s answered %s", amount, r.raw)
		}
	}
	// Finer than the store keeps (the trace of a float sum), negative,
	// not a number: refused.
	for _, amount := range []string{"43.150000000000006", "0.00001", "-1", `"43.15"`, "1e16"} {
		errs := e.wantError(e.do("POST", "/customers", []any{credit(amount)}), 422)
		if _, ok := errs["0.store_credit_amounts.0.amount"]; !ok {
			t.Errorf("amount %s: errors %v", amount, errs)
		}
	}
}
