package store

import (
	"context"
	"github.com/bcetl/bcetl/internal/stagingtest"
	"path/filepath"
	"slices"
	"testing"

	"github.com/bcetl/bcetl/extract"
	"github.com/bcetl/bcetl/extract/internal/sourcetest"
	"github.com/bcetl/bcetl/internal/accounting"
	"github.com/bcetl/bcetl/internal/bigcommerce"
	"github.com/bcetl/bcetl/internal/staging"
)

// A store extract carries what a store-to-store migration needs beyond the
// customers: the groups with their settings and each customer's group by
// name, every visible metafield through the batch endpoint in full pages,
// the subscribers, store credit exactly, and — asked for — the consents,
// one request per customer.
func TestExtractStoreGroupsMetafieldsSubscribersConsents(t *testing.T) {
	e := newStoreEnv(t, 1200)
	c := e.client()
	ctx := context.Background()
	dir := t.TempDir()
	o := extract.Options{Store: c, StoreHash: envStoreHash, Now: e.clock.Now, Options: accounting.Options{Every: -1}, WithConsent: true}
	src, err := newStoreSource(o)
	if err != nil {
		t.Fatal(err)
	}
	before := e.n.Load()
	m, err := extract.Run(ctx, src, dir, o)
	if err != nil {
		t.Fatal(err)
	}
	made := e.n.Load() - before
	checkFiles(t, dir, m, Entities)

	// Groups: as the API has them, settings included.
	var apiGroups []bigcommerce.CustomerGroup
	for g, err := range c.CustomerGroups.All(ctx, bigcommerce.CustomerGroupListOptions{}) {
		if err != nil {
			t.Fatal(err)
		}
		apiGroups = append(apiGroups, g)
	}
	groups := stagingtest.Read[staging.CustomerGroup](t, filepath.Join(dir, staging.FileName(staging.EntityCustomerGroups)))
	if len(groups) != len(apiGroups) || len(groups) < 4 {
		t.Fatalf("%d groups, the store has %d", len(groups), len(apiGroups))
	}
	names := map[int64]string{}
	rules := 0
	for i, g := range groups {
		a := apiGroups[i]
		names[a.ID] = a.Name
		if *g.ID != a.ID || g.Name != a.Name || g.CategoryAccessType != a.CategoryAccess.Type ||
			!slices.Equal(g.CategoryAccessCategories, append([]int64{}, a.CategoryAccess.Categories...)) ||
			len(g.DiscountRules) != len(a.DiscountRules) || g.IsDefault != a.IsDefault || g.DateCreated == nil {
			t.Errorf("group %d: %+v, API %+v", a.ID, g, a)
			continue
		}
		for k, d := range g.DiscountRules {
			ad := a.DiscountRules[k]
			if d.Type != ad.Type || d.Amount != string(ad.Amount) || deref(d.CategoryID) != ad.CategoryID ||
				deref(d.ProductID) != ad.ProductID || deref(d.PriceListID) != ad.PriceListID {
				t.Errorf("group %s rule %d: %+v, API %+v", a.Name, k, d, ad)
			}
			rules++
		}
	}
	if rules == 0 {
		t.Fatal("the generated groups have no discount rules: the test proves nothing about them")
	}

	// Customers name their group; store credit is exact.
	customers := stagingtest.Read[staging.Customer](t, filepath.Join(dir, staging.FileName(staging.EntityCustomers)))
	grouped, credited := 0, 0
	var credit []int64
	for _, r := range customers {
		if r.CustomerGroupName != names[*r.CustomerGroupID] {
			t.Fatalf("customer %d: group %d named %q, want %q", *r.ID, *r.CustomerGroupID, r.CustomerGroupName, names[*r.CustomerGroupID])
		}
		if r.CustomerGroupName != "" {
			grouped++
		}
		if len(r.StoreCreditAmounts) > 0 && r.StoreCreditAmounts[0].Sign() != 0 && len(credit) < 50 {
			credit = append(credit, *r.ID)
		}
	}
	if grouped == 0 || len(credit) == 0 {
		t.Fatalf("%d customers in a group, %d with store credit: the generated store lacks them", grouped, len(credit))
	}
	api, _, err := c.Customers.List(ctx, &bigcommerce.CustomerListOptions{IDIn: credit, Include: []string{bigcommerce.IncludeStoreCredit},
		ListOptions: bigcommerce.ListOptions{Limit: 250}})
	if err != nil {
		t.Fatal(err)
	}
	byID := map[int64]staging.Customer{}
	for _, r := range customers {
		byID[*r.ID] = r
	}
	for _, a := range api {
		got := byID[a.ID].StoreCreditAmounts
		for k, amt := range a.StoreCreditAmounts {
			if want := staging.MustMoney(string(amt.Amount)); got[k] != want {
				t.Errorf("customer %d credit %d: %s, API %s", a.ID, k, got[k], amt.Amount)
			}
		}
		credited++
	}
	if credited != len(credit) {
		t.Fatalf("API returned %d of %d customers", credited, len(credit))
	}

	// Metafields: every one the API shows, in full pages of 250.
	var apiMeta []bigcommerce.Metafield
	for p := 1; ; p++ {
		page, _, err := c.Metafields.List(ctx, &bigcommerce.MetafieldListOptions{ListOptions: bigcommerce.ListOptions{Page: p, Limit: 100}})
		if err != nil {
			t.Fatal(err)
		}
		apiMeta = append(apiMeta, page...)
		if len(page) < 100 {
			break
		}
	}
	metas := stagingtest.Read[staging.Metafield](t, filepath.Join(dir, staging.FileName(staging.EntityMetafields)))
	sortedIDs(t, "metafields", metas, func(r *staging.Metafield) *int64 { return r.ID })
	if len(metas) != len(apiMeta) || len(metas) <= pageSize {
		t.Fatalf("%d metafields, the API shows %d (the test wants more than a page)", len(metas), len(apiMeta))
	}
	for i, r := range metas {
		a := apiMeta[i]
		if *r.ID != a.ID || r.CustomerSourceKey != idKey(a.ResourceID) || r.Namespace != a.Namespace || r.Key != a.Key ||
			r.Value != a.Value || r.PermissionSet != a.PermissionSet || r.Description != a.Description || r.DateModified == nil {
			t.Fatalf("metafield %d: %+v, API %+v", a.ID, r, a)
		}
	}
	if em := m.Entities[staging.EntityMetafields]; em.Requests != int64((len(metas)+pageSize-1)/pageSize) || em.Requests != em.MinRequests {
		t.Errorf("metafields: %d requests for %d rows (minimum %d)", em.Requests, len(metas), em.MinRequests)
	}

	// Subscribers, customers or not.
	var apiSubs []bigcommerce.Subscriber
	for s, err := range c.Subscribers.All(ctx, bigcommerce.SubscriberListOptions{}) {
		if err != nil {
			t.Fatal(err)
		}
		apiSubs = append(apiSubs, s)
	}
	subs := stagingtest.Read[staging.Subscriber](t, filepath.Join(dir, staging.FileName(staging.EntitySubscribers)))
	if len(subs) != len(apiSubs) || len(subs) == 0 {
		t.Fatalf("%d subscribers, the store has %d", len(subs), len(apiSubs))
	}
	for i, r := range subs {
		a := apiSubs[i]
		if *r.ID != a.ID || r.Email != a.Email || r.Source != a.Source || !slices.Equal(r.Consents, append([]string{}, a.Consents...)) ||
			r.CustomerSourceKey != nil || r.DateCreated == nil {
			t.Fatalf("subscriber %d: %+v, API %+v", a.ID, r, a)
		}
	}

	// Consents: one request per customer; a row for each declaration.
	consents := stagingtest.Read[staging.Consent](t, filepath.Join(dir, staging.FileName(staging.EntityConsents)))
	if em := m.Entities[staging.EntityConsents]; em.Requests != int64(len(customers)) || em.MinRequests != em.Requests {
		t.Errorf("consents: %d requests for %d customers (minimum %d)", em.Requests, len(customers), em.MinRequests)
	}
	if len(consents) == 0 || len(consents) == len(customers) {
		t.Fatalf("%d consent rows of %d customers: want those who declared one", len(consents), len(customers))
	}
	for _, r := range consents[:min(20, len(consents))] {
		a, _, err := c.Consent.Get(ctx, *r.CustomerID)
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(r.Allow, append([]string{}, a.Allow...)) || !slices.Equal(r.Deny, append([]string{}, a.Deny...)) || r.SourceKey != r.CustomerSourceKey {
			t.Errorf("consent of %d: %+v, API %+v", *r.CustomerID, r, a)
		}
	}
	var total int64
	for _, em := range m.Entities {
		total += em.Requests
	}
	if total != made {
		t.Errorf("sandbox received %d requests, manifest reports %d", made, total)
	}

	// Without the opt-in: no consents, not one request for them.
	dir2 := t.TempDir()
	m2, _ := e.extract(dir2, storeOptions{})
	if _, ok := m2.Entities[staging.EntityConsents]; ok {
		t.Error("consents written without being asked for")
	}
	sourcetest.AssertArrowAgrees(t, filepath.Join(dir2, staging.FileName(staging.EntityCustomerGroups)))
}
