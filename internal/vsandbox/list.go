package vsandbox

import (
	"net/http"
	"sort"
	"strings"
	"time"
)

// List Customers limits (customers.json): limit 1–100, default 10
// (ParameterLimit); page 1–99 (ParameterPage99). Page numbers thus reach
// 9,900 customers; the rest must be walked with starting_after.
const (
	defaultLimit = 10
	maxLimit     = 100
	maxPage      = 99
)

// customerOrders is ParameterOrderListCustomers.
var customerOrders = []string{"created_at", "-created_at", "updated_at", "-updated_at", "source_id", "-source_id"}

var listParams = []string{"limit", "page", "email", "city", "name", "segment_id",
	"created_at[before]", "created_at[after]", "updated_at[before]", "updated_at[after]", "order", "starting_after"}

// listQuery is a parsed List Customers request.
type listQuery struct {
	limit, page       int
	order             string
	email, city, name *string

	createdBefore, createdAfter, updatedBefore, updatedAfter time.Time

	// The starting_after cursor: the field it compares, and whether the
	// customers wanted come after it (ascending orders) or before.
	cursor      time.Time
	cursorField string
	cursorAfter bool
}

func parseListQuery(r *http.Request) (*listQuery, error) {
	p, err := parseParams(r.URL.Query(), listParams...)
	if err != nil {
		return nil, err
	}
	q := &listQuery{}
	if q.limit, err = p.integer("limit", defaultLimit, 1, maxLimit); err != nil {
		return nil, err
	}
	if q.page, err = p.integer("page", 1, 1, maxPage); err != nil {
		return nil, err
	}
	// "The customers are returned sorted by creation date, with the most
	// recent customers appearing first."
	if q.order, err = p.enum("order", "-created_at", customerOrders...); err != nil {
		return nil, err
	}
	for _, f := range []struct {
		name string
		dst  **string
	}{{"email", &q.email}, {"city", &q.city}, {"name", &q.name}} {
		if v, ok := p.str(f.name); ok {
			*f.dst = &v
		}
	}
	if id, ok := p.str("segment_id"); ok {
		// The emulated project has no segments.
		return nil, notFound("segment", id)
	}
	for _, d := range []struct {
		name string
		dst  *time.Time
	}{{"created_at[before]", &q.createdBefore}, {"created_at[after]", &q.createdAfter},
		{"updated_at[before]", &q.updatedBefore}, {"updated_at[after]", &q.updatedAfter}, {"starting_after", &q.cursor}} {
		if *d.dst, err = p.date(d.name); err != nil {
			return nil, err
		}
	}
	if !q.cursor.IsZero() {
		// starting_after (customers.json): without order, customers
		// created before the cursor, newest first; with order created_at
		// or updated_at, those created (updated) after it, oldest first.
		// -updated_at is read as the updated_at counterpart of the
		// default. The cursor is a date: with a source_id order it has no
		// meaning, and is refused rather than ignored.
		switch q.order {
		case "-created_at":
			q.cursorField = "created_at"
		case "created_at":
			q.cursorField, q.cursorAfter = "created_at", true
		case "updated_at":
			q.cursorField, q.cursorAfter = "updated_at", true
		case "-updated_at":
			q.cursorField = "updated_at"
		default:
			return nil, badQuery("Query param .starting_after is a created_at or updated_at cursor and cannot be combined with order=%s", q.order)
		}
	}
	return q, nil
}

// matches reports whether c is in the set q selects. Every date bound is
// exclusive, the cursor's too: customers sharing the cursor's created_at
// to the millisecond are not returned again, so a client that walks
// starting_after from the last customer of a page skips the rest of a
// burst that the page cut. A customer never updated has no updated_at and
// matches no updated_at bound.
func (q *listQuery) matches(c *Customer) bool {
	if q.email != nil && c.Email != *q.email || q.name != nil && c.Name != *q.name {
		return false
	}
	if q.city != nil && (c.Address == nil || c.Address.City != *q.city) {
		return false
	}
	if !before(c.CreatedAt, q.createdBefore) || !after(c.CreatedAt, q.createdAfter) {
		return false
	}
	if (!q.updatedBefore.IsZero() || !q.updatedAfter.IsZero()) &&
		(c.UpdatedAt.IsZero() || !before(c.UpdatedAt, q.updatedBefore) || !after(c.UpdatedAt, q.updatedAfter)) {
		return false
	}
	if q.cursorField != "" {
		t := c.CreatedAt
		if q.cursorField == "updated_at" {
			if t = c.UpdatedAt; t.IsZero() {
				return false
			}
		}
		if q.cursorAfter && !t.After(q.cursor) || !q.cursorAfter && !t.Before(q.cursor) {
			return false
		}
	}
	return true
}

