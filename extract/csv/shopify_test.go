package csv

import (
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/bcetl/bcetl/extract/internal/sourcetest"
	"github.com/bcetl/bcetl/internal/staging"
)

const shopifySample = "../../samples/shopify/customers_export.csv"

func TestShopifySample(t *testing.T) {
	x := sourcetest.MustExtract(t, "shopify-csv:"+shopifySample, "")
	if got, want := x.Counts(), [6]int{13, 12, 28, 0, 3, 1}; got != want {
		t.Fatalf("counts %v, want %v", got, want)
	}
	want := []sourcetest.RejectSummary{{"shopify-csv:customers_export.csv:7", "", "csv-field-count",
		"customers_export.csv line 7: wrong number of fields: 5, the header has 20; check for an unquoted comma or a missing value"}}
	if got := x.RejectSummaries(); !reflect.DeepEqual(got, want) {
		t.Errorf("rejects\n got %q\nwant %q", got, want)
	}
	// Leading apostrophes stripped from id, phones and zip; marketing
	// consent mapped; SMS consent, tax exempt and tags kept as attributes.
	// "Accepts Email Marketing" is the newsletter: a subscriber, never the
	// review and abandoned-cart flag (another consent).
	wantC := staging.Customer{
		SourceKey: "shopify:7012345678901", Email: "emma.thompson@example.com", FirstName: "Emma", LastName: "Thompson",
		Phone: "+14165550101", AddressCount: 1, AttributeCount: 3,
	}
	got := x.Customer(t, "shopify:7012345678901")
	got.ChannelIDs, got.StoreCreditAmounts = nil, nil
	if !reflect.DeepEqual(got, wantC) {
		t.Errorf("customer\n got %+v\nwant %+v", got, wantC)
	}
	wantS := staging.Subscriber{SourceKey: "shopify:7012345678901/subscriber", CustomerSourceKey: new("shopify:7012345678901"),
		Email: "emma.thompson@example.com", FirstName: "Emma", LastName: "Thompson", Source: "custom", Consents: []string{"marketing_newsletter"}}
	if s := x.Subscriber("shopify:7012345678901"); s == nil || !reflect.DeepEqual(*s, wantS) {
		t.Errorf("subscriber\n got %+v\nwant %+v", s, wantS)
	}
	if s := x.Subscriber("shopify:7012345678902"); s != nil {
		t.Errorf("Liam did not opt in, yet subscribes: %+v", s)
	}
	for _, c := range x.Customers {
		if c.AcceptsProductReviewAbandonedCartEmails != nil {
			t.Errorf("%s: the review and abandoned-cart flag was set from another consent", c.SourceKey)
		}
	}
	wantA := staging.Address{
		SourceKey: "shopify:7012345678901/address", CustomerSourceKey: "shopify:7012345678901", FirstName: "Emma", LastName: "Thompson",
		Address1: "12 King St W", Address2: "Suite 400", City: "Toronto", StateOrProvince: "ON", PostalCode: "M5H 1A1",
		CountryCode: "CA", Phone: "+14165550101",
	}
	if a := x.Address(t, "shopify:7012345678901"); a != wantA {
		t.Errorf("address\n got %+v\nwant %+v", a, wantA)
	}
	if got := x.Attrs("shopify:7012345678901"); !reflect.DeepEqual(got, map[string]string{"accepts_sms_marketing": "no", "tax_exempt": "no", "tags": "vip, newsletter"}) {
		t.Errorf("attributes %v", got)
	}
	// Zip with a leading zero survives as text; company on customer and address;
	// a multi-line note is one value.
	ava := x.Customer(t, "shopify:7012345678907")
	if a := x.Address(t, ava.SourceKey); a.PostalCode != "02108" || a.Company != "Garcia Design LLC" || ava.Company != "Garcia Design LLC" ||
		ava.Notes != "Net 30 terms.\nInvoices to accounts@garcia.example.com" {
		t.Errorf("Ava %+v %+v", ava, a)
	}
	// Non-Latin names, an invalid email and a duplicate email in another
	// case are passed on as they are: the transform judges them.
	for key, want := range map[string][3]string{
		"shopify:7012345678903": {"太郎", "山田", "taro.yamada@example.jp"},
		"shopify:7012345678908": {"Алексей", "Смирнов", "alexey.smirnov@example.ru"},
		"shopify:7012345678905": {"Noah", "Williams", "not-an-email"},
		"shopify:7012345678904": {"Emma", "Thompson", "Emma.Thompson@Example.com"},
		"shopify:7012345678906": {"Olivia", "Brown", ""},
	} {
		c := x.Customer(t, key)
		if c.FirstName != want[0] || c.LastName != want[1] || c.Email != want[2] {
			t.Errorf("%s: %+v", key, c)
		}
	}
	// Olivia has no address fields: no address. Sofia left consent empty: nil.
	for _, a := range x.Addresses {
		if a.CustomerSourceKey == "shopify:7012345678906" {
			t.Errorf("address without data: %+v", a)
		}
	}
	if c := x.Customer(t, "shopify:7012345678910"); x.Subscriber(c.SourceKey) != nil || c.AttributeCount != 0 {
		t.Errorf("Sofia %+v", c)
	}
	if a := x.Address(t, "shopify:7012345678903"); a.StateOrProvince != "JP-13" || a.PostalCode != "100-0001" {
		t.Errorf("province code not passed as given: %+v", a)
	}
}

