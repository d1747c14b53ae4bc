package csv

import (
	"fmt"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/bcetl/bcetl/extract/internal/sourcetest"
	"github.com/bcetl/bcetl/internal/staging"
)

const (
	csvSample        = "../../samples/csv/contacts.csv"
	csvSampleMapping = "../../samples/csv/mapping.json"
)

func TestCSVSample(t *testing.T) {
	x := sourcetest.MustExtract(t, "csv:"+csvSample, csvSampleMapping)
	if got, want := x.Counts(), [6]int{6, 5, 8, 4, 2, 5}; got != want {
		t.Fatalf("counts %v, want %v", got, want)
	}
	// In file order, with their lines; the empty row (line 10) is skipped.
	want := []sourcetest.RejectSummary{
		{"C-1006", "accepts_marketing", "invalid-boolean",
			`contacts.csv line 7: column "Newsletter" (accepts_marketing): "sometimes" is not yes/no, true/false or 1/0`},
		{"C-1007", "date_created", "invalid-timestamp",
			`contacts.csv line 8: column "Created" (date_created): "last tuesday" is not a date; use 2024-02-01, 2024-02-01 10:42:59 (UTC) or RFC 3339`},
		{"C-1001", "source_key", "duplicate-source-key",
			`contacts.csv line 9: source key "C-1001" was already used by contacts.csv line 2; the first record is kept. Give each record its own id, or remove the repeat.`},
		{"csv:contacts.csv:11", "", "csv-quote",
			`contacts.csv line 11: character 12: a " inside an unquoted field; quote the field and double the quote ("")`},
		{"csv:contacts.csv:12", "Full Name", "utf8",
			`contacts.csv line 12: column "Full Name" is not valid UTF-8; save the file as UTF-8`},
	}
	if got := x.RejectSummaries(); !reflect.DeepEqual(got, want) {
		t.Errorf("rejects\n got %q\nwant %q", got, want)
	}

	created := time.Date(2021, 6, 1, 9, 30, 0, 0, time.UTC)
	wantC := staging.Customer{
		SourceKey: "C-1001", Email: "maria.garcia@example.es", FirstName: "Maria", LastName: "Garcia Lopez",
		Phone: "+34600111222", CustomerGroupID: new(int64(2)), DateCreated: &created,
		AddressCount: 1, AttributeCount: 2,
	}
	got := x.Customer(t, "C-1001")
	got.ChannelIDs, got.StoreCreditAmounts = nil, nil
	if !reflect.DeepEqual(got, wantC) {
		t.Errorf("C-1001\n got %+v\nwant %+v", got, wantC)
	}
	wantA := staging.Address{
		SourceKey: "C-1001/address", CustomerSourceKey: "C-1001", FirstName: "Maria", LastName: "Garcia Lopez",
		Address1: "Gran Via 1", City: "Madrid", StateOrProvince: "Madrid", PostalCode: "28013", Country: "Spain", CountryCode: "ES",
	}
	if a := x.Address(t, "C-1001"); a != wantA {
		t.Errorf("C-1001 address\n got %+v\nwant %+v", a, wantA)
	}
	if a := x.Address(t, "C-1003"); a.Country != "Deutschland" || a.CountryCode != "DE" || a.City != "München" || a.Address2 != "Hinterhaus" {
		t.Errorf("C-1003 address %+v", a)
	}
	if c := x.Customer(t, "C-1002"); c.Company != "Baker & Sons Ltd" || c.Phone != "07700900456" || *c.CustomerGroupID != 5 ||
		!c.DateCreated.Equal(time.Date(2022, 1, 15, 0, 0, 0, 0, time.UTC)) || c.AcceptsProductReviewAbandonedCartEmails != nil {
		t.Errorf("C-1002 %+v", c)
	}
	// The newsletter column is email-marketing consent: subscribers for
	// yes (C-1001, C-1003, C-1011), none for no or empty.
	var subs []string
	for _, s := range x.Subscribers {
		subs = append(subs, *s.CustomerSourceKey)
	}
	if strings.Join(subs, ",") != "C-1001,C-1003,C-1011" {
		t.Errorf("subscribers %v", subs)
	}
	if c := x.Customer(t, "C-1004"); c.Email != "" {
		t.Errorf("no-email customer %+v", c)
	}
	if c := x.Customer(t, "C-1005"); c.FirstName != "Yuki" || c.LastName != "Yuki" || c.AddressCount != 0 {
		t.Errorf("C-1005 %+v", c)
	}
	if got := x.Attrs("C-1001"); !reflect.DeepEqual(got, map[string]string{"birthdate": "1985-03-14", "segment": "retail"}) {
		t.Errorf("C-1001 attributes %v", got)
	}
	wantF := staging.FormFieldValue{SourceKey: "C-1001/form_field/preferred_contact", CustomerSourceKey: "C-1001",
		Name: "preferred_contact", ValueType: "string", ValueString: new("email"), ValueArray: []string{}, ValueJSON: `"email"`}
	if f := x.FormFieldValues[0]; !reflect.DeepEqual(f, wantF) {
		t.Errorf("form field\n got %+v\nwant %+v", f, wantF)
	}
	if want := []staging.Attribute{{SourceKey: "birthdate", Name: "birthdate", Type: "date"}, {SourceKey: "segment", Name: "segment", Type: "string"}}; !reflect.DeepEqual(x.Attributes, want) {
		t.Errorf("attributes %+v", x.Attributes)
	}
	if in := x.Manifest.Inputs["contacts.csv"]; in.Rows != 11 {
		t.Errorf("input rows %d, want 11 (12 lines less the empty one)", in.Rows)
	}
}

