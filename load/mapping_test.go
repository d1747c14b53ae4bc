package load

import (
	"context"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/bcetl/bcetl/internal/bigcommerce"
	"github.com/bcetl/bcetl/internal/sandbox"
	"github.com/bcetl/bcetl/internal/staging"
)

// storeInput is a small staging directory of the store-to-store entities.
type storeInput struct {
	customers   []staging.Customer
	addresses   []staging.Address
	forms       []staging.FormFieldValue
	groups      []staging.CustomerGroup
	metafields  []staging.Metafield
	subscribers []staging.Subscriber
	consents    []staging.Consent
}

func (in storeInput) write(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	must := func(_ staging.FileStats, err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	p := func(e string) string { return filepath.Join(dir, staging.FileName(e)) }
	must(staging.WriteAll(p(staging.EntityCustomers), in.customers))
	must(staging.WriteAll(p(staging.EntityAddresses), in.addresses))
	must(staging.WriteAll(p(staging.EntityFormFieldValues), in.forms))
	must(staging.WriteAll(p(staging.EntityCustomerGroups), in.groups))
	must(staging.WriteAll(p(staging.EntityMetafields), in.metafields))
	must(staging.WriteAll(p(staging.EntitySubscribers), in.subscribers))
	must(staging.WriteAll(p(staging.EntityConsents), in.consents))
	writeManifest(t, dir)
	return dir
}

func cust(key string, edit func(*staging.Customer)) staging.Customer {
	c := staging.Customer{SourceKey: key, Email: key + "@example.com", FirstName: "F", LastName: "L"}
	if edit != nil {
		edit(&c)
	}
	return c
}

func targetCustomer(t *testing.T, c *bigcommerce.Client, email string) bigcommerce.Customer {
	t.Helper()
	got, _, err := c.Customers.List(context.Background(), &bigcommerce.CustomerListOptions{EmailIn: []string{email}})
	if err != nil || len(got) != 1 {
		t.Fatalf("%s on the target: %v %v", email, got, err)
	}
	return got[0]
}

// Groups are mapped by name to the target's under other ids; missing ones
// are created with what of their settings does not name the source's
// catalog, each dropped rule named in the group's result; a bare id the
// target lacks, and a channel the target lacks, reject the customer
// naming it; --channel-map sends a channel elsewhere.
func TestGroupsAndChannelsAreMapped(t *testing.T) {
	in := storeInput{
		groups: []staging.CustomerGroup{
			{SourceKey: "g1", ID: ptr(int64(1)), Name: "Retail", CategoryAccessType: "all"},
			{SourceKey: "g2", ID: ptr(int64(2)), Name: "Wholesale", CategoryAccessType: "all", DiscountRules: []staging.GroupDiscountRule{
				{Type: "all", Method: "percent", Amount: "10"}, {Type: "category", Method: "percent", Amount: "15.5", CategoryID: ptr(int64(23))}}},
			{SourceKey: "g3", ID: ptr(int64(3)), Name: "VIP", CategoryAccessType: "specific", CategoryAccessCategories: []int64{18, 19},
				DiscountRules: []staging.GroupDiscountRule{{Type: "product", Method: "price", Amount: "99.99", ProductID: ptr(int64(111))}}},
		},
		customers: []staging.Customer{
			cust("retail", func(c *staging.Customer) { c.CustomerGroupID = ptr(int64(1)) }),                                      // by the group row's name
			cust("wholesale", func(c *staging.Customer) { c.CustomerGroupID, c.CustomerGroupName = ptr(int64(2)), "WHOLESALE" }), // by name, any case
			cust("vip", func(c *staging.Customer) { c.CustomerGroupName = "VIP" }),
			cust("nogroup", func(c *staging.Customer) { c.CustomerGroupID = ptr(int64(0)) }),
			cust("unknownid", func(c *staging.Customer) { c.CustomerGroupID = ptr(int64(99)) }),
			cust("mapped", func(c *staging.Customer) { c.ChannelIDs, c.OriginChannelID = []int64{1, 77}, ptr(int64(77)) }),
			cust("samechan", func(c *staging.Customer) { c.ChannelIDs = []int64{5} }),
			cust("lostchan", func(c *staging.Customer) { c.ChannelIDs = []int64{1, 88} }),
		},
	}
	dir := in.write(t)
	srv, base := newSandbox(t, sandbox.Options{Config: &sandbox.StoreConfig{
		Groups:   []sandbox.Group{{ID: 40, Name: "Retail", IsDefault: true}},
		Channels: []sandbox.Channel{{ID: 5, Name: "Second"}, {ID: 9, Name: "Wholesale portal"}}}})
	c := newClient(t, base)
	statePath := filepath.Join(t.TempDir(), "s.db")
	if _, err := runLoad(t, c, dir, statePath, func(o *Options) { o.ChannelMap = map[int64]int64{77: 9} }); err != nil {
		t.Fatal(err)
	}
	res := readResults(t, statePath)
	groups := map[string]sandbox.Group{}
	for _, g := range srv.Config().Groups {
		groups[g.Name] = g
	}
	if r := res["customer_groups/g1"]; r.Status != staging.StatusSkipped || *r.TargetID != 40 {
		t.Errorf("Retail: %+v", r)
	}
	w, v := groups["Wholesale"], groups["VIP"]
	if len(w.DiscountRules) != 1 || w.DiscountRules[0].Type != "all" || w.CategoryAccess.Type != "all" {
		t.Errorf("Wholesale created as %+v", w)
	}
	if r := res["customer_groups/g2"]; r.Status != staging.StatusLoaded || !strings.Contains(r.Message, "source category 23") {
		t.Errorf("Wholesale: %+v", r)
	}
	if r := res["customer_groups/g3"]; r.Status != staging.StatusLoaded || !strings.Contains(r.Message, "[18 19]") || !strings.Contains(r.Message, "source product 111") {
		t.Errorf("VIP: %+v", r)
	}
	if v.CategoryAccess.Type != "none" || len(v.DiscountRules) != 0 {
		t.Errorf("VIP created as %+v: access must not widen, catalog rules are dropped", v)
	}
	for key, want := range map[string]int64{"retail": 40, "wholesale": w.ID, "vip": v.ID, "nogroup": 0} {
		if got := targetCustomer(t, c, key+"@example.com"); got.CustomerGroupID != want {
			t.Errorf("%s: group %d, want %d", key, got.CustomerGroupID, want)
		}
	}
	if got := targetCustomer(t, c, "mapped@example.com"); !slices.Equal(got.ChannelIDs, []int64{1, 9}) || got.OriginChannelID != 9 {
		t.Errorf("mapped: channels %v origin %d, want [1 9] and 9", got.ChannelIDs, got.OriginChannelID)
	}
	if got := targetCustomer(t, c, "samechan@example.com"); !slices.Equal(got.ChannelIDs, []int64{5}) {
		t.Errorf("samechan: channels %v", got.ChannelIDs)
	}
	for key, want := range map[string]string{"unknownid": "customer_group_id 99", "lostchan": "--channel-map 88="} {
		if r := res["customers/"+key]; r.Status != staging.StatusRejected || !strings.Contains(r.Message, want) {
			t.Errorf("%s: %s %q, want rejected naming %q", key, r.Status, r.Message, want)
		}
	}

	// --create-groups=false: the groups the target lacks are rejected,
	// and their customers too, or given the default group.
	for _, policy := range []string{MissingGroupReject, MissingGroupDefault} {
		_, base := newSandbox(t, sandbox.Options{Config: &sandbox.StoreConfig{Groups: []sandbox.Group{{ID: 40, Name: "Retail", IsDefault: true}}}})
		c := newClient(t, base)
		statePath := filepath.Join(t.TempDir(), "s.db")
		if _, err := runLoad(t, c, dir, statePath, func(o *Options) {
			o.CreateGroups, o.MissingGroup, o.ChannelMap = ptr(false), policy, map[int64]int64{77: 1, 88: 1, 5: 1}
		}); err != nil {
			t.Fatal(err)
		}
		res := readResults(t, statePath)
		if r := res["customer_groups/g2"]; r.Status != staging.StatusRejected || !strings.Contains(r.Message, "--create-groups=false") {
			t.Errorf("%s: Wholesale %+v", policy, r)
		}
		r := res["customers/wholesale"]
		if policy == MissingGroupReject && (r.Status != staging.StatusRejected || !strings.Contains(r.Message, "Wholesale")) {
			t.Errorf("reject: wholesale %+v", r)
		}
		if policy == MissingGroupDefault {
			if got := targetCustomer(t, c, "wholesale@example.com"); r.Status != staging.StatusLoaded || got.CustomerGroupID != 40 {
				t.Errorf("default: wholesale %+v in group %d, want the default 40", r, got.CustomerGroupID)
			}
		}
	}
}

// States are sent in the target's spelling: a name it has kept as the
// source wrote it, accents and punctuation forgiven, abbreviations (dots
// dropped, traditional ones) mapped to its names; an unknown one rejects
// the address before sending, naming the closest names, while its
// customer loads.
func TestStatesInTheTargetsSpelling(t *testing.T) {
	addr := func(key, cc, state string) staging.Address {
		return staging.Address{SourceKey: key, CustomerSourceKey: "c", FirstName: "F", LastName: "L", Address1: key + " Street", City: "Town",
			PostalCode: "12345", CountryCode: cc, StateOrProvince: state}
	}
	in := storeInput{customers: []staging.Customer{cust("c", nil)}, addresses: []staging.Address{
		addr("kept", "US", "california"), addr("accents", "DE", "Baden-Wurttemberg"), addr("iso", "FR", "Pays-de-la-Loire"),
		addr("apostrophe", "FR", "Provence-Alpes-Côte-d’Azur"), addr("dots", "AU", "N.S.W."), addr("calif", "US", "Calif."),
		addr("code", "CA", "qc"), addr("free", "GB", "Greater London"), addr("unknown", "DE", "Bavaria"),
	}}
	dir := in.write(t)
	_, base := newSandbox(t, sandbox.Options{})
	c := newClient(t, base)
	statePath := filepath.Join(t.TempDir(), "s.db")
	if _, err := runLoad(t, c, dir, statePath, nil); err != nil {
		t.Fatal(err)
	}
	res := readResults(t, statePath)
	if r := res["customers/c"]; r.Status != staging.StatusLoaded {
		t.Fatalf("customer: %+v", r)
	}
	if r := res["addresses/unknown"]; r.Status != staging.StatusRejected || !strings.Contains(r.Message, `"Bavaria"`) || !strings.Contains(r.Message, "closest: ") {
		t.Errorf("unknown state: %+v", r)
	}
	got := map[string]string{}
	for a, err := range c.Addresses.All(context.Background(), bigcommerce.AddressListOptions{}) {
		if err != nil {
			t.Fatal(err)
		}
		got[strings.TrimSuffix(a.Address1, " Street")] = a.StateOrProvince
	}
	for key, want := range map[string]string{"kept": "california", "accents": "Baden-Württemberg", "iso": "Pays de la Loire",
		"apostrophe": "Provence-Alpes-Côte d'Azur", "dots": "New South Wales", "calif": "California", "code": "Quebec", "free": "Greater London"} {
		if got[key] != want {
			t.Errorf("%s: state %q on the target, want %q (%+v)", key, got[key], want, res["addresses/"+key])
		}
	}
}

// Metafields, subscribers and consents load after their customers and
// are idempotent: loaded again (a new state, the customers updated in
// place) nothing is doubled, a metafield the customer has with the same
// value is loaded, a subscriber the target has is skipped; consents need
// --with-consent, and are rejected with the reason without it.
func TestMetafieldsSubscribersAndConsents(t *testing.T) {
	in := storeInput{
		customers: []staging.Customer{cust("a", nil), cust("b", nil)},
		metafields: []staging.Metafield{
			{SourceKey: "m1", CustomerSourceKey: "a", Namespace: "crm", Key: "tier", Value: "gold", PermissionSet: "write"},
			{SourceKey: "m2", CustomerSourceKey: "a", Namespace: "crm", Key: "id", Value: "CRM-1", PermissionSet: "read"},
			{SourceKey: "m3", CustomerSourceKey: "b", Namespace: "crm", Key: "tier", Value: "silver", PermissionSet: "write"},
		},
		subscribers: []staging.Subscriber{
			{SourceKey: "s1", CustomerSourceKey: ptr("a"), Email: "a@example.com", Source: "storefront", Consents: []string{"marketing_newsletter"}},
			{SourceKey: "s2", Email: "news@example.org", Source: "custom", Consents: []string{"marketing_newsletter", "abandoned_cart"}},
		},
		consents: []staging.Consent{{SourceKey: "b", CustomerSourceKey: "b", Allow: []string{"essential", "analytics"}, Deny: []string{"targeting"}}},
	}
	dir := in.write(t)
	_, base := newSandbox(t, sandbox.Options{})
	c := newClient(t, base)
	ctx := context.Background()
	check := func(run string, want map[string]staging.Status, statePath string) {
		t.Helper()
		res := readResults(t, statePath)
		for k, st := range want {
			if r := res[k]; r.Status != st {
				t.Errorf("%s: %s: %s %q, want %s", run, k, r.Status, r.Message, st)
			}
		}
		var metas, subs int
		for _, err := range c.Metafields.All(ctx, bigcommerce.MetafieldListOptions{}) {
			if err != nil {
				t.Fatal(err)
			}
			metas++
		}
		for s, err := range c.Subscribers.All(ctx, bigcommerce.SubscriberListOptions{}) {
			if err != nil {
				t.Fatal(err)
			}
			subs++
			if s.Email == "news@example.org" && !slices.Equal(s.Consents, []string{"marketing_newsletter", "abandoned_cart"}) {
				t.Errorf("%s: consents %v", run, s.Consents)
			}
		}
		if metas != 3 || subs != 2 {
			t.Errorf("%s: the target has %d metafields and %d subscribers, want 3 and 2", run, metas, subs)
		}
	}
	first := filepath.Join(t.TempDir(), "first.db")
	if _, err := runLoad(t, c, dir, first, func(o *Options) { o.WithConsent = true }); err != nil {
		t.Fatal(err)
	}
	check("first", map[string]staging.Status{"metafields/m1": staging.StatusLoaded, "metafields/m3": staging.StatusLoaded,
		"subscribers/s1": staging.StatusLoaded, "subscribers/s2": staging.StatusLoaded, "consents/b": staging.StatusLoaded}, first)
	b := targetCustomer(t, c, "b@example.com")
	if got, _, err := c.Consent.Get(ctx, b.ID); err != nil || !slices.Contains(got.Allow, "analytics") || !slices.Equal(got.Deny, []string{"targeting"}) {
		t.Errorf("consent of b: %+v %v", got, err)
	}

	again := filepath.Join(t.TempDir(), "again.db")
	if _, err := runLoad(t, c, dir, again, func(o *Options) { o.OnExisting = OnExistingUpdate }); err != nil {
		t.Fatal(err)
	}
	check("again", map[string]staging.Status{"customers/a": staging.StatusUpdated, "metafields/m1": staging.StatusLoaded,
		"subscribers/s1": staging.StatusSkipped, "subscribers/s2": staging.StatusSkipped, "consents/b": staging.StatusRejected}, again)
	if r := readResults(t, again)["consents/b"]; !strings.Contains(r.Message, "--with-consent") {
		t.Errorf("consent without --with-consent: %q", r.Message)
	}
}
