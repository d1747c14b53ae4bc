package transform

import (
	"errors"
	"fmt"
	"strings"
	"sync"

	"github.com/biter777/countries"
)

// ErrUnknownCountry is returned by NormalizeCountry for a value that names
// no ISO 3166-1 country.
var ErrUnknownCountry = errors.New("unknown country")

// NormalizeCountry is the "country" rule: it turns a country given as an
// ISO 3166-1 alpha-2 code, an alpha-3 code (any case) or an English name
// ("United Kingdom", "united states") into the alpha-2 code the API wants.
// Names and codes come from github.com/biter777/countries; its ByName also
// knows common aliases ("UK", "USA", "Holland", "England" → GB, "Deutschland").
//
// Codes are looked up first, in our own table of the library's 2- and
// 3-letter codes, because ByName is lenient (it ignores everything after a
// "(" and every non-letter) and answers with pseudo-countries ("None",
// "International Freephone") that are not countries; its answer is only
// used when it is one of the 249+ real countries. An unknown value rejects
// the address.
func NormalizeCountry(s string) (string, error) {
	return normalizeCountry(Text(s))
}

func normalizeCountry(s string) (string, error) {
	idx := countryIndex()
	if c, ok := idx.byCode[strings.ToUpper(s)]; ok {
		return c, nil
	}
	if c, ok := idx.byName[looseFold(s)]; ok {
		return c, nil
	}
	// ByName copies the string rune by rune (quadratic); no country name is
	// anywhere near this long.
	if len(s) > 64 {
		return s, fmt.Errorf("%w %q", ErrUnknownCountry, s)
	}
	if c := countries.ByName(s); c != countries.Unknown {
		if a2 := c.Alpha2(); idx.valid[a2] {
			return a2, nil
		}
	}
	return s, fmt.Errorf("%w %q", ErrUnknownCountry, s)
}

// CountryName is the library's English name for an alpha-2 code ("US" →
// "United States"), or "" when the code is unknown. The transform writes it
// to the address's country column, which the API derives from
// country_code itself.
func CountryName(alpha2 string) string {
	return countryIndex().names[alpha2]
}

type countryTable struct {
	byCode map[string]string // "GB", "GBR" → "GB"
	byName map[string]string // looseFold("United Kingdom") → "GB"
	names  map[string]string // "GB" → "United Kingdom"
	valid  map[string]bool
}

var countryIndex = sync.OnceValue(func() *countryTable {
	t := &countryTable{byCode: map[string]string{}, byName: map[string]string{}, names: map[string]string{}, valid: map[string]bool{}}
	for _, c := range countries.All() {
		a2, a3 := c.Alpha2(), c.Alpha3()
		if len(a2) != 2 {
			continue
		}
		t.valid[a2] = true
		t.byCode[a2] = a2
		if len(a3) == 3 {
			t.byCode[a3] = a2
		}
		t.names[a2] = c.String()
		t.byName[looseFold(c.String())] = a2
	}
	return t
})