// Crafted bad rows: each becomes a Reject with its line, and the good rows
// around it are loaded.
func TestCSVBadRows(t *testing.T) {
	mapping := sourcetest.WriteInput(t, "m.txt", "# line format\nsource_key = ID\nemail=Email\nname=Name\naddress.postal_code=Zip\n")
	for _, c := range []struct {
		name, body string
		good       []string
		bad        sourcetest.RejectSummary
	}{
		{"bare quote", "1,a@x.com,A,1\n2,b@x.com,B \"Bee\",2\n3,c@x.com,C,3\n", []string{"1", "3"},
			sourcetest.RejectSummary{"csv:f.csv:3", "", "csv-quote", `f.csv line 3: character 13: a " inside an unquoted field; quote the field and double the quote ("")`}},
		{"quote after quoted field", "1,a@x.com,A,1\n2,b@x.com,\"B\"x,2\n3,c@x.com,C,3\n", []string{"1", "3"},
			sourcetest.RejectSummary{"csv:f.csv:3", "", "csv-quote", `f.csv line 3: character 13: extraneous or missing " in a quoted field`}},
		{"unterminated quote at end", "1,a@x.com,A,1\n2,b@x.com,\"B,2\n", []string{"1"},
			sourcetest.RejectSummary{"csv:f.csv:3", "", "csv-quote", `f.csv line 3: character 16: extraneous or missing " in a quoted field`}},
		{"too few fields", "1,a@x.com,A,1\n2,b@x.com\n3,c@x.com,C,3\n", []string{"1", "3"},
			sourcetest.RejectSummary{"csv:f.csv:3", "", "csv-field-count", "f.csv line 3: wrong number of fields: 2, the header has 4; check for an unquoted comma or a missing value"}},
		{"too many fields", "1,a@x.com,A,1\n2,b@x.com,Smith, John,2\n3,c@x.com,C,3", []string{"1", "3"},
			sourcetest.RejectSummary{"csv:f.csv:3", "", "csv-field-count", "f.csv line 3: wrong number of fields: 5, the header has 4; check for an unquoted comma or a missing value"}},
		{"invalid UTF-8", "1,a@x.com,A,1\r\n2,b@x.com,M\xfcller,2\r\n3,c@x.com,C,3\r\n", []string{"1", "3"},
			sourcetest.RejectSummary{"csv:f.csv:3", "Name", "utf8", `f.csv line 3: column "Name" is not valid UTF-8; save the file as UTF-8`}},
		{"multi-line field keeps line numbers", "1,a@x.com,\"A\nAA\",1\n2,b@x.com\n3,c@x.com,C,3\n", []string{"1", "3"},
			sourcetest.RejectSummary{"csv:f.csv:4", "", "csv-field-count", "f.csv line 4: wrong number of fields: 2, the header has 4; check for an unquoted comma or a missing value"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			x := sourcetest.MustExtract(t, "csv:"+sourcetest.WriteInput(t, "f.csv", "ID,Email,Name,Zip\n"+c.body), mapping)
			var keys []string
			for _, cu := range x.Customers {
				keys = append(keys, cu.SourceKey)
			}
			if !reflect.DeepEqual(keys, c.good) {
				t.Errorf("customers %v, want %v", keys, c.good)
			}
			if got := x.RejectSummaries(); len(got) != 1 || got[0] != c.bad {
				t.Errorf("rejects\n got %q\nwant %q", got, c.bad)
			}
		})
	}
}

