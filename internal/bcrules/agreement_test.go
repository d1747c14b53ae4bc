package bcrules_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/bcetl/bcetl/internal/bcrules"
	"github.com/bcetl/bcetl/internal/bigcommerce"
	"github.com/bcetl/bcetl/internal/sandbox"
	"github.com/bcetl/bcetl/internal/staging"
)

// api is a sandbox reached over HTTP with the loader's client, and the
// attributes and the customer the value cases need.
type api struct {
	t     *testing.T
	c     *bigcommerce.Client
	attrs map[string]int64 // attribute type → id
	owner int64            // a customer for PUT /customers/attribute-values
	n     int              // customers created, for unique emails
}

func newAPI(t *testing.T) *api {
	t.Helper()
	// The store's sign-up form defines the fields the form cases name: the
	// sandbox refuses a value for a field its form lacks, whatever the value.
	fields := []sandbox.FormField{{Name: strings.Repeat("n", 255), FieldType: "text"}, {Name: "note", FieldType: "multiline"},
		{Name: "tags", FieldType: "checkbox", Options: []string{"a", "b", "v"}}, {Name: "gate", FieldType: "numbers"}}
	srv, err := sandbox.New(sandbox.Options{StoreHash: "rules", Token: "rules-token", Config: &sandbox.StoreConfig{CustomerFields: fields}})
	if err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(srv)
	t.Cleanup(func() { hs.Close(); srv.Close() })
	c, err := bigcommerce.NewClient(bigcommerce.Config{BaseURL: hs.URL + "/stores/rules/v3", StoreHash: "rules", Token: "rules-token"})
	if err != nil {
		t.Fatal(err)
	}
	a := &api{t: t, c: c, attrs: map[string]int64{}}
	defs, _, err := c.Attributes.Create(t.Context(), []bigcommerce.AttributeCreate{
		{Name: "S", Type: "string"}, {Name: "N", Type: "number"}, {Name: "D", Type: "date"}})
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range defs {
		a.attrs[d.Type] = d.ID
	}
	owner, _, err := c.Customers.Create(t.Context(), []bigcommerce.CustomerCreate{{Email: "owner@example.com", FirstName: "O", LastName: "W"}})
	if err != nil {
		t.Fatal(err)
	}
	a.owner = owner[0].ID
	return a
}

// accepted reports the API's answer to err: nil is accepted, a 422 refused;
// anything else stops the test.
func (a *api) accepted(err error) bool {
	a.t.Helper()
	var er *bigcommerce.ErrorResponse
	switch {
	case err == nil:
		return true
	case errors.As(err, &er) && er.StatusCode == http.StatusUnprocessableEntity:
		return false
	}
	a.t.Fatalf("neither accepted nor refused: %v", err)
	return false
}

// create sends one customer as the loader does and reports whether the
// API took it; a created customer is deleted again, so its email is free.
func (a *api) create(c bigcommerce.CustomerCreate) bool {
	a.t.Helper()
	got, _, err := a.c.Customers.Create(a.t.Context(), []bigcommerce.CustomerCreate{c})
	if !a.accepted(err) {
		return false
	}
	if _, err := a.c.Customers.Delete(a.t.Context(), []int64{got[0].ID}); err != nil {
		a.t.Fatal(err)
	}
	return true
}

func (a *api) email() string { a.n++; return fmt.Sprintf("case%d@example.com", a.n) }

func baseCustomer(email string) staging.Customer {
	return staging.Customer{Email: email, FirstName: "Ann", LastName: "Lee"}
}

func sendCustomer(c staging.Customer) bigcommerce.CustomerCreate {
	return bigcommerce.CustomerCreate{Email: c.Email, FirstName: c.FirstName, LastName: c.LastName, Company: c.Company,
		Phone: c.Phone, Notes: c.Notes, TaxExemptCategory: c.TaxExemptCategory}
}

func baseAddress() staging.Address {
	return staging.Address{FirstName: "Ann", LastName: "Lee", Address1: "1 Kerkstraat", City: "Utrecht", PostalCode: "3511 AB", CountryCode: "NL"}
}

func sendAddress(x staging.Address) bigcommerce.AddressInline {
	return bigcommerce.AddressInline{FirstName: x.FirstName, LastName: x.LastName, Company: x.Company, Address1: x.Address1,
		Address2: x.Address2, City: x.City, StateOrProvince: x.StateOrProvince, PostalCode: x.PostalCode,
		CountryCode: x.CountryCode, Phone: x.Phone, AddressType: x.AddressType}
}

// set writes v into the field of a customer or an address.
func set(t *testing.T, fields map[string]*string, field, v string) {
	t.Helper()
	p, ok := fields[field]
	if !ok {
		t.Fatalf("no field %q", field)
	}
	*p = v
}

