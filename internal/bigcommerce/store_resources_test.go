package bigcommerce_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/bcetl/bcetl/internal/bigcommerce"
	"github.com/bcetl/bcetl/internal/sandbox"
)

// The resources a store-to-store migration reads and writes beside the
// customers, each tested against the sandbox over HTTP.

// generatedStore serves a generated sandbox store of n customers; seen
// counts the requests that reached /api/storefront with a token.
func generatedStore(t *testing.T, n int, cfg *sandbox.StoreConfig) (*sandbox.Server, *bigcommerce.Client, string, *atomic.Int64) {
	t.Helper()
	srv, err := sandbox.New(sandbox.Options{StoreHash: "abc", Token: "tok", Config: cfg})
	if err != nil {
		t.Fatal(err)
	}
	if n > 0 {
		srv.Generate(n, 7)
	}
	tokenToStorefront := new(atomic.Int64)
	hs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasPrefix(r.URL.Path, "/api/storefront/") && r.Header.Get("X-Auth-Token") != "" {
			tokenToStorefront.Add(1)
		}
		srv.ServeHTTP(w, r)
	}))
	t.Cleanup(func() { hs.Close(); srv.Close() })
	c, err := bigcommerce.NewClient(bigcommerce.Config{BaseURL: hs.URL + "/stores/{store_hash}/v3", StoreHash: "abc", Token: "tok"})
	if err != nil {
		t.Fatal(err)
	}
	return srv, c, hs.URL, tokenToStorefront
}

func collect[T any](t *testing.T, seq func(func(T, error) bool)) []T {
	t.Helper()
	var out []T
	for v, err := range seq {
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, v)
	}
	return out
}

// The V2 root is derived from the V3 base URL; a base that does not end in
// /v3 has none, and a V2 call says so instead of requesting a wrong URL.
func TestV2RootIsDerivedFromTheV3BaseURL(t *testing.T) {
	c, err := bigcommerce.NewClient(bigcommerce.Config{StoreHash: "h1", Token: "t"})
	if err != nil {
		t.Fatal(err)
	}
	if got := c.V2URL(); got != "https://api.bigcommerce.com/stores/h1/v2" {
		t.Errorf("V2URL %q", got)
	}
	c, err = bigcommerce.NewClient(bigcommerce.Config{BaseURL: "http://127.0.0.1:1/custom/api", Token: "t"})
	if err != nil {
		t.Fatal(err)
	}
	_, _, err = c.CustomerGroups.List(context.Background(), nil)
	if err == nil || !strings.Contains(err.Error(), "V2 root") {
		t.Fatalf("want an error naming the missing V2 root, got %v", err)
	}
}

// Groups are listed through every page (V2 paging: page and limit, a short
// page ends the walk) and created with their settings; the discount
// amounts come back exactly; a second group of the same name is a 409.
func TestCustomerGroupsListPagesAndCreate(t *testing.T) {
	_, c, _, _ := generatedStore(t, 0, nil)
	ctx := context.Background()
	for i := range 7 {
		_, _, err := c.CustomerGroups.Create(ctx, bigcommerce.CustomerGroupCreate{Name: "G" + string(rune('a'+i))})
		if err != nil {
			t.Fatal(err)
		}
	}
	g, _, err := c.CustomerGroups.Create(ctx, bigcommerce.CustomerGroupCreate{Name: "Wholesale",
		CategoryAccess: &bigcommerce.CategoryAccess{Type: "specific", Categories: []int64{18, 19}},
		DiscountRules: []bigcommerce.DiscountRule{{Type: "all", Method: "percent", Amount: "10"},
			{Type: "category", Method: "fixed", Amount: "2.2500", CategoryID: 41}}})
	if err != nil {
		t.Fatal(err)
	}
	if g.ID == 0 || g.Name != "Wholesale" || g.CategoryAccess.Type != "specific" || len(g.DiscountRules) != 2 ||
		g.DiscountRules[1].Amount != "2.2500" || g.DiscountRules[1].CategoryID != 41 {
		t.Fatalf("created %+v", g)
	}
	if _, ok := bigcommerce.ParseV2Time(g.DateCreated); !ok {
		t.Errorf("date_created %q unreadable", g.DateCreated)
	}
	all := collect(t, c.CustomerGroups.All(ctx, bigcommerce.CustomerGroupListOptions{ListOptions: bigcommerce.ListOptions{Limit: 3}}))
	if len(all) != 8 || all[7].Name != "Wholesale" {
		t.Fatalf("walked %d groups: %+v", len(all), all)
	}
	byName := collect(t, c.CustomerGroups.All(ctx, bigcommerce.CustomerGroupListOptions{Name: "Wholesale"}))
	if len(byName) != 1 || byName[0].ID != g.ID {
		t.Fatalf("by name: %+v", byName)
	}
	_, _, err = c.CustomerGroups.Create(ctx, bigcommerce.CustomerGroupCreate{Name: "Wholesale"})
	var er *bigcommerce.ErrorResponse
	if !errors.As(err, &er) || er.StatusCode != http.StatusConflict || !strings.Contains(er.Error(), "already exists") {
		t.Fatalf("duplicate name: %v", err)
	}
}

