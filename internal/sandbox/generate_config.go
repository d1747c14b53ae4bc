package sandbox

import (
	"math/rand/v2"
	"strings"
)

// What Generate sets up beside the customers: the configuration a real
// source store has, so that a store-to-store migration meets every id and
// name that differs between stores. Each item is added once per store (by
// name; channels by id), like the attribute definitions.

// genGroups: several groups with settings; Retail is the default group.
// The discount rules name category and product ids of the source's
// catalog, which a migration must map too.
var genGroups = []Group{
	{Name: "Retail", IsDefault: true, CategoryAccess: CategoryAccess{Type: "all"}},
	{Name: "Wholesale", CategoryAccess: CategoryAccess{Type: "all"}, DiscountRules: []DiscountRule{
		{Type: "all", Method: "percent", Amount: "10"},
		{Type: "category", Method: "percent", Amount: "15.5", CategoryID: 23},
		{Type: "category", Method: "fixed", Amount: "2.25", CategoryID: 41},
	}},
	{Name: "VIP", CategoryAccess: CategoryAccess{Type: "specific", Categories: []int64{18, 19, 23, 34}}, DiscountRules: []DiscountRule{
		{Type: "product", Method: "price", Amount: "99.9900", ProductID: 111},
		{Type: "product", Method: "percent", Amount: "20", ProductID: 137},
	}},
	{Name: "Staff", IsGroupForGuests: false, CategoryAccess: CategoryAccess{Type: "none"}, DiscountRules: []DiscountRule{
		{Type: "price_list", PriceListID: 3},
	}},
}

// genChannels: besides channel 1, a second storefront and a marketplace,
// with ids like the document's examples (real stores' channel ids are
// large and differ between stores).
var genChannels = []Channel{
	{ID: 664179, Name: "Wholesale Portal", Type: "storefront", Platform: "bigcommerce", Status: "active"},
	{ID: 667159, Name: "Amazon", Type: "marketplace", Platform: "amazon", Status: "connected"},
}

// genCustomerFields and genAddressFields: the custom fields whose names the
// generated form field values use.
var (
	genCustomerFields = []FormField{
		{Name: "Sales Rep", FieldType: "text", MaxLength: 50},
		{Name: "Loyalty Points", FieldType: "numbers"},
		{Name: "Interests", FieldType: "checkbox", Options: []string{"red", "green", "black", "Ünïcödé"}},
	}
	genAddressFields = []FormField{
		{Name: "Delivery Instructions", FieldType: "multiline"},
		{Name: "Gate Code", FieldType: "numbers"},
	}
)

// genStates: free-text states for the generated countries without a
// state list (geography.go).
var genStates = map[string][]string{
	"GB": {"Greater London", "Greater Manchester", "Scotland", "Wales"},
	"JP": {"Tokyo", "Osaka", "Kyoto"},
	"CN": {"Beijing", "Shanghai", "Guangdong"},
	"RU": {"Moscow", "Saint Petersburg"},
	"IE": {"Dublin", "Cork"},
	"HK": {"Kowloon"},
}

// genConfig adds the generated configuration to the store and returns the
// ids of the groups (in genGroups order, 0 where the store has a group of
// that name already taken by a clash) and which fields the generated
// values may use (a store configured with a field of the same name but
// another type gets no values for it).
func (st *store) genConfig(created int64) (groups []int64, fields map[string]bool) {
	for _, g := range genGroups {
		cur := st.groupByNameFold(g.Name)
		if cur == nil {
			g = cloneGroup(g)
			for k := range g.DiscountRules {
				normaliseRule(&g.DiscountRules[k])
			}
			if g.IsDefault && st.defaultGroup() != 0 {
				g.IsDefault = false // a configured store keeps its default
			}
			cur = &groupRec{Group: g, Created: created, Modified: created}
			st.insertGroup(cur)
		}
		groups = append(groups, cur.ID)
	}
	for _, ch := range genChannels {
		if st.channel(ch.ID) == nil {
			st.putChannel(&channelRec{Channel: ch, Created: created, Modified: created})
		}
	}
	fields = map[string]bool{}
	cust, addr := append([]FormField(nil), st.custForm...), append([]FormField(nil), st.addrForm...)
	add := func(form *[]FormField, f FormField) {
		f.Label = f.Name
		if cur := fieldNamed(*form, f.Name); cur != nil {
			fields[f.Name] = cur.FieldType == f.FieldType && strings.Join(cur.Options, "|") == strings.Join(f.Options, "|")
			return
		}
		*form = append(*form, f)
		fields[f.Name] = true
	}
	for _, f := range genCustomerFields {
		add(&cust, f)
	}
	for _, f := range genAddressFields {
		add(&addr, f)
	}
	st.setForms(cust, addr)
	return groups, fields
}

