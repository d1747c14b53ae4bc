package load

import (
	"context"
	stdjson "encoding/json"
	"log/slog"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/bcetl/bcetl/internal/staging"
)

func importOnce(t *testing.T, in, statePath string) (*state, error) {
	t.Helper()
	st, err := openState(statePath)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	l := &loader{opts: Options{In: in, StatePath: statePath}, st: st, log: slog.New(slog.DiscardHandler)}
	return st, l.importInput(context.Background(), inputFingerprint(t, in))
}

// inputFingerprint verifies a staging directory as Run does and returns
// its fingerprint.
func inputFingerprint(t testing.TB, in string) string {
	t.Helper()
	m, err := staging.VerifyInput(in)
	if err != nil {
		t.Fatal(err)
	}
	return fingerprint(m)
}

func srcIndexNames(t *testing.T, st *state) []string {
	t.Helper()
	rows, err := st.db.Query(`SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'src' AND name NOT LIKE 'sqlite_%' ORDER BY name`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			t.Fatal(err)
		}
		out = append(out, n)
	}
	return out
}

// The import copies every row, builds the indexes last, and is started
// over when a run finds it unfinished (also one left by a version that
// built the indexes first).
func TestImportRestarts(t *testing.T) {
	in, dir := t.TempDir(), t.TempDir()
	want := writeStaging(t, in, genSpec{customers: 250, bigEvery: 10}).total()
	path := filepath.Join(dir, "state.db")
	st, err := importOnce(t, in, path)
	if err != nil {
		t.Fatal(err)
	}
	count := func() int {
		var n int
		if err := st.db.QueryRow(`SELECT count(*) FROM src`).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	if n := count(); n != want {
		t.Fatalf("src has %d rows, want %d", n, want)
	}
	if got := srcIndexNames(t, st); !reflect.DeepEqual(got, []string{"src_cust", "src_key"}) {
		t.Fatalf("indexes %v", got)
	}
	// Interrupted half way, with the indexes of an older version.
	for _, q := range []string{`DELETE FROM meta WHERE key = 'imported'`, `DELETE FROM src WHERE seq % 2 = 0`} {
		if _, err := st.db.Exec(q); err != nil {
			t.Fatal(err)
		}
	}
	st.Close()
	st, err = importOnce(t, in, path)
	if err != nil {
		t.Fatal(err)
	}
	if n := count(); n != want {
		t.Fatalf("after the restart src has %d rows, want %d", n, want)
	}
	if got := srcIndexNames(t, st); !reflect.DeepEqual(got, []string{"src_cust", "src_key"}) {
		t.Fatalf("indexes after the restart %v", got)
	}
	// What the loader reads back is the staging row without the fields
	// it never reads.
	all, err := staging.ReadAll[staging.Customer](filepath.Join(in, staging.FileName(staging.EntityCustomers)))
	if err != nil {
		t.Fatal(err)
	}
	rows, err := (&loader{st: st}).srcRows(context.Background(), `SELECT seq, key, cust, ref, data FROM src WHERE entity = 'customers' ORDER BY seq`)
	if err != nil {
		t.Fatal(err)
	}
	for i, r := range rows {
		c, err := decode[staging.Customer](r)
		if err != nil {
			t.Fatal(err)
		}
		w := all[i]
		w.ID, w.RegistrationIPAddress, w.DateCreated, w.DateModified, w.AddressCount, w.AttributeCount = nil, "", nil, nil, 0, 0
		if len(w.ChannelIDs) == 0 {
			w.ChannelIDs = nil
		}
		if len(w.StoreCreditAmounts) == 0 {
			w.StoreCreditAmounts = nil
		}
		if !reflect.DeepEqual(c, w) {
			t.Fatalf("customer %d read back as %+v, want %+v", i, c, w)
		}
	}
}

// A source key that appears twice is refused, run after run: the state
// file stays usable.
func TestImportRefusesDuplicateKeys(t *testing.T) {
	in, dir := t.TempDir(), t.TempDir()
	writeStaging(t, in, genSpec{customers: 3})
	cs := []staging.Customer{{SourceKey: "c1", Email: "a@example.com"}, {SourceKey: "c2", Email: "b@example.com"}, {SourceKey: "c1", Email: "c@example.com"}}
	if _, err := staging.WriteAll(filepath.Join(in, staging.FileName(staging.EntityCustomers)), cs); err != nil {
		t.Fatal(err)
	}
	writeManifest(t, in)
	path := filepath.Join(dir, "state.db")
	for run := 0; run < 2; run++ {
		st, err := importOnce(t, in, path)
		if err == nil || !strings.Contains(err.Error(), `customers.parquet: source_key "c1" appears 2 times`) {
			t.Fatalf("run %d: %v", run, err)
		}
		st.Close()
	}
}

// A customer's email is left out of src.data when src.ref (its lower
// case) is the same string, and kept when it is not; either way it reads
// back as the source wrote it.
//
// A row the layout-3 upgrade rewrites from layout 2 (whose JSON held the
// email) gets the same bytes: an invalid byte, U+FFFD in both the JSON
// and the lower case, included.
func TestSrcDataKeepsTheEmailsCase(t *testing.T) {
	for _, tc := range []struct{ email, reads string }{
		{"plain@example.com", "plain@example.com"},
		{"Mixed@Example.COM", "Mixed@Example.COM"},
		{"", ""},
		{"ümlaut@example.de", "ümlaut@example.de"},
		{"bad\xffutf@example.com", "bad\ufffdutf@example.com"},
		{"Bad\xffutf@example.com", "Bad\ufffdutf@example.com"},
	} {
		email := tc.email
		b, err := encodeCustomer(staging.Customer{SourceKey: "k", Email: email, FirstName: "A"})
		if err != nil {
			t.Fatal(err)
		}
		if kept, want := strings.Contains(string(b), `"em"`), tc.reads != strings.ToLower(email); kept != want {
			t.Errorf("%q: data %s keeps the email %v, want %v", email, b, kept, want)
		}
		c, err := decode[staging.Customer](srcRow{key: "k", ref: strings.ToLower(email), data: b})
		if err != nil || c.Email != tc.reads || c.FirstName != "A" || c.SourceKey != "k" {
			t.Errorf("%q: decoded %+v %v, want the email %q", email, c, err, tc.reads)
		}
		v2, err := stdjson.Marshal(map[string]string{"email": email, "first": "A"})
		if err != nil {
			t.Fatal(err)
		}
		up, err := dataV3(staging.EntityCustomers, srcRow{key: "k", ref: strings.ToLower(email), data: v2})
		if err != nil || string(up) != string(b) {
			t.Errorf("%q: upgraded from %s to %s %v, an import writes %s", email, v2, up, err, b)
		}
	}
}
