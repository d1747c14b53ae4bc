package extract

import (
	"strings"

	"github.com/biter777/countries"
)

// splitName splits a full name into first and last name. BigCommerce needs
// both, and a person written as one word ("Madonna", "Ngũgĩ") is still a
// customer to load, so the rule is:
//
//   - whitespace is trimmed and runs of it collapse to one space;
//   - no words: both empty (the transform rejects the customer);
//   - one word: first name and last name are both that word;
//   - more words: the first word is the first name, the rest the last name
//     ("Anna Maria van der Berg" -> "Anna", "Maria van der Berg").
//
// Joining the result with a space and splitting again gives the same pair,
// so re-running extract on its own output is stable.
func splitName(full string) (first, last string) {
	words := strings.Fields(full)
	switch len(words) {
	case 0:
		return "", ""
	case 1:
		return words[0], words[0]
	}
	return words[0], strings.Join(words[1:], " ")
}

// maxCountryText bounds what is handed to the country lookup, which builds
// its key by repeated string concatenation: a name is short, and a long
// value is not a country.
const maxCountryText = 64

// countryCode resolves a country name or code ("Deutschland", "United
// States", "USA", "gb") to its ISO 3166-1 alpha-2 code, or "" when it is not
// a country the lookup knows. The transform rejects an address without a
// code, naming the raw text kept in country.
func countryCode(text string) string {
	text = strings.TrimSpace(text)
	if text == "" || len(text) > maxCountryText {
		return ""
	}
	c := countries.ByName(text)
	if c == countries.Unknown || !c.IsValid() {
		return ""
	}
	return c.Alpha2()
}

// stripQuote removes the one leading apostrophe that spreadsheets put before
// ids, phone numbers and zips to keep them text ("'0123" stays "0123" and
// not 123). It is applied only to such fields: names like "'t Hooft" keep
// theirs.
func stripQuote(s string) string {
	s = strings.TrimSpace(s)
	if strings.HasPrefix(s, "'") {
		return strings.TrimSpace(s[1:])
	}
	return s
}
