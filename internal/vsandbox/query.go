package vsandbox

import (
	"net/url"
	"strconv"
	"strings"
	"time"
)

// params are a request's query parameters, checked against the names an
// endpoint documents. An unknown or repeated parameter is refused
// (invalid_query_params): the documents are silent, and a filter silently
// ignored (a misspelt created_at[afer], a BigCommerce-style
// date_created:min) would hand a client every customer while it believes
// it filtered.
type params struct {
	v url.Values
}

// parseParams checks q against the allowed names. listing.mdx spells the
// date filters "[created_at][before]" where customers.json has
// "created_at[before]"; both are accepted as the same parameter.
func parseParams(q url.Values, allowed ...string) (params, error) {
	ok := map[string]bool{}
	for _, a := range allowed {
		ok[a] = true
	}
	p := params{v: url.Values{}}
	for name, vs := range q {
		canon := name
		if strings.HasPrefix(name, "[") {
			if field, rest, found := strings.Cut(name[1:], "]"); found {
				canon = field + rest
			}
		}
		if !ok[canon] {
			return p, badQuery("Query param %q is not allowed. Allowed params: %s", name, strings.Join(allowed, ", "))
		}
		if len(vs) > 1 || p.v.Has(canon) {
			return p, badQuery("Query param .%s should be given once", canon)
		}
		p.v.Set(canon, vs[0])
	}
	return p, nil
}

// integer returns the parameter within [lo, hi], or def when absent.
func (p params) integer(name string, def, lo, hi int) (int, error) {
	if !p.v.Has(name) {
		return def, nil
	}
	n, err := strconv.Atoi(p.v.Get(name))
	switch {
	case err != nil:
		return 0, badQuery("Query param .%s should be integer", name)
	case n < lo:
		return 0, badQuery("Query param .%s should be >= %d", name, lo)
	case n > hi:
		return 0, badQuery("Query param .%s should be <= %d", name, hi)
	}
	return n, nil
}

// enum returns the parameter, one of values, or def when absent.
func (p params) enum(name, def string, values ...string) (string, error) {
	if !p.v.Has(name) {
		return def, nil
	}
	v := p.v.Get(name)
	for _, a := range values {
		if v == a {
			return v, nil
		}
	}
	return "", badQuery("Query param .%s should be equal to one of the allowed values [ %s ]", name, strings.Join(values, ", "))
}

// date returns the parameter as a time (zero when absent): ISO 8601 with
// a zone, or a date, which is midnight UTC ("2016-11-16T14:14:31Z or
// 2016-11-16", listing.mdx).
func (p params) date(name string) (time.Time, error) {
	if !p.v.Has(name) {
		return time.Time{}, nil
	}
	t, ok := parseDate(p.v.Get(name))
	if !ok {
		return t, badQuery("Query param .%s should match format \"date-time\"", name)
	}
	return t, nil
}

func parseDate(s string) (time.Time, bool) {
	if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
		return t.UTC(), true
	}
	if t, err := time.Parse(time.DateOnly, s); err == nil {
		return t, true
	}
	return time.Time{}, false
}

func (p params) str(name string) (string, bool) { return p.v.Get(name), p.v.Has(name) }