func TestChannelsAndGeography(t *testing.T) {
	_, c, _, _ := generatedStore(t, 20, nil)
	ctx := context.Background()
	chans := collect(t, c.Channels.All(ctx, bigcommerce.ChannelListOptions{}))
	ids := []int64{}
	for _, ch := range chans {
		ids = append(ids, ch.ID)
	}
	if !slices.Equal(ids, []int64{1, 664179, 667159}) || chans[2].Platform != "amazon" || !chans[2].Available() || chans[0].DateCreated == nil {
		t.Fatalf("channels %+v", chans)
	}
	au := collect(t, c.Geography.Countries(ctx, bigcommerce.CountryListOptions{CountryISO2: "AU"}))
	if len(au) != 1 || au[0].Country != "Australia" {
		t.Fatalf("countries %+v", au)
	}
	states := collect(t, c.Geography.States(ctx, au[0].ID))
	var nsw *bigcommerce.State
	for i := range states {
		if states[i].StateAbbreviation == "NSW" {
			nsw = &states[i]
		}
	}
	if len(states) < 8 || nsw == nil || nsw.State != "New South Wales" || nsw.CountryID != au[0].ID {
		t.Fatalf("states of Australia: %+v", states)
	}
	all := collect(t, c.Geography.Countries(ctx, bigcommerce.CountryListOptions{}))
	if len(all) < 200 {
		t.Fatalf("%d countries: the walk stopped early", len(all))
	}
}

