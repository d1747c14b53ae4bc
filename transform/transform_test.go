package transform

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/bcetl/bcetl/internal/bcrules"
	"github.com/bcetl/bcetl/internal/staging"
	"github.com/bcetl/bcetl/internal/stagingtest"
)

// fixture is a small staging directory written from literal rows.
type fixture struct {
	customers []staging.Customer
	addresses []staging.Address
	values    []staging.AttributeValue
	forms     []staging.FormFieldValue
	attrs     []staging.Attribute
	groups    []staging.CustomerGroup
	metas     []staging.Metafield
	subs      []staging.Subscriber
	consents  []staging.Consent
}

// write writes the rows as an extract's output, as another tool would
// (invalid UTF-8 kept).
func (f fixture) write(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	stagingtest.WriteRows(t, dir, stagingtest.Rows{Customers: f.customers, Addresses: f.addresses, AttributeValues: f.values,
		FormFieldValues: f.forms, Attributes: f.attrs, CustomerGroups: f.groups, Metafields: f.metas, Subscribers: f.subs,
		Consents: f.consents}, staging.StageExtract)
	return dir
}

// result is a transform's output, read back.
type result struct {
	rep       *Report
	customers []staging.Customer
	addresses []staging.Address
	values    []staging.AttributeValue
	forms     []staging.FormFieldValue
	groups    []staging.CustomerGroup
	metas     []staging.Metafield
	subs      []staging.Subscriber
	consents  []staging.Consent
	rejects   []staging.Reject
	merges    []staging.Merge
}

func runFixture(t *testing.T, f fixture, opts Options) result {
	t.Helper()
	in, out := f.write(t), t.TempDir()
	rep, err := Run(t.Context(), in, out, opts)
	if err != nil {
		t.Fatal(err)
	}
	if err := rep.Balanced(); err != nil {
		t.Fatal(err)
	}
	return result{rep: rep,
		customers: stagingtest.Read[staging.Customer](t, filepath.Join(out, "customers.parquet")),
		addresses: stagingtest.Read[staging.Address](t, filepath.Join(out, "addresses.parquet")),
		values:    stagingtest.Read[staging.AttributeValue](t, filepath.Join(out, "attribute_values.parquet")),
		forms:     stagingtest.Read[staging.FormFieldValue](t, filepath.Join(out, "form_field_values.parquet")),
		groups:    stagingtest.Read[staging.CustomerGroup](t, filepath.Join(out, "customer_groups.parquet")),
		metas:     stagingtest.Read[staging.Metafield](t, filepath.Join(out, "metafields.parquet")),
		subs:      stagingtest.Read[staging.Subscriber](t, filepath.Join(out, "subscribers.parquet")),
		consents:  stagingtest.Read[staging.Consent](t, filepath.Join(out, "consents.parquet")),
		rejects:   stagingtest.Read[staging.Reject](t, filepath.Join(out, staging.RejectsFile)),
		merges:    stagingtest.Read[staging.Merge](t, filepath.Join(out, staging.MergesFile)),
	}
}

func (r result) merge(entity, key, field string) *staging.Merge {
	for i, m := range r.merges {
		if m.Entity == entity && m.SourceKey == key && m.Field == field {
			return &r.merges[i]
		}
	}
	return nil
}

func (r result) reject(entity, key string) *staging.Reject {
	for i, x := range r.rejects {
		if x.Entity == entity && x.SourceKey == key {
			return &r.rejects[i]
		}
	}
	return nil
}

func at(day int) *time.Time { t := time.Date(2025, 1, day, 0, 0, 0, 0, time.UTC); return &t }

func addr(key, cust, line1 string) staging.Address {
	return staging.Address{SourceKey: key, CustomerSourceKey: cust, FirstName: "Ann", LastName: "Lee", Address1: line1,
		City: "Austin", StateOrProvince: "TX", PostalCode: "78759", CountryCode: "US", Phone: "(512) 555-0100"}
}

