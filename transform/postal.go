package transform

import (
	"strings"
)

// NormalizePostal is the "postal" rule. Every postal code is trimmed, has
// its white space collapsed, loses a leading apostrophe (spreadsheets and
// Shopify exports use one to keep leading zeros) and is upper-cased. Then,
// by the address's country (alpha-2):
//
//   - US: 5 digits, or ZIP+4 written with a hyphen: "123456789" and
//     "12345 6789" → "12345-6789";
//   - CA: "A1A 1A1" with one space: "k1a0b1" → "K1A 0B1";
//   - GB: one space before the three-character inward code: "sw1a1aa" →
//     "SW1A 1AA";
//   - NL: "1234 AB": "1234ab" → "1234 AB".
//
// A code that does not fit its country's pattern, and every code of other
// countries, is kept (trimmed, upper-cased): the API does not check postal
// codes and the customer may know better than our patterns.
func NormalizePostal(country, s string) string {
	return normalizePostal(strings.ToUpper(strings.TrimSpace(country)), Text(s))
}

func normalizePostal(country, s string) string {
	s = strings.TrimSpace(strings.TrimLeft(s, "'"))
	s = strings.ToUpper(s)
	compact := compactPostal.Replace(s)
	switch country {
	case "US":
		if len(compact) == 9 && allDigits(compact) {
			return compact[:5] + "-" + compact[5:]
		}
		if len(compact) == 5 && allDigits(compact) {
			return compact
		}
	case "CA":
		if len(compact) == 6 && pattern(compact, "ADADAD") {
			return compact[:3] + " " + compact[3:]
		}
	case "GB":
		if ukPostcode(compact) {
			return compact[:len(compact)-3] + " " + compact[len(compact)-3:]
		}
	case "NL":
		if len(compact) == 6 && pattern(compact, "DDDDAA") {
			return compact[:4] + " " + compact[4:]
		}
	}
	return s
}

// compactPostal removes the separators people put inside postal codes.
var compactPostal = strings.NewReplacer(" ", "", "-", "")

// ukPostcode matches the outward+inward shapes A9 9AA, A99 9AA, AA9 9AA,
// AA99 9AA, A9A 9AA and AA9A 9AA (without the space).
func ukPostcode(c string) bool {
	if len(c) < 5 || len(c) > 7 || !pattern(c[len(c)-3:], "DAA") {
		return false
	}
	switch out := c[:len(c)-3]; len(out) {
	case 2:
		return pattern(out, "AD")
	case 3:
		return pattern(out, "ADD") || pattern(out, "AAD") || pattern(out, "ADA")
	case 4:
		return pattern(out, "AADD") || pattern(out, "AADA")
	}
	return false
}

// pattern matches s against a shape of A (ASCII letter) and D (digit).
func pattern(s, shape string) bool {
	if len(s) != len(shape) {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		isLetter := 'A' <= c && c <= 'Z'
		isDigit := '0' <= c && c <= '9'
		if shape[i] == 'A' && !isLetter || shape[i] == 'D' && !isDigit {
			return false
		}
	}
	return true
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}
