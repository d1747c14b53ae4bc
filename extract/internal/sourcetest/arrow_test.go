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
			ChannelIDs: []int64{1, 2, 3}, StoreCreditAmounts: []float64{0.1, 12.5, -3}},
		{SourceKey: "2"},
		{SourceKey: "3", ChannelIDs: []int64{}, StoreCreditAmounts: make([]float64, 300)},
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
	for _, f := range []string{"customers.parquet", "form_field_values.parquet", "merges.parquet"} {
		AssertArrowAgrees(t, filepath.Join(dir, f))
	}
}