func strVal(key, cust string, addrKey *string, name, v string) staging.FormFieldValue {
	return staging.FormFieldValue{SourceKey: key, CustomerSourceKey: cust, AddressSourceKey: addrKey, Name: name,
		ValueType: "string", ValueString: &v, ValueJSON: `"` + v + `"`}
}

var numberAttr = []staging.Attribute{{SourceKey: "t", ID: new(int64(7)), Name: "Tier", Type: "string"}}

// Two customers with one email (different case) become one: the newest
// survives, fills its empty fields from the other, and takes over its
// addresses, attribute values and form field values, which are then
// deduplicated against its own — its own values winning.
func TestCustomerMergeMovesChildren(t *testing.T) {
	a1, a2 := "a1", "a2"
	r := runFixture(t, fixture{
		customers: []staging.Customer{
			{SourceKey: "c1", Email: "Ann@Example.com", FirstName: "Ann", LastName: "Lee", Phone: "111", DateModified: at(1)},
			{SourceKey: "c2", Email: "ann@example.com", FirstName: "Annie", LastName: "Lee", DateModified: at(2)},
		},
		addresses: []staging.Address{addr("a1", "c1", "1 Main St"), addr("a2", "c2", "1 MAIN ST")},
		forms:     []staging.FormFieldValue{strVal("f1", "c1", &a1, "gate", "1"), strVal("f2", "c2", &a2, "gate", "2")},
		attrs:     numberAttr,
		values: []staging.AttributeValue{
			{SourceKey: "v1", CustomerSourceKey: "c1", AttributeName: "tier", AttributeValue: "gold"},
			{SourceKey: "v2", CustomerSourceKey: "c2", AttributeName: "Tier", AttributeValue: "silver"},
		},
	}, Options{})

	if len(r.customers) != 1 || r.customers[0].SourceKey != "c2" {
		t.Fatalf("customers: %+v", r.customers)
	}
	c := r.customers[0]
	if c.Phone != "111" || c.FirstName != "Annie" || c.AddressCount != 1 || c.AttributeCount != 1 {
		t.Errorf("survivor %+v: want phone filled from c1, own first name, counts 1/1", c)
	}
	if m := r.merge("customers", "c1", ""); m == nil || m.SurvivorKey != "c2" || m.Rule != MergeEmail {
		t.Errorf("customer merge row: %+v", m)
	}
	if m := r.merge("customers", "c1", "first_name"); m == nil || m.DroppedValue != "Ann" || m.KeptValue != "Annie" {
		t.Errorf("first_name conflict: %+v", m)
	}
	// a1 moved to c2 and is then the same address as a2 (differs in case
	// only); a2 survives because it was c2's own, though a1 comes first.
	if len(r.addresses) != 1 || r.addresses[0].SourceKey != "a2" || r.addresses[0].CustomerSourceKey != "c2" {
		t.Fatalf("addresses: %+v", r.addresses)
	}
	if m := r.merge("addresses", "a1", "address1"); m == nil || m.SurvivorKey != "a2" || m.DroppedValue != "1 Main St" || m.KeptValue != "1 MAIN ST" {
		t.Errorf("address merge: %+v", m)
	}
	if len(r.forms) != 1 || r.forms[0].SourceKey != "f2" || *r.forms[0].ValueString != "2" {
		t.Fatalf("form fields: %+v", r.forms)
	}
	if m := r.merge("form_field_values", "f1", "value"); m == nil || m.DroppedValue != `"1"` || m.KeptValue != `"2"` {
		t.Errorf("form field conflict: %+v", m)
	}
	if len(r.values) != 1 || r.values[0].AttributeValue != "silver" || r.values[0].AttributeName != "Tier" || *r.values[0].AttributeID != 7 {
		t.Fatalf("attribute values: %+v", r.values)
	}
	if m := r.merge("attribute_values", "v1", "attribute_value"); m == nil || m.DroppedValue != "gold" || m.KeptValue != "silver" {
		t.Errorf("attribute value conflict: %+v", m)
	}
}

