package sandbox

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
)

// The sign-up form is read on the storefront, without a token and outside
// the API quota; a new store's forms have only the system fields.
func TestStorefrontFormFields(t *testing.T) {
	get := func(e *env, query string) (int, map[string][]map[string]any) {
		t.Helper()
		res, err := http.Get(e.http.URL + "/api/storefront/form-fields" + query)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		raw, _ := io.ReadAll(res.Body)
		var out map[string][]map[string]any
		_ = json.Unmarshal(raw, &out)
		return res.StatusCode, out
	}
	fresh := newEnv(t, Options{Config: &StoreConfig{}, Quota: 1, Window: 3600e9})
	code, out := get(fresh, "")
	if code != 200 || len(out["customerAccount"]) != 3 || len(out["shippingAddress"]) != 10 || len(out["billingAddress"]) != 10 {
		t.Fatalf("a new store's forms: %d %v", code, out)
	}
	for _, f := range append(out["customerAccount"], out["shippingAddress"]...) {
		if f["custom"] != false {
			t.Errorf("a new store has a custom field: %v", f)
		}
	}
	// Not counted against the quota of 1: the API request still passes.
	fresh.want(fresh.do("GET", "/customers", nil), 200)

	e := newEnv(t, Options{Config: &StoreConfig{
		CustomerFields: []FormField{{Name: "Licence ID", FieldType: "text", Required: true, MaxLength: 20}},
		AddressFields:  []FormField{{Name: "Floor", FieldType: "dropdown", Options: []string{"Ground", "Upper"}}},
	}})
	code, out = get(e, "?filter=customerAccount,billingAddress")
	if code != 200 || out["shippingAddress"] != nil {
		t.Fatalf("filter: %d %v", code, out)
	}
	lic := out["customerAccount"][3]
	if lic["name"] != "Licence ID" || lic["custom"] != true || lic["id"] != "field_25" || lic["type"] != "string" || lic["maxLength"] != 20.0 || lic["required"] != true {
		t.Errorf("custom sign-up field: %v", lic)
	}
	floor := out["billingAddress"][10]
	if floor["fieldType"] != "dropdown" || floor["id"] != "field_26" || len(floor["options"].(map[string]any)["items"].([]any)) != 2 {
		t.Errorf("custom address field: %v", floor)
	}
	if code, _ := get(e, "?filter=orders"); code != 422 {
		t.Errorf("unknown filter: %d", code)
	}
	// The names defined are the names form field values may use.
	e.createCustomers(merge(cust("l@example.com", "L", "L"), map[string]any{
		"form_fields": []any{map[string]any{"name": "Licence ID", "value": "X-1"}},
		"addresses":   []any{usAddress(map[string]any{"form_fields": []any{map[string]any{"name": "Floor", "value": "Upper"}}})}}))
}

// New, configured and restarted stores: the configuration's checks and
// Config's round trip.
func TestStoreConfig(t *testing.T) {
	for _, c := range []struct {
		cfg  StoreConfig
		want string
	}{
		{StoreConfig{Groups: []Group{{Name: "A"}, {Name: " a "}}}, "Config.Groups[1]"},
		{StoreConfig{Groups: []Group{{Name: "A", DiscountRules: []DiscountRule{{Type: "all", Method: "percent"}}}}}, "Config.Groups[0]: discount_rules[0]"},
		{StoreConfig{Channels: []Channel{{ID: 3, Name: "X", Type: "shop"}}}, "Config.Channels[0]"},
		{StoreConfig{CustomerFields: []FormField{{Name: "email", FieldType: "text"}}}, "Config.CustomerFields[0]"},
		{StoreConfig{AddressFields: []FormField{{Name: "Floor", FieldType: "radio"}}}, "Config.AddressFields[0]"},
	} {
		_, err := New(Options{StoreHash: "h", Token: "t", Config: &c.cfg})
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%+v: error %v, want one naming %s", c.cfg, err, c.want)
		}
	}
	fresh, _ := New(Options{StoreHash: "h", Token: "t"})
	if c := fresh.Config(); len(c.Groups) != 0 || len(c.Channels) != 1 || c.Channels[0].ID != 1 || len(c.CustomerFields)+len(c.AddressFields) != 0 {
		t.Errorf("a new store: %+v", c)
	}
	// A target built from a generated source: the same group names under
	// other ids.
	src, _ := New(Options{StoreHash: "src", Token: "t"})
	src.Generate(10, 1)
	cfg := src.Config()
	if len(cfg.Groups) < 3 || len(cfg.Channels) < 3 || len(cfg.CustomerFields) == 0 || len(cfg.AddressFields) == 0 {
		t.Fatalf("generated configuration: %+v", cfg)
	}
	for i := range cfg.Groups {
		cfg.Groups[i].ID += 100
	}
	dst, err := New(Options{StoreHash: "dst", Token: "t", Config: &cfg})
	if err != nil {
		t.Fatal(err)
	}
	if got := dst.Config(); got.Groups[0].Name != cfg.Groups[0].Name || got.Groups[0].ID != cfg.Groups[0].ID {
		t.Errorf("target groups: %+v", got.Groups)
	}
}
