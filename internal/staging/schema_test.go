package staging

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/parquet-go/parquet-go"
)

func ptr[T any](v T) *T { return &v }

// The staging files must be typed Parquet that warehouses read without help:
// timestamps as TIMESTAMP (UTC-adjusted), lists as LIST, integers as INT64.
func TestSchemaIsTyped(t *testing.T) {
	s := parquet.SchemaOf(Customer{}).String()
	for _, want := range []string{
		"optional int64 date_modified (TIMESTAMP(isAdjustedToUTC=true,unit=MILLIS))",
		"required group channel_ids (LIST)",
		"optional int64 id",
		"optional boolean accepts_product_review_abandoned_cart_emails",
	} {
		if !strings.Contains(s, want) {
			t.Errorf("customers schema lacks %q:\n%s", want, s)
		}
	}
	fs := parquet.SchemaOf(FormFieldValue{}).String()
	if !strings.Contains(fs, "required group value_array (LIST)") || !strings.Contains(fs, "optional double value_number") {
		t.Errorf("form field schema not typed:\n%s", fs)
	}
}

func TestWriteCommitScanRoundTrip(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, FileName(EntityCustomers))
	now := time.Date(2026, 11, 25, 10, 0, 0, 0, time.UTC)
	in := []Customer{
		{SourceKey: "1", ID: ptr(int64(1)), Email: "a@example.com", FirstName: "Ä", LastName: "B", DateModified: &now, ChannelIDs: []int64{1, 2}},
		{SourceKey: "2", Email: "b@example.com", FirstName: "C", LastName: "D"},
	}
	st, err := WriteAll(path, in)
	if err != nil {
		t.Fatal(err)
	}
	if st.Rows != 2 || st.Bytes == 0 || len(st.SHA256) != 64 {
		t.Fatalf("stats %+v", st)
	}
	fi, _ := os.Stat(path)
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("mode %v", fi.Mode().Perm())
	}
	h, _ := FileHash(path)
	if h.SHA256 != st.SHA256 || h.Bytes != st.Bytes {
		t.Errorf("hash mismatch %+v vs %+v", h, st)
	}
	out, err := ReadAll[Customer](path)
	if err != nil {
		t.Fatal(err)
	}
	if len(out) != 2 || out[0].FirstName != "Ä" || !out[0].DateModified.Equal(now) || len(out[0].ChannelIDs) != 2 || out[1].ID != nil || out[1].DateModified != nil {
		t.Fatalf("round trip: %+v", out)
	}
}

func TestScanRejectsGarbage(t *testing.T) {
	path := filepath.Join(t.TempDir(), "bad.parquet")
	os.WriteFile(path, []byte("this is not parquet"), 0o600)
	err := Scan(path, func(Customer) error { return nil })
	if err == nil || !strings.Contains(err.Error(), "not a readable Parquet file") {
		t.Fatalf("want a clear error, got %v", err)
	}
}