func TestCustomerSurvivorPolicy(t *testing.T) {
	customers := []staging.Customer{
		{SourceKey: "old", Email: "a@example.com", FirstName: "A", LastName: "B", DateModified: at(1)},
		{SourceKey: "new", Email: "A@example.com", FirstName: "A", LastName: "B", DateModified: at(9)},
		{SourceKey: "tie", Email: "a@EXAMPLE.com", FirstName: "A", LastName: "B", DateModified: at(9)},
		{SourceKey: "nodate", Email: "a@example.com", FirstName: "A", LastName: "B"},
	}
	for _, tc := range []struct{ policy, want string }{
		{"", "tie"}, // newest; the tie goes to the later row
		{SurvivorNewest, "tie"},
		{SurvivorFirst, "old"},
		{SurvivorLast, "nodate"},
	} {
		r := runFixture(t, fixture{customers: customers}, Options{CustomerSurvivor: tc.policy})
		if len(r.customers) != 1 || r.customers[0].SourceKey != tc.want {
			t.Errorf("policy %q: survivor %+v, want %s", tc.policy, r.customers, tc.want)
		}
		if r.rep.Entities["customers"].Merged != 3 {
			t.Errorf("policy %q: %+v", tc.policy, r.rep.Entities["customers"])
		}
	}
}

// A rejected customer takes its children with it, and a rejected address
// its form field values, each saying why.
func TestRejectCascades(t *testing.T) {
	a2 := "a2"
	bad := addr("a2", "ok", "2 Main St")
	bad.CountryCode = "Atlantis"
	r := runFixture(t, fixture{
		customers: []staging.Customer{
			{SourceKey: "bad", Email: "not-an-email", FirstName: "A", LastName: "B"},
			{SourceKey: "ok", Email: "ok@example.com", FirstName: "A", LastName: "B"},
		},
		addresses: []staging.Address{addr("a1", "bad", "1 Main St"), bad, addr("a3", "ghost", "3 Main St")},
		forms:     []staging.FormFieldValue{strVal("f1", "bad", nil, "x", "y"), strVal("f2", "ok", &a2, "x", "y")},
	}, Options{})
	for _, tc := range []struct{ entity, key, rule, msgPrefix string }{
		{"customers", "bad", RuleEmail, "invalid email"},
		{"addresses", "a1", CheckCustomerRejected, "customer rejected: invalid email"},
		{"addresses", "a2", RuleCountry, `unknown country "Atlantis"`},
		{"addresses", "a3", CheckUnknownCustomer, "unknown customer"},
		{"form_field_values", "f1", CheckCustomerRejected, "customer rejected: "},
		{"form_field_values", "f2", CheckAddressRejected, "address rejected: unknown country"},
	} {
		rj := r.reject(tc.entity, tc.key)
		if rj == nil || rj.Rule != tc.rule || !strings.HasPrefix(rj.Message, tc.msgPrefix) || rj.Stage != "transform" {
			t.Errorf("%s %s: reject %+v, want rule %s, message %q…", tc.entity, tc.key, rj, tc.rule, tc.msgPrefix)
		}
	}
}

func TestRejectsNonUTF8AndDuplicateKeys(t *testing.T) {
	r := runFixture(t, fixture{
		customers: []staging.Customer{
			{SourceKey: "c1", Email: "a@example.com", FirstName: "Jos\xe9", LastName: "B"},
			{SourceKey: "c2", Email: "b@example.com", FirstName: "A", LastName: "B"},
			{SourceKey: "c2", Email: "c@example.com", FirstName: "A", LastName: "B"},
		},
		addresses: []staging.Address{addr("a1", "c2", "1 Main St"), addr("a1", "c2", "2 Main St")},
	}, Options{})
	if rj := r.reject("customers", "c1"); rj == nil || rj.Rule != CheckUTF8 || rj.Field != "first_name" || rj.Value != `"Jos\xe9"` {
		t.Errorf("utf8 reject: %+v", rj)
	}
	if rj := r.reject("customers", "c2"); rj == nil || rj.Rule != CheckDuplicateSourceKey {
		t.Errorf("duplicate customer key: %+v", rj)
	}
	if len(r.addresses) != 1 || r.addresses[0].Address1 != "1 Main St" {
		t.Errorf("duplicate address key: first row kept, got %+v", r.addresses)
	}
	if rj := r.reject("addresses", "a1"); rj == nil || rj.Rule != CheckDuplicateSourceKey {
		t.Errorf("duplicate address key: %+v", rj)
	}
}

