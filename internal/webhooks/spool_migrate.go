package webhooks

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
)

// errReadOnly is returned by the writing methods of a spool opened with
// OpenReadOnly.
var errReadOnly = errors.New("webhooks: the spool was opened read-only")

// migrate brings the spool to schemaVersion in one transaction: a new file
// gets the table; a version-0 file (no failed status, no reason) is copied
// into the new table, because SQLite cannot change a CHECK constraint in
// place. An older bcetl still running on the file keeps working: it writes
// only columns both layouts have.
func migrate(w *sql.DB) (err error) {
	ctx := context.Background()
	tx, err := w.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			tx.Rollback()
		}
	}()
	var version, tables int
	if err := tx.QueryRowContext(ctx, `PRAGMA user_version`).Scan(&version); err != nil {
		return err
	}
	if version > schemaVersion {
		return fmt.Errorf("layout version %d is newer than this bcetl's %d", version, schemaVersion)
	}
	if version == schemaVersion {
		return tx.Commit()
	}
	if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM sqlite_schema WHERE type = 'table' AND name = 'events'`).Scan(&tables); err != nil {
		return err
	}
	steps := []string{eventsTable("events")}
	if tables == 1 {
		steps = []string{
			eventsTable("events_v1"),
			`INSERT INTO events_v1 (id, provider, dedupe_key, scope, received_at, payload, status, done_at)
			 SELECT id, provider, dedupe_key, scope, received_at, payload, status, done_at FROM events`,
			`DROP TABLE events`,
			`ALTER TABLE events_v1 RENAME TO events`,
		}
	}
	steps = append(steps, pendingIndex, fmt.Sprintf(`PRAGMA user_version = %d`, schemaVersion))
	for _, q := range steps {
		if _, err := tx.ExecContext(ctx, q); err != nil {
			return err
		}
	}
	return tx.Commit()
}

// OpenReadOnly opens an existing spool for reading only, for a dry run: it
// creates no file and changes no layout, and MarkDone and MarkFailed fail.
// Pending, PendingByScope and Stats read either layout version.
func OpenReadOnly(path string) (*Spool, error) {
	if _, err := os.Stat(path); err != nil {
		return nil, fmt.Errorf("webhooks: spool: %w", err)
	}
	r, err := sql.Open("sqlite", path+fmt.Sprintf("?_pragma=busy_timeout(%d)&_query_only=1", busyTimeout.Milliseconds()))
	if err != nil {
		return nil, fmt.Errorf("webhooks: open spool: %w", err)
	}
	s := &Spool{path: path, r: r, closed: make(chan struct{})}
	if err := s.Ping(context.Background()); err != nil {
		r.Close()
		return nil, err
	}
	return s, nil
}
