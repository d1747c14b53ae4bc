package bigcommerce_test

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/bcetl/bcetl/internal/bigcommerce"
	"github.com/bcetl/bcetl/internal/sandbox"
	"github.com/bcetl/bcetl/internal/sandboxtest"
)

// Covering(lo, hi) returns every customer created in [lo, hi], under
// either reading of the bounds: exactly those when the API reads them as
// exclusive, at most the second outside each end as well when inclusive.
func TestCoveringBothReadings(t *testing.T) {
	t0 := time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC)
	for _, bounds := range []string{sandbox.DateBoundsExclusive, sandbox.DateBoundsInclusive} {
		t.Run(bounds, func(t *testing.T) {
			st := sandboxtest.Start(t, sandbox.Options{DateBounds: bounds})
			srv, c := st.Server, st.Client
			for s := -3; s <= 4; s++ { // one customer a second, t0-3s … t0+4s
				if _, err := srv.CreateCustomerDirect(sandbox.CustomerFields{Email: fmt.Sprintf("c%d@example.com", s+3), FirstName: "F", LastName: "L",
					DateCreated: t0.Add(time.Duration(s) * time.Second)}); err != nil {
					t.Fatal(err)
				}
			}
			// [t0, t0+1s], given with a fraction: whole seconds count.
			r := bigcommerce.Covering(t0.Add(300*time.Millisecond), t0.Add(time.Second+700*time.Millisecond))
			page, _, err := c.Customers.List(t.Context(), &bigcommerce.CustomerListOptions{DateCreated: r})
			if err != nil {
				t.Fatal(err)
			}
			var got []int
			for _, cu := range page {
				got = append(got, int(cu.DateCreated.Sub(t0)/time.Second))
			}
			slices.Sort(got)
			want := map[string][]int{sandbox.DateBoundsExclusive: {0, 1}, sandbox.DateBoundsInclusive: {-1, 0, 1, 2}}[bounds]
			if !slices.Equal(got, want) {
				t.Fatalf("customers created at seconds %v, want %v", got, want)
			}
			// An open end stays open.
			if o := bigcommerce.Covering(t0, time.Time{}); !o.Max.IsZero() || !o.Min.Equal(t0.Add(-time.Second)) {
				t.Fatalf("Covering(t0, zero) = %+v", o)
			}
		})
	}
}
