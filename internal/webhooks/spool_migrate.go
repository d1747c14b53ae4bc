package webhooks

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"

	"github.com/bcetl/bcetl/internal/sqlitever"
)

// errReadOnly is returned by the writing methods of a spool opened with
// OpenReadOnly.
var errReadOnly = errors.New("webhooks: the spool was opened read-only")

// spoolLayout is the spool's layout history, kept in PRAGMA user_version
// (internal/sqlitever): Open upgrades an older spool, and both Open and
// OpenReadOnly refuse one a newer bcetl wrote. To change the layout,
// append one step; never edit a released one.
var spoolLayout = sqlitever.Layout{Name: "webhook spool", Steps: []sqlitever.Step{
	// 1: failed events and their reasons. A new file gets the table; a
	// file from before versions (0: no failed status, no reason) is copied
	// into the new table, because SQLite cannot change a CHECK constraint
	// in place. An older bcetl still running on the file keeps working: it
	// writes only columns both layouts have.
	func(ctx context.Context, c *sql.Conn) error {
		var tables int
		if err := c.QueryRowContext(ctx, `SELECT count(*) FROM sqlite_schema WHERE type = 'table' AND name = 'events'`).Scan(&tables); err != nil {
			return err
		}
		if tables == 0 {
			return sqlitever.Exec(eventsTable("events"), pendingIndex)(ctx, c)
		}
		return sqlitever.Exec(
			eventsTable("events_v1"),
			`INSERT INTO events_v1 (id, provider, dedupe_key, scope, received_at, payload, status, done_at)
			 SELECT id, provider, dedupe_key, scope, received_at, payload, status, done_at FROM events`,
			`DROP TABLE events`,
			`ALTER TABLE events_v1 RENAME TO events`,
			pendingIndex,
		)(ctx, c)
	},
}}

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
	// An older layout is read as it is; a newer one may mean what this
	// bcetl does not know.
	if _, err := spoolLayout.Check(context.Background(), r, path); err != nil {
		r.Close()
		return nil, err
	}
	return s, nil
}
