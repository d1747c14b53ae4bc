package load

import (
	"context"
	"database/sql"
	stdjson "encoding/json"
	"log/slog"
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

// openDowngrade opens path and rebuilds the tables of layout version 2
// that version 3 changed from version 3's: entities and statuses by name,
// the outcomes in idmap, each with its message. The outcomes are src's,
// or src_prev's while a switch to a new input is under way.
func openDowngrade(t *testing.T, path string) *sql.DB {
	t.Helper()
	db, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	has := func(name string) bool {
		var n int
		if err := db.QueryRow(`SELECT count(*) FROM sqlite_schema WHERE name = ?`, name).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n > 0
	}
	indexed := has("src_key")
	owner := "src"
	if has("src_prev") {
		owner = "src_prev"
	}
	qs := []string{
		`CREATE TABLE idmap(entity TEXT NOT NULL, key TEXT NOT NULL, status TEXT NOT NULL, target_id INTEGER,
			http_status INTEGER NOT NULL DEFAULT 0, message TEXT NOT NULL DEFAULT '', batch INTEGER, PRIMARY KEY(entity, key)) WITHOUT ROWID`,
		`INSERT INTO idmap SELECT e.name, s.key, t.name, s.target_id, coalesce(s.http_status, 0), coalesce(m.text, ''), s.batch
			FROM ` + owner + ` s JOIN entities e ON e.code = s.entity JOIN statuses t ON t.code = s.status LEFT JOIN messages m ON m.id = s.message`,
		`DROP VIEW outcomes`, `DROP INDEX IF EXISTS src_key`, `DROP INDEX IF EXISTS src_cust`,
	}
	for _, table := range []string{"src", "src_prev"} {
		if !has(table) {
			continue
		}
		qs = append(qs, `ALTER TABLE `+table+` RENAME TO `+table+`_v3`,
			`CREATE TABLE `+table+`(entity TEXT NOT NULL, seq INTEGER NOT NULL, key TEXT NOT NULL, cust TEXT NOT NULL DEFAULT '',
				ref TEXT NOT NULL DEFAULT '', data BLOB NOT NULL, PRIMARY KEY(entity, seq)) WITHOUT ROWID`,
			`INSERT INTO `+table+` SELECT e.name, s.seq, s.key, s.cust, s.ref, s.data FROM `+table+`_v3 s JOIN entities e ON e.code = s.entity`,
			`DROP TABLE `+table+`_v3`)
	}
	if indexed {
		qs = append(qs, `CREATE UNIQUE INDEX src_key ON src(entity, key)`, `CREATE INDEX src_cust ON src(entity, cust, seq)`)
	}
	qs = append(qs, `ALTER TABLE prev_targets RENAME TO prev_targets_v3`,
		`CREATE TABLE prev_targets(entity TEXT NOT NULL, key TEXT NOT NULL, target_id INTEGER NOT NULL, PRIMARY KEY(entity, key)) WITHOUT ROWID`,
		`INSERT INTO prev_targets SELECT e.name, p.key, p.target_id FROM prev_targets_v3 p JOIN entities e ON e.code = p.entity`,
		`DROP TABLE prev_targets_v3`, `DROP TABLE entities`, `DROP TABLE statuses`, `DROP TABLE messages`)
	for _, q := range qs {
		if _, err := db.Exec(q); err != nil {
			db.Close()
			t.Fatalf("%s: %v", q, err)
		}
	}
	return db
}

// downgradeToV2 rewrites a state file as layout version 2 wrote it:
// v2Layout's tables, src.data under version 2's names and every
// customer's with its email, user_version 2.
func downgradeToV2(t *testing.T, path string) {
	t.Helper()
	db := openDowngrade(t, path)
	defer db.Close()
	var n int
	if err := db.QueryRow(`SELECT count(*) FROM sqlite_schema WHERE name = 'src_prev'`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	rewriteV2Data(t, db, "src")
	if n > 0 {
		rewriteV2Data(t, db, "src_prev")
	}
	if _, err := db.Exec(`PRAGMA user_version = 2`); err != nil {
		t.Fatal(err)
	}
}

// rewriteV2Data rewrites table's data under version 2's names.
func rewriteV2Data(t *testing.T, db *sql.DB, table string) {
	t.Helper()
	rows, err := db.Query(`SELECT entity, seq, ref, data FROM ` + table)
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
		var u upd
		var ref string
		var data []byte
		if err := rows.Scan(&u.entity, &u.seq, &ref, &data); err != nil {
			t.Fatal(err)
		}
		names, ok := v2Names[u.entity]
		if !ok {
			continue
		}
		var fields map[string]stdjson.RawMessage
		if err := stdjson.Unmarshal(data, &fields); err != nil {
			t.Fatal(err)
		}
		v2 := map[string]stdjson.RawMessage{}
		for k, v := range fields {
			n, ok := names[k]
			if !ok {
				t.Fatalf("%s data %s: no version-2 name for %q", u.entity, data, k)
			}
			v2[n] = v
		}
		if _, ok := v2["email"]; !ok && u.entity == staging.EntityCustomers && ref != "" {
			v2["email"], _ = stdjson.Marshal(ref)
		}
		if u.data, err = stdjson.Marshal(v2); err != nil {
			t.Fatal(err)
		}
		ups = append(ups, u)
	}
	rows.Close()
	for _, u := range ups {
		if _, err := db.Exec(`UPDATE `+table+` SET data = ? WHERE entity = ? AND seq = ?`, u.data, u.entity, u.seq); err != nil {
			t.Fatal(err)
		}
	}
}

// downgradeToV1 rewrites a state file as layout version 1 wrote it: every
// src.data in the version-1 format, user_version 1.
func downgradeToV1(t *testing.T, path string) {
	t.Helper()
	db := openDowngrade(t, path)
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

// A state file of an older layout — a load interrupted part way, its
// src.data in the version-1 format or its outcomes in version 2's idmap —
// is upgraded when opened and resumes: the rest is loaded, every
// customer, address, attribute value and form field value is on the
// target once, and every record's result says loaded.
func TestVersion1StateResumes(t *testing.T) {
	for _, tc := range []struct {
		name      string
		downgrade func(*testing.T, string)
	}{{"version 1", downgradeToV1}, {"version 2", downgradeToV2}} {
		t.Run(tc.name, func(t *testing.T) { testOlderStateResumes(t, tc.downgrade) })
	}
}

func testOlderStateResumes(t *testing.T, downgrade func(*testing.T, string)) {
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
	var loaded, mixed int
	execQuery(t, statePath, `SELECT count(*) FROM outcomes WHERE entity = 'customers'`, &loaded)
	if loaded == 0 || loaded >= spec.customers {
		t.Fatalf("%d customers settled before the interruption, want some but not all", loaded)
	}
	execQuery(t, statePath, `SELECT count(*) FROM src WHERE entity = 1 AND data LIKE '%"em"%'`, &mixed)
	if mixed != 0 {
		t.Errorf("%d customers' data repeat their lower-case email", mixed)
	}
	downgrade(t, statePath)

	sum, err := runLoad(t, newClient(t, base), in, statePath, nil)
	if err != nil {
		t.Fatal(err)
	}
	if v := stateVersion(t, statePath); v != stateLayout.Version() {
		t.Errorf("user_version %d after the resume, want %d", v, stateLayout.Version())
	}
	var free int
	execQuery(t, statePath, `PRAGMA freelist_count`, &free)
	if free != 0 {
		t.Errorf("%d free pages after the upgrade: the old tables' pages were not given back", free)
	}
	var legacy int
	execQuery(t, statePath, `SELECT count(*) FROM src WHERE data LIKE '{"SourceKey"%' OR (entity = 1 AND data LIKE '%"email"%')`, &legacy)
	if legacy != 0 {
		t.Errorf("%d src rows still in an older format", legacy)
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
	// The upgraded rows are byte for byte what an import writes (a later
	// changed input is compared with them).
	fresh := filepath.Join(t.TempDir(), "fresh.db")
	st, err := openState(fresh)
	if err != nil {
		t.Fatal(err)
	}
	l := &loader{opts: Options{In: in, StatePath: fresh}, st: st, log: slog.New(slog.DiscardHandler)}
	if err := l.importInput(context.Background(), inputFingerprint(t, in)); err != nil {
		t.Fatal(err)
	}
	st.Close()
	if a, b := srcData(t, statePath), srcData(t, fresh); len(a) != len(b) {
		t.Errorf("%d src rows after the upgrade, %d in a fresh import", len(a), len(b))
	} else {
		diffs := 0
		for k, v := range b {
			if a[k] != v && diffs < 5 {
				diffs++
				t.Errorf("%s: upgraded data %s, an import writes %s", k, a[k], v)
			}
		}
	}
}

// srcData is every src row's data by entity code and key.
func srcData(t *testing.T, path string) map[string]string {
	t.Helper()
	db, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	rows, err := db.Query(`SELECT entity, key, data FROM src`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	out := map[string]string{}
	for rows.Next() {
		var e, k, d string
		if err := rows.Scan(&e, &k, &d); err != nil {
			t.Fatal(err)
		}
		out[e+"/"+k] = d
	}
	return out
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