func customerFields(c *staging.Customer) map[string]*string {
	return map[string]*string{"email": &c.Email, "first_name": &c.FirstName, "last_name": &c.LastName, "company": &c.Company,
		"phone": &c.Phone, "notes": &c.Notes, "tax_exempt_category": &c.TaxExemptCategory}
}

func addressFields(x *staging.Address) map[string]*string {
	return map[string]*string{"first_name": &x.FirstName, "last_name": &x.LastName, "company": &x.Company, "address1": &x.Address1,
		"address2": &x.Address2, "city": &x.City, "state_or_province": &x.StateOrProvince, "postal_code": &x.PostalCode,
		"country_code": &x.CountryCode, "phone": &x.Phone, "address_type": &x.AddressType}
}

// judge gives this package's verdict on c and the sandbox's, and for the
// values a normaliser rewrites, that the sandbox takes the rewritten one.
func (a *api) judge(c ruleCase) (rules, sandbox bool) {
	t := a.t
	switch c.kind {
	case "customer":
		cu := baseCustomer(a.email())
		set(t, customerFields(&cu), c.field, c.value)
		if e, err := bcrules.NormalizeEmail(c.value); c.field == "email" && err == nil {
			if n := baseCustomer(e); bcrules.CheckCustomer(&n) == nil && !a.create(sendCustomer(n)) {
				t.Errorf("NormalizeEmail(%q) = %q, which the sandbox refuses", c.value, e)
			}
		}
		return bcrules.CheckCustomer(&cu) == nil, a.create(sendCustomer(cu))
	case "address":
		x := baseAddress()
		set(t, addressFields(&x), c.field, c.value)
		cu := sendCustomer(baseCustomer(a.email()))
		cu.Addresses = []bigcommerce.AddressInline{sendAddress(x)}
		return bcrules.CheckAddress(&x) == nil, a.create(cu)
	case "value":
		if n, err := bcrules.NormalizeAttributeValue(c.field, c.value); err == nil && !a.sendValue(c.field, n) {
			t.Errorf("NormalizeAttributeValue(%s, %q) = %q, which the sandbox refuses", c.field, c.value, n)
		}
		return bcrules.CheckAttributeValue(c.field, c.value) == nil, a.sendValue(c.field, c.value)
	case "form":
		f := staging.FormFieldValue{Name: c.name, ValueType: c.field, ValueJSON: c.value}
		var fv bigcommerce.FormValue
		if err := json.Unmarshal([]byte(c.value), &fv); err != nil {
			t.Fatalf("%s: %v", c.value, err)
		}
		switch fv.Kind {
		case bigcommerce.FormValueString:
			f.ValueString = &fv.String
		case bigcommerce.FormValueList:
			f.ValueArray = fv.List
		}
		cu := sendCustomer(baseCustomer(a.email()))
		cu.FormFields = []bigcommerce.FormField{{Name: c.name, Value: fv}}
		return bcrules.CheckFormField(&f) == nil, a.create(cu)
	case "definition":
		got, _, err := a.c.Attributes.Create(t.Context(), []bigcommerce.AttributeCreate{{Name: c.value, Type: c.field}})
		took := a.accepted(err)
		if took {
			if _, err := a.c.Attributes.Delete(t.Context(), []int64{got[0].ID}); err != nil {
				t.Fatal(err)
			}
		}
		return bcrules.AttributeName.Check(c.value) == nil && bcrules.IsAttributeType(c.field), took
	case "group", "metafield", "subscriber":
		return a.judgeExtra(c)
	}
	t.Fatalf("unknown kind %q", c.kind)
	return false, false
}

