package load

import (
	"context"
	"database/sql"
	stdjson "encoding/json"
	"net/http"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	"github.com/bcetl/bcetl/internal/bigcommerce"
	"github.com/bcetl/bcetl/internal/sandbox"
	"github.com/bcetl/bcetl/internal/staging"
)

// The version-1 src.data, as bcetl wrote it before layout version 2: the
// staging row as JSON under the Go field names, empty fields and those the
// loader never reads left out.
type (
	v1Customer struct {
		SourceKey                               string          `json:",omitempty"`
		ID                                      *int64          `json:"-"`
		Email                                   string          `json:",omitempty"`
		FirstName                               string          `json:",omitempty"`
		LastName                                string          `json:",omitempty"`
		Company                                 string          `json:",omitempty"`
		Phone                                   string          `json:",omitempty"`
		Notes                                   string          `json:",omitempty"`
		TaxExemptCategory                       string          `json:",omitempty"`
		RegistrationIPAddress                   string          `json:"-"`
		CustomerGroupID                         *int64          `json:",omitempty"`
		CustomerGroupName                       string          `json:",omitempty"`
		DateCreated                             *time.Time      `json:"-"`
		DateModified                            *time.Time      `json:"-"`
		AddressCount                            int32           `json:"-"`
		AttributeCount                          int32           `json:"-"`
		AcceptsProductReviewAbandonedCartEmails *bool           `json:",omitempty"`
		ForcePasswordReset                      *bool           `json:",omitempty"`
		OriginChannelID                         *int64          `json:",omitempty"`
		ChannelIDs                              []int64         `json:",omitempty"`
		StoreCreditAmounts                      []staging.Money `json:",omitempty"`
	}
	v1Address struct {
		SourceKey         string `json:",omitempty"`
		ID                *int64 `json:"-"`
		CustomerSourceKey string `json:",omitempty"`
		CustomerID        *int64 `json:"-"`
		FirstName         string `json:",omitempty"`
		LastName          string `json:",omitempty"`
		Company           string `json:",omitempty"`
		Address1          string `json:",omitempty"`
		Address2          string `json:",omitempty"`
		City              string `json:",omitempty"`
		StateOrProvince   string `json:",omitempty"`
		PostalCode        string `json:",omitempty"`
		Country           string `json:"-"`
		CountryCode       string `json:",omitempty"`
		Phone             string `json:",omitempty"`
		AddressType       string `json:",omitempty"`
	}
	v1AttributeValue struct {
		SourceKey         string     `json:",omitempty"`
		ID                *int64     `json:"-"`
		CustomerSourceKey string     `json:",omitempty"`
		CustomerID        *int64     `json:"-"`
		AttributeID       *int64     `json:"-"`
		AttributeName     string     `json:",omitempty"`
		AttributeType     string     `json:",omitempty"`
		AttributeValue    string     `json:",omitempty"`
		DateCreated       *time.Time `json:"-"`
		DateModified      *time.Time `json:"-"`
	}
	v1FormFieldValue struct {
		SourceKey         string   `json:",omitempty"`
		CustomerSourceKey string   `json:",omitempty"`
		AddressSourceKey  *string  `json:",omitempty"`
		CustomerID        *int64   `json:"-"`
		AddressID         *int64   `json:"-"`
		Name              string   `json:",omitempty"`
		ValueType         string   `json:",omitempty"`
		ValueString       *string  `json:"-"`
		ValueNumber       *float64 `json:"-"`
		ValueArray        []string `json:"-"`
		ValueJSON         string   `json:",omitempty"`
	}
	v1Attribute struct {
		SourceKey    string     `json:",omitempty"`
		ID           *int64     `json:"-"`
		Name         string     `json:",omitempty"`
		Type         string     `json:",omitempty"`
		DateCreated  *time.Time `json:"-"`
		DateModified *time.Time `json:"-"`
	}
)

