package transform

import (
	"github.com/nyaruka/phonenumbers"
)

// PhoneKey is the "phone" rule. Phone numbers are written out exactly as
// given (after the text rule) — people format their own numbers and the
// store shows them back — but they are compared through E.164: when the
// number parses for the address's country (github.com/nyaruka/phonenumbers,
// the Go port of libphonenumber) the key is its E.164 form, so
// "(415) 555-0100", "415.555.0100" and "+1 415 555 0100" are one number for
// a US address. Otherwise the key is the case-folded text.
//
// The key only feeds the address uniqueness key (AddressKey); it is never
// sent.
func PhoneKey(country, phone string) string {
	phone = Text(phone)
	if k, ok := e164(country, phone); ok {
		return k
	}
	return string(appendFold(nil, phone))
}

// e164 parses phone for region country. libphonenumber caps input at 250
// characters; the API caps phones at 50, so anything longer is not a phone.
func e164(country, phone string) (string, bool) {
	if phone == "" || len(phone) > 64 {
		return "", false
	}
	n, err := phonenumbers.Parse(phone, country)
	if err != nil || !phonenumbers.IsPossibleNumber(n) {
		return "", false
	}
	return phonenumbers.Format(n, phonenumbers.E164), true
}