// genExtras gives a generated customer what a real one has beside its
// record: channels, metafields, a newsletter subscription and a consent
// declaration. It draws from its own random stream, so the customers'
// other fields stay what they were before these were added.
func (st *store) genExtras(rng *rand.Rand, c *customerRec) {
	switch r := rng.IntN(20); {
	case r < 3:
		c.Channels = []int64{1}
	case r < 5:
		c.Channels = []int64{1, 664179}
		if rng.IntN(2) == 0 {
			c.OriginChannel = 664179
		}
	case r == 5:
		c.Channels, c.OriginChannel = []int64{667159}, 667159
	}
	if rng.IntN(7) == 0 {
		for k, n := 0, 1+rng.IntN(3); k < n; k++ {
			m := &metaRec{CustomerID: c.ID, Namespace: pick(rng, []string{"loyalty", "crm", "Sales Department"}),
				Key: []string{"tier", "external_id", "Staff Name"}[k], Owner: otherClientID,
				PermissionSet: pick(rng, []string{"read", "write", "read_and_sf_access", "write", "read", "app_only"}),
				Value:         pick(rng, []string{"gold", "CRM-" + itoa(c.ID), "Ronaldo", "Zoë Ünïcödé", `{"json":true}`}),
				Description:   pick(rng, []string{"", "Imported from the loyalty app"}), Created: c.Created, Modified: c.Modified}
			st.putMetafield(m)
		}
	}
	if rng.IntN(10) < 3 {
		sb := &subscriberRec{Email: c.Email, FirstName: strings.TrimSpace(c.FirstName), LastName: strings.TrimSpace(c.LastName),
			Source: "storefront", ChannelID: c.OriginChannel, Consents: []string{"marketing_newsletter"}, Created: c.Created, Modified: c.Modified}
		switch rng.IntN(6) {
		case 0:
			sb.Source, sb.OrderID = "order", int64(100+rng.IntN(90000))
		case 1:
			sb.Consents = append(sb.Consents, "abandoned_cart")
		case 2:
			sb.Consents = []string{} // unsubscribed since
		}
		if st.subsByEmail[st.emailKey(sb.Email)] == nil {
			st.putSubscriber(sb, "")
		}
	}
	if rng.IntN(5) == 0 {
		all := []string{"functional", "analytics", "targeting"}
		decl := &consentRec{Allow: []string{"essential"}, Deny: []string{}}
		for _, k := range all {
			if rng.IntN(2) == 0 {
				decl.Allow = append(decl.Allow, k)
			} else {
				decl.Deny = append(decl.Deny, k)
			}
		}
		c.Consent = decl
	}
}

// genNewsletterOnly adds subscribers who are not customers ("Someone can
// sign up for the newsletter only").
func (st *store) genNewsletterOnly(rng *rand.Rand, n int, base int64, anchor int64) {
	for i := 0; i < n; i++ {
		t := anchor - rng.Int64N(365*86400)
		sb := &subscriberRec{Email: "newsletter" + itoa(base+int64(i)) + "@example.org", Source: "storefront", ChannelID: 1,
			Consents: []string{"marketing_newsletter"}, Created: t, Modified: t}
		if st.subsByEmail[st.emailKey(sb.Email)] == nil {
			st.putSubscriber(sb, "")
		}
	}
}
