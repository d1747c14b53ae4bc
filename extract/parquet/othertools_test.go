package parquet

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	arrowparquet "github.com/apache/arrow/go/v17/parquet"
	"github.com/apache/arrow/go/v17/parquet/file"
	"github.com/apache/arrow/go/v17/parquet/schema"
	"github.com/parquet-go/parquet-go"

	"github.com/bcetl/bcetl/extract/internal/sourcetest"
	"github.com/bcetl/bcetl/internal/staging"
)

// withLists gives the sample's rows lists to carry (a file source has
// none): channel ids and store credit on two customers, an array form
// field value on one.
func withLists(src *sourcetest.Output) ([]staging.Customer, []staging.FormFieldValue) {
	custs := append([]staging.Customer{}, src.Customers...)
	custs[0].ChannelIDs, custs[0].StoreCreditAmounts = []int64{1, 2}, []staging.Money{staging.MustMoney("12.5")}
	custs[2].ChannelIDs = []int64{3}
	forms := append(append([]staging.FormFieldValue{}, src.FormFieldValues...), staging.FormFieldValue{
		SourceKey: custs[0].SourceKey + "/form/colours", CustomerSourceKey: custs[0].SourceKey, Name: "colours",
		ValueType: staging.ValueTypeArray, ValueArray: []string{"red", "blue"}, ValueJSON: `["red","blue"]`})
	return custs, forms
}

// A staging directory written by another implementation — Arrow's, as
// DuckDB, pandas and Polars write: every column optional, in another
// order, an extra column, INT32 ids, microsecond timestamps, the standard
// LIST layout with optional elements, no manifest — is read with every
// value as it was.
func TestParquetSourceReadsWhatArrowWrote(t *testing.T) {
	src := sourcetest.MustExtract(t, "voucherify:"+voucherifySample, "")
	custs, forms := withLists(src)
	dir := t.TempDir()
	aw := arrowWriter{}
	aw.write(t, filepath.Join(dir, staging.FileName(staging.EntityCustomers)), custs)
	aw.write(t, filepath.Join(dir, staging.FileName(staging.EntityAddresses)), src.Addresses)
	aw.write(t, filepath.Join(dir, staging.FileName(staging.EntityAttributeValues)), src.AttributeValues)
	aw.write(t, filepath.Join(dir, staging.FileName(staging.EntityFormFieldValues)), forms)
	aw.write(t, filepath.Join(dir, staging.FileName(staging.EntityAttributes)), src.Attributes)
	aw.write(t, filepath.Join(dir, staging.RejectsFile), src.Rejects)
	// The store-to-store entities (none in this source) as bcetl wrote them.
	for _, e := range []string{staging.EntityCustomerGroups, staging.EntityMetafields, staging.EntitySubscribers, staging.EntityConsents} {
		b, err := os.ReadFile(filepath.Join(src.Dir, staging.FileName(e)))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, staging.FileName(e)), b, 0o600); err != nil {
			t.Fatal(err)
		}
	}

	out := sourcetest.MustExtract(t, "parquet:"+dir, "")
	for name, pair := range map[string][2]any{
		"customers":         {out.Customers, custs},
		"addresses":         {out.Addresses, src.Addresses},
		"attribute values":  {out.AttributeValues, src.AttributeValues},
		"form field values": {out.FormFieldValues, forms},
		"attributes":        {out.Attributes, src.Attributes},
		"rejects":           {out.Rejects, src.Rejects},
	} {
		if !equalRows(pair[0], pair[1]) {
			t.Errorf("%s differ from what was written:\n got %+v\nwant %+v", name, pair[0], pair[1])
		}
	}
	if out.Customers[0].DateCreated == nil || out.Customers[0].DateCreated.Nanosecond()%int(time.Millisecond) != 0 {
		t.Errorf("date_created %v: microseconds not read as milliseconds", out.Customers[0].DateCreated)
	}
}

// equalRows compares two slices of staging rows, an empty list equal to
// none (Parquet does not tell them apart).
func equalRows(a, b any) bool {
	va, vb := reflect.ValueOf(a), reflect.ValueOf(b)
	if va.Len() != vb.Len() {
		return false
	}
	for i := 0; i < va.Len(); i++ {
		ra, rb := va.Index(i), vb.Index(i)
		for f := 0; f < ra.NumField(); f++ {
			fa, fb := ra.Field(f), rb.Field(f)
			if fa.Kind() == reflect.Slice && fa.Len() == 0 && fb.Len() == 0 {
				continue
			}
			if !reflect.DeepEqual(fa.Interface(), fb.Interface()) {
				return false
			}
		}
	}
	return true
}

