package vsandbox

import (
	"net/http"
	"slices"
	"testing"
	"time"
)

// The documented bounds: limit 1–100 (default 10), page 1–99. Past them the
// answer is the documented error (400, invalid_query_params), never a
// silently clamped page: page 100 would otherwise hand a client page 99
// again, or nothing, and it would believe it had read everything.
func TestListLimitAndPageBounds(t *testing.T) {
	e := newEnv(t, Options{})
	e.seed(250, at("2024-01-01T00:00:00Z"))

	if r := e.list(q()); r.status != 200 || len(r.customers()) != 10 || r.num("total") != 250 || r.body["has_more"] != true {
		t.Fatalf("default limit: %d, %d customers, total %v", r.status, len(r.customers()), r.body["total"])
	}
	if r := e.list(q("limit", "100")); len(r.customers()) != 100 {
		t.Errorf("limit=100: %d customers", len(r.customers()))
	}
	if r := e.list(q("limit", "100", "page", "3")); len(r.customers()) != 50 || r.body["has_more"] != false {
		t.Errorf("last page: %d customers, has_more %v", len(r.customers()), r.body["has_more"])
	}
	if r := e.list(q("limit", "1", "page", "99")); r.status != 200 || len(r.customers()) != 1 {
		t.Errorf("page=99 is allowed: %d %s", r.status, r.raw)
	}
	if r := e.list(q("limit", "100", "page", "99")); r.status != 200 || len(r.customers()) != 0 || r.body["has_more"] != false {
		t.Errorf("page 99 past the end: %d, %d customers", r.status, len(r.customers()))
	}
	for _, c := range []struct{ query, detail string }{
		{"page=100", "Query param .page should be <= 99"},
		{"page=1000&limit=1", "Query param .page should be <= 99"},
		{"page=0", "Query param .page should be >= 1"},
		{"limit=101", "Query param .limit should be <= 100"},
		{"limit=0", "Query param .limit should be >= 1"},
		{"limit=ten", "Query param .limit should be integer"},
		{"limit=10&limit=20", "Query param .limit should be given once"},
	} {
		r := e.do("GET", "/v1/customers?"+c.query, "")
		r.wantError(t, http.StatusBadRequest, "invalid_query_params")
		if r.body["details"] != c.detail {
			t.Errorf("%s: details %q, want %q", c.query, r.body["details"], c.detail)
		}
		if id, _ := r.body["request_id"].(string); len(id) != 20 || id[:2] != "v-" {
			t.Errorf("%s: request_id %q", c.query, id)
		}
	}
}

// Every order value of the document sorts as it says; the default is
// newest first; ties are broken by id in the order's direction; a value
// outside the enum is refused.
func TestListOrders(t *testing.T) {
	e := newEnv(t, Options{})
	ids := e.seed(5, at("2024-01-01T00:00:00Z"))
	// c1 is updated last, c3 first; c0, c2 and c4 never.
	e.clock.Advance(time.Hour)
	must(t, e.srv.UpdateCustomer(ids[3], func(c *Customer) {}))
	e.clock.Advance(time.Hour)
	must(t, e.srv.UpdateCustomer(ids[1], func(c *Customer) { c.SourceID = "a-first" }))

	rev := slices.Clone(ids)
	slices.Reverse(rev)
	never := []string{ids[0], ids[2], ids[4]}
	slices.Sort(never)
	for _, c := range []struct {
		order string
		want  []string
	}{
		{"", rev},
		{"-created_at", rev},
		{"created_at", ids},
		{"updated_at", append(slices.Clone(never), ids[3], ids[1])},
		{"-updated_at", append([]string{ids[1], ids[3]}, never[2], never[1], never[0])},
		{"source_id", []string{ids[1], ids[0], ids[2], ids[3], ids[4]}},
		{"-source_id", []string{ids[4], ids[3], ids[2], ids[0], ids[1]}},
	} {
		r := e.list(q("order", c.order))
		if c.order == "" {
			r = e.list(q())
		}
		if got := r.ids(); !slices.Equal(got, c.want) {
			t.Errorf("order=%q: %v, want %v", c.order, got, c.want)
		}
	}
	r := e.list(q("order", "date_created"))
	r.wantError(t, http.StatusBadRequest, "invalid_query_params")
}

