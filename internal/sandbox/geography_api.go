package sandbox

import (
	"net/http"
	"strings"
)

// The V2 Geography endpoints (geography.v2.yml); the data and the rules
// are in geography.go. Filters: country, country_iso2, country_iso3 and
// state, state_abbreviation compare ignoring case (MySQL's default
// collation, like the other text filters); unknown country or state: 404.

type statesRef struct {
	URL      string `json:"url"`
	Resource string `json:"resource"`
}

type countryOut struct {
	ID          int64     `json:"id"`
	Country     string    `json:"country"`
	CountryISO2 string    `json:"country_iso2"`
	CountryISO3 string    `json:"country_iso3"`
	States      statesRef `json:"states"`
}

type stateOut struct {
	ID                int64  `json:"id"`
	State             string `json:"state"`
	StateAbbreviation string `json:"state_abbreviation"`
	CountryID         int64  `json:"country_id"`
}

func (s *Server) countryFull(r *http.Request, c *countryRow) countryOut {
	res := "/countries/" + itoa(c.id) + "/states"
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	return countryOut{ID: c.id, Country: c.name, CountryISO2: c.iso2, CountryISO3: c.iso3,
		States: statesRef{URL: scheme + "://" + r.Host + s.prefix + "/v2" + res, Resource: res}}
}

func stateFull(st stateRow) stateOut {
	return stateOut{ID: st.id, State: st.name, StateAbbreviation: st.abbr, CountryID: st.countryID}
}

func (s *Server) getCountries(w http.ResponseWriter, r *http.Request) {
	q := s.parseQuery(r, "page", "limit", "country", "country_iso2", "country_iso3")
	name, hasName := q.str("country")
	iso2, has2 := q.str("country_iso2")
	iso3, has3 := q.str("country_iso3")
	p := q.pageParams(false)
	if err := q.err(); err != nil {
		failV2(w, err)
		return
	}
	match := func(c *countryRow) bool {
		return (!hasName || strings.EqualFold(c.name, name)) && (!has2 || strings.EqualFold(c.iso2, iso2)) &&
			(!has3 || strings.EqualFold(c.iso3, iso3))
	}
	page, _ := offsetPage(countryList, match, p)
	out := make([]countryOut, len(page))
	for i, c := range page {
		out[i] = s.countryFull(r, c)
	}
	writeJSON(w, http.StatusOK, out)
}

// countryParam reads the country of a path; it answers 404 itself.
func countryParam(w http.ResponseWriter, r *http.Request, name string) *countryRow {
	id, ok := parsePathID(r.PathValue(name))
	if !ok || id > int64(len(countryList)) {
		writeV2Error(w, http.StatusNotFound, "The requested country was not found.")
		return nil
	}
	return countryList[id-1]
}

func (s *Server) getCountry(w http.ResponseWriter, r *http.Request) {
	if q := s.parseQuery(r); q.err() != nil {
		failV2(w, q.err())
		return
	}
	if c := countryParam(w, r, "id"); c != nil {
		writeJSON(w, http.StatusOK, s.countryFull(r, c))
	}
}

func (s *Server) countCountries(w http.ResponseWriter, r *http.Request) {
	if q := s.parseQuery(r); q.err() != nil {
		failV2(w, q.err())
		return
	}
	writeJSON(w, http.StatusOK, map[string]int{"count": len(countryList)})
}

// writeStates answers a page of states matching the state and
// state_abbreviation filters (when allowed).
func (s *Server) writeStates(w http.ResponseWriter, r *http.Request, rows []stateRow, filters bool) {
	allowed := []string{"page", "limit"}
	if filters {
		allowed = append(allowed, "state", "state_abbreviation")
	}
	q := s.parseQuery(r, allowed...)
	name, hasName := q.str("state")
	abbr, hasAbbr := q.str("state_abbreviation")
	p := q.pageParams(false)
	if err := q.err(); err != nil {
		failV2(w, err)
		return
	}
	match := func(st stateRow) bool {
		return (!hasName || strings.EqualFold(st.name, name)) && (!hasAbbr || strings.EqualFold(st.abbr, abbr))
	}
	page, _ := offsetPage(rows, match, p)
	out := make([]stateOut, len(page))
	for i, st := range page {
		out[i] = stateFull(st)
	}
	writeJSON(w, http.StatusOK, out)
}

func (s *Server) getStates(w http.ResponseWriter, r *http.Request) {
	if c := countryParam(w, r, "country_id"); c != nil {
		s.writeStates(w, r, c.states, true)
	}
}

func (s *Server) getAllStates(w http.ResponseWriter, r *http.Request) {
	s.writeStates(w, r, stateRows, false)
}

func (s *Server) getState(w http.ResponseWriter, r *http.Request) {
	if q := s.parseQuery(r); q.err() != nil {
		failV2(w, q.err())
		return
	}
	c := countryParam(w, r, "country_id")
	if c == nil {
		return
	}
	id, _ := parsePathID(r.PathValue("id"))
	for _, st := range c.states {
		if st.id == id {
			writeJSON(w, http.StatusOK, stateFull(st))
			return
		}
	}
	writeV2Error(w, http.StatusNotFound, "The requested state was not found.")
}

func (s *Server) countStates(w http.ResponseWriter, r *http.Request) {
	if q := s.parseQuery(r); q.err() != nil {
		failV2(w, q.err())
		return
	}
	if c := countryParam(w, r, "country_id"); c != nil {
		writeJSON(w, http.StatusOK, map[string]int{"count": len(c.states)})
	}
}

func (s *Server) countAllStates(w http.ResponseWriter, r *http.Request) {
	if q := s.parseQuery(r); q.err() != nil {
		failV2(w, q.err())
		return
	}
	writeJSON(w, http.StatusOK, map[string]int{"count": len(stateRows)})
}
