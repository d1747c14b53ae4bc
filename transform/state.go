package transform

import (
	"errors"
	"fmt"
	"strings"
	"sync"

	"github.com/biter777/countries"

	"github.com/bcetl/bcetl/internal/bcrules"
)

// ErrUnknownSubdivision is returned by NormalizeState for a value that is
// unmistakably an ISO 3166-2 code ("US-ZZ", or "US-CA" on a GB address) but
// names no subdivision of the address's country.
var ErrUnknownSubdivision = errors.New("unknown state or province code")

// NormalizeState is the "state" rule. The API wants states and provinces
// spelled out in full ("State or province codes not accepted"), but many
// sources — Shopify exports among them — give ISO 3166-2 codes. For an
// address in country (alpha-2):
//
//   - a subdivision name, matched ignoring case, accents and punctuation,
//     becomes the library's canonical spelling ("new south wales" → "New
//     South Wales", "Baden Wurttemberg" → "Baden-Württemberg");
//   - a code, bare ("CA", "ON", "NSW") or prefixed ("US-CA", "us ca"),
//     becomes the subdivision's name from the ISO 3166-2 data in
//     github.com/biter777/countries ("US-CA" → "California");
//   - a few English exonyms the library lacks are mapped to its (local)
//     names: "Bavaria" → "Bayern" and the other German states;
//   - where the library gives a bilingual name ("Isle of Anglesey; Sir Ynys
//     Môn") the first (English) part is used; either part is accepted.
//
// Names are tried before codes, so a name is never mistaken for a code.
// Anything else is kept as given: BigCommerce has its own state lists, and
// an unknown name is more likely our data's gap than the customer's mistake.
// Such values are counted (Report.Unrecognised["state"]) so they can be
// reviewed. The one exception is a prefixed code "XX-YYY" whose XX is a
// country code: if the subdivision does not exist, or belongs to another
// country than the address, it is clearly wrong and rejects the address.
//
// Library quirks worth knowing (tested): DE-BY is "Bayern" (local names
// for Germany), CA-YT is "Yukon Territory", CA-QC is "Quebec" (no accent),
// GB-ENG is "England" and GB has 224 subdivisions mixing nations, counties
// and boroughs.
func NormalizeState(country, s string) (string, error) {
	out, _, err := normalizeState(strings.ToUpper(strings.TrimSpace(country)), Text(s))
	return out, err
}

// stateResult says how normalizeState treated a value.
type stateResult int

const (
	stateKnown   stateResult = iota // a known name or code
	stateUnknown                    // kept as given, counted
	stateNone                       // empty, or a country without subdivisions
)

func normalizeState(country, s string) (string, stateResult, error) {
	if s == "" {
		return s, stateNone, nil
	}
	t := stateIndex()[country]
	if t == nil {
		return s, stateNone, nil
	}
	f := bcrules.LooseFold(s)
	if name, ok := t.byName[f]; ok {
		return name, stateKnown, nil
	}
	if name, ok := t.byCode[strings.ToUpper(strings.ReplaceAll(f, " ", ""))]; ok && len(f) <= 3 {
		return name, stateKnown, nil
	}
	// Prefixed code: "US-CA", "us ca", "US_CA".
	if prefix, sub, sep, ok := splitCode(s); ok {
		if prefix == country {
			if name, ok := t.byCode[sub]; ok {
				return name, stateKnown, nil
			}
			if sep != ' ' {
				return s, stateUnknown, fmt.Errorf("%w: %s-%s is not a subdivision of %s", ErrUnknownSubdivision, prefix, sub, country)
			}
		} else if ot := stateIndex()[prefix]; ot != nil && sep != ' ' && strings.ToUpper(s) == s {
			if _, ok := ot.byCode[sub]; ok {
				return s, stateUnknown, fmt.Errorf("%w: %s-%s belongs to %s, but the address is in %s", ErrUnknownSubdivision, prefix, sub, prefix, country)
			}
		}
	}
	return s, stateUnknown, nil
}

// splitCode splits an ISO 3166-2 code written "XX-YYY", "XX_YYY" or
// "XX YYY" into its upper-cased parts.
func splitCode(s string) (prefix, sub string, sep byte, ok bool) {
	if len(s) < 4 || len(s) > 6 || (s[2] != '-' && s[2] != '_' && s[2] != ' ') {
		return "", "", 0, false
	}
	if !isAlnumASCII(s[:2]) || !isAlnumASCII(s[3:]) {
		return "", "", 0, false
	}
	return strings.ToUpper(s[:2]), strings.ToUpper(s[3:]), s[2], true
}

func isAlnumASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9') {
			return false
		}
	}
	return true
}

type subdivisions struct {
	byName map[string]string // bcrules.LooseFold(name) → canonical name
	byCode map[string]string // "CA" (the part after "US-") → canonical name
}

// germanExonyms maps English names of the German states to the library's
// German ones. The library uses local names for Germany only among the
// countries our users ship to most; other gaps surface in
// Report.Unrecognised["state"].
var germanExonyms = map[string]string{
	"Bavaria":                       "Bayern",
	"Hesse":                         "Hessen",
	"Lower Saxony":                  "Niedersachsen",
	"North Rhine-Westphalia":        "Nordrhein-Westfalen",
	"Rhineland-Palatinate":          "Rheinland-Pfalz",
	"Saxony":                        "Sachsen",
	"Saxony-Anhalt":                 "Sachsen-Anhalt",
	"Thuringia":                     "Thüringen",
	"Mecklenburg-Western Pomerania": "Mecklenburg-Vorpommern",
	"Mecklenburg-West Pomerania":    "Mecklenburg-Vorpommern",
}

var stateIndex = sync.OnceValue(func() map[string]*subdivisions {
	idx := map[string]*subdivisions{}
	for c, subs := range countries.AllSubdivisionsByCountryCode() {
		a2 := c.Alpha2()
		t := &subdivisions{byName: map[string]string{}, byCode: map[string]string{}}
		// Codes first, for all subdivisions, then names, so a name that
		// folds to another subdivision's name keeps the first one seen —
		// deterministic because subs is in code order.
		for _, sd := range subs {
			code := string(sd)
			i := strings.IndexByte(code, '-')
			if i < 0 {
				continue
			}
			parts := strings.Split(sd.String(), ";")
			canonical := strings.TrimSpace(parts[0])
			if canonical == "" || canonical == countries.UnknownMsg {
				continue
			}
			t.byCode[code[i+1:]] = canonical
			for _, p := range parts {
				if f := bcrules.LooseFold(p); f != "" {
					if _, dup := t.byName[f]; !dup {
						t.byName[f] = canonical
					}
				}
			}
		}
		if len(t.byCode) > 0 {
			idx[a2] = t
		}
	}
	if de := idx["DE"]; de != nil {
		for en, local := range germanExonyms {
			de.byName[bcrules.LooseFold(en)] = local
		}
	}
	return idx
})