// The storefront's form fields come from the storefront host without the
// token: the sign-up form's custom fields and the address form's.
func TestStorefrontFormFieldsWithoutToken(t *testing.T) {
	cfg := &sandbox.StoreConfig{
		CustomerFields: []sandbox.FormField{{Name: "Sales Rep", FieldType: "text"}, {Name: "Interests", FieldType: "checkbox", Options: []string{"a", "b"}}},
		AddressFields:  []sandbox.FormField{{Name: "Gate Code", FieldType: "numbers"}},
	}
	_, _, base, leaked := generatedStore(t, 0, cfg)
	for _, u := range []string{base, base + "/", base + "/api/storefront"} {
		sf, err := bigcommerce.NewStorefront(u)
		if err != nil {
			t.Fatal(err)
		}
		g, err := sf.FormFields(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		if got := g.CustomerFieldNames(); !slices.Equal(got, []string{"Sales Rep", "Interests"}) {
			t.Errorf("%s: customer fields %v", u, got)
		}
		if got := g.AddressFieldNames(); !slices.Equal(got, []string{"Gate Code"}) {
			t.Errorf("%s: address fields %v", u, got)
		}
		if len(g.CustomerAccount) != 5 || g.CustomerAccount[0].Name != "email" || g.CustomerAccount[0].Custom {
			t.Errorf("%s: system fields %+v", u, g.CustomerAccount)
		}
	}
	if leaked.Load() != 0 {
		t.Fatalf("%d requests to the storefront carried an X-Auth-Token", leaked.Load())
	}
	for _, bad := range []string{"ftp://x", "https://user:pw@shop.example.com", "https://shop.example.com/?a=1", "shop.example.com"} {
		if _, err := bigcommerce.NewStorefront(bad); err == nil {
			t.Errorf("NewStorefront(%q) accepted", bad)
		} else if strings.Contains(err.Error(), "pw") {
			t.Errorf("error shows the password: %v", err)
		}
	}
}

func TestSubscribersCreateListUpdate(t *testing.T) {
	_, c, _, _ := generatedStore(t, 0, nil)
	ctx := context.Background()
	s, _, err := c.Subscribers.Create(ctx, bigcommerce.SubscriberCreate{Email: "Ann@Example.com", FirstName: "Ann",
		Source: bigcommerce.SubscriberSourceStorefront, Consents: []string{bigcommerce.ConsentMarketingNewsletter}})
	if err != nil {
		t.Fatal(err)
	}
	if s.ID == 0 || s.Source != "storefront" || !slices.Equal(s.Consents, []string{"marketing_newsletter"}) || s.DateCreated == nil || s.ChannelID != 1 {
		t.Fatalf("created %+v", s)
	}
	_, _, err = c.Subscribers.Create(ctx, bigcommerce.SubscriberCreate{Email: "ann@example.com"})
	var er *bigcommerce.ErrorResponse
	if !errors.As(err, &er) || er.StatusCode != http.StatusConflict {
		t.Fatalf("second subscriber of an email: %v", err)
	}
	for i := range 5 {
		if _, _, err := c.Subscribers.Create(ctx, bigcommerce.SubscriberCreate{Email: "s" + string(rune('0'+i)) + "@example.com"}); err != nil {
			t.Fatal(err)
		}
	}
	all := collect(t, c.Subscribers.All(ctx, bigcommerce.SubscriberListOptions{ListOptions: bigcommerce.ListOptions{Limit: 2}}))
	if len(all) != 6 {
		t.Fatalf("walked %d subscribers", len(all))
	}
	found := collect(t, c.Subscribers.All(ctx, bigcommerce.SubscriberListOptions{Email: "ann@example.com"}))
	if len(found) != 1 || found[0].ID != s.ID {
		t.Fatalf("by email: %+v", found)
	}
	none := []string{}
	u, _, err := c.Subscribers.Update(ctx, s.ID, bigcommerce.SubscriberUpdate{Consents: &none, LastName: new("Lee")})
	if err != nil {
		t.Fatal(err)
	}
	if len(u.Consents) != 0 || u.LastName != "Lee" || u.FirstName != "Ann" {
		t.Fatalf("updated %+v", u)
	}
}

// Metafields: written in batches that succeed item by item (a conflicting
// item is reported with its index while the others are written), walked in
// full pages by cursor, updated by id.
func TestMetafieldsBatch(t *testing.T) {
	srv, c, _, _ := generatedStore(t, 0, nil)
	ctx := context.Background()
	var ids []int64
	for i := range 3 {
		id, err := srv.CreateCustomerDirect(sandbox.CustomerFields{Email: "m" + string(rune('0'+i)) + "@example.com", FirstName: "M", LastName: "N"})
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, id)
	}
	var items []bigcommerce.MetafieldCreate
	for _, id := range ids {
		for k := range 3 {
			items = append(items, bigcommerce.MetafieldCreate{ResourceID: id, Namespace: "app", Key: "k" + string(rune('0'+k)),
				Value: "v", PermissionSet: bigcommerce.PermissionRead})
		}
	}
	if _, _, err := c.Metafields.Create(ctx, items[:11]); err == nil || !strings.Contains(err.Error(), "maximum per call is 10") {
		t.Fatalf("11 items: %v", err)
	}
	got, _, err := c.Metafields.Create(ctx, items[:6])
	if err != nil || len(got) != 6 || got[0].ResourceID != ids[0] || got[0].ID == 0 {
		t.Fatalf("create: %v %+v", err, got)
	}
	// Items 0 and 1 exist already; 2 and 3 are new.
	got, _, err = c.Metafields.Create(ctx, items[4:8])
	var be *bigcommerce.MetafieldBatchError
	if !errors.As(err, &be) || be.Written != 2 || len(got) != 2 || len(be.Failed) != 2 {
		t.Fatalf("partial: %v, %+v", err, got)
	}
	if be.Failed[0].Index != 0 || be.Failed[1].Index != 1 || be.Failed[0].Status != http.StatusConflict {
		t.Errorf("failed items %+v", be.Failed)
	}
	var pages [][]bigcommerce.Metafield
	for p, err := range c.Metafields.Pages(ctx, bigcommerce.MetafieldListOptions{ListOptions: bigcommerce.ListOptions{Limit: 3}}) {
		if err != nil {
			t.Fatal(err)
		}
		pages = append(pages, p)
	}
	if len(pages) != 3 || len(pages[0]) != 3 || len(pages[2]) != 2 {
		t.Fatalf("pages of %v", len(pages))
	}
	up, _, err := c.Metafields.Update(ctx, []bigcommerce.MetafieldUpdate{{ID: pages[0][0].ID, Value: "changed", Description: new("d")}})
	if err != nil || len(up) != 1 || up[0].Value != "changed" || up[0].Description != "d" || up[0].Key != pages[0][0].Key {
		t.Fatalf("update: %v %+v", err, up)
	}
}

