package bigcommerce

import (
	"context"
	"iter"
	"net/url"
	"strconv"
)

// GeographyService handles the V2 /countries and /countries/{id}/states
// (geography.v2.yml): the country and state names a store accepts in
// addresses. Their spelling is the store's (BigCommerce's, not always ISO
// 3166-2's), and country ids are the store's list order, so a country is
// found by its ISO code, never by id.
type GeographyService service

// Country is country_Full.
type Country struct {
	ID          int64  `json:"id"`
	Country     string `json:"country"`
	CountryISO2 string `json:"country_iso2"`
	CountryISO3 string `json:"country_iso3"`
	States      struct {
		URL      string `json:"url"`
		Resource string `json:"resource"`
	} `json:"states"`
}

// State is state_Full: State is the name the store accepts in an
// address's state_or_province, StateAbbreviation its short form.
type State struct {
	ID                int64  `json:"id"`
	State             string `json:"state"`
	StateAbbreviation string `json:"state_abbreviation"`
	CountryID         int64  `json:"country_id"`
}

// CountryListOptions filters GET /countries; each filter is an exact
// match (the sandbox compares ignoring case).
type CountryListOptions struct {
	ListOptions
	Country     string
	CountryISO2 string
	CountryISO3 string
}

func (o *CountryListOptions) values() url.Values {
	v := url.Values{}
	if o == nil {
		return v
	}
	for k, x := range map[string]string{"country": o.Country, "country_iso2": o.CountryISO2, "country_iso3": o.CountryISO3} {
		if x != "" {
			v.Set(k, x)
		}
	}
	return v
}

// Countries iterates over the store's countries matching opts.
func (s *GeographyService) Countries(ctx context.Context, opts CountryListOptions) iter.Seq2[Country, error] {
	return flatten(v2Pages[Country](ctx, s.client, "countries", opts.ListOptions, opts.values()))
}

// States iterates over the states of a country (its id in this store).
// A country without states yields none.
func (s *GeographyService) States(ctx context.Context, countryID int64) iter.Seq2[State, error] {
	path := "countries/" + strconv.FormatInt(countryID, 10) + "/states"
	return flatten(v2Pages[State](ctx, s.client, path, ListOptions{}, nil))
}