// minimalCustomer has only the columns the layout requires, in another
// order, with id required where the layout has it optional, and one
// optional column: what a hand-written export of a CRM might hold.
type minimalCustomer struct {
	// The first column by name: parquet-go alone would take its
	// structure for the missing lists, and read [0] where one is set.
	AcceptsEmails         *bool  `parquet:"accepts_product_review_abandoned_cart_emails,optional"`
	Email                 string `parquet:"email"`
	ID                    int64  `parquet:"id"`
	SourceKey             string `parquet:"source_key"`
	FirstName             string `parquet:"first_name"`
	LastName              string `parquet:"last_name"`
	Company               string `parquet:"company"`
	Phone                 string `parquet:"phone"`
	Notes                 string `parquet:"notes"`
	TaxExemptCategory     string `parquet:"tax_exempt_category"`
	RegistrationIPAddress string `parquet:"registration_ip_address"`
	CustomerGroupName     string `parquet:"customer_group_name"`
	AttributeCount        int32  `parquet:"attribute_count"`
	AddressCount          int32  `parquet:"address_count"`
}

// Required columns where the layout has optional ones, another order, and
// the optional columns missing: read, the missing ones null or empty —
// lists included, which parquet-go alone fills from a neighbouring column.
func TestParquetSourceReadsRequiredReorderedAndMissingColumns(t *testing.T) {
	src := sourcetest.MustExtract(t, "voucherify:"+voucherifySample, "")
	rows := make([]minimalCustomer, len(src.Customers))
	yes := true
	for i, c := range src.Customers {
		rows[i] = minimalCustomer{Email: c.Email, ID: int64(1000 + i), SourceKey: c.SourceKey, FirstName: c.FirstName,
			LastName: c.LastName, Phone: c.Phone, AddressCount: 3, AcceptsEmails: &yes}
	}
	path := filepath.Join(src.Dir, staging.FileName(staging.EntityCustomers))
	if err := parquet.WriteFile(path, rows); err != nil {
		t.Fatal(err)
	}
	if err := os.Remove(filepath.Join(src.Dir, staging.ManifestFile)); err != nil {
		t.Fatal(err)
	}
	out := sourcetest.MustExtract(t, "parquet:"+src.Dir, "")
	if len(out.Customers) != len(rows) {
		t.Fatalf("%d customers, want %d", len(out.Customers), len(rows))
	}
	for i, c := range out.Customers {
		r := rows[i]
		if c.SourceKey != r.SourceKey || c.Email != r.Email || c.FirstName != r.FirstName || c.ID == nil || *c.ID != r.ID || c.AddressCount != 3 ||
			c.AcceptsProductReviewAbandonedCartEmails == nil || !*c.AcceptsProductReviewAbandonedCartEmails {
			t.Errorf("row %d: %+v, want %+v", i, c, r)
		}
		if c.DateCreated != nil || c.CustomerGroupID != nil || c.ForcePasswordReset != nil || len(c.ChannelIDs) != 0 || len(c.StoreCreditAmounts) != 0 {
			t.Errorf("row %d: columns the file does not have read as %v %v %v %v %v", i, c.DateCreated, c.CustomerGroupID, c.ForcePasswordReset, c.ChannelIDs, c.StoreCreditAmounts)
		}
	}
}

