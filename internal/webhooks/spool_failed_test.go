package webhooks

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/bcetl/bcetl/internal/sqlitever"
)

// v0Schema is the spool layout before failed events existed, to test the
// migration of a spool written by an older bcetl.
const v0Schema = `
CREATE TABLE events (
	id          INTEGER PRIMARY KEY,
	provider    TEXT NOT NULL,
	dedupe_key  TEXT NOT NULL,
	scope       TEXT NOT NULL,
	received_at TEXT NOT NULL,
	payload     BLOB NOT NULL,
	status      TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'done')),
	done_at     TEXT,
	UNIQUE (provider, dedupe_key)
);
CREATE INDEX events_pending ON events (provider, scope, id) WHERE status = 'pending';
INSERT INTO events (provider, dedupe_key, scope, received_at, payload, status, done_at) VALUES
	('bigcommerce', 'a', 'store/customer/created', '2026-01-02T03:04:05.000Z', '{"n":1}', 'done', '2026-01-03T00:00:00.000Z'),
	('bigcommerce', 'b', 'store/customer/created', '2026-01-02T03:04:06.000Z', '{"n":2}', 'pending', NULL),
	('bigcommerce', 'c', 'store/cart/created', '2026-01-02T03:04:07.000Z', '{"n":3}', 'pending', NULL);
`

// A spool written by an older bcetl is migrated on Open, keeping every
// event, its id and status; then events can fail with a reason, which
// takes them out of Pending without touching their neighbours.
func TestSpoolMigratesAndFailsEvents(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "spool.db")
	old, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := old.Exec(v0Schema); err != nil {
		t.Fatal(err)
	}
	old.Close()

	// Read-only, it reads the old layout and changes nothing.
	ro, err := OpenReadOnly(path)
	if err != nil {
		t.Fatal(err)
	}
	if c, err := ro.PendingByScope(ctx); err != nil || len(c) != 2 || c[0].Scope != "store/cart/created" || c[1].Pending != 1 {
		t.Fatalf("pending by scope on the old layout: %+v %v", c, err)
	}
	if err := ro.MarkDone(ctx, []int64{2}); err == nil {
		t.Error("a read-only spool marked an event done")
	}
	if _, err := ro.Insert(ctx, Event{Provider: "p", DedupeKey: "k", Payload: []byte(`{}`)}); err == nil {
		t.Error("a read-only spool inserted an event")
	}
	ro.Close()
	if _, err := OpenReadOnly(filepath.Join(t.TempDir(), "missing.db")); err == nil {
		t.Error("OpenReadOnly created a missing spool")
	}

	sp, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer sp.Close()
	if st, err := sp.Stats(ctx); err != nil || st.Pending != 2 || st.Done != 1 || st.Failed != 0 {
		t.Fatalf("stats after the migration: %+v %v", st, err)
	}
	if err := sp.MarkFailed(ctx, []Failure{{ID: 2, Reason: "data.id: no such customer"}}); err != nil {
		t.Fatal(err)
	}
	if err := sp.MarkFailed(ctx, []Failure{{ID: 3, Reason: "x"}, {ID: 99, Reason: "y"}}); err == nil {
		t.Error("MarkFailed accepted an unknown id")
	}
	// Marking done afterwards does not undo the failure (a rerun after a
	// crash between the two marks).
	if err := sp.MarkDone(ctx, []int64{1, 2}); err != nil {
		t.Fatal(err)
	}
	var status, reason string
	if err := sp.r.QueryRowContext(ctx, `SELECT status, reason FROM events WHERE id = 2`).Scan(&status, &reason); err != nil {
		t.Fatal(err)
	}
	if status != StatusFailed || reason != "data.id: no such customer" {
		t.Errorf("event 2: %s %q", status, reason)
	}
	if ev, _ := sp.Pending(ctx, ProviderBigCommerce, "", 0); len(ev) != 1 || ev[0].ID != 3 {
		t.Errorf("pending %+v, want only event 3 (failed in the refused batch: nothing marked)", ev)
	}
	if st, _ := sp.Stats(ctx); st.Failed != 1 || st.Done != 1 || st.Pending != 1 {
		t.Errorf("stats %+v", st)
	}
	// New events get ids after the migrated ones.
	if _, err := sp.Insert(ctx, Event{Provider: ProviderBigCommerce, DedupeKey: "d", Scope: "s", Payload: []byte(`{}`)}); err != nil {
		t.Fatal(err)
	}
	if ev, _ := sp.Pending(ctx, ProviderBigCommerce, "s", 0); len(ev) != 1 || ev[0].ID != 4 {
		t.Errorf("new event %+v, want id 4", ev)
	}
	var version int
	sp.r.QueryRowContext(ctx, `PRAGMA user_version`).Scan(&version)
	if version != spoolLayout.Version() {
		t.Errorf("user_version %d", version)
	}
}

// A spool a newer bcetl wrote is refused by both opens, naming the file
// and both versions, and is left as it was: the receiver does not spool
// into it and a dry run does not misread it.
func TestNewerSpoolIsRefused(t *testing.T) {
	path := filepath.Join(t.TempDir(), "spool.db")
	sp, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	sp.Close()
	newer := spoolLayout.Version() + 1
	db, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Exec(fmt.Sprintf(`PRAGMA user_version = %d`, newer)); err != nil {
		t.Fatal(err)
	}
	for name, open := range map[string]func(string) (*Spool, error){"Open": Open, "OpenReadOnly": OpenReadOnly} {
		sp, err := open(path)
		var ne *sqlitever.NewerError
		if !errors.As(err, &ne) || !strings.Contains(err.Error(), fmt.Sprintf("webhook spool %s has layout version %d, newer than this bcetl knows (%d", path, newer, newer-1)) {
			t.Errorf("%s of a newer spool: %v, want a refusal naming it", name, err)
		}
		if sp != nil {
			sp.Close()
		}
	}
	var v int
	if err := db.QueryRow(`PRAGMA user_version`).Scan(&v); err != nil || v != newer {
		t.Errorf("user_version %d (%v) after the refusals, want %d", v, err, newer)
	}
}
