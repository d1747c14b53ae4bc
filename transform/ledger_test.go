package transform

import (
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/bcetl/bcetl/internal/staging"
	"github.com/bcetl/bcetl/internal/stagingtest"
	"github.com/biter777/countries"
)

// The ledger must balance on messy data, and the output must satisfy what
// the loader relies on: unique emails, unique address keys, no orphans,
// only valid UTF-8, codes and enums the API accepts.
func TestLedgerOnMessyData(t *testing.T) {
	in, out := t.TempDir(), t.TempDir()
	m := stagingtest.Write(t, in, stagingtest.Spec{Messy: true, Customers: 2000, AddressesPer: 2, Seed: 1})
	rep, err := Run(t.Context(), in, out, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if err := rep.Balanced(); err != nil {
		t.Fatal(err)
	}
	customers := stagingtest.Read[staging.Customer](t, filepath.Join(out, "customers.parquet"))
	addresses := stagingtest.Read[staging.Address](t, filepath.Join(out, "addresses.parquet"))
	values := stagingtest.Read[staging.AttributeValue](t, filepath.Join(out, "attribute_values.parquet"))
	forms := stagingtest.Read[staging.FormFieldValue](t, filepath.Join(out, "form_field_values.parquet"))
	attrs := stagingtest.Read[staging.Attribute](t, filepath.Join(out, "attributes.parquet"))
	rejects := stagingtest.Read[staging.Reject](t, filepath.Join(out, staging.RejectsFile))
	merges := stagingtest.Read[staging.Merge](t, filepath.Join(out, staging.MergesFile))

	// Files agree with the report.
	for entity, n := range map[string]int{"customers": len(customers), "addresses": len(addresses),
		"attribute_values": len(values), "form_field_values": len(forms), "attributes": len(attrs)} {
		c := rep.Entities[entity]
		if int64(n) != c.RowsOut {
			t.Errorf("%s: file has %d rows, report says %d out", entity, n, c.RowsOut)
		}
		if c.RowsIn == 0 {
			t.Errorf("%s: no rows read", entity)
		}
	}
	if int64(len(rejects)) != rep.Rejected()+rep.ExtractRejects || rep.ExtractRejects != 1 {
		t.Errorf("rejects file %d rows, report %d + %d extract", len(rejects), rep.Rejected(), rep.ExtractRejects)
	}
	mergedRows := map[string]int64{}
	for _, mg := range merges {
		if mg.Field == "" {
			mergedRows[mg.Entity]++
		}
	}
	for e, c := range rep.Entities {
		if mergedRows[e] != c.Merged {
			t.Errorf("%s: %d merge rows, report says %d merged", e, mergedRows[e], c.Merged)
		}
	}
	if a := rep.Entities["addresses"].RowsIn; a != int64(m.Addresses) {
		t.Errorf("addresses in %d, generated %d", a, m.Addresses)
	}

	// Planted problems are caught.
	byRule := map[string]int{}
	for _, r := range rejects {
		byRule[r.Entity+"/"+r.Rule]++
		if r.Stage == "transform" && (r.Message == "" || r.Field == "") {
			t.Errorf("reject without message or field: %+v", r)
		}
	}
	for _, want := range []struct {
		key  string
		want int
	}{
		{"addresses/unknown-customer", m.Planted["orphan-address"]},
		{"attributes/attribute-limit", m.Planted["attr-over-limit"]},
		{"form_field_values/unknown-address", m.Planted["orphan-form-field"]},
	} {
		if byRule[want.key] != want.want {
			t.Errorf("%s: %d rejects, planted %d", want.key, byRule[want.key], want.want)
		}
	}
	for _, key := range []string{"customers/utf8", "customers/email", "customers/length", "addresses/utf8", "addresses/country",
		"addresses/address_type", "addresses/length", "addresses/customer-rejected", "attribute_values/attribute-type",
		"attribute_values/attribute-rejected", "form_field_values/address-rejected"} {
		if byRule[key] == 0 {
			t.Errorf("no %s rejects (have %v)", key, byRule)
		}
	}
	if rep.Entities["customers"].Merged == 0 || rep.Entities["addresses"].Merged == 0 || rep.Entities["attributes"].Merged != 1 {
		t.Errorf("merges: %+v", rep.Entities)
	}

	// Output invariants.
	custKeys := map[string]bool{}
	emails := map[Key]string{}
	for _, c := range customers {
		custKeys[c.SourceKey] = true
		if prev, dup := emails[EmailKey(c.Email)]; dup {
			t.Errorf("customers %s and %s share email %s", prev, c.SourceKey, c.Email)
		}
		emails[EmailKey(c.Email)] = c.SourceKey
		if c.Email != strings.TrimSpace(c.Email) || strings.Contains(c.FirstName, "  ") {
			t.Errorf("not normalised: %+v", c)
		}
	}
	addrKeys := map[Key]string{}
	addrByKey := map[string]bool{}
	for _, a := range addresses {
		addrByKey[a.SourceKey] = true
		if !custKeys[a.CustomerSourceKey] {
			t.Errorf("address %s: customer %s not in output", a.SourceKey, a.CustomerSourceKey)
		}
		k := AddressKey(a.CustomerSourceKey, &a)
		if prev, dup := addrKeys[k]; dup {
			t.Errorf("addresses %s and %s are duplicates", prev, a.SourceKey)
		}
		addrKeys[k] = a.SourceKey
		if len(a.CountryCode) != 2 || strings.ToUpper(a.CountryCode) != a.CountryCode {
			t.Errorf("address %s country_code %q", a.SourceKey, a.CountryCode)
		}
		if a.AddressType != "residential" && a.AddressType != "commercial" {
			t.Errorf("address %s type %q", a.SourceKey, a.AddressType)
		}
		for _, s := range []string{a.FirstName, a.Address1, a.City, a.StateOrProvince} {
			if !utf8.ValidString(s) {
				t.Errorf("address %s: invalid UTF-8 %q", a.SourceKey, s)
			}
		}
		// Every state is a full name: no subdivision code of the address's
		// country survives, and normalising again changes nothing.
		if a.StateOrProvince != "" {
			code := a.CountryCode + "-" + strings.ToUpper(a.StateOrProvince)
			for _, sd := range countries.ByName(a.CountryCode).Subdivisions() {
				if string(sd) == code {
					t.Errorf("address %s: state code %q not expanded", a.SourceKey, a.StateOrProvince)
				}
			}
			if again, err := NormalizeState(a.CountryCode, a.StateOrProvince); err != nil || again != a.StateOrProvince {
				t.Errorf("address %s: state %q is not canonical (%q, %v)", a.SourceKey, a.StateOrProvince, again, err)
			}
		}
	}
	for _, f := range forms {
		if !custKeys[f.CustomerSourceKey] {
			t.Errorf("form field %s: customer %s not in output", f.SourceKey, f.CustomerSourceKey)
		}
		if f.AddressSourceKey != nil && !addrByKey[*f.AddressSourceKey] {
			t.Errorf("form field %s: address %s not in output", f.SourceKey, *f.AddressSourceKey)
		}
		if f.ValueString != nil && *f.ValueString != "1234" {
			t.Errorf("form field %s: value %q not trimmed", f.SourceKey, *f.ValueString)
		}
	}
	perCustAttr := map[string]bool{}
	for _, v := range values {
		k := v.CustomerSourceKey + "/" + v.AttributeName
		if perCustAttr[k] {
			t.Errorf("two values for %s", k)
		}
		perCustAttr[k] = true
	}
	if rep.RuleChanges[RuleState] == 0 || rep.RuleChanges[RuleCountry] == 0 || rep.RuleChanges[RulePostal] == 0 ||
		rep.RuleChanges[RuleText] == 0 || rep.RuleChanges[RuleEmail] == 0 || rep.RuleChanges[RuleAddressType] == 0 {
		t.Errorf("rule changes: %v", rep.RuleChanges)
	}
	if rep.Unrecognised[RuleState] == 0 {
		t.Errorf("the NZ 'Some Region' state should be counted as unrecognised: %v", rep.Unrecognised)
	}
}