func TestAddressNormalisationAndValidation(t *testing.T) {
	a := addr("a1", "c", "  1  Main St ")
	a.CountryCode, a.Country, a.StateOrProvince, a.PostalCode, a.AddressType = "", "united states", "us-ca", "941031234", "Commercial"
	long := addr("a2", "c", "2 Main St")
	long.FirstName = strings.Repeat("é", 256) // 256 characters, 512 bytes
	ok255 := addr("a3", "c", "3 Main St")
	ok255.FirstName = strings.Repeat("é", 255)
	noCity := addr("a4", "c", "4 Main St")
	noCity.City = "   "
	r := runFixture(t, fixture{
		customers: []staging.Customer{{SourceKey: "c", Email: "c@example.com", FirstName: "A", LastName: "B"}},
		addresses: []staging.Address{a, long, ok255, noCity},
	}, Options{})
	got := r.addresses[0]
	if got.Address1 != "1 Main St" || got.CountryCode != "US" || got.Country != "United States" || got.StateOrProvince != "California" ||
		got.PostalCode != "94103-1234" || got.AddressType != "commercial" || got.Phone != "(512) 555-0100" {
		t.Errorf("normalised address: %+v", got)
	}
	if rj := r.reject("addresses", "a2"); rj == nil || rj.Rule != CheckLength || rj.Field != "first_name" {
		t.Errorf("256 characters: %+v", rj)
	}
	if r.reject("addresses", "a3") != nil {
		t.Error("255 two-byte characters are within the limit: lengths count characters, not bytes")
	}
	if rj := r.reject("addresses", "a4"); rj == nil || rj.Rule != CheckRequired || rj.Field != "city" {
		t.Errorf("blank city: %+v", rj)
	}
}

func TestDisabledRulesLeaveValues(t *testing.T) {
	a := addr("a1", "c", "1 Main St")
	a.StateOrProvince, a.PostalCode = "CA", "941031234"
	disabled, err := ParseDisabled("state, postal")
	if err != nil {
		t.Fatal(err)
	}
	r := runFixture(t, fixture{
		customers: []staging.Customer{{SourceKey: "c", Email: "c@example.com", FirstName: "A", LastName: "B"}},
		addresses: []staging.Address{a},
	}, Options{Disabled: disabled})
	if got := r.addresses[0]; got.StateOrProvince != "CA" || got.PostalCode != "941031234" {
		t.Errorf("disabled rules changed values: %+v", got)
	}
	if r.rep.RuleChanges[RuleState] != 0 || len(r.rep.DisabledRules) != 2 {
		t.Errorf("report: %v %v", r.rep.RuleChanges, r.rep.DisabledRules)
	}
	if _, err := ParseDisabled("state,postcode"); err == nil {
		t.Error("an unknown rule name must be an error")
	}
}

func TestAttributeLimitAndTypes(t *testing.T) {
	var attrs []staging.Attribute
	for i := 0; i < bcrules.MaxAttributes+2; i++ {
		attrs = append(attrs, staging.Attribute{SourceKey: fmt.Sprintf("k%d", i), Name: fmt.Sprintf("n%d", i), Type: "number"})
	}
	attrs = append(attrs, staging.Attribute{SourceKey: "d", Name: "Birthday", Type: "Date"}, staging.Attribute{SourceKey: "bad", Name: "X", Type: "bool"})
	last := attrs[bcrules.MaxAttributes].Name
	r := runFixture(t, fixture{
		customers: []staging.Customer{{SourceKey: "c", Email: "c@example.com", FirstName: "A", LastName: "B"}},
		attrs:     attrs,
		values: []staging.AttributeValue{
			{SourceKey: "v1", CustomerSourceKey: "c", AttributeName: "N0", AttributeValue: "12.5"},
			{SourceKey: "v2", CustomerSourceKey: "c", AttributeName: "n1", AttributeValue: "twelve"},
			{SourceKey: "v3", CustomerSourceKey: "c", AttributeName: last, AttributeValue: "1"},
			{SourceKey: "v4", CustomerSourceKey: "c", AttributeName: "nope", AttributeValue: "1"},
		},
	}, Options{})
	if c := r.rep.Entities["attributes"]; c.RowsOut != bcrules.MaxAttributes || c.Rejected != 4 {
		t.Errorf("attributes: %+v; want %d out, 2 over the limit + bool + Birthday (51st+) rejected", c, bcrules.MaxAttributes)
	}
	for _, tc := range []struct{ key, rule string }{{"v2", CheckAttributeType}, {"v3", CheckAttributeRejected}, {"v4", CheckUnknownAttribute}} {
		if rj := r.reject("attribute_values", tc.key); rj == nil || rj.Rule != tc.rule {
			t.Errorf("%s: %+v, want %s", tc.key, rj, tc.rule)
		}
	}
	if len(r.values) != 1 || r.values[0].SourceKey != "v1" {
		t.Errorf("values: %+v", r.values)
	}
}

