package load

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"unicode"

	"github.com/agnivade/levenshtein"
	"golang.org/x/text/runes"
	"golang.org/x/text/transform"
	"golang.org/x/text/unicode/norm"

	"github.com/bcetl/bcetl/internal/bigcommerce"
	"github.com/bcetl/bcetl/internal/staging"
)

// States: a target accepts the state names of its own list
// (/v2/countries/{id}/states), which are not always ISO 3166-2's (Germany's
// Länder in German, France's regions with a plain apostrophe). The
// transform's ISO rule is the fallback; here each address's state is
// translated to the target's spelling for its country:
//
//  1. a name the target has, compared ignoring case and repeated spaces,
//     is kept as the source spelled it (no respelling of valid data);
//  2. else a name equal to one of the target's ignoring case, accents and
//     punctuation ("Pays-de-la-Loire", "Provence-Alpes-Côte-d’Azur",
//     "Baden-Wurttemberg") becomes the target's;
//  3. else an abbreviation, dots and spaces dropped ("N.S.W.", "nsw",
//     "Calif." through stateAliases), becomes the target's name for it;
//  4. else the address is rejected before sending, with the target's
//     closest names in the message.
//
// A country the target lists no states for takes any text. The lists are
// read once per country, the first time an address needs one.

// stateAliases are abbreviations that are no state code: the traditional
// and postal short forms the ISO rule misses, to the target's
// abbreviation, per country. They apply only where the target's list has
// that abbreviation.
var stateAliases = map[string]map[string]string{
	"US": {"CALIF": "CA", "CAL": "CA", "ALA": "AL", "ARIZ": "AZ", "ARK": "AR", "COLO": "CO", "CONN": "CT", "DEL": "DE",
		"FLA": "FL", "ILL": "IL", "IND": "IN", "KANS": "KS", "MASS": "MA", "MICH": "MI", "MINN": "MN", "MISS": "MS",
		"NEV": "NV", "OKLA": "OK", "ORE": "OR", "PENN": "PA", "PENNA": "PA", "TENN": "TN", "TEX": "TX", "WASH": "WA",
		"WIS": "WI", "WISC": "WI", "WYO": "WY", "DC": "DC"},
	"MX": {"CDMX": "CMX", "DF": "CMX"},
	"CA": {"QUE": "QC", "PQ": "QC", "NFLD": "NL", "SASK": "SK", "ALTA": "AB", "MAN": "MB"},
	"AU": {"VICT": "VIC", "QUEENSLAND": "QLD", "TASMANIA": "TAS"},
}

// countryStates is the target's state list of one country.
type countryStates struct {
	names  []string          // as the target spells them
	exact  map[string]string // lower-case, spaces collapsed → name
	folded map[string]string // foldState → name
	abbr   map[string]string // upper-case abbreviation → name
}

// foldState compares names ignoring case, accents and punctuation:
// "Provence-Alpes-Côte-d’Azur" and "provence alpes cote d'azur" are one.
func foldState(s string) string {
	t := transform.Chain(norm.NFD, runes.Remove(runes.In(unicode.Mn)), norm.NFC)
	s, _, _ = transform.String(t, s)
	f := strings.FieldsFunc(strings.ToLower(s), func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) })
	return strings.Join(f, " ")
}

func exactState(s string) string { return strings.ToLower(strings.Join(strings.Fields(s), " ")) }

// statesOf returns the target's states of a country (nil: none listed).
func (l *loader) statesOf(ctx context.Context, cc string) (*countryStates, error) {
	tm := l.tm
	tm.mu.Lock()
	cs, ok := tm.states[cc]
	tm.mu.Unlock()
	if ok {
		return cs, nil
	}
	l.count(epGetGeography, 0)
	var id int64
	for c, err := range l.c.Geography.Countries(ctx, bigcommerce.CountryListOptions{CountryISO2: cc}) {
		if err != nil {
			return nil, fmt.Errorf("reading the target's countries: %w", err)
		}
		if strings.EqualFold(c.CountryISO2, cc) {
			id = c.ID
		}
	}
	if id != 0 {
		l.count(epGetGeography, 0)
		for s, err := range l.c.Geography.States(ctx, id) {
			if err != nil {
				return nil, fmt.Errorf("reading the target's states of %s: %w", cc, err)
			}
			if cs == nil {
				cs = &countryStates{exact: map[string]string{}, folded: map[string]string{}, abbr: map[string]string{}}
			}
			cs.names = append(cs.names, s.State)
			cs.exact[exactState(s.State)] = s.State
			cs.folded[foldState(s.State)] = s.State
			if s.StateAbbreviation != "" {
				cs.abbr[strings.ToUpper(s.StateAbbreviation)] = s.State
			}
		}
	}
	tm.mu.Lock()
	tm.states[cc] = cs
	tm.mu.Unlock()
	return cs, nil
}

// mapState translates an address's state into the target's spelling, or
// says why it cannot (the rules above).
func (l *loader) mapState(ctx context.Context, a *staging.Address) (reject string, err error) {
	st := strings.TrimSpace(a.StateOrProvince)
	if st == "" || a.CountryCode == "" || l.tm == nil {
		return "", nil
	}
	cs, err := l.statesOf(ctx, a.CountryCode)
	if err != nil || cs == nil {
		return "", err
	}
	if _, ok := cs.exact[exactState(st)]; ok {
		return "", nil
	}
	if n, ok := cs.folded[foldState(st)]; ok {
		a.StateOrProvince = n
		return "", nil
	}
	code := strings.ToUpper(strings.NewReplacer(".", "", " ", "").Replace(st))
	if n, ok := cs.abbr[code]; ok {
		a.StateOrProvince = n
		return "", nil
	}
	if n, ok := cs.abbr[stateAliases[a.CountryCode][code]]; ok {
		a.StateOrProvince = n
		return "", nil
	}
	return fmt.Sprintf("state_or_province %q is not a state of %s in the target store's list; closest: %s", st, a.CountryCode,
		strings.Join(cs.closest(st, 3), ", ")), nil
}

// closest are the n names nearest to s by edit distance over the folded
// spellings.
func (cs *countryStates) closest(s string, n int) []string {
	f := foldState(s)
	type cand struct {
		name string
		d    int
	}
	c := make([]cand, len(cs.names))
	for i, name := range cs.names {
		c[i] = cand{name, levenshtein.ComputeDistance(f, foldState(name))}
	}
	sort.SliceStable(c, func(i, j int) bool { return c[i].d < c[j].d })
	var out []string
	for _, x := range c[:min(n, len(c))] {
		out = append(out, x.name)
	}
	return out
}
