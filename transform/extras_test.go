package transform

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/bcetl/bcetl/internal/staging"
)

// Groups, metafields, subscribers and consents follow their customers:
// rejected with a rejected customer, moved to the survivor of a merged
// one, deduplicated by their own keys (metafields on customer, namespace
// and key; subscribers by plain lower-case email; one consent per
// customer; groups by name), checked against the documented limits, and
// every row accounted for.
func TestGroupsMetafieldsSubscribersConsents(t *testing.T) {
	k := func(s string) *string { return &s }
	meta := func(key, cust, ns, mk, v string) staging.Metafield {
		return staging.Metafield{SourceKey: key, CustomerSourceKey: cust, Namespace: ns, Key: mk, Value: v, PermissionSet: "read"}
	}
	f := fixture{
		customers: []staging.Customer{
			{SourceKey: "c1", Email: "ann@example.com", FirstName: "Ann", LastName: "Lee", DateModified: at(5), CustomerGroupName: " Wholesale "},
			{SourceKey: "c2", Email: "Ann@example.com", FirstName: "Ann", LastName: "Lee", DateModified: at(1)},
			{SourceKey: "c3", Email: "not-an-email", FirstName: "X", LastName: "Y"},
			{SourceKey: "c4", Email: "many@example.com", FirstName: "M", LastName: "N", StoreCreditAmounts: []staging.Money{staging.MustMoney("12.3456")}},
			{SourceKey: "c5", Email: "neg@example.com", FirstName: "N", LastName: "G", StoreCreditAmounts: []staging.Money{staging.MustMoney("-1")}},
		},
		groups: []staging.CustomerGroup{
			{SourceKey: "g1", Name: "Wholesale", CategoryAccessType: "all",
				DiscountRules: []staging.GroupDiscountRule{{Type: "all", Method: "percent", Amount: "10.0000"}}},
			{SourceKey: "g2", Name: "wholesale"},
			{SourceKey: "g3", Name: " "},
			{SourceKey: "g4", Name: "Odd", DiscountRules: []staging.GroupDiscountRule{{Type: "all", Method: "percent", Amount: "0.12345"}}},
		},
		metas: []staging.Metafield{
			meta("m1", "c1", "app", "tier", "gold"),
			meta("m2", "c2", "app", "tier", "silver"), // moves to c1, a duplicate there
			meta("m3", "c2", "app", "since", "2020"),  // moves to c1
			meta("m4", "c3", "app", "tier", "x"),      // its customer is rejected
			meta("m5", "c1", strings.Repeat("n", 65), "k", "v"),
			{SourceKey: "m6", CustomerSourceKey: "c1", Namespace: "app", Key: "p", Value: "v", PermissionSet: "everyone"},
			meta("m7", "c1", "app", "empty", ""),
		},
		subs: []staging.Subscriber{
			{SourceKey: "s1", CustomerSourceKey: k("c2"), Email: " ANN@example.com", Source: "custom", Consents: []string{"marketing_newsletter"}},
			{SourceKey: "s2", Email: "ann@example.com", Source: "storefront", Consents: []string{"marketing_newsletter", "abandoned_cart"}},
			{SourceKey: "s3", CustomerSourceKey: k("c3"), Email: "x@example.com", Consents: []string{"marketing_newsletter"}},
			{SourceKey: "s4", Email: "bo@example.com", Source: "newsletter"},
			{SourceKey: "s5", Email: "bo@", Source: "custom"},
			{SourceKey: "s6", Email: "cy@example.com", Consents: []string{"marketing_newsletter", "marketing_newsletter"}},
			{SourceKey: "s7", Email: "Straße@example.com"},
			{SourceKey: "s8", Email: "strasse@example.com"},
		},
		consents: []staging.Consent{
			{SourceKey: "c1", CustomerSourceKey: "c1", Allow: []string{"essential"}, Deny: []string{"targeting"}},
			{SourceKey: "c2", CustomerSourceKey: "c2", Allow: []string{"essential", "targeting"}},
			{SourceKey: "c4", CustomerSourceKey: "c4", Deny: []string{"essential"}},
		},
	}
	for i := range MaxMetafieldsPerCustomer + 1 {
		f.metas = append(f.metas, meta(fmt.Sprintf("c4m%02d", i), "c4", "bulk", fmt.Sprintf("k%02d", i), "v"))
	}
	r := runFixture(t, f, Options{})

	// Customers: c2 merges into c1 (newer), c3 and c5 rejected; the group
	// name is trimmed like any text; store credit stays exact.
	if got := keysOf(r.customers, func(c staging.Customer) string { return c.SourceKey }); !slices.Equal(got, []string{"c1", "c4"}) {
		t.Fatalf("customers %v", got)
	}
	if r.customers[0].CustomerGroupName != "Wholesale" || r.customers[1].StoreCreditAmounts[0].String() != "12.3456" {
		t.Errorf("customers %+v", r.customers)
	}
	if rj := r.reject(staging.EntityCustomers, "c5"); rj == nil || rj.Rule != CheckStoreCredit {
		t.Errorf("negative credit: %+v", rj)
	}

	// Groups: one per name ignoring case; a blank name and an amount of
	// five decimals are refused.
	if got := keysOf(r.groups, func(g staging.CustomerGroup) string { return g.SourceKey }); !slices.Equal(got, []string{"g1"}) {
		t.Errorf("groups %v", got)
	}
	if m := r.merge(staging.EntityCustomerGroups, "g2", ""); m == nil || m.SurvivorKey != "g1" || m.Rule != MergeGroupName {
		t.Errorf("group merge %+v", m)
	}
	for key, rule := range map[string]string{"g3": CheckRequired, "g4": CheckEnum} {
		if rj := r.reject(staging.EntityCustomerGroups, key); rj == nil || rj.Rule != rule {
			t.Errorf("group %s: %+v", key, rj)
		}
	}

	// Metafields: c2's move to c1; the survivor's own tier wins over the
	// moved one; the 51st of c4 is refused.
	var m1 []string
	for _, m := range r.metas {
		if m.CustomerSourceKey == "c1" {
			m1 = append(m1, m.SourceKey+"="+m.Value)
		}
		if m.CustomerSourceKey == "c2" || m.CustomerSourceKey == "c3" {
			t.Errorf("metafield %s left on %s", m.SourceKey, m.CustomerSourceKey)
		}
	}
	if !slices.Equal(m1, []string{"m1=gold", "m3=2020"}) {
		t.Errorf("c1's metafields %v", m1)
	}
	if m := r.merge(staging.EntityMetafields, "m2", "value"); m == nil || m.SurvivorKey != "m1" || m.DroppedValue != "silver" || m.KeptValue != "gold" {
		t.Errorf("metafield merge %+v", m)
	}
	for key, rule := range map[string]string{"m4": CheckCustomerRejected, "m5": CheckLength, "m6": CheckEnum, "m7": CheckRequired,
		"c4m50": CheckMetafieldLimit} {
		if rj := r.reject(staging.EntityMetafields, key); rj == nil || rj.Rule != rule {
			t.Errorf("metafield %s: %+v, want rule %s", key, rj, rule)
		}
	}
	if n := r.rep.Entities[staging.EntityMetafields].RowsOut; n != 2+MaxMetafieldsPerCustomer {
		t.Errorf("%d metafields written", n)
	}

	// Subscribers: one per email compared plain lower-case (ß and ss stay
	// two people); c2's subscription moves with c2 to c1 and, moved, gives
	// way to the subscriber of that email the source has as it is.
	got := keysOf(r.subs, func(s staging.Subscriber) string { return s.SourceKey + ":" + s.Email })
	if !slices.Equal(got, []string{"s2:ann@example.com", "s7:Straße@example.com", "s8:strasse@example.com"}) {
		t.Errorf("subscribers %v", got)
	}
	if m := r.merge(staging.EntitySubscribers, "s1", "consents"); m == nil || m.SurvivorKey != "s2" || m.DroppedValue != "marketing_newsletter" {
		t.Errorf("subscriber merge %+v", m)
	}
	for key, rule := range map[string]string{"s3": CheckCustomerRejected, "s4": CheckEnum, "s5": RuleEmail, "s6": CheckEnum} {
		if rj := r.reject(staging.EntitySubscribers, key); rj == nil || rj.Rule != rule {
			t.Errorf("subscriber %s: %+v, want rule %s", key, rj, rule)
		}
	}

	// Consents: c1 keeps its own declaration over c2's; essential cannot
	// be denied.
	if len(r.consents) != 1 || r.consents[0].SourceKey != "c1" || !slices.Equal(r.consents[0].Deny, []string{"targeting"}) {
		t.Errorf("consents %+v", r.consents)
	}
	if m := r.merge(staging.EntityConsents, "c2", ""); m == nil || m.SurvivorKey != "c1" {
		t.Errorf("consent merge %+v", m)
	}
	if rj := r.reject(staging.EntityConsents, "c4"); rj == nil || rj.Rule != CheckEnum {
		t.Errorf("consent c4: %+v", rj)
	}
	for _, e := range []string{staging.EntityCustomerGroups, staging.EntityMetafields, staging.EntitySubscribers, staging.EntityConsents} {
		c := r.rep.Entities[e]
		if c.RowsIn == 0 || c.RowsIn != c.RowsOut+c.Merged+c.Rejected {
			t.Errorf("%s: in %d ≠ out %d + merged %d + rejected %d", e, c.RowsIn, c.RowsOut, c.Merged, c.Rejected)
		}
	}
}

func keysOf[T any](rows []T, key func(T) string) []string {
	var out []string
	for _, r := range rows {
		out = append(out, key(r))
	}
	return out
}