// Files that do not fit are refused, every problem named with the
// column, its type and the type wanted, and nothing is written.
func TestParquetSourceSaysWhichColumnDoesNotFit(t *testing.T) {
	type wrongTypes struct {
		SourceKey    string    `parquet:"source_key"`
		Email        string    `parquet:"email"`
		DateCreated  string    `parquet:"date_created"`
		AddressCount int64     `parquet:"address_count"`
		ChannelIDs   []string  `parquet:"channel_ids,list"`
		Credit       []float64 `parquet:"store_credit_amounts"` // a repeated column, not a LIST
	}
	type otherDecimal struct {
		SourceKey string  `parquet:"source_key"`
		Email     string  `parquet:"email"`
		Credit    []int64 `parquet:"store_credit_amounts,list" parquet-element:",decimal(2:18)"`
	}
	type capitalised struct {
		SourceKey string `parquet:"source_key"`
		Email     string `parquet:"Email"`
	}
	for _, c := range []struct {
		name  string
		write func(t *testing.T, path string, src *sourcetest.Output)
		want  []string
	}{
		{"wrong types", func(t *testing.T, path string, _ *sourcetest.Output) {
			writeGo(t, path, []wrongTypes{{SourceKey: "k", Email: "a@example.com", DateCreated: "2024-01-02"}})
		}, []string{
			"column date_created is required STRING (BYTE_ARRAY), want a TIMESTAMP (INT64, any unit; without a time zone it is read as UTC) or a DATE (read as midnight UTC): rewrite the file with the column cast (DuckDB: CAST(date_created AS TIMESTAMPTZ))",
			"column address_count is required INT(64,true) (INT64), want an integer of at most 32 bits, INT(32,true) or narrower: rewrite the file with the column cast (DuckDB: CAST(address_count AS INTEGER))",
			"column channel_ids holds elements that do not fit: is required STRING (BYTE_ARRAY), want an integer of at most 64 bits, INT(64,true) or narrower: rewrite the file with the column cast (DuckDB: CAST(channel_ids AS BIGINT[]))",
			"column store_credit_amounts is repeated DOUBLE, want a LIST of DECIMAL(20,4) (FIXED_LEN_BYTE_ARRAY(9))",
			"column first_name is missing; the staging layout requires it, as STRING (UTF-8 text)",
		}},
		{"money in another decimal", func(t *testing.T, path string, _ *sourcetest.Output) {
			writeGo(t, path, []otherDecimal{{SourceKey: "k", Email: "a@example.com", Credit: []int64{1250}}})
		}, []string{"column store_credit_amounts holds elements that do not fit: is required DECIMAL(18,2) (INT64), want DECIMAL(20,4) (FIXED_LEN_BYTE_ARRAY(9)): rewrite the file with the column cast (DuckDB: CAST(store_credit_amounts AS DECIMAL(20,4)[]))"}},
		{"a name in another case", func(t *testing.T, path string, _ *sourcetest.Output) {
			writeGo(t, path, []capitalised{{SourceKey: "k", Email: "a@example.com"}})
		}, []string{`column email is missing; the staging layout requires it, as STRING (UTF-8 text); the file has "Email" (names are case-sensitive)`}},
		{"a null list element", func(t *testing.T, path string, src *sourcetest.Output) {
			custs, _ := withLists(src)
			arrowWriter{nullElement: 3}.write(t, path, custs)
		}, []string{"column channel_ids holds a null element (row 3): the staging layout's lists have none; drop them (DuckDB: list_filter(channel_ids, x -> x IS NOT NULL))"}},
		{"INT96 timestamps", func(t *testing.T, path string, src *sourcetest.Output) {
			arrowWriter{int96: true}.write(t, path, src.Customers)
		}, []string{"column date_created is optional INT96, want a TIMESTAMP", "INT96 is the legacy timestamp encoding; write INT64 timestamps"}},
		{"a list in pyarrow's old layout", func(t *testing.T, path string, _ *sourcetest.Output) {
			writeLegacyList(t, path)
		}, []string{"column channel_ids is a LIST in a legacy layout (LIST { repeated group list { optional INT(64,true) item } }), want the standard one, LIST { repeated group list { required INT(64,true) element } }"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			src := sourcetest.MustExtract(t, "voucherify:"+voucherifySample, "")
			os.Remove(filepath.Join(src.Dir, staging.ManifestFile))
			c.write(t, filepath.Join(src.Dir, staging.FileName(staging.EntityCustomers)), src)
			out := filepath.Join(t.TempDir(), "out")
			_, err := sourcetest.Extract("parquet:"+src.Dir, out, "")
			if err == nil {
				t.Fatal("the file was accepted")
			}
			for _, w := range c.want {
				if !strings.Contains(err.Error(), "customers.parquet: ") || !strings.Contains(err.Error(), w) {
					t.Errorf("error\n got %v\nwant …%s", err, w)
				}
			}
			if matches, _ := filepath.Glob(filepath.Join(out, "*")); len(matches) != 0 {
				t.Errorf("files left after a refused file: %v", matches)
			}
		})
	}
}

func writeGo[T any](t *testing.T, path string, rows []T) {
	t.Helper()
	if err := parquet.WriteFile(path, rows); err != nil {
		t.Fatal(err)
	}
}

// writeLegacyList writes, with Arrow's low-level Parquet writer, a file
// whose channel_ids is a LIST whose element is named "item" (pyarrow
// before 13, Polars): readers that match columns by path read it empty.
func writeLegacyList(t *testing.T, path string) {
	t.Helper()
	item, err := schema.NewPrimitiveNodeLogical("item", arrowparquet.Repetitions.Optional, schema.NewIntLogicalType(64, true), arrowparquet.Types.Int64, 0, -1)
	if err != nil {
		t.Fatal(err)
	}
	list, err := schema.NewGroupNode("list", arrowparquet.Repetitions.Repeated, schema.FieldList{item}, -1)
	if err != nil {
		t.Fatal(err)
	}
	col, err := schema.NewGroupNodeLogical("channel_ids", arrowparquet.Repetitions.Optional, schema.FieldList{list}, schema.NewListLogicalType(), -1)
	if err != nil {
		t.Fatal(err)
	}
	root, err := schema.NewGroupNode("schema", arrowparquet.Repetitions.Required, schema.FieldList{col}, -1)
	if err != nil {
		t.Fatal(err)
	}
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	w := file.NewParquetWriter(f, root)
	rg := w.AppendRowGroup()
	cw, err := rg.NextColumn()
	if err != nil {
		t.Fatal(err)
	}
	// One row: [1, 2].
	if _, err := cw.(*file.Int64ColumnChunkWriter).WriteBatch([]int64{1, 2}, []int16{3, 3}, []int16{0, 1}); err != nil {
		t.Fatal(err)
	}
	if err := cw.Close(); err != nil {
		t.Fatal(err)
	}
	if err := rg.Close(); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
}