// span is the range of sorted (the customers in q's order) that q selects,
// found by binary search, when that range is contiguous: no text filters,
// and every date bound and the cursor on the field the order sorts by. It
// is what matches would select, without reading every customer (a cursor
// walk of a large project would otherwise scan it once per page).
func (q *listQuery) span(sorted []*Customer) (lo, hi int, ok bool) {
	field, desc := strings.CutPrefix(q.order, "-")
	if q.email != nil || q.name != nil || q.city != nil || field == "source_id" {
		return 0, 0, false
	}
	lower, upper := q.createdAfter, q.createdBefore
	other := !q.updatedAfter.IsZero() || !q.updatedBefore.IsZero()
	if field == "updated_at" {
		lower, upper = q.updatedAfter, q.updatedBefore
		other = !q.createdAfter.IsZero() || !q.createdBefore.IsZero()
	}
	if other || q.cursorField != "" && q.cursorField != field {
		return 0, 0, false
	}
	if q.cursorField != "" {
		if q.cursorAfter && (lower.IsZero() || q.cursor.After(lower)) {
			lower = q.cursor
		} else if !q.cursorAfter && (upper.IsZero() || q.cursor.Before(upper)) {
			upper = q.cursor
		}
	}
	val := func(i int) time.Time {
		if field == "updated_at" {
			return sorted[i].UpdatedAt
		}
		return sorted[i].CreatedAt
	}
	// A bound on updated_at leaves out the customers without one: they
	// sort first ascending, last descending, as the zero time.
	skipZero := field == "updated_at" && (!lower.IsZero() || !upper.IsZero())
	n := len(sorted)
	lo, hi = 0, n
	if !desc {
		if !lower.IsZero() || skipZero {
			lo = sort.Search(n, func(i int) bool { return val(i).After(lower) })
		}
		if !upper.IsZero() {
			hi = sort.Search(n, func(i int) bool { return !val(i).Before(upper) })
		}
	} else {
		if !upper.IsZero() {
			lo = sort.Search(n, func(i int) bool { return val(i).Before(upper) })
		}
		if !lower.IsZero() || skipZero {
			hi = sort.Search(n, func(i int) bool { return !val(i).After(lower) })
		}
	}
	return lo, max(lo, hi), true
}

// before and after are open bounds; a zero bound is none.
func before(t, bound time.Time) bool { return bound.IsZero() || t.Before(bound) }
func after(t, bound time.Time) bool  { return bound.IsZero() || t.After(bound) }

// listOut is CustomersListResponseBody.
type listOut struct {
	Object    string        `json:"object"`
	DataRef   string        `json:"data_ref"`
	Customers []customerOut `json:"customers"`
	// Total is the number of customers the query selects (its filters and
	// cursor), before paging: "Total number of records for given filtering
	// query" (listing.mdx). With a cursor it thus counts what is left, so a
	// client comparing what it has read with total stops early.
	Total   int  `json:"total"`
	HasMore bool `json:"has_more"`
}

func (s *Server) listCustomers(w http.ResponseWriter, r *http.Request, _ string) error {
	n := s.nLists.Add(1)
	q, err := parseListQuery(r)
	if err != nil {
		return err
	}
	if h := s.listHook.Load(); h != nil {
		(*h)(int(n))
	}
	out := listOut{Object: "list", DataRef: "customers", Customers: []customerOut{}}
	offset := (q.page - 1) * q.limit
	s.st.mu.RLock()
	sorted := s.st.inOrder(q.order)
	if lo, hi, ok := q.span(sorted); ok {
		out.Total = hi - lo
		for i := lo + offset; i < hi && len(out.Customers) < q.limit; i++ {
			out.Customers = append(out.Customers, sorted[i].wire())
		}
	} else {
		for _, c := range sorted {
			if !q.matches(c) {
				continue
			}
			if out.Total >= offset && len(out.Customers) < q.limit {
				out.Customers = append(out.Customers, c.wire())
			}
			out.Total++
		}
	}
	s.st.mu.RUnlock()
	out.HasMore = offset+len(out.Customers) < out.Total
	writeJSON(w, http.StatusOK, out)
	return nil
}

// getCustomer is Get Customer: by id or source_id, as documented
// ("customerId": "A Voucherify customer's id or source_id").
func (s *Server) getCustomer(w http.ResponseWriter, r *http.Request, id string) error {
	if _, err := parseParams(r.URL.Query()); err != nil {
		return err
	}
	s.st.mu.RLock()
	c := s.st.byID[id]
	if c == nil {
		c = s.st.bySource[id]
	}
	var out customerOut
	if c != nil {
		out = c.wire()
	}
	s.st.mu.RUnlock()
	if c == nil {
		return notFound("customer", id)
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}
