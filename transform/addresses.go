package transform

import (
	"fmt"
	"strings"

	"github.com/bcetl/bcetl/internal/bcrules"
	"github.com/bcetl/bcetl/internal/staging"
)

// address applies the text, country, state, postal and address_type rules
// to a and validates it against customerAddresses_CustomerPost. Rules that
// are turned off leave their field as the text rule left it.
func (n *normalizer) address(a *staging.Address) *problem {
	if p := checkUTF8("source_key", a.SourceKey, "customer_source_key", a.CustomerSourceKey,
		"first_name", a.FirstName, "last_name", a.LastName, "company", a.Company,
		"address1", a.Address1, "address2", a.Address2, "city", a.City,
		"state_or_province", a.StateOrProvince, "postal_code", a.PostalCode,
		"country", a.Country, "country_code", a.CountryCode, "phone", a.Phone, "address_type", a.AddressType); p != nil {
		return p
	}
	n.text(&a.FirstName, &a.LastName, &a.Company, &a.Address1, &a.Address2, &a.City,
		&a.StateOrProvince, &a.PostalCode, &a.Country, &a.CountryCode, &a.Phone, &a.AddressType)
	if n.opts.on(RuleCountry) {
		if p := n.country(a); p != nil {
			return p
		}
	}
	if n.opts.on(RuleState) {
		v, res, err := normalizeState(a.CountryCode, a.StateOrProvince)
		if err != nil {
			return newProblem("state_or_province", RuleState, a.StateOrProvince,
				err.Error()+": give the state's full name or a valid code for the address's country")
		}
		if res == stateUnknown {
			n.unrecognised(RuleState)
		}
		n.count(RuleState, a.StateOrProvince, v)
		a.StateOrProvince = v
	}
	if n.opts.on(RulePostal) {
		v := normalizePostal(a.CountryCode, a.PostalCode)
		n.count(RulePostal, a.PostalCode, v)
		a.PostalCode = v
	}
	if n.opts.on(RuleAddressType) {
		v, err := NormalizeAddressType(a.AddressType)
		if err != nil {
			return newProblem("address_type", RuleAddressType, a.AddressType,
				fmt.Sprintf("address_type %q is neither residential nor commercial: fix it, or leave it empty for residential", a.AddressType))
		}
		n.count(RuleAddressType, a.AddressType, v)
		a.AddressType = v
	}
	// With the country or address_type rule off, the value must already be
	// one the API takes.
	return bcrules.CheckAddress(a)
}

// country resolves country_code from country_code or, when that is empty
// or unknown, from the country column (file sources put the raw value
// there). The country column is rewritten to the library's English name:
// the API derives it from the code anyway.
func (n *normalizer) country(a *staging.Address) *problem {
	field, src := "country_code", a.CountryCode
	code := bcrules.CountryCode(src)
	if code == "" && a.Country != "" {
		if c := bcrules.CountryCode(a.Country); c != "" || src == "" {
			field, src, code = "country", a.Country, c
		}
	}
	if code == "" {
		if src == "" {
			return newProblem("country_code", CheckRequired, "", "country_code is required and both country_code and country are empty")
		}
		return newProblem(field, RuleCountry, src,
			fmt.Sprintf("unknown country %q: use an ISO 3166-1 code (US, GBR) or an English country name", src))
	}
	n.count(RuleCountry, a.CountryCode, code)
	a.CountryCode = code
	a.Country = bcrules.CountryName(code)
	return nil
}

// phoneKey is the phone part of the address key: E.164 when the phone
// rule is on and the number parses, else the case-folded text.
func (n *normalizer) phoneKey(a *staging.Address) string {
	if a.Phone == "" {
		return ""
	}
	if n.opts.on(RulePhone) {
		k, ok := "", false
		if n.phones != nil {
			k, ok = n.phones.e164(a.CountryCode, a.Phone)
		} else {
			k, ok = e164(a.CountryCode, a.Phone)
		}
		if ok {
			return k
		}
		n.unrecognised(RulePhone)
	}
	return strings.ToLower(a.Phone)
}