// Filters: email, name and city match exactly; date bounds are exclusive
// on both sides, in both spellings the documents use; a customer never
// updated matches no updated_at bound; unknown parameters are refused,
// not ignored; a segment that does not exist is not found.
func TestListFilters(t *testing.T) {
	e := newEnv(t, Options{})
	base := at("2024-05-01T10:00:00.000Z")
	mk := func(name, email, city string, created time.Time, updated time.Time) string {
		c := Customer{Name: name, Email: email, CreatedAt: created, UpdatedAt: updated}
		if city != "" {
			c.Address = &Address{City: city}
		}
		id, err := e.srv.CreateCustomer(c)
		must(t, err)
		return id
	}
	a := mk("Ann Lee", "ann@example.com", "Houston", base, time.Time{})
	b := mk("Bob Roe", "Bob@example.com", "Berlin", base.Add(time.Millisecond), base.Add(time.Hour))
	c := mk("Ann Lee", "ann2@example.com", "", base.Add(2*time.Millisecond), base.Add(2*time.Hour))

	for _, f := range []struct {
		query []string
		want  []string
	}{
		{[]string{"email", "ann@example.com"}, []string{a}},
		{[]string{"email", "bob@example.com"}, nil}, // exact, case included
		{[]string{"name", "Ann Lee"}, []string{c, a}},
		{[]string{"city", "Berlin"}, []string{b}},
		{[]string{"created_at[after]", "2024-05-01T10:00:00.000Z"}, []string{c, b}},
		{[]string{"created_at[before]", "2024-05-01T10:00:00.002Z"}, []string{b, a}},
		{[]string{"[created_at][after]", "2024-05-01T10:00:00.000Z", "[created_at][before]", "2024-05-01T10:00:00.002Z"}, []string{b}},
		{[]string{"created_at[after]", "2024-05-01"}, []string{c, b, a}}, // a date is midnight UTC
		{[]string{"updated_at[after]", "2024-05-01T10:00:00Z"}, []string{c, b}},
		{[]string{"updated_at[before]", "2024-05-01T12:00:00Z"}, []string{b}},
	} {
		r := e.list(q(f.query...))
		if r.status != 200 || !slices.Equal(r.ids(), f.want) || r.num("total") != len(f.want) {
			t.Errorf("%v: %d %v (total %v), want %v", f.query, r.status, r.ids(), r.body["total"], f.want)
		}
	}
	for _, bad := range []string{"created_at:min=2024-01-01", "date_created=x", "created_at[afer]=2024-01-01",
		"created_at[after]=yesterday", "starting_after=2024-13-01"} {
		e.do("GET", "/v1/customers?"+bad, "").wantError(t, http.StatusBadRequest, "invalid_query_params")
	}
	r := e.list(q("segment_id", "seg_1"))
	r.wantError(t, http.StatusNotFound, "not_found")
	if r.body["resource_type"] != "segment" {
		t.Errorf("segment: %s", r.raw)
	}
}

// Get Customer finds a customer by id or by source_id; an unknown one is
// the documented not_found.
func TestGetCustomer(t *testing.T) {
	e := newEnv(t, Options{})
	ids := e.seed(2, at("2024-01-01T00:00:00Z"))
	for _, key := range []string{ids[1], "s1"} {
		if r := e.do("GET", "/v1/customers/"+key, ""); r.status != 200 || r.body["id"] != ids[1] || r.body["object"] != "customer" {
			t.Errorf("get %s: %d %s", key, r.status, r.raw)
		}
	}
	r := e.do("GET", "/v1/customers/cust_nope", "")
	r.wantError(t, http.StatusNotFound, "not_found")
	if r.body["details"] != "Cannot find customer with id cust_nope" || r.body["resource_id"] != "cust_nope" {
		t.Errorf("not found: %s", r.raw)
	}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
