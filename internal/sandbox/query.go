package sandbox

import (
	"math"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"
)

// Query parameters are parsed strictly. Choices (the document lists the
// parameters but not what happens to bad ones; its 422 answer reads "The
// optional filter parameter was not valid"):
//   - an unknown parameter is a 422 (a misspelt filter silently ignored
//     would return the whole store to a client that believes it filtered);
//     recorded (get_customers_url_error_case422.json): title "The
//     filter(s): foo are not valid filter parameter(s).", `errors` empty;
//     choice: several unknown names are listed sorted, joined by ", ";
//   - a non-integer in an integer list (id:in=hello, customer_id:in=1.5)
//     is a 422; recorded (retrieve/bad_params_422.json): title 'Query
//     parameter "id:in" value may contain only integer values. For input
//     string: "hello".', `errors` empty; choice: the first bad value is
//     named, and a number beyond int32 counts as not an integer (the
//     message is Java's Integer.parseInt failure, which overflow gives too);
//   - any other malformed value (id:in=0, an unparsable date, an empty
//     list) is a 422 "The filter parameter was not valid." naming the
//     parameter in `errors` (nothing recorded);
//   - with Options.ErrorKeys "bracketed" every bad parameter, unknown ones
//     included, is named in `errors` under that title;
//   - a repeated parameter is one list (id:in=1&id:in=2 = id:in=1,2).
type query struct {
	v        url.Values
	errs     map[string]string
	tooLarge string // limit above the maximum: 413

	recorded bool     // Options.ErrorKeys "recorded": the titles above
	unknown  []string // unknown parameters, sorted
	notInt   string   // the recorded title for the first non-integer id

	exclusive bool      // Options.DateBounds "exclusive"
	now       time.Time // for a date-only :max
	links     bool      // meta.pagination.links (Options.Shapes "documented")
}

func (s *Server) parseQuery(r *http.Request, allowed ...string) *query {
	q := &query{errs: map[string]string{}, recorded: s.recordedErrors(),
		exclusive: s.opts.DateBounds == DateBoundsExclusive, now: s.now(), links: !s.recordedShapes()}
	v, err := url.ParseQuery(r.URL.RawQuery)
	if err != nil {
		q.errs["query"] = err.Error()
	}
	q.v = v
	ok := map[string]bool{}
	for _, a := range allowed {
		ok[a] = true
	}
	for k := range v {
		if !ok[k] {
			q.errs[k] = "unknown query parameter"
			q.unknown = append(q.unknown, k)
		}
	}
	sort.Strings(q.unknown)
	return q
}

// err returns the answer for bad parameters, or nil.
func (q *query) err() error {
	if q.tooLarge != "" {
		return &apiError{status: http.StatusRequestEntityTooLarge, title: "The request asks for too many objects.", errs: map[string]string{"limit": q.tooLarge}}
	}
	if q.recorded && len(q.unknown) > 0 {
		return unprocessable("The filter(s): "+strings.Join(q.unknown, ", ")+" are not valid filter parameter(s).", nil)
	}
	if q.recorded && q.notInt != "" {
		return unprocessable(q.notInt, nil)
	}
	if len(q.errs) > 0 {
		return unprocessable("The filter parameter was not valid.", q.errs)
	}
	return nil
}

func (q *query) raw(name string) (string, bool) {
	vs, ok := q.v[name]
	if !ok {
		return "", false
	}
	return strings.Join(vs, ","), true
}

// strList reads a comma-separated list; nil when absent.
func (q *query) strList(name string) []string {
	s, ok := q.raw(name)
	if !ok {
		return nil
	}
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p != "" {
			out = append(out, p)
		}
	}
	if len(out) == 0 {
		q.errs[name] = "must be a non-empty comma-separated list"
	}
	return out
}

// intList reads a comma-separated list of positive int32 ids.
func (q *query) intList(name string) []int64 {
	return q.int32List(name, 1, "positive integers")
}

// groupList reads customer_group_id:in: ids from 0 (0 is the default
// group).
func (q *query) groupList(name string) []int64 {
	return q.int32List(name, 0, "integers")
}

// int32List reads a comma-separated list of integers from minV to
// MaxInt32 (format: int32); what names them in the error.
func (q *query) int32List(name string, minV int64, what string) []int64 {
	ss := q.strList(name)
	if ss == nil {
		return nil
	}
	out := make([]int64, 0, len(ss))
	for _, s := range ss {
		n, err := strconv.ParseInt(strings.TrimSpace(s), 10, 64)
		if err != nil || n < minV || n > math.MaxInt32 {
			q.errs[name] = "must be a comma-separated list of " + what + ", got " + strconv.Quote(s)
			if (err != nil || n > math.MaxInt32) && q.notInt == "" {
				q.notInt = "Query parameter " + strconv.Quote(name) + " value may contain only integer values. For input string: " + strconv.Quote(s) + "."
			}
			return nil
		}
		out = append(out, n)
	}
	return out
}

func (q *query) str(name string) (string, bool) {
	vs, ok := q.v[name]
	if !ok {
		return "", false
	}
	if len(vs) != 1 || vs[0] == "" {
		q.errs[name] = "must be given once, not empty"
		return "", false
	}
	return vs[0], true
}

