package sourcetest

import (
	"path/filepath"
	"testing"
	"time"

	"github.com/bcetl/bcetl/internal/staging"
)

// The sample files leave lists, floats and most optional columns empty, so
// the check is also run on files that fill every column type, with values
// at the edges (nulls next to values, empty and long lists, UTC and
// non-UTC times, non-Latin text).
func TestArrowAgreesOnEveryColumnType(t *testing.T) {
	dir := t.TempDir()
	ts := time.Date(2026, 3, 1, 23, 59, 59, 123_000_000, time.FixedZone("CET", 3600))
	customers := []staging.Customer{
		{SourceKey: "1", ID: new(int64(1)), Email: "a@example.com", FirstName: "Ä", LastName: "山田", Company: "",
			CustomerGroupID: new(int64(0)), DateCreated: &ts, DateModified: new(ts.UTC()), AddressCount: 2, AttributeCount: -1,
			AcceptsProductReviewAbandonedCartEmails: new(false), ForcePasswordReset: new(true), OriginChannelID: new(int64(1 << 40)),
			ChannelIDs: []int64{1, 2, 3}, StoreCreditAmounts: []staging.Money{staging.MustMoney("0.1"), staging.MustMoney("12.5"), staging.MustMoney("-3"), staging.MustMoney("9999999999999999.9999")}},
		{SourceKey: "2"},
		{SourceKey: "3", ChannelIDs: []int64{}, StoreCreditAmounts: make([]staging.Money, 300)},
	}
	if _, err := staging.WriteAll(filepath.Join(dir, "customers.parquet"), customers); err != nil {
		t.Fatal(err)
	}
	forms := []staging.FormFieldValue{
		{SourceKey: "f1", CustomerSourceKey: "1", AddressSourceKey: new("1/a"), CustomerID: new(int64(1)), AddressID: new(int64(9)),
			Name: "n", ValueType: staging.ValueTypeNumber, ValueNumber: new(1e21), ValueJSON: "1000000000000000000000"},
		{SourceKey: "f2", CustomerSourceKey: "1", Name: "a", ValueType: staging.ValueTypeArray, ValueArray: []string{"x", "", "ü"}, ValueJSON: `["x","","ü"]`},
		{SourceKey: "f3", CustomerSourceKey: "2", Name: "s", ValueType: staging.ValueTypeString, ValueString: new(""), ValueJSON: `""`},
	}
	if _, err := staging.WriteAll(filepath.Join(dir, "form_field_values.parquet"), forms); err != nil {
		t.Fatal(err)
	}
	merges := []staging.Merge{{Entity: "customers", SourceKey: "2", SurvivorKey: "1", Rule: "email"}}
	if _, err := staging.WriteAll(filepath.Join(dir, "merges.parquet"), merges); err != nil {
		t.Fatal(err)
	}
	groups := []staging.CustomerGroup{
		{SourceKey: "7", ID: new(int64(7)), Name: "Wholesale", IsDefault: true, CategoryAccessType: "specific",
			CategoryAccessCategories: []int64{18, 19}, DateCreated: &ts,
			DiscountRules: []staging.GroupDiscountRule{{Type: "all", Method: "percent", Amount: "5.0000"},
				{Type: "category", Method: "fixed", Amount: "1.5", CategoryID: new(int64(30))},
				{Type: "price_list", PriceListID: new(int64(3))}}},
		{SourceKey: "Retail", Name: "Retail"},
	}
	if _, err := staging.WriteAll(filepath.Join(dir, "customer_groups.parquet"), groups); err != nil {
		t.Fatal(err)
	}
	metas := []staging.Metafield{{SourceKey: "5", ID: new(int64(5)), CustomerSourceKey: "1", CustomerID: new(int64(1)),
		Namespace: "loyalty", Key: "tier", Value: "gold", PermissionSet: "read", DateModified: &ts}}
	if _, err := staging.WriteAll(filepath.Join(dir, "metafields.parquet"), metas); err != nil {
		t.Fatal(err)
	}
	subs := []staging.Subscriber{{SourceKey: "s1", Email: "a@example.com", Source: "storefront", ChannelID: new(int64(1)),
		Consents: []string{"marketing_newsletter"}, DateCreated: &ts, CustomerSourceKey: new("1")}, {SourceKey: "s2"}}
	if _, err := staging.WriteAll(filepath.Join(dir, "subscribers.parquet"), subs); err != nil {
		t.Fatal(err)
	}
	consents := []staging.Consent{{SourceKey: "1", CustomerSourceKey: "1", Allow: []string{"essential"}, Deny: []string{}}}
	if _, err := staging.WriteAll(filepath.Join(dir, "consents.parquet"), consents); err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{"customers.parquet", "form_field_values.parquet", "merges.parquet", "customer_groups.parquet",
		"metafields.parquet", "subscribers.parquet", "consents.parquet"} {
		AssertArrowAgrees(t, filepath.Join(dir, f))
	}
}