// Whole-file problems stop the run with the file, line and problem.
func TestCSVFatalErrors(t *testing.T) {
	mapping := sourcetest.WriteInput(t, "m.json", `{"fields": {"email": "Email", "first_name": "First", "address.city": "City"}}`)
	for _, c := range []struct{ name, body, want string }{
		{"missing column", "Email,First\na@x.com,A\n", `f.csv line 1: missing required column "City" (mapped to address.city); the header has Email, First`},
		{"duplicate column", "Email,First,City,Email\n", `f.csv line 1: column "Email" (mapped to email) appears 2 times in the header; rename one`},
		{"empty file", "", "the file is empty: want a header line"},
		{"header bad quote", "Email,\"First\"x,City\n", "header: parse error on line 1, column 13: extraneous or missing \" in quoted-field"},
		{"header not UTF-8", "Email,F\xffirst,City\n", "line 1: header column 2 is not valid UTF-8; save the file as UTF-8"},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := sourcetest.Extract("csv:"+sourcetest.WriteInput(t, "f.csv", c.body), filepath.Join(t.TempDir(), "o"), mapping)
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("error\n got %v\nwant …%s", err, c.want)
			}
		})
	}
}

func TestParseMapping(t *testing.T) {
	m, err := parseMapping([]byte("\ufeff# CRM\ndelimiter = tab\nemail = E-Mail Address\nattribute.vip:number=VIP = yes?\nform_field.Shoe size=Shoe\n"))
	if err != nil {
		t.Fatal(err)
	}
	want := []fieldMap{
		{target: "attribute.vip:number", column: "VIP = yes?"},
		{target: "email", column: "E-Mail Address"},
		{target: "form_field.Shoe size", column: "Shoe"},
	}
	if m.delimiter != '\t' || !reflect.DeepEqual(m.fields, want) {
		t.Errorf("mapping %+v", m)
	}
	flat, err := parseMapping([]byte(`{"delimiter": ";", "email": "Mail", "source_key": "Id"}`))
	if err != nil || flat.delimiter != ';' || len(flat.fields) != 2 {
		t.Errorf("flat JSON mapping %+v %v", flat, err)
	}
	for in, want := range map[string]string{
		`{"fields": {"emial": "E"}}`:                          `unknown field "emial": want one of source_key, email`,
		`{"fields": {"first_name": "F"}}`:                     `email is not mapped`,
		`{"fields": {"email": "E", "attribute.x:bool": "X"}}`: `attribute type "bool", want one of string, number, date`,
		`{"fields": {"email": 3}}`:                            `field "email": want a column header string`,
		`{"delimiter": "ab", "fields": {"email": "E"}}`:       `delimiter "ab": want one character`,
		"email=E\nemail=F\n":                                  `line 2: field "email" is mapped twice`,
		"email E\n":                                           `line 1: want field=Column Header`,
		`{"fields": `:                                         `invalid JSON`,
		"":                                                    `no fields mapped`,
	} {
		if _, err := parseMapping([]byte(in)); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%q: error %v, want %q", in, err, want)
		}
	}
}

// More rows than one Arrow batch, with bad rows spread over the batch
// boundaries: every good row arrives once, in order, and the rejects keep
// file order and their lines.
func TestCSVManyRowsAcrossBatches(t *testing.T) {
	mapping := sourcetest.WriteInput(t, "m.txt", "source_key=ID\nemail=Email\nphone=Phone\n")
	var b strings.Builder
	b.WriteString("ID,Email,Phone\r\n")
	n, wantBad := 3*csvBatchRows+17, []int{}
	for i := 1; i <= n; i++ {
		line := i + 1
		if i%997 == 0 {
			fmt.Fprintf(&b, "%d,broken\"quote,x\r\n", i)
			wantBad = append(wantBad, line)
			continue
		}
		fmt.Fprintf(&b, "%d,u%d@example.com,'%07d\r\n", i, i, i)
	}
	x := sourcetest.MustExtract(t, "csv:"+sourcetest.WriteInput(t, "big.csv", b.String()), mapping)
	if len(x.Customers) != n-len(wantBad) || len(x.Rejects) != len(wantBad) {
		t.Fatalf("%d customers, %d rejects", len(x.Customers), len(x.Rejects))
	}
	prev := 0
	for _, c := range x.Customers {
		var id int
		fmt.Sscan(c.SourceKey, &id)
		if id <= prev || c.Email != fmt.Sprintf("u%d@example.com", id) || c.Phone != fmt.Sprintf("%07d", id) {
			t.Fatalf("customer %+v after %d", c, prev)
		}
		prev = id
	}
	for i, r := range x.Rejects {
		if want := fmt.Sprintf("csv:big.csv:%d", wantBad[i]); r.SourceKey != want {
			t.Fatalf("reject %d key %q, want %q", i, r.SourceKey, want)
		}
	}
}

