package bcrules

import (
	"slices"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"

	"github.com/biter777/countries"
	"golang.org/x/text/cases"
	"golang.org/x/text/unicode/norm"
)

// IsCountryCode reports whether the API takes code as a country_code: one
// of the 249 officially assigned ISO 3166-1 alpha-2 codes, in upper case.
func IsCountryCode(code string) bool { return countryIndex().valid[code] }

// CountryCodes lists the codes IsCountryCode takes, sorted.
func CountryCodes() []string {
	out := make([]string, 0, len(countryIndex().valid))
	for c := range countryIndex().valid {
		out = append(out, c)
	}
	slices.Sort(out)
	return out
}

// CountryCode is the transform's country rule, and the file sources' too:
// it turns a country given as an ISO 3166-1 alpha-2 code, an alpha-3 code
// (any case) or a name ("United Kingdom", "united states") into the
// alpha-2 code the API wants, or "" when s names no country. Names and
// codes come from github.com/biter777/countries; its ByName also knows
// common aliases ("UK", "USA", "Holland", "England" → GB, "Deutschland").
//
// Codes are looked up first, in our own table of the library's 2- and
// 3-letter codes, because ByName is lenient (it ignores everything after a
// "(" and every non-letter) and answers with pseudo-countries ("None",
// "International Freephone") that are not countries; its answer is only
// used when it is one of the real countries.
func CountryCode(s string) string {
	s = strings.TrimSpace(s)
	idx := countryIndex()
	if c, ok := idx.byCode[strings.ToUpper(s)]; ok {
		return c
	}
	if c, ok := idx.byName[LooseFold(s)]; ok {
		return c
	}
	// ByName copies the string rune by rune (quadratic); no country name is
	// anywhere near this long.
	if s == "" || len(s) > 64 {
		return ""
	}
	if a2 := countries.ByName(s).Alpha2(); idx.valid[a2] {
		return a2
	}
	return ""
}

// CountryName is the library's English name for an alpha-2 code ("US" →
// "United States"), or "" when the code is unknown. The transform writes it
// to the address's country column, which the API derives from
// country_code itself.
func CountryName(alpha2 string) string {
	return countryIndex().names[alpha2]
}

// notAssigned are codes the library knows that ISO 3166-1 does not assign
// (any more): an address with one would be refused by the API.
var notAssigned = map[string]bool{
	"AN": true, // Netherlands Antilles, withdrawn in 2010
	"YU": true, // Yugoslavia, withdrawn in 2003
	"XK": true, // Kosovo: a user-assigned code, not ISO's
}

type countryTable struct {
	byCode map[string]string // "GB", "GBR" → "GB"
	byName map[string]string // LooseFold("United Kingdom") → "GB"
	names  map[string]string // "GB" → "United Kingdom"
	valid  map[string]bool
}

var countryIndex = sync.OnceValue(func() *countryTable {
	t := &countryTable{byCode: map[string]string{}, byName: map[string]string{}, names: map[string]string{}, valid: map[string]bool{}}
	for _, c := range countries.All() {
		a2, a3 := c.Alpha2(), c.Alpha3()
		if len(a2) != 2 || notAssigned[a2] {
			continue
		}
		t.valid[a2] = true
		t.byCode[a2] = a2
		if len(a3) == 3 {
			t.byCode[a3] = a2
		}
		t.names[a2] = c.String()
		t.byName[LooseFold(c.String())] = a2
	}
	return t
})

// LooseFold folds s for lenient name matching (countries, states): accents
// are removed, case is folded, and every run of characters that is neither
// letter nor digit becomes one space, so "Baden Wurttemberg",
// "baden-württemberg" and "BADEN-WÜRTTEMBERG" compare equal.
func LooseFold(s string) string {
	ascii := true
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			ascii = false
			break
		}
	}
	if !ascii {
		s = norm.NFD.String(s)
	}
	b := make([]byte, 0, len(s))
	space := false
	for _, r := range s {
		switch {
		case unicode.Is(unicode.Mn, r):
		case unicode.IsLetter(r) || unicode.IsDigit(r):
			if space && len(b) > 0 {
				b = append(b, ' ')
			}
			space = false
			b = utf8.AppendRune(b, r)
		default:
			space = true
		}
	}
	if ascii {
		return strings.ToLower(string(b))
	}
	return cases.Fold().String(string(b))
}
