package vsandbox

import (
	"net/http"
	"slices"
	"testing"
	"time"
)

// windowWalk is a client that reads every customer with the fewest
// requests the documented limits allow: oldest first (order=created_at),
// 100 per page, page numbers within a window that starts at a
// starting_after cursor; after page 99 the next window starts 1 ms before
// the last customer read, because starting_after is exclusive and the
// customers sharing that millisecond may not all have been read. It
// returns how often each customer was read, and how many re-reads were not
// of such a boundary millisecond (there must be none).
func windowWalk(t *testing.T, e *env) (seen map[string]int, requests, unexpected int) {
	t.Helper()
	seen = map[string]int{}
	boundary := map[string]bool{}
	var cursor string
	for windows := 0; ; windows++ {
		if windows > 1000 {
			t.Fatal("windowed walk does not end")
		}
		var last string
		for page := 1; page <= maxPage; page++ {
			query := q("order", "created_at", "limit", "100", "page", itoa(page))
			if cursor != "" {
				query.Set("starting_after", cursor)
			}
			r := e.list(query)
			requests++
			if r.status != http.StatusOK {
				t.Fatalf("page %d after %q: %d %s", page, cursor, r.status, r.raw)
			}
			cs := r.customers()
			for _, c := range cs {
				id := c["id"].(string)
				if seen[id]++; seen[id] > 1 && !boundary[c["created_at"].(string)] {
					unexpected++
				}
			}
			if len(cs) > 0 {
				last = cs[len(cs)-1]["created_at"].(string)
			}
			if r.body["has_more"] != true {
				return seen, requests, unexpected
			}
		}
		boundary[last] = true
		cursor = stamp(at(last).Add(-time.Millisecond))
	}
}

// Walking 12,000 customers, past the 9,900 page numbers reach, with bursts
// of up to 150 customers sharing one created_at: the windowed walk reads
// every customer exactly once within 2% of ceil(N/100) requests, while a
// client that walks starting_after from each page's last customer misses
// the customers of every burst a page cut, and one that asks for page 100
// is refused.
func TestStartingAfterWalkWithBursts(t *testing.T) {
	e := newEnv(t, Options{})
	const n = 12000
	must(t, e.srv.Generate(GenOptions{Customers: n, Seed: 7}))
	bursts := e.srv.Bursts()
	if len(bursts) == 0 || bursts[0].Customers != DefaultMaxBurst {
		t.Fatalf("bursts: %v", bursts[:min(3, len(bursts))])
	}

	seen, requests, unexpected := windowWalk(t, e)
	if len(seen) != n || unexpected != 0 {
		t.Errorf("windowed walk saw %d of %d customers, %d read twice outside a window boundary", len(seen), n, unexpected)
	}
	if min := (n + 99) / 100; float64(requests) > float64(min)*1.02 {
		t.Errorf("windowed walk: %d requests, more than 2%% over %d", requests, min)
	}
	t.Logf("windowed walk: %d customers in %d requests (minimum %d)", len(seen), requests, (n+99)/100)

	// The naive cursor walk: starting_after = the last customer's
	// created_at. It misses exactly the customers sharing a millisecond
	// with a page's last customer that did not fit on that page.
	naive := map[string]bool{}
	cursors := map[string]bool{}
	cursor := ""
	for pages := 0; ; pages++ {
		if pages > 1000 {
			t.Fatal("naive walk does not end")
		}
		query := q("order", "created_at", "limit", "100")
		if cursor != "" {
			query.Set("starting_after", cursor)
		}
		r := e.list(query)
		cs := r.customers()
		for _, c := range cs {
			naive[c["id"].(string)] = true
		}
		if len(cs) == 0 || r.body["has_more"] != true {
			break
		}
		cursor = cs[len(cs)-1]["created_at"].(string)
		cursors[cursor] = true
	}
	missed := 0
	for _, c := range e.srv.Customers() {
		if !naive[c.ID] {
			missed++
			if !cursors[stamp(c.CreatedAt)] {
				t.Errorf("naive walk missed %s, not at a page boundary", c.ID)
			}
		}
	}
	if missed == 0 {
		t.Error("the naive starting_after walk should miss the burst members a page cut")
	}
	t.Logf("naive walk: missed %d of %d customers", missed, n)

	e.list(q("limit", "100", "page", "100")).wantError(t, http.StatusBadRequest, "invalid_query_params")
}

