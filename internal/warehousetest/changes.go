package warehousetest

import (
	"context"
	"crypto/sha1"
	"encoding/hex"
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/bcetl/bcetl/internal/bcrules"
	"github.com/bcetl/bcetl/internal/bigcommerce"
)

// Changes is what Change did to a store, and the webhooks BigCommerce
// would have sent for it.
type Changes struct {
	Deleted      []int64 // customers deleted
	AddressesOf  []int64 // customers that got an address added, changed or removed
	ValuesOf     []int64 // customers that got an attribute value changed
	Deliveries   [][]byte
	DeliveryKind map[string]int // scope → deliveries
}

// ChangeSpec says how many customers Change touches in each way.
type ChangeSpec struct {
	Delete, Addresses, Values int
	Seed                      uint64
}

// Change changes the store through its API, as a merchant would, in ways
// that leave every customer's date_modified as it was: deletes
// customers, adds, changes or removes one address of others (a third
// each), changes an attribute value of others; each customer is touched
// once. It returns the store/customer/deleted, store/customer/address/*
// and store/customer/updated callbacks of those changes (the last as the
// control panel sends it for an attribute change), in BigCommerce's shape,
// produced by stores/storeHash.
func Change(t testing.TB, c *bigcommerce.Client, storeHash string, spec ChangeSpec) *Changes {
	t.Helper()
	ctx := context.Background()
	rng := rand.New(rand.NewPCG(spec.Seed, 15))
	byCustomer := map[int64][]bigcommerce.Address{}
	for a, err := range c.Addresses.All(ctx, bigcommerce.AddressListOptions{ListOptions: bigcommerce.ListOptions{Limit: 250}}) {
		if err != nil {
			t.Fatal(err)
		}
		byCustomer[a.CustomerID] = append(byCustomer[a.CustomerID], a)
	}
	strAttrs := map[int64]bool{}
	for a, err := range c.Attributes.All(ctx, bigcommerce.AttributeListOptions{ListOptions: bigcommerce.ListOptions{Limit: 250}}) {
		if err != nil {
			t.Fatal(err)
		}
		strAttrs[a.ID] = a.Type == bcrules.AttributeTypeString
	}
	valueOf := map[int64]bigcommerce.AttributeValue{}
	for v, err := range c.AttributeValues.All(ctx, bigcommerce.AttributeValueListOptions{ListOptions: bigcommerce.ListOptions{Limit: 250}}) {
		if err != nil {
			t.Fatal(err)
		}
		if _, seen := valueOf[v.CustomerID]; !seen && strAttrs[v.AttributeID] {
			valueOf[v.CustomerID] = v
		}
	}
	var ids []int64
	for cu, err := range c.Customers.All(ctx, bigcommerce.CustomerListOptions{ListOptions: bigcommerce.ListOptions{Limit: 250}}) {
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, cu.ID)
	}
	rng.Shuffle(len(ids), func(i, j int) { ids[i], ids[j] = ids[j], ids[i] })

	ch := &Changes{DeliveryKind: map[string]int{}}
	at := time.Now().Unix()
	deliver := func(scope string, data string) {
		at++
		sum := sha1.Sum([]byte(data))
		body := fmt.Sprintf(`{"created_at":%d,"store_id":"1025646","producer":"stores/%s","scope":%q,"hash":%q,"data":%s}`,
			at, storeHash, scope, hex.EncodeToString(sum[:]), data)
		ch.Deliveries = append(ch.Deliveries, []byte(body))
		ch.DeliveryKind[scope]++
	}
	next := 0
	take := func(ok func(int64) bool) int64 {
		for ; next < len(ids); next++ {
			if ok(ids[next]) {
				next++
				return ids[next-1]
			}
		}
		t.Fatal("warehousetest.Change: the store has too few customers for the spec")
		return 0
	}
	anyone := func(int64) bool { return true }
	for range spec.Delete {
		ch.Deleted = append(ch.Deleted, take(anyone))
	}
	if len(ch.Deleted) > 0 {
		if _, err := c.Customers.Delete(ctx, ch.Deleted); err != nil {
			t.Fatal(err)
		}
		for _, id := range ch.Deleted {
			deliver("store/customer/deleted", fmt.Sprintf(`{"type":"customer","id":%d}`, id))
		}
	}
	for i := range spec.Addresses {
		switch i % 3 {
		case 0: // added
			id := take(anyone)
			a, _, err := c.Addresses.Create(ctx, []bigcommerce.AddressCreate{{CustomerID: id, FirstName: "Added", LastName: "Address",
				Address1: fmt.Sprintf("%d Change Street", i), City: "Portland", StateOrProvince: "Oregon", PostalCode: "97201",
				CountryCode: "US", AddressType: "residential"}})
			if err != nil || len(a) != 1 {
				t.Fatalf("add an address to customer %d: %v %v", id, a, err)
			}
			ch.AddressesOf = append(ch.AddressesOf, id)
			deliver("store/customer/address/created", fmt.Sprintf(`{"type":"customer","id":%d,"address":{"customer_id":%d}}`, a[0].ID, id))
		case 1: // changed
			id := take(func(id int64) bool { return len(byCustomer[id]) > 0 })
			a := byCustomer[id][0]
			if _, _, err := c.Addresses.Update(ctx, []bigcommerce.AddressUpdate{{ID: a.ID, City: a.City + " Heights"}}); err != nil {
				t.Fatalf("change address %d: %v", a.ID, err)
			}
			ch.AddressesOf = append(ch.AddressesOf, id)
			deliver("store/customer/address/updated", fmt.Sprintf(`{"type":"customer","id":%d,"address":{"customer_id":%d}}`, a.ID, id))
		case 2: // removed
			id := take(func(id int64) bool { return len(byCustomer[id]) > 0 })
			a := byCustomer[id][len(byCustomer[id])-1]
			if _, err := c.Addresses.Delete(ctx, []int64{a.ID}); err != nil {
				t.Fatalf("remove address %d: %v", a.ID, err)
			}
			ch.AddressesOf = append(ch.AddressesOf, id)
			deliver("store/customer/address/deleted", fmt.Sprintf(`{"type":"customer","id":%d,"address":{"customer_id":%d}}`, a.ID, id))
		}
	}
	for range spec.Values {
		id := take(func(id int64) bool { _, ok := valueOf[id]; return ok })
		v := valueOf[id]
		if _, _, err := c.AttributeValues.Upsert(ctx, []bigcommerce.AttributeValueUpsert{{AttributeID: v.AttributeID,
			CustomerID: id, Value: v.AttributeValue + " (changed)"}}); err != nil {
			t.Fatalf("change an attribute value of customer %d: %v", id, err)
		}
		ch.ValuesOf = append(ch.ValuesOf, id)
		deliver("store/customer/updated", fmt.Sprintf(`{"type":"customer","id":%d}`, id))
	}
	slices.Sort(ch.Deleted)
	return ch
}