// The older import template: no Customer ID (line keys), Province
// preferred to Province Code, a country name resolved when the code is
// empty, one Phone for customer and address.
func TestShopifyOlderTemplate(t *testing.T) {
	in := "First Name,Last Name,Email,Company,Address1,Address2,City,Province,Province Code,Country,Country Code,Zip,Phone,Accepts Email Marketing,Accepts SMS Marketing,Total Spent,Total Orders,Tags,Note,Tax Exempt\n" +
		"Ana,Silva,ana@example.com,,Rua 1,,Lisboa,Lisboa,,Portugal,,'1100-053,'+351211234567,no,no,0,0,,,no\n" +
		"Bo,Ek,bo@example.com,Ek AB,Gatan 2,,Ottawa,,ON,Canada,CA,'K1A 0B1,,maybe,,0,0,,,\n" +
		"Cy,Twain,cy@example.com,,,,,,,,,,,yes,,0,0,,,\n"
	x := sourcetest.MustExtract(t, "shopify-csv:"+sourcetest.WriteInput(t, "old.csv", in), "")
	if got, want := x.Counts(), [6]int{2, 1, 2, 0, 2, 1}; got != want {
		t.Fatalf("counts %v, want %v", got, want)
	}
	a := x.Address(t, "shopify-csv:old.csv:2")
	want := staging.Address{SourceKey: "shopify-csv:old.csv:2/address", CustomerSourceKey: "shopify-csv:old.csv:2",
		FirstName: "Ana", LastName: "Silva", Address1: "Rua 1", City: "Lisboa", StateOrProvince: "Lisboa",
		PostalCode: "1100-053", Country: "Portugal", CountryCode: "PT", Phone: "+351211234567"}
	if a != want {
		t.Errorf("address\n got %+v\nwant %+v", a, want)
	}
	if c := x.Customer(t, "shopify-csv:old.csv:2"); c.Phone != "+351211234567" || c.AcceptsProductReviewAbandonedCartEmails != nil || x.Subscriber(c.SourceKey) != nil {
		t.Errorf("customer %+v", c)
	}
	if s := x.Subscriber("shopify-csv:old.csv:4"); s == nil || s.Email != "cy@example.com" {
		t.Errorf("Cy opted in: %+v", s)
	}
	wantR := sourcetest.RejectSummary{"shopify-csv:old.csv:3", "accepts_marketing", "invalid-boolean",
		`old.csv line 3: column "Accepts Email Marketing" (accepts_marketing): "maybe" is not yes/no, true/false or 1/0`}
	if got := x.RejectSummaries(); len(got) != 1 || got[0] != wantR {
		t.Errorf("rejects %q", got)
	}
	// Province Code stands in for an empty Province.
	m, err := shopifyMapping(strings.Split("First Name,Last Name,Email,Province,Province Code", ","))
	if err != nil {
		t.Fatal(err)
	}
	if err := m.bind("x.csv", strings.Split("First Name,Last Name,Email,Province,Province Code", ",")); err != nil {
		t.Fatal(err)
	}
	row := []string{"A", "B", "a@b.c", "", "QC"}
	rec, rerr := m.apply(func(i int) string { return row[i] }, "k")
	if rerr != nil || rec.Addresses[0].StateOrProvince != "QC" {
		t.Errorf("Province Code fallback: %+v %v", rec, rerr)
	}
}

func TestShopifyNotAnExport(t *testing.T) {
	_, err := sourcetest.Extract("shopify-csv:"+sourcetest.WriteInput(t, "x.csv", "Name,Mail\na,b\n"), filepath.Join(t.TempDir(), "o"), "")
	if err == nil || !strings.Contains(err.Error(), `x.csv: line 1: not a Shopify customer export: missing required column "First Name" (headers are case-sensitive)`) {
		t.Fatalf("error %v", err)
	}
}
