package vsandbox

import (
	"math/rand/v2"
	"slices"
	"testing"
	"time"
)

// The binary-search path of List Customers selects exactly what reading
// every customer would, for every order and any mix of date bounds and
// cursor on the sorted field, bursts and customers without updated_at
// included; it is not used when it could not.
func TestListSpanAgreesWithScan(t *testing.T) {
	s, err := New(Options{AppID: "a", AppToken: "b"})
	must(t, err)
	must(t, s.Generate(GenOptions{Customers: 2000, Seed: 5, MaxBurst: 40}))
	all := s.Customers()
	rng := rand.New(rand.NewPCG(1, 2))
	pickTime := func(updated bool) time.Time {
		c := all[rng.IntN(len(all))]
		t := c.CreatedAt
		if updated && !c.UpdatedAt.IsZero() {
			t = c.UpdatedAt
		}
		return t.Add(time.Duration(rng.IntN(3)-1) * time.Millisecond)
	}
	used := 0
	for i := range 1000 {
		q := &listQuery{order: customerOrders[rng.IntN(len(customerOrders))]}
		for _, b := range []*time.Time{&q.createdAfter, &q.createdBefore, &q.updatedAfter, &q.updatedBefore} {
			if rng.IntN(4) == 0 {
				*b = pickTime(b == &q.updatedAfter || b == &q.updatedBefore)
			}
		}
		if rng.IntN(2) == 0 {
			switch q.order {
			case "-created_at", "created_at":
				q.cursorField, q.cursorAfter = "created_at", q.order == "created_at"
			case "updated_at", "-updated_at":
				q.cursorField, q.cursorAfter = "updated_at", q.order == "updated_at"
			}
			q.cursor = pickTime(q.cursorField == "updated_at")
		}
		if i%10 == 0 {
			name := all[0].Name
			q.name = &name
		}
		s.st.mu.RLock()
		sorted := s.st.inOrder(q.order)
		var scan []*Customer
		for _, c := range sorted {
			if q.matches(c) {
				scan = append(scan, c)
			}
		}
		lo, hi, ok := q.span(sorted)
		s.st.mu.RUnlock()
		if !ok {
			continue
		}
		used++
		if got := sorted[lo:hi]; !slices.Equal(got, scan) {
			t.Fatalf("query %+v: span [%d, %d) has %d customers, the scan %d", *q, lo, hi, len(got), len(scan))
		}
	}
	if used < 200 {
		t.Errorf("the span path was used for only %d queries", used)
	}
}