// starting_after without an order returns the customers created before
// the cursor, newest first; with order=created_at those created after it,
// oldest first; with order=updated_at those updated after it (a customer
// never updated is not among them). The cursor is exclusive to the
// millisecond, and cannot be combined with a source_id order.
func TestStartingAfterDirections(t *testing.T) {
	e := newEnv(t, Options{})
	t0 := at("2024-02-02T02:02:02.500Z")
	var ids []string
	for i, d := range []time.Duration{0, time.Millisecond, time.Millisecond, 2 * time.Millisecond} {
		c := Customer{Name: "n" + itoa(i), CreatedAt: t0.Add(d)}
		if i > 0 {
			c.UpdatedAt = t0.Add(time.Duration(10-i) * time.Second)
		}
		id, err := e.srv.CreateCustomer(c)
		must(t, err)
		ids = append(ids, id)
	}
	tie := []string{ids[1], ids[2]}
	slices.Sort(tie)
	cursor := stamp(t0.Add(time.Millisecond))
	for _, c := range []struct {
		query []string
		want  []string
	}{
		{[]string{"starting_after", cursor}, []string{ids[0]}},
		{[]string{"starting_after", cursor, "order", "-created_at"}, []string{ids[0]}},
		{[]string{"starting_after", cursor, "order", "created_at"}, []string{ids[3]}},
		{[]string{"starting_after", stamp(t0), "order", "created_at"}, []string{tie[0], tie[1], ids[3]}},
		{[]string{"starting_after", stamp(t0.Add(8 * time.Second)), "order", "updated_at"}, []string{ids[1]}},
		{[]string{"starting_after", stamp(t0.Add(8 * time.Second)), "order", "-updated_at"}, []string{ids[3]}}, // 8 s itself excluded
	} {
		r := e.list(q(c.query...))
		if !slices.Equal(r.ids(), c.want) || r.num("total") != len(c.want) {
			t.Errorf("%v: %v (total %v), want %v", c.query, r.ids(), r.body["total"], c.want)
		}
	}
	e.list(q("starting_after", cursor, "order", "source_id")).wantError(t, http.StatusBadRequest, "invalid_query_params")
}

// The store is live, as Voucherify's is: customers created, updated or
// deleted while a client pages show in the pages that follow. A client
// paging by page number, newest first, reads a customer twice when one is
// created meanwhile; the windowed walk, oldest first, reads the new one at
// the end, and never the deleted one.
func TestChangesWhileAClientPages(t *testing.T) {
	e := newEnv(t, Options{})
	ids := e.seed(450, at("2024-01-01T00:00:00Z"))

	e.srv.OnListCustomers(func(n int) {
		if n == 2 {
			_, err := e.srv.CreateCustomer(Customer{Name: "New One", CreatedAt: e.clock.Now()})
			must(t, err)
		}
	})
	seen := map[string]int{}
	for page := 1; page <= 5; page++ {
		for _, id := range e.list(q("limit", "100", "page", itoa(page))).ids() {
			seen[id]++
		}
	}
	twice := 0
	for _, k := range seen {
		if k > 1 {
			twice++
		}
	}
	if twice != 1 {
		t.Errorf("page-number walk with a customer created meanwhile: %d customers read twice, want 1", twice)
	}

	var created string
	e.srv.OnListCustomers(func(n int) {
		switch n {
		case 7: // the second page of this walk
			must(t, e.srv.UpdateCustomer(ids[10], func(c *Customer) { c.Name = "Renamed" }))
			if !e.srv.DeleteCustomer(ids[400]) {
				t.Error("delete failed")
			}
			id, err := e.srv.CreateCustomer(Customer{Name: "Newer", CreatedAt: e.clock.Now().Add(time.Second)})
			must(t, err)
			created = id
		}
	})
	seen, _, unexpected := windowWalk(t, e)
	if unexpected != 0 || seen[created] != 1 || seen[ids[400]] != 0 || seen[ids[10]] != 1 || len(seen) != e.srv.Count() {
		t.Errorf("windowed walk during changes: created %d, deleted %d, updated %d; %d seen of %d",
			seen[created], seen[ids[400]], seen[ids[10]], len(seen), e.srv.Count())
	}
	if c, _ := e.srv.Customer(ids[10]); c.Name != "Renamed" || !c.UpdatedAt.Equal(e.clock.Now().Truncate(time.Millisecond)) {
		t.Errorf("update hook: %+v", c)
	}
}