func TestAddressKey(t *testing.T) {
	a := addr("a", "c", "1 Main St")
	b := addr("b", "c", "1 MAIN st")
	b.Phone = "+1 512 555 0100"
	if AddressKey("c", &a) != AddressKey("c", &b) {
		t.Error("addresses differing in case and phone format must share a key")
	}
	if AddressKey("c", &a) == AddressKey("d", &a) {
		t.Error("the customer is part of the key")
	}
	c := a
	c.Address2 = "Apt 1"
	if AddressKey("c", &a) == AddressKey("c", &c) {
		t.Error("address2 is part of the key")
	}
}

func TestRunWritesManifestAndCopiesExtractRejects(t *testing.T) {
	in := fixture{customers: []staging.Customer{{SourceKey: "c", Email: "c@example.com", FirstName: "A", LastName: "B"}}}.write(t)
	wm := time.Date(2025, 5, 1, 0, 0, 0, 0, time.UTC)
	im, err := staging.ManifestFor(in, "extract")
	if err != nil {
		t.Fatal(err)
	}
	im.Source, im.Watermark = staging.Source{Kind: "bigcommerce", StoreHash: "abc"}, &wm
	if err := staging.WriteManifest(in, im); err != nil {
		t.Fatal(err)
	}
	if _, err := staging.WriteAll(filepath.Join(in, staging.RejectsFile), []staging.Reject{{Stage: "extract", Entity: "customers", SourceKey: "z", Message: "m"}}); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(t.TempDir(), "clean")
	if _, err := Run(t.Context(), in, out, Options{}); err != nil {
		t.Fatal(err)
	}
	m, err := staging.ReadManifest(out)
	if err != nil {
		t.Fatal(err)
	}
	if m.Stage != "transform" || m.Source.StoreHash != "abc" || m.Watermark == nil || len(m.Entities) != len(staging.Entities) {
		t.Errorf("manifest: %+v", m)
	}
	if st := m.Inputs["customers.parquet"]; st.Rows != 1 || len(st.SHA256) != 64 {
		t.Errorf("inputs: %+v", m.Inputs)
	}
	if err := m.Verify(out); err != nil {
		t.Error(err)
	}
	rj := stagingtest.Read[staging.Reject](t, filepath.Join(out, staging.RejectsFile))
	if len(rj) != 1 || rj[0].Stage != "extract" {
		t.Errorf("extract rejects not copied: %+v", rj)
	}
	for _, name := range []string{"report.json", "merges.parquet", "customers.parquet"} {
		if fi, err := os.Stat(filepath.Join(out, name)); err != nil || fi.Mode().Perm() != 0o600 {
			t.Errorf("%s: %v %v", name, fi, err)
		}
	}
	if _, err := Run(t.Context(), in, in, Options{}); err == nil {
		t.Error("writing over the input must be refused")
	}
	if _, err := Run(t.Context(), in, out, Options{CustomerSurvivor: "oldest"}); err == nil {
		t.Error("an unknown survivor policy must be refused")
	}
}