// A CSV may name a customer's group by name (the target's group of that
// name is the one the customer joins) and carry an email-marketing opt-in,
// with its date: the opt-in becomes a newsletter subscriber, the names one
// customer_groups row each.
func TestCSVGroupNameAndMarketingOptIn(t *testing.T) {
	mapping := sourcetest.WriteInput(t, "m.txt", "source_key=ID\nemail=Email\nname=Name\ncustomer_group_name=Tier\n"+
		"accepts_marketing=Newsletter\naccepts_marketing_date=Opted In\n")
	in := "ID,Email,Name,Tier,Newsletter,Opted In\n" +
		"1,a@example.com,Ann Lee,Wholesale,yes,2024-02-01 10:42:59\n" +
		"2,b@example.com,Bo Ek,Retail,no,\n" +
		"3,c@example.com,Cy Twain,Wholesale,1,\n" +
		"4,d@example.com,Di Po,,sometimes,\n"
	x := sourcetest.MustExtract(t, "csv:"+sourcetest.WriteInput(t, "f.csv", in), mapping)
	if g := x.Customer(t, "1"); g.CustomerGroupName != "Wholesale" || g.CustomerGroupID != nil {
		t.Errorf("customer 1: %+v", g)
	}
	var names []string
	for _, g := range x.CustomerGroups {
		names = append(names, g.SourceKey+"="+g.Name)
	}
	if strings.Join(names, ",") != "Retail=Retail,Wholesale=Wholesale" {
		t.Errorf("groups %v", names)
	}
	at := time.Date(2024, 2, 1, 10, 42, 59, 0, time.UTC)
	if s := x.Subscriber("1"); s == nil || s.Email != "a@example.com" || s.FirstName != "Ann" || s.DateCreated == nil ||
		!s.DateCreated.Equal(at) || strings.Join(s.Consents, ",") != "marketing_newsletter" || s.Source != "custom" {
		t.Errorf("subscriber of 1: %+v", s)
	}
	if s := x.Subscriber("3"); s == nil || s.DateCreated != nil {
		t.Errorf("subscriber of 3: %+v", s)
	}
	if x.Subscriber("2") != nil || len(x.Subscribers) != 2 {
		t.Errorf("subscribers %+v", x.Subscribers)
	}
	if got := x.RejectSummaries(); len(got) != 1 || got[0][2] != "invalid-boolean" || got[0][1] != "accepts_marketing" {
		t.Errorf("rejects %q", got)
	}
}

// A file source resolves country names with the transform's country rule
// (bcrules.CountryCode), not the lenient library lookup: pseudo-countries
// ("None") and codes ISO does not assign (Kosovo's XK) are not codes, and
// the raw text stays in country for the transform to reject by name.
func TestCSVCountryUsesTheCountryRule(t *testing.T) {
	rows := "id,name,email,street,city,country\n"
	for i, c := range []string{"Deutschland", "england", "Kosovo", "None", "International Freephone", "Yugoslavia"} {
		rows += fmt.Sprintf("k%d,Ann Lee,ann%d@example.com,1 Main St,Town,%s\n", i, i, c)
	}
	mapping := sourcetest.WriteInput(t, "mapping.json", `{"fields": {"source_key": "id", "name": "name", "email": "email",
		"address.address1": "street", "address.city": "city", "address.country": "country"}}`)
	x := sourcetest.MustExtract(t, "csv:"+sourcetest.WriteInput(t, "in.csv", rows), mapping)
	for key, want := range map[string]string{"k0": "DE", "k1": "GB", "k2": "", "k3": "", "k4": "", "k5": ""} {
		if a := x.Address(t, key); a.CountryCode != want {
			t.Errorf("%s: country %q → code %q, want %q", key, a.Country, a.CountryCode, want)
		}
	}
}