// downgradeToV1 rewrites a state file as layout version 1 wrote it: every
// src.data in the version-1 format, user_version 1.
func downgradeToV1(t *testing.T, path string) {
	t.Helper()
	db, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	rows, err := db.Query(`SELECT entity, seq, key, cust, ref, data FROM src`)
	if err != nil {
		t.Fatal(err)
	}
	type upd struct {
		entity string
		seq    int64
		data   []byte
	}
	var ups []upd
	for rows.Next() {
		var e string
		var r srcRow
		if err := rows.Scan(&e, &r.seq, &r.key, &r.cust, &r.ref, &r.data); err != nil {
			t.Fatal(err)
		}
		var v any
		switch e {
		case staging.EntityCustomers:
			v = v1Customer(mustDecode[staging.Customer](t, r))
		case staging.EntityAddresses:
			v = v1Address(mustDecode[staging.Address](t, r))
		case staging.EntityAttributeValues:
			v = v1AttributeValue(mustDecode[staging.AttributeValue](t, r))
		case staging.EntityFormFieldValues:
			v = v1FormFieldValue(mustDecode[staging.FormFieldValue](t, r))
		case staging.EntityAttributes:
			v = v1Attribute(mustDecode[staging.Attribute](t, r))
		default:
			continue
		}
		b, err := stdjson.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		ups = append(ups, upd{e, r.seq, b})
	}
	rows.Close()
	for _, u := range ups {
		if _, err := db.Exec(`UPDATE src SET data = ? WHERE entity = ? AND seq = ?`, u.data, u.entity, u.seq); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := db.Exec(`PRAGMA user_version = 1`); err != nil {
		t.Fatal(err)
	}
}

// mustDecode is decode[T] of r, failing the test on an error.
func mustDecode[T any](t *testing.T, r srcRow) T {
	t.Helper()
	v, err := decode[T](r)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// stopAfter is a transport that cancels the load's context once n
// POST /customers have been answered: a run interrupted part way.
type stopAfter struct {
	n      int64
	seen   atomic.Int64
	cancel context.CancelFunc
}

func (s *stopAfter) RoundTrip(r *http.Request) (*http.Response, error) {
	resp, err := http.DefaultTransport.RoundTrip(r)
	if r.Method == http.MethodPost && r.URL.Path[len(r.URL.Path)-len("/customers"):] == "/customers" && s.seen.Add(1) == s.n {
		s.cancel()
	}
	return resp, err
}

// A state file of layout version 1 — a load interrupted part way, its
// src.data in the version-1 format — is upgraded when opened (its rows
// rewritten in the compact format) and resumes: the rest is loaded, every
// customer, address, attribute value and form field value is on the
// target once, and every record's result says loaded.
func TestVersion1StateResumes(t *testing.T) {
	in := t.TempDir()
	spec := genSpec{customers: 60, bigEvery: 7}
	want := writeStaging(t, in, spec)
	_, base := newSandbox(t, sandbox.Options{})
	statePath := filepath.Join(t.TempDir(), "load.db")

	ctx, cancel := context.WithCancel(context.Background())
	stop := &stopAfter{n: 2, cancel: cancel}
	c := newClient(t, base, bigcommerce.WithHTTPClient(&http.Client{Transport: stop}))
	if _, err := Run(ctx, Options{In: in, StatePath: statePath, Client: c, MaxConcurrency: 1}); err == nil {
		t.Fatal("the interrupted run finished")
	}
	var loaded int
	execQuery(t, statePath, `SELECT count(*) FROM idmap WHERE entity = 'customers'`, &loaded)
	if loaded == 0 || loaded >= spec.customers {
		t.Fatalf("%d customers settled before the interruption, want some but not all", loaded)
	}
	downgradeToV1(t, statePath)

	sum, err := runLoad(t, newClient(t, base), in, statePath, nil)
	if err != nil {
		t.Fatal(err)
	}
	if v := stateVersion(t, statePath); v != stateLayout.Version() {
		t.Errorf("user_version %d after the resume, want %d", v, stateLayout.Version())
	}
	var legacy int
	execQuery(t, statePath, `SELECT count(*) FROM src WHERE data LIKE '{"SourceKey"%'`, &legacy)
	if legacy != 0 {
		t.Errorf("%d src rows still in the version-1 format", legacy)
	}
	if !sum.Complete || sum.Rejected() != 0 {
		t.Fatalf("complete=%v rejected=%d\n%s", sum.Complete, sum.Rejected(), sum)
	}
	verifyTarget(t, newClient(t, base), spec, want)
	res := readResults(t, statePath)
	if len(res) != want.total() {
		t.Errorf("%d results, want %d", len(res), want.total())
	}
	for k, r := range res {
		if r.Status != staging.StatusLoaded {
			t.Errorf("%s: %s %q", k, r.Status, r.Message)
		}
	}
}

func execQuery(t *testing.T, path, q string, dst any) {
	t.Helper()
	db, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if err := db.QueryRow(q).Scan(dst); err != nil {
		t.Fatal(err)
	}
}
