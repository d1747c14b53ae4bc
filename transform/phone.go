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

// maxPhoneInput is the longest phone given to libphonenumber.
const maxPhoneInput = 64

// e164 parses phone for region country. libphonenumber caps input at 250
// characters; the API caps phones at 50, so anything longer is not a phone.
func e164(country, phone string) (string, bool) {
	if phone == "" || len(phone) > maxPhoneInput {
		return "", false
	}
	if k, ok := nanpFast(country, phone); ok {
		return k, true
	}
	return e164Slow(country, phone)
}

// nanpFast handles the most common case without libphonenumber, whose
// regular expressions cost about 15µs a number: a North American number
// written with digits and the separators " -.()" only, area code not
// starting with 0 or 1 — for a US or Canadian address 10 digits, or 11
// with the leading 1; for any address "+1" and 10 digits (with a country
// code, the address's country does not matter). It gives what the library
// gives (TestNANPFastPathAgrees and FuzzPhoneKey check it); everything
// else goes to the library.
func nanpFast(country, phone string) (string, bool) {
	plus := len(phone) > 0 && phone[0] == '+'
	if !plus && country != "US" && country != "CA" {
		return "", false
	}
	var d [11]byte
	n := 0
	start := 0
	if plus {
		start = 1
	}
	for i := start; i < len(phone); i++ {
		c := phone[i]
		switch {
		case '0' <= c && c <= '9':
			if n == len(d) {
				return "", false
			}
			d[n] = c
			n++
		case c == ' ' || c == '-' || c == '.' || c == '(' || c == ')':
		default:
			return "", false
		}
	}
	switch {
	case plus:
		if n == 11 && d[0] == '1' && d[1] >= '2' {
			return "+" + string(d[:11]), true
		}
	case n == 10 && d[0] >= '2':
		return "+1" + string(d[:10]), true
	case n == 11 && d[0] == '1' && d[1] >= '2':
		return "+" + string(d[:11]), true
	}
	return "", false
}

func e164Slow(country, phone string) (string, bool) {
	n, err := phonenumbers.Parse(phone, country)
	if err != nil || !phonenumbers.IsPossibleNumber(n) {
		return "", false
	}
	return phonenumbers.Format(n, phonenumbers.E164), true
}
