package bcrules

import (
	"encoding/json"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/bcetl/bcetl/internal/staging"
)

// Limit is a length rule: Min to Max characters (Max 0: no maximum).
// Lengths are counted in characters (Unicode code points), as the API
// counts them — not bytes: "Zoë" is 3.
type Limit struct {
	Field    string
	Min, Max int
}

// Check reports v's violation of l, if any.
func (l Limit) Check(v string) *Violation {
	n := utf8.RuneCountInString(v)
	switch {
	case n == 0 && l.Min > 0:
		return &Violation{l.Field, RuleRequired, v, fmt.Sprintf("%s is required and is empty", l.Field)}
	case n < l.Min:
		return &Violation{l.Field, RuleLength, v, fmt.Sprintf("%s must be at least %d characters, it has %d", l.Field, l.Min, n)}
	case l.Max > 0 && n > l.Max:
		return &Violation{l.Field, RuleLength, v, fmt.Sprintf("%s must be at most %d characters, it has %d: shorten it", l.Field, l.Max, n)}
	}
	return nil
}

// checkAll checks values, in the order of limits.
func checkAll(limits []Limit, values ...string) *Violation {
	for i, l := range limits {
		if v := l.Check(values[i]); v != nil {
			return v
		}
	}
	return nil
}

// MaxLongText bounds the string fields the document leaves unbounded and
// the loader sends: customer notes and form field values. It is our bound,
// not the API's (the API, and the sandbox, take more): without it one
// 10 MB note makes the request too large for any server (413). 65,535
// characters (a MySQL TEXT column) keeps any one record under 1 MiB, the
// smallest body limit the loader assumes (internal/sandbox), even if every
// character needs a six-byte JSON escape (\u003c): 393,210 bytes, with
// room for the record's other fields.
const MaxLongText = 65535

// The limits of the Customers V3 OpenAPI document: customer_Post,
// customerAddresses_CustomerPost / address_Post, attribute_Post,
// formFieldValue. Where it gives no maximum, the one chosen is named.
var (
	// registration_ip_address (≤30 in customer_Full) is not checked: the
	// loader never sends it (customer_Post has no such field). notes:
	// MaxLongText, ours.
	customerLimits = []Limit{
		{"email", 3, 250}, {"first_name", 1, 100}, {"last_name", 1, 100},
		{"company", 0, 255}, {"phone", 0, 50}, {"tax_exempt_category", 0, 255},
		{"notes", 0, MaxLongText},
	}
	// address1 is required. address1 and address2 have no documented
	// maximum; 255, the size of the other address text fields, is the
	// strict reading the sandbox enforces too. State and postal code are
	// required only "for countries that need them", which the document
	// does not list, so they are not required here (the load stage reports
	// the API's answer).
	addressLimits = []Limit{
		{"first_name", 1, 255}, {"last_name", 1, 255}, {"company", 0, 255},
		{"address1", 1, 255}, {"address2", 0, 255}, {"city", 1, 100}, {"state_or_province", 0, 100},
		{"postal_code", 0, 30}, {"country_code", 2, 2}, {"phone", 0, 50},
	}
	// AttributeName is attribute_Post.name.
	AttributeName = Limit{"name", 1, 255}
	// FormFieldName has no documented maximum; the sandbox's 255, like
	// address lines.
	FormFieldName = Limit{"name", 1, 255}
)

// Address types the API accepts; an address sent without one is
// residential.
const (
	AddressResidential = "residential"
	AddressCommercial  = "commercial"
)

// CheckCustomer checks a customer as it will be sent (customer_Post):
// the email's syntax, then every length.
func CheckCustomer(c *staging.Customer) *Violation {
	if c.Email != "" {
		if err := CheckEmail(c.Email); err != nil {
			return &Violation{"email", RuleEmail, c.Email, err.Error() + ": correct it in the source; customers need a valid, unique email"}
		}
	}
	return checkAll(customerLimits, c.Email, c.FirstName, c.LastName, c.Company, c.Phone, c.TaxExemptCategory, c.Notes)
}

// CheckAddress checks an address as it will be sent
// (customerAddresses_CustomerPost): lengths, a country code the API knows,
// the address type.
func CheckAddress(a *staging.Address) *Violation {
	if v := checkAll(addressLimits, a.FirstName, a.LastName, a.Company, a.Address1, a.Address2, a.City,
		a.StateOrProvince, a.PostalCode, a.CountryCode, a.Phone); v != nil {
		return v
	}
	if !IsCountryCode(a.CountryCode) {
		return &Violation{"country_code", RuleCountry, a.CountryCode,
			fmt.Sprintf("country_code %q is not an ISO 3166-1 alpha-2 code in upper case (US, GB): fix it, or let the country rule resolve it", a.CountryCode)}
	}
	switch a.AddressType {
	case "", AddressResidential, AddressCommercial:
		return nil
	}
	return &Violation{"address_type", RuleEnum, a.AddressType,
		fmt.Sprintf("address_type must be exactly residential or commercial, or empty, not %q", a.AddressType)}
}

// CheckFormField checks a form field value as it will be sent
// (formFieldValue): its name, and value_json, which the loader sends: a
// string, or an array of strings, of at most MaxLongText characters in all
// (ours: the API gives no bound), or a finite number. value_type is the
// staging file's business, not the API's.
func CheckFormField(f *staging.FormFieldValue) *Violation {
	if v := FormFieldName.Check(f.Name); v != nil {
		return v
	}
	js := strings.TrimSpace(f.ValueJSON)
	switch {
	case strings.HasPrefix(js, `"`):
		var s string
		if json.Unmarshal([]byte(js), &s) == nil {
			return Limit{"value_string", 0, MaxLongText}.Check(s)
		}
	case strings.HasPrefix(js, "["):
		var l []string
		if json.Unmarshal([]byte(js), &l) == nil {
			total := 0
			for _, v := range l {
				total += utf8.RuneCountInString(v)
			}
			if total > MaxLongText {
				return &Violation{"value_array", RuleLength, js,
					fmt.Sprintf("value_array must hold at most %d characters in all, it has %d: shorten it", MaxLongText, total)}
			}
			return nil
		}
	case FiniteJSONNumber(js):
		return nil
	}
	if len(js) > 40 {
		js = strings.ToValidUTF8(js[:40], "") + "…"
	}
	return &Violation{"value_json", RuleFormField, f.ValueJSON,
		"value_json must be a string, a finite number or an array of strings, not " + js}
}
