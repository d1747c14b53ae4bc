package store

import (
	"context"
	"fmt"
	"math/rand/v2"
	"net/http"
	"path/filepath"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/bcetl/bcetl/internal/bigcommerce"
	"github.com/bcetl/bcetl/internal/sandbox"
	"github.com/bcetl/bcetl/internal/sandboxtest"
	"github.com/bcetl/bcetl/internal/staging"
	"github.com/bcetl/bcetl/internal/stagingtest"
)

// While the extract runs (several windows walked in parallel), customers
// are created, modified and deleted on every few requests, among them
// customers the walk has already passed and customers it has not reached.
// The output must hold no id twice, and every customer that existed
// unchanged for the whole run exactly once.
func TestExtractStoreWhileStoreChanges(t *testing.T) {
	forModes(t, testExtractStoreWhileStoreChanges)
}

func testExtractStoreWhileStoreChanges(t *testing.T, md mode) {
	const n = 3000
	e := newStoreEnvMode(t, n, md)
	original := make([]int64, 0, n)
	for id := int64(1); id <= n; id++ {
		if _, ok := e.srv.Customer(id); !ok {
			t.Fatalf("generated customer %d missing", id)
		}
		original = append(original, id)
	}
	// The sub-resources before the run: an unchanged customer must keep
	// exactly these, overflow ones included.
	before := subResources(t, e, nil)
	lo, _ := e.srv.Customer(1)
	rng := rand.New(rand.NewPCG(sandboxtest.Seed(t, 1), 2))
	var (
		mu       sync.Mutex
		touched  = map[int64]bool{} // modified or deleted during the run
		created  = map[int64]bool{}
		rounds   int
		mutateOn = func(k int64, _ *http.Request) {
			if k%2 != 0 {
				return
			}
			mu.Lock()
			defer mu.Unlock()
			rounds++
			e.clock.Advance(time.Second) // date_modified moves
			var del, mod []int64
			for range 4 {
				del = append(del, original[rng.IntN(n)])
				mod = append(mod, original[rng.IntN(n)])
			}
			for _, id := range append(del, mod...) {
				touched[id] = true
			}
			e.srv.DeleteCustomers(del)
			if _, err := e.srv.ModifyCustomers(mod, func(f *sandbox.CustomerFields) { f.LastName += " (edited)" }); err != nil {
				t.Error(err)
			}
			// New customers dated inside the generated range: they
			// land in windows already walked and windows not yet
			// reached, and take ids above every existing one.
			for range 4 {
				created0 := lo.DateCreated.Add(time.Duration(rng.Int64N(int64(4 * 365 * 24 * time.Hour))))
				id, err := e.srv.CreateCustomerDirect(sandbox.CustomerFields{
					Email: fmt.Sprintf("mid-run-%d-%d@example.com", rounds, rng.Int()), FirstName: "Mid", LastName: "Run",
					DateCreated: created0,
				})
				if err != nil {
					t.Error(err)
				}
				created[id] = true
			}
		}
	)
	e.onRequest.Store(&mutateOn)
	dir := t.TempDir()
	m, _ := e.extract(dir, storeOptions{Windows: 3, Concurrency: 4, SpillRows: 700})
	e.onRequest.Store(nil)
	checkFiles(t, dir, m, DefaultEntities)
	if rounds < 5 {
		t.Fatalf("only %d rounds of changes happened during the run", rounds)
	}

	rows := stagingtest.Read[staging.Customer](t, filepath.Join(dir, staging.FileName(staging.EntityCustomers)))
	ids := sortedIDs(t, "customers", rows, func(r *staging.Customer) *int64 { return r.ID }) // fails on duplicates
	got := map[int64]bool{}
	for _, id := range ids {
		got[id] = true
		if id > n && !created[id] {
			t.Errorf("customer %d never existed", id)
		}
	}
	missing := 0
	for _, id := range original {
		if !touched[id] && !got[id] {
			missing++
			if missing <= 10 {
				t.Errorf("customer %d existed unchanged for the whole run but is missing", id)
			}
		}
	}
	if missing > 0 {
		t.Fatalf("%d unchanged customers missing", missing)
	}
	t.Logf("%d rounds of changes: %d customers touched, %d created; %d rows written", rounds, len(touched), len(created), len(ids))
	addrs := stagingtest.Read[staging.Address](t, filepath.Join(dir, staging.FileName(staging.EntityAddresses)))
	vals := stagingtest.Read[staging.AttributeValue](t, filepath.Join(dir, staging.FileName(staging.EntityAttributeValues)))
	sortedIDs(t, "addresses", addrs, func(r *staging.Address) *int64 { return r.ID })
	sortedIDs(t, "attribute_values", vals, func(r *staging.AttributeValue) *int64 { return r.ID })
	after := subResources(t, e, &subRows{addrs, vals})
	over, wrong := 0, 0
	for _, id := range original {
		if touched[id] {
			continue
		}
		b, a := before[id], after[id]
		if len(b.addresses) > 10 || len(b.values) > 10 {
			over++
		}
		if !slices.Equal(b.addresses, a.addresses) || !slices.Equal(b.values, a.values) {
			if wrong++; wrong <= 10 {
				t.Errorf("unchanged customer %d: addresses %v values %v, before the run %v and %v", id, a.addresses, a.values, b.addresses, b.values)
			}
		}
	}
	if over == 0 {
		t.Fatal("no unchanged customer has more than 10 addresses or values: the check proves nothing")
	}
}

// subRows are extracted sub-resource rows.
type subRows struct {
	addresses []staging.Address
	values    []staging.AttributeValue
}

// owned is the sorted ids of one customer's addresses and values.
type owned struct{ addresses, values []int64 }

// subResources groups sub-resource ids by customer: of the rows when given,
// else of the whole store as the API lists it (bypassing the test's request
// hook, which would change the store).
func subResources(t *testing.T, e *storeEnv, rows *subRows) map[int64]owned {
	t.Helper()
	m := map[int64]owned{}
	add := func(customer, id int64, value bool) {
		o := m[customer]
		if value {
			o.values = append(o.values, id)
		} else {
			o.addresses = append(o.addresses, id)
		}
		m[customer] = o
	}
	if rows != nil {
		for _, r := range rows.addresses {
			add(*r.CustomerID, *r.ID, false)
		}
		for _, r := range rows.values {
			add(*r.CustomerID, *r.ID, true)
		}
	} else {
		c := e.client()
		ctx := context.Background()
		for a, err := range c.Addresses.All(ctx, bigcommerce.AddressListOptions{ListOptions: bigcommerce.ListOptions{Limit: 250}}) {
			if err != nil {
				t.Fatal(err)
			}
			add(a.CustomerID, a.ID, false)
		}
		for v, err := range c.AttributeValues.All(ctx, bigcommerce.AttributeValueListOptions{ListOptions: bigcommerce.ListOptions{Limit: 250}}) {
			if err != nil {
				t.Fatal(err)
			}
			add(v.CustomerID, v.ID, true)
		}
	}
	for k, o := range m {
		slices.Sort(o.addresses)
		slices.Sort(o.values)
		m[k] = o
	}
	return m
}
