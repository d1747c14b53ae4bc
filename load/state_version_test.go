package load

import (
	"database/sql"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/bcetl/bcetl/internal/sandbox"
	"github.com/bcetl/bcetl/internal/sqlitever"
)

// v0State is a state file from before layout versions: user_version 0,
// no prev_targets table (it came later), one imported customer and its
// outcome.
const v0State = `
CREATE TABLE meta(key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;
CREATE TABLE src(entity TEXT NOT NULL, seq INTEGER NOT NULL, key TEXT NOT NULL, cust TEXT NOT NULL DEFAULT '',
	ref TEXT NOT NULL DEFAULT '', data BLOB NOT NULL, PRIMARY KEY(entity, seq)) WITHOUT ROWID;
INSERT INTO src VALUES('customers', 0, 'k1', '', 'a@example.com', '{"Email":"a@example.com"}');
INSERT INTO meta VALUES('imported', '1');
CREATE TABLE idmap(entity TEXT NOT NULL, key TEXT NOT NULL, status TEXT NOT NULL, target_id INTEGER,
	http_status INTEGER NOT NULL DEFAULT 0, message TEXT NOT NULL DEFAULT '', batch INTEGER, PRIMARY KEY(entity, key)) WITHOUT ROWID;
INSERT INTO meta VALUES('target', 'x');
INSERT INTO idmap(entity, key, status, target_id) VALUES('customers', 'k1', 'loaded', 7);
`

func stateVersion(t *testing.T, path string) int {
	t.Helper()
	db, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var v int
	if err := db.QueryRow(`PRAGMA user_version`).Scan(&v); err != nil {
		t.Fatal(err)
	}
	return v
}

func execState(t *testing.T, path, q string) {
	t.Helper()
	db, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Exec(q); err != nil {
		t.Fatal(err)
	}
}

// A state file written before layout versions is upgraded when opened:
// its rows kept, the later tables added, the version recorded.
func TestStateFileFromBeforeVersionsIsUpgraded(t *testing.T) {
	path := filepath.Join(t.TempDir(), "load.db")
	execState(t, path, v0State)
	st, err := openState(path)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if v := stateVersion(t, path); v != stateLayout.Version() || v < 1 {
		t.Errorf("user_version %d, want %d", v, stateLayout.Version())
	}
	if id, status, err := st.targetID(t.Context(), "customers", "k1"); err != nil || id != 7 || status != "loaded" {
		t.Errorf("the old outcome: %d %s %v", id, status, err)
	}
	if _, err := st.db.Exec(`INSERT INTO prev_targets(entity, key, target_id) VALUES(2, 'a', 1)`); err != nil {
		t.Errorf("prev_targets after the upgrade: %v", err)
	}
	var view string
	if err := st.db.QueryRow(`SELECT entity || ' ' || key || ' ' || status || ' ' || target_id FROM outcomes`).Scan(&view); err != nil || view != "customers k1 loaded 7" {
		t.Errorf("the outcomes view: %q %v", view, err)
	}
}

// An older state file holding an outcome of a record its input does not
// hold cannot be folded into layout 3 (the outcome would be lost): it is
// refused with a message, and left as it was.
func TestStateFileWithAStrayOutcomeIsRefused(t *testing.T) {
	path := filepath.Join(t.TempDir(), "load.db")
	execState(t, path, v0State+`INSERT INTO idmap(entity, key, status, target_id) VALUES('addresses', 'gone', 'loaded', 8);`)
	st, err := openState(path)
	if err == nil {
		st.Close()
		t.Fatal("the state file was upgraded")
	}
	if !strings.Contains(err.Error(), "1 outcomes name records the input does not hold") || !strings.Contains(err.Error(), "new --state") {
		t.Errorf("message: %v", err)
	}
	if v := stateVersion(t, path); v != 0 {
		t.Errorf("user_version %d after the refusal, want 0 (untouched)", v)
	}
	var n int
	execQuery(t, path, `SELECT count(*) FROM idmap`, &n)
	if n != 2 {
		t.Errorf("idmap has %d rows after the refusal, want 2", n)
	}
}

// A state file a newer bcetl wrote is refused before any request, with a
// message naming the file and both versions, and is left as it was.
func TestNewerStateFileIsRefused(t *testing.T) {
	in := t.TempDir()
	spec := genSpec{customers: 5}
	writeStaging(t, in, spec)
	srv, base := newSandbox(t, sandbox.Options{})
	statePath := filepath.Join(t.TempDir(), "load.db")
	if _, err := runLoad(t, newClient(t, base), in, statePath, nil); err != nil {
		t.Fatal(err)
	}
	newer := stateLayout.Version() + 1
	execState(t, statePath, fmt.Sprintf(`PRAGMA user_version = %d`, newer))
	before := srv.RequestCount()
	_, err := runLoad(t, newClient(t, base), in, statePath, nil)
	var ne *sqlitever.NewerError
	if !errors.As(err, &ne) || !strings.Contains(err.Error(), fmt.Sprintf("load state %s has layout version %d, newer than this bcetl knows (%d", statePath, newer, newer-1)) {
		t.Fatalf("load on a newer state file: %v, want a refusal naming it", err)
	}
	if n := srv.RequestCount() - before; n != 0 {
		t.Errorf("%d requests sent on a refused state file", n)
	}
	if v := stateVersion(t, statePath); v != newer {
		t.Errorf("user_version %d after the refusal, want %d untouched", v, newer)
	}
}
