package sqlitever

import (
	"context"
	"database/sql"
	"errors"
	"path/filepath"
	"strings"
	"testing"

	_ "modernc.org/sqlite"
)

func open(t *testing.T, path string) *sql.DB {
	t.Helper()
	db, err := sql.Open("sqlite", path+"?_pragma=busy_timeout(10000)&_pragma=journal_mode(WAL)")
	if err != nil {
		t.Fatal(err)
	}
	db.SetMaxOpenConns(1)
	t.Cleanup(func() { db.Close() })
	return db
}

func userVersion(t *testing.T, db *sql.DB) int {
	t.Helper()
	var v int
	if err := db.QueryRow(`PRAGMA user_version`).Scan(&v); err != nil {
		t.Fatal(err)
	}
	return v
}

func tables(t *testing.T, db *sql.DB) string {
	t.Helper()
	rows, err := db.Query(`SELECT name FROM sqlite_schema WHERE type = 'table' ORDER BY name`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var names []string
	for rows.Next() {
		var n string
		rows.Scan(&n)
		names = append(names, n)
	}
	return strings.Join(names, ",")
}

// A new file runs every step; a file at version 1 runs only the steps
// after it; a current one runs none. The version is stored with them.
func TestUpgradeRunsTheMissingSteps(t *testing.T) {
	ctx := context.Background()
	var ran []int
	step := func(i int, q string) Step {
		return func(ctx context.Context, c *sql.Conn) error {
			ran = append(ran, i)
			return Exec(q)(ctx, c)
		}
	}
	v1 := Layout{Name: "test file", Steps: []Step{step(1, `CREATE TABLE a(x)`)}}
	v3 := Layout{Name: "test file", Steps: append(v1.Steps, step(2, `CREATE TABLE b(x)`), step(3, `ALTER TABLE a ADD COLUMN y`))}

	path := filepath.Join(t.TempDir(), "f.db")
	db := open(t, path)
	if err := v1.Upgrade(ctx, db, path); err != nil {
		t.Fatal(err)
	}
	if v := userVersion(t, db); v != 1 || tables(t, db) != "a" {
		t.Fatalf("after v1: version %d, tables %s", v, tables(t, db))
	}
	ran = nil
	if err := v3.Upgrade(ctx, db, path); err != nil {
		t.Fatal(err)
	}
	if v := userVersion(t, db); v != 3 || tables(t, db) != "a,b" || len(ran) != 2 || ran[0] != 2 || ran[1] != 3 {
		t.Fatalf("after v3: version %d, tables %s, steps run %v (want 2, 3)", v, tables(t, db), ran)
	}
	if _, err := db.Exec(`INSERT INTO a(x, y) VALUES(1, 2)`); err != nil {
		t.Fatalf("step 3's column: %v", err)
	}
	ran = nil
	if err := v3.Upgrade(ctx, db, path); err != nil || len(ran) != 0 {
		t.Fatalf("a current file: steps %v, %v", ran, err)
	}
}

// A failing step leaves the file as it was: the earlier steps of the same
// upgrade are rolled back with it, and the version is unchanged.
func TestUpgradeIsAllOrNothing(t *testing.T) {
	ctx := context.Background()
	l := Layout{Name: "test file", Steps: []Step{Exec(`CREATE TABLE a(x)`), Exec(`CREATE TABLE b(x)`, `INSERT INTO nowhere VALUES(1)`)}}
	path := filepath.Join(t.TempDir(), "f.db")
	db := open(t, path)
	err := l.Upgrade(ctx, db, path)
	if err == nil || !strings.Contains(err.Error(), "from version 1 to 2") || !strings.Contains(err.Error(), path) {
		t.Fatalf("error %v, want one naming the file and the step", err)
	}
	if v := userVersion(t, db); v != 0 || tables(t, db) != "" {
		t.Fatalf("after a failed upgrade: version %d, tables %q; want 0 and none", v, tables(t, db))
	}
}

// An older bcetl refuses a file a newer one wrote, naming the file and
// both versions, and writes nothing; Check (read-only opens) too.
func TestNewerFileIsRefused(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "f.db")
	db := open(t, path)
	newer := Layout{Name: "load state", Steps: []Step{Exec(`CREATE TABLE a(x)`), Exec(`CREATE TABLE b(x)`)}}
	if err := newer.Upgrade(ctx, db, path); err != nil {
		t.Fatal(err)
	}
	older := Layout{Name: "load state", Steps: newer.Steps[:1]}
	for name, f := range map[string]func() error{
		"Upgrade": func() error { return older.Upgrade(ctx, db, path) },
		"Check":   func() error { _, err := older.Check(ctx, db, path); return err },
	} {
		err := f()
		var ne *NewerError
		if !errors.As(err, &ne) || ne.Version != 2 || ne.Known != 1 || ne.Path != path {
			t.Fatalf("%s: %v, want a NewerError (2 > 1)", name, err)
		}
		if msg := err.Error(); !strings.Contains(msg, "load state "+path+" has layout version 2, newer than this bcetl knows (1; bcetl ") {
			t.Errorf("%s: message %q", name, msg)
		}
	}
	if v := userVersion(t, db); v != 2 || tables(t, db) != "a,b" {
		t.Errorf("the newer file was changed: version %d, tables %s", v, tables(t, db))
	}
}

// Two processes opening one old file at once (the receiver and the
// nightly job on one spool) upgrade it once.
func TestConcurrentUpgradesRunEachStepOnce(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "f.db")
	l := Layout{Name: "test file", Steps: []Step{Exec(`CREATE TABLE a(x)`), Exec(`INSERT INTO a VALUES(1)`)}}
	// A version-1 file in WAL mode, as the spool is: several connections
	// switching a brand-new file to WAL at once is not the case here.
	if err := (Layout{Name: l.Name, Steps: l.Steps[:1]}).Upgrade(ctx, open(t, path), path); err != nil {
		t.Fatal(err)
	}
	errs := make(chan error, 4)
	for range 4 {
		db := open(t, path) // one pool each, as separate processes have
		go func() { errs <- l.Upgrade(ctx, db, path) }()
	}
	for range 4 {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
	var n int
	if err := open(t, path).QueryRow(`SELECT count(*) FROM a`).Scan(&n); err != nil || n != 1 {
		t.Fatalf("rows %d (%v): the insert step ran %d times", n, err, n)
	}
}