func TestConsentGetPut(t *testing.T) {
	srv, c, _, _ := generatedStore(t, 0, nil)
	ctx := context.Background()
	id, err := srv.CreateCustomerDirect(sandbox.CustomerFields{Email: "c@example.com", FirstName: "C", LastName: "D"})
	if err != nil {
		t.Fatal(err)
	}
	got, _, err := c.Consent.Get(ctx, id)
	if err != nil || len(got.Allow) != 0 || len(got.Deny) != 0 || got.UpdatedAt == nil {
		t.Fatalf("never declared: %v %+v", err, got)
	}
	if _, _, err := c.Consent.Put(ctx, id, bigcommerce.ConsentDeclaration{Allow: []string{"essential", "analytics"}, Deny: []string{"targeting"}}); err != nil {
		t.Fatal(err)
	}
	got, _, err = c.Consent.Get(ctx, id)
	if err != nil || !slices.Equal(got.Allow, []string{"essential", "analytics"}) || !slices.Equal(got.Deny, []string{"targeting"}) {
		t.Fatalf("declared: %v %+v", err, got)
	}
	_, _, err = c.Consent.Put(ctx, id, bigcommerce.ConsentDeclaration{Deny: []string{"essential"}})
	var er *bigcommerce.ErrorResponse
	if !errors.As(err, &er) || er.StatusCode != http.StatusUnprocessableEntity {
		t.Fatalf("denying essential: %v", err)
	}
}

// Store credit is read and sent as its exact decimal: an amount a float64
// cannot hold survives the round trip digit for digit.
func TestStoreCreditIsExact(t *testing.T) {
	_, c, _, _ := generatedStore(t, 0, nil)
	ctx := context.Background()
	const amount = "12345678901234.5678" // 18 significant digits: a float64 keeps 15–17
	created, _, err := c.Customers.Create(ctx, []bigcommerce.CustomerCreate{{Email: "sc@example.com", FirstName: "S", LastName: "C",
		StoreCreditAmounts: []bigcommerce.StoreCreditAmount{{Amount: amount}, {Amount: "0.3"}}}})
	if err != nil {
		t.Fatal(err)
	}
	got, _, err := c.Customers.List(ctx, &bigcommerce.CustomerListOptions{IDIn: []int64{created[0].ID}, Include: []string{bigcommerce.IncludeStoreCredit}})
	if err != nil || len(got) != 1 || len(got[0].StoreCreditAmounts) != 2 {
		t.Fatalf("%v %+v", err, got)
	}
	if a := got[0].StoreCreditAmounts[0].Amount; a != amount {
		t.Errorf("amount read back as %s, sent %s", a, amount)
	}
	b, _ := json.Marshal(got[0].StoreCreditAmounts[1])
	if string(b) != `{"amount":0.3}` {
		t.Errorf("sent as %s", b)
	}
}