func (q *query) integer(name string) (int64, bool) {
	s, ok := q.str(name)
	if !ok {
		return 0, false
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n < 1 || n > math.MaxInt32 {
		q.errs[name] = "must be a positive integer"
		return 0, false
	}
	return n, true
}

// boolParam reads true or false.
func (q *query) boolParam(name string) (bool, bool) {
	s, ok := q.str(name)
	if !ok {
		return false, false
	}
	switch s {
	case "true", "1":
		return true, true
	case "false", "0":
		return false, true
	}
	q.errs[name] = "must be true or false"
	return false, false
}

func (q *query) enum(name string, allowed ...string) string {
	s, ok := q.str(name)
	if !ok {
		return ""
	}
	for _, a := range allowed {
		if s == a {
			return s
		}
	}
	q.errs[name] = "must be one of " + strings.Join(allowed, ", ")
	return ""
}

// include reads include=a,b against the allowed names.
func (q *query) include(allowed ...string) map[string]bool {
	ss := q.strList("include")
	out := map[string]bool{}
	for _, s := range ss {
		found := false
		for _, a := range allowed {
			if s == a {
				found = true
			}
		}
		if !found {
			q.errs["include"] = "unknown sub-resource " + strconv.Quote(s) + "; allowed: " + strings.Join(allowed, ",")
			continue
		}
		out[s] = true
	}
	return out
}

// timeFilter is a date filter: lo <= t <= hi (unix seconds), inclusive
// at both ends.
type timeFilter struct {
	set    bool
	lo, hi int64
}

func (f timeFilter) match(t int64) bool { return !f.set || (t >= f.lo && t <= f.hi) }

// dates reads name, name:min and name:max, for every resource with date
// filters (customers, attribute definitions, attribute values). Accepted
// forms (the document: "2024-05-14T09:34:00 or 2024-05-14 … UNIX timestamp
// also accepted"): RFC 3339 with a zone, 2006-01-02T15:04:05 (UTC),
// 2006-01-02 (UTC midnight) and unix seconds. The exact form
// `name=2024-05-14` (a date without time) matches the whole UTC day, with a
// time it matches that second.
//
// Bounds. The document: :min "Returns customers created after this date",
// :max "before this date"; whether a bound itself matches is not said
// (bigcommerce-facts.md (h)). Choice (Options.DateBounds "exclusive", the
// default): both are exclusive, the reading of "after"/"before" that loses
// a record on a window boundary if the client assumes otherwise; a
// date-only :min is midnight (UTC) at the start of that day, a date-only
// :max gets the current time of day (UTC) added, as bigcommerce/docs#766
// reports of the real API (a window ending "2026-01-02" silently ends at
// whatever time it is now). Evidence: docs#766 for the time of day;
// otherwise none, stricter on purpose. "inclusive" is the sandbox's
// earlier reading: both bounds inclusive, a date-only :max is midnight at
// the start of that day.
func (q *query) dates(name string) timeFilter {
	f := timeFilter{lo: math.MinInt64, hi: math.MaxInt64}
	if s, ok := q.str(name); ok {
		t, dayOnly, err := parseTimeParam(s)
		if err != nil {
			q.errs[name] = err.Error()
		} else {
			f.set, f.lo, f.hi = true, t, t
			if dayOnly {
				f.hi = t + 86399
			}
		}
	}
	// Times have second granularity, so "after t" is ">= t+1" and
	// "before t" is "<= t-1".
	if s, ok := q.str(name + ":min"); ok {
		if t, _, err := parseTimeParam(s); err != nil {
			q.errs[name+":min"] = err.Error()
		} else {
			if q.exclusive && t < math.MaxInt64 {
				t++
			}
			f.set, f.lo = true, max(f.lo, t)
		}
	}
	if s, ok := q.str(name + ":max"); ok {
		if t, dayOnly, err := parseTimeParam(s); err != nil {
			q.errs[name+":max"] = err.Error()
		} else {
			if q.exclusive {
				if dayOnly {
					n := q.now.UTC()
					t += int64(n.Hour()*3600 + n.Minute()*60 + n.Second())
				}
				if t > math.MinInt64 {
					t--
				}
			}
			f.set, f.hi = true, min(f.hi, t)
		}
	}
	return f
}

type paramError string

func (e paramError) Error() string { return string(e) }

func parseTimeParam(s string) (sec int64, dayOnly bool, err error) {
	if s != "" && strings.Trim(s, "0123456789") == "" {
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			return 0, false, paramError("invalid unix timestamp")
		}
		return n, false, nil
	}
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t.Unix(), false, nil
	}
	if t, err := time.Parse("2006-01-02T15:04:05", s); err == nil {
		return t.Unix(), false, nil
	}
	if t, err := time.Parse("2006-01-02", s); err == nil {
		return t.Unix(), true, nil
	}
	return 0, false, paramError("must be an ISO 8601 date (2024-05-14), date-time (2024-05-14T09:34:00, RFC 3339) or unix timestamp")
}

func formatTime(sec int64) string { return time.Unix(sec, 0).UTC().Format("2006-01-02T15:04:05Z") }