// judgeExtra judges the cases of groups, metafields and subscribers, sent
// as the loader sends them.
func (a *api) judgeExtra(c ruleCase) (rules, sandbox bool) {
	t := a.t
	a.n++
	switch c.kind {
	case "group":
		g := staging.CustomerGroup{Name: fmt.Sprintf("Group %d", a.n), CategoryAccessType: "all",
			DiscountRules: []staging.GroupDiscountRule{{Type: "all", Method: "percent", Amount: "5"}}}
		set(t, map[string]*string{"name": &g.Name, "category_access_type": &g.CategoryAccessType,
			"discount_rules.amount": &g.DiscountRules[0].Amount, "discount_rules.method": &g.DiscountRules[0].Method}, c.field, c.value)
		body := bigcommerce.CustomerGroupCreate{Name: g.Name, CategoryAccess: &bigcommerce.CategoryAccess{Type: g.CategoryAccessType},
			DiscountRules: []bigcommerce.DiscountRule{{Type: "all", Method: g.DiscountRules[0].Method, Amount: json.Number(g.DiscountRules[0].Amount)}}}
		_, _, err := a.c.CustomerGroups.Create(t.Context(), body)
		return bcrules.CheckCustomerGroup(&g) == nil, a.acceptedV2(err)
	case "metafield":
		m := staging.Metafield{Namespace: "ns", Key: fmt.Sprintf("k%d", a.n), Value: "v", PermissionSet: "write"}
		set(t, map[string]*string{"namespace": &m.Namespace, "key": &m.Key, "value": &m.Value, "description": &m.Description,
			"permission_set": &m.PermissionSet}, c.field, c.value)
		_, _, err := a.c.Metafields.Create(t.Context(), []bigcommerce.MetafieldCreate{{ResourceID: a.owner, Namespace: m.Namespace,
			Key: m.Key, Value: m.Value, PermissionSet: m.PermissionSet, Description: m.Description}})
		var be *bigcommerce.MetafieldBatchError
		took := !errors.As(err, &be) && a.accepted(err)
		return bcrules.CheckMetafield(&m) == nil, took
	}
	s := staging.Subscriber{Email: fmt.Sprintf("sub%d@example.com", a.n), Source: "custom"}
	var consents string
	set(t, map[string]*string{"email": &s.Email, "first_name": &s.FirstName, "last_name": &s.LastName, "source": &s.Source,
		"consents": &consents}, c.field, c.value)
	if consents != "" {
		s.Consents = strings.Split(consents, ",")
	}
	_, _, err := a.c.Subscribers.Create(t.Context(), bigcommerce.SubscriberCreate{Email: s.Email, FirstName: s.FirstName,
		LastName: s.LastName, Source: s.Source, Consents: s.Consents})
	return bcrules.CheckSubscriber(&s) == nil, a.accepted(err)
}

// acceptedV2 is accepted for the V2 API, which refuses bad input with 400.
func (a *api) acceptedV2(err error) bool {
	a.t.Helper()
	var er *bigcommerce.ErrorResponse
	if errors.As(err, &er) && er.StatusCode == http.StatusBadRequest {
		return false
	}
	return a.accepted(err)
}

// sendValue sends an attribute value both ways the loader does: inline
// with a new customer, and by PUT /customers/attribute-values. The two
// must agree.
func (a *api) sendValue(typ, v string) bool {
	a.t.Helper()
	cu := sendCustomer(baseCustomer(a.email()))
	cu.Attributes = []bigcommerce.AttributeInline{{AttributeID: a.attrs[typ], AttributeValue: v}}
	inline := a.create(cu)
	_, _, err := a.c.AttributeValues.Upsert(a.t.Context(), []bigcommerce.AttributeValueUpsert{{AttributeID: a.attrs[typ], Value: v, CustomerID: a.owner}})
	if put := a.accepted(err); put != inline {
		a.t.Fatalf("the sandbox disagrees with itself on %s value %.40q: inline %v, PUT %v", typ, v, inline, put)
	}
	return inline
}

func verdict(ok bool) string {
	if ok {
		return "accepts"
	}
	return "refuses"
}

// Every rule case gets the same answer from this package as from the
// sandbox, the independent copy of the API's rules, reached over HTTP as
// the loader reaches a store. Our own bounds are the one exception, in one
// direction: the API takes the value and we refuse it.
func TestRulesAgreeWithTheSandbox(t *testing.T) {
	a := newAPI(t)
	for _, c := range cases {
		rules, api := a.judge(c)
		switch {
		case c.ours && (rules || !api):
			t.Errorf("%s %s %.40q (our bound): rules %s, sandbox %s; want rules refuses, sandbox accepts", c.kind, c.field, c.value, verdict(rules), verdict(api))
		case !c.ours && rules != api:
			t.Errorf("%s %s %.40q: rules %s, sandbox %s", c.kind, c.field, c.value, verdict(rules), verdict(api))
		}
	}
}

// Every two-letter country code is taken by this package exactly when the
// sandbox takes it, and every code the country rule resolves a name to is
// one of them.
func TestCountryCodesAgree(t *testing.T) {
	a := newAPI(t)
	states := map[string]string{"US": "California", "CA": "Ontario", "AU": "Victoria"} // the sandbox's state rule
	for x := 'A'; x <= 'Z'; x++ {
		for y := 'A'; y <= 'Z'; y++ {
			code := string([]rune{x, y})
			addr := baseAddress()
			addr.CountryCode, addr.StateOrProvince = code, states[code]
			cu := sendCustomer(baseCustomer(a.email()))
			cu.Addresses = []bigcommerce.AddressInline{sendAddress(addr)}
			if rules, api := bcrules.IsCountryCode(code), a.create(cu); rules != api {
				t.Errorf("country_code %s: rules %s, sandbox %s", code, verdict(rules), verdict(api))
			}
		}
	}
	for _, name := range []string{"United Kingdom", "England", "Deutschland", "usa", "Côte d'Ivoire", "Holland", "Kosovo", "Yugoslavia", "None"} {
		if code := bcrules.CountryCode(name); code != "" && !bcrules.IsCountryCode(code) {
			t.Errorf("CountryCode(%q) = %q, a code the API refuses", name, code)
		}
	}
}
