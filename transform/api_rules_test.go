package transform

import (
	"fmt"
	"math"
	"testing"

	"github.com/bcetl/bcetl/internal/staging"
)

// What the transform passes the API takes (internal/bcrules is the one
// copy of its rules, checked against the sandbox there): number and date
// attribute values are rewritten into the one form the API takes, or
// rejected here — not passed on to become a load reject blamed on the
// wrong stage. With the text rule off, " 42" used to pass as it was.
func TestAttributeValuesAreSentAsTheAPITakesThem(t *testing.T) {
	attrs := []staging.Attribute{{SourceKey: "n", Name: "N", Type: "number"}, {SourceKey: "d", Name: "D", Type: "date"}}
	for _, tc := range []struct {
		disable     string
		attr, value string
		want        string // "": rejected (attribute-type)
	}{
		{"text", "N", " 42", "42"}, {"text", "N", "+1.5e3", "1500"}, {"", "N", ".5", "0.5"}, {"", "N", "-12.50", "-12.50"},
		{"", "N", "NaN", ""}, {"", "N", "Infinity", ""}, {"", "N", "0x10", ""}, {"", "N", "1e999", ""},
		{"text", "D", "2024-01-02 ", "2024-01-02"}, {"", "D", "2024-01-02T03:04:05", "2024-01-02"},
		{"", "D", "1990-05-14T23:30:00-05:00", "1990-05-14"}, {"", "D", "2024-02-30", ""},
		{"attribute_value", "N", "1e3", ""}, {"attribute_value", "N", "42", "42"},
		{"attribute_value", "D", "2024-01-02T03:04:05Z", ""}, {"attribute_value", "D", "2024-01-02", "2024-01-02"},
	} {
		t.Run(fmt.Sprintf("%s %s %q", tc.disable, tc.attr, tc.value), func(t *testing.T) {
			opts := Options{}
			if tc.disable != "" {
				opts.Disabled = map[string]bool{tc.disable: true}
			}
			r := runFixture(t, fixture{
				customers: []staging.Customer{{SourceKey: "c", Email: "c@example.com", FirstName: "A", LastName: "B"}},
				attrs:     attrs,
				values:    []staging.AttributeValue{{SourceKey: "v", CustomerSourceKey: "c", AttributeName: tc.attr, AttributeValue: tc.value}},
			}, opts)
			switch rj := r.reject("attribute_values", "v"); {
			case tc.want == "" && (rj == nil || rj.Rule != CheckAttributeType):
				t.Errorf("reject %+v, want rule %s", rj, CheckAttributeType)
			case tc.want != "" && (len(r.values) != 1 || r.values[0].AttributeValue != tc.want):
				t.Errorf("values %+v (reject %+v), want %q", r.values, rj, tc.want)
			case tc.want != "" && tc.want != tc.value && tc.disable != "text" && r.rep.RuleChanges[RuleAttributeValue] != 1:
				t.Errorf("rule_changes %v, want attribute_value 1", r.rep.RuleChanges)
			}
		})
	}
}

// A rule turned off leaves its field as it is, but never passes a value
// the API refuses: an invalid email or a country code the API does not
// know is rejected by validation. A country the library knows but ISO
// does not assign (Kosovo, XK) is refused like any unknown country; so
// are number form field values that are not finite.
func TestValidationRefusesWhatTheAPIRefuses(t *testing.T) {
	nan, inf := math.NaN(), math.Inf(1)
	num := func(key, js string, f *float64) staging.FormFieldValue {
		return staging.FormFieldValue{SourceKey: key, CustomerSourceKey: "ok", Name: key, ValueType: "number", ValueJSON: js, ValueNumber: f}
	}
	withCountry := func(key, code, country string) staging.Address {
		a := addr(key, "ok", "1 Main St")
		a.CountryCode, a.Country, a.StateOrProvince = code, country, ""
		return a
	}
	r := runFixture(t, fixture{
		customers: []staging.Customer{
			{SourceKey: "ok", Email: "ok@example.com", FirstName: "A", LastName: "B"},
			{SourceKey: "bad-email", Email: "ann@exa_mple.com", FirstName: "A", LastName: "B"},
		},
		addresses: []staging.Address{withCountry("us", "us", ""), withCountry("zz", "ZZ", ""), withCountry("nl", "NL", "")},
		forms:     []staging.FormFieldValue{num("f-big", "1e999", nil), num("f-nan", "", &nan), num("f-inf", "", &inf), num("f-ok", "12", nil)},
	}, Options{Disabled: map[string]bool{RuleEmail: true, RuleCountry: true}})
	for _, c := range []struct{ entity, key, rule string }{
		{"customers", "bad-email", RuleEmail}, {"addresses", "us", RuleCountry}, {"addresses", "zz", RuleCountry},
		{"form_field_values", "f-big", CheckFormField}, {"form_field_values", "f-nan", CheckFormField}, {"form_field_values", "f-inf", CheckFormField},
	} {
		if rj := r.reject(c.entity, c.key); rj == nil || rj.Rule != c.rule {
			t.Errorf("%s %s: reject %+v, want rule %s", c.entity, c.key, rj, c.rule)
		}
	}
	for _, c := range []struct{ entity, key string }{{"customers", "ok"}, {"addresses", "nl"}, {"form_field_values", "f-ok"}} {
		if rj := r.reject(c.entity, c.key); rj != nil {
			t.Errorf("%s %s rejected: %s", c.entity, c.key, rj.Message)
		}
	}

	r = runFixture(t, fixture{
		customers: []staging.Customer{{SourceKey: "ok", Email: "ok@example.com", FirstName: "A", LastName: "B"}},
		addresses: []staging.Address{withCountry("xk", "", "Kosovo"), withCountry("yu", "YU", ""), withCountry("de", "", "Deutschland")},
	}, Options{})
	for _, key := range []string{"xk", "yu"} {
		if rj := r.reject("addresses", key); rj == nil || rj.Rule != RuleCountry {
			t.Errorf("%s: reject %+v, want rule %s", key, rj, RuleCountry)
		}
	}
	if len(r.addresses) != 1 || r.addresses[0].CountryCode != "DE" {
		t.Errorf("addresses %+v, want only the German one", r.addresses)
	}
}
