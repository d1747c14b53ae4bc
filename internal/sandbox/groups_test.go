package sandbox

import (
	"encoding/json"
	"strings"
	"testing"
)

// GET /v2/customer_groups answers a bare array; a new store has no groups.
func TestCustomerGroupsV2(t *testing.T) {
	e := newEnv(t, Options{Config: &StoreConfig{}})
	v2 := e.at("/v2")
	r := v2.do("GET", "/customer_groups", nil)
	e.want(r, 200)
	if string(r.raw) != "[]" {
		t.Fatalf("a new store's groups: %s", r.raw)
	}
	body := map[string]any{"name": "Wholesale", "is_default": true,
		"category_access": map[string]any{"type": "specific", "categories": []int{18, 19}},
		"discount_rules": []any{
			map[string]any{"type": "all", "method": "percent", "amount": 5},
			map[string]any{"type": "category", "method": "fixed", "amount": "2.5", "category_id": 23},
			map[string]any{"type": "product", "method": "price", "amount": "9.9900", "product_id": 111},
		}}
	r = v2.do("POST", "/customer_groups", body)
	e.want(r, 200)
	var g Group
	if err := json.Unmarshal(r.raw, &g); err != nil || g.ID < 1 || !g.IsDefault || g.CategoryAccess.Type != "specific" || len(g.DiscountRules) != 3 {
		t.Fatalf("created: %s %v", r.raw, err)
	}
	// Amounts are answered with four decimals, as the document's "5.0000".
	if g.DiscountRules[0].Amount != "5.0000" || g.DiscountRules[1].Amount != "2.5000" || g.DiscountRules[2].ProductID != 111 {
		t.Errorf("rules: %+v", g.DiscountRules)
	}
	r = v2.do("GET", "/customer_groups/"+itoa(g.ID), nil)
	e.want(r, 200)
	if !strings.Contains(string(r.raw), `"name":"Wholesale"`) || !strings.Contains(string(r.raw), `"date_created":"2026-03-01 12:00:00"`) {
		t.Errorf("get: %s", r.raw)
	}
	e.want(v2.do("GET", "/customer_groups/999", nil), 404)
	r = v2.do("GET", "/customer_groups/count", nil)
	if string(r.raw) != `{"count":1}` {
		t.Errorf("count: %s", r.raw)
	}
	// A second default takes the role; a name is unique ignoring case.
	r = v2.do("POST", "/customer_groups", map[string]any{"name": "Retail", "is_default": true})
	e.want(r, 200)
	e.want(v2.do("POST", "/customer_groups", map[string]any{"name": "retail"}), 409)
	r = v2.do("GET", "/customer_groups?is_default=true", nil)
	if !strings.Contains(string(r.raw), `"name":"Retail"`) || strings.Contains(string(r.raw), "Wholesale") {
		t.Errorf("default moved: %s", r.raw)
	}
	// A customer created without a group joins the default one; 0 is "no
	// group".
	retail := num(mustJSON(t, r.raw)[0].(map[string]any)["id"])
	r = e.do("POST", "/customers", []any{cust("d@example.com", "D", "D"), merge(cust("n@example.com", "N", "N"), map[string]any{"customer_group_id": 0})})
	e.want(r, 200)
	if num(r.data()[0].(map[string]any)["customer_group_id"]) != retail || num(r.data()[1].(map[string]any)["customer_group_id"]) != 0 {
		t.Errorf("default group on create: %s", r.raw)
	}
	// Bad bodies: 400 in the V2 error shape.
	for _, bad := range []any{
		map[string]any{},
		map[string]any{"name": "X", "colour": "red"},
		map[string]any{"name": "X", "category_access": map[string]any{"type": "all", "categories": []int{1}}},
		map[string]any{"name": "X", "discount_rules": []any{map[string]any{"type": "price_list", "price_list_id": 1}, map[string]any{"type": "all", "method": "percent", "amount": 1}}},
		map[string]any{"name": "X", "discount_rules": []any{map[string]any{"type": "category", "method": "percent", "amount": 1}}},
		map[string]any{"name": "X", "discount_rules": []any{map[string]any{"type": "all", "method": "half", "amount": 1}}},
		map[string]any{"name": "X", "discount_rules": []any{map[string]any{"type": "all", "method": "fixed", "amount": "1.00001"}}},
		map[string]any{"name": "X", "discount_rules": []any{map[string]any{"type": "all", "method": "fixed", "amount": 1}, map[string]any{"type": "all", "method": "fixed", "amount": 2}}},
	} {
		r := v2.do("POST", "/customer_groups", bad)
		e.want(r, 400)
		if errs, _ := r.body["errors"].([]any); len(errs) != 1 || errs[0].(map[string]any)["title"] == "" {
			t.Errorf("%v: body %s", bad, r.raw)
		}
	}
	if r := v2.do("GET", "/customer_groups/count", nil); string(r.raw) != `{"count":2}` {
		t.Errorf("refused groups were written: %s", r.raw)
	}
}

func mustJSON(t *testing.T, raw []byte) []any {
	t.Helper()
	var l []any
	dec := json.NewDecoder(strings.NewReader(string(raw)))
	dec.UseNumber()
	if err := dec.Decode(&l); err != nil {
		t.Fatalf("not a JSON array: %s", raw)
	}
	return l
}

// Channels: channel 1 in every store, more by configuration; filters.
func TestChannels(t *testing.T) {
	e := newEnv(t, Options{Config: &StoreConfig{Channels: []Channel{
		{ID: 664179, Name: "Amazon", Type: "marketplace", Platform: "amazon", Status: "connected"},
		{ID: 5, Name: "Old-Shop", Status: "archived"},
	}}})
	r := e.do("GET", "/channels", nil)
	e.want(r, 200)
	if len(r.data()) != 3 || num(r.data()[0].(map[string]any)["id"]) != 1 {
		t.Fatalf("channels: %s", r.raw)
	}
	r = e.do("GET", "/channels?available=true&type:in=storefront,marketplace", nil)
	if len(r.data()) != 2 {
		t.Errorf("available: %s", r.raw)
	}
	r = e.do("GET", "/channels/664179?include=currencies", nil)
	e.want(r, 200)
	d := r.body["data"].(map[string]any)
	if d["platform"] != "amazon" || d["currencies"] == nil {
		t.Errorf("channel: %s", r.raw)
	}
	e.wantError(e.do("GET", "/channels/2", nil), 404)
	e.wantError(e.do("GET", "/channels?status:in=gone", nil), 422)
	// An archived channel is not available to customers.
	errs := e.wantError(e.do("POST", "/customers", []any{merge(cust("a@example.com", "A", "A"), map[string]any{"channel_ids": []int{5}})}), 422)
	if !strings.Contains(errs["0.channel_ids"].(string), "archived") {
		t.Errorf("archived channel: %v", errs)
	}
	e.createCustomers(merge(cust("a@example.com", "A", "A"), map[string]any{"channel_ids": []int{1, 664179}, "origin_channel_id": 664179}))
}
