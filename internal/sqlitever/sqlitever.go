// Package sqlitever versions the layout of bcetl's SQLite files — the
// load state and the webhook spool — so that they survive upgrades: each
// file carries its layout version in PRAGMA user_version (a field of the
// database header, written in the same transaction as the tables, so a
// crash never leaves a file whose version and tables disagree), a newer
// bcetl upgrades an older file step by step, and an older bcetl refuses a
// newer file with a message instead of misreading it.
//
// A layout is its list of steps: Steps[i] brings a file from version i to
// i+1, and the layout's version is len(Steps). Changing a layout is
// appending one Step; a step once released is never edited, since files
// in the field were upgraded by it. Version 0 is a new, empty file — or a
// file written before versions existed, which is why the first step of
// each layout copes with both.
package sqlitever

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/bcetl/bcetl/internal/version"
)

// Step upgrades a file by one version. It runs inside the upgrade's
// transaction, on its connection: what it changes is committed together
// with the new version, or not at all.
type Step func(ctx context.Context, c *sql.Conn) error

// Exec is a Step that runs SQL statements (several per string are allowed).
func Exec(statements ...string) Step {
	return func(ctx context.Context, c *sql.Conn) error {
		for _, q := range statements {
			if _, err := c.ExecContext(ctx, q); err != nil {
				return err
			}
		}
		return nil
	}
}

// Layout is one kind of file's version history.
type Layout struct {
	Name  string // what the file is, in messages: "load state", "webhook spool"
	Steps []Step
}

// Version is the layout version this bcetl writes.
func (l Layout) Version() int { return len(l.Steps) }

// NewerError is a file written by a newer bcetl than this one: its tables
// may mean something this version does not know, so it is not touched.
type NewerError struct {
	Name    string // the layout's Name
	Path    string
	Version int // the file's
	Known   int // the newest this bcetl knows
}

func (e *NewerError) Error() string {
	return fmt.Sprintf("%s %s has layout version %d, newer than this bcetl knows (%d; %s): "+
		"a newer bcetl wrote it; run that version or a newer one on it, or start with a new file",
		e.Name, e.Path, e.Version, e.Known, version.Read())
}

// Check returns the file's layout version without writing anything, for a
// read-only open; a version newer than the layout's is a *NewerError.
func (l Layout) Check(ctx context.Context, db *sql.DB, path string) (int, error) {
	var v int
	if err := db.QueryRowContext(ctx, `PRAGMA user_version`).Scan(&v); err != nil {
		return 0, fmt.Errorf("%s %s: layout version: %w", l.Name, path, err)
	}
	if v > l.Version() {
		return v, &NewerError{Name: l.Name, Path: path, Version: v, Known: l.Version()}
	}
	return v, nil
}

// Upgrade brings the file to the layout's version: the missing steps and
// the new version in one write transaction, taken at BEGIN (IMMEDIATE) so
// that two processes opening one old file at once upgrade it once — the
// second finds it done. A file already current is only read.
func (l Layout) Upgrade(ctx context.Context, db *sql.DB, path string) (err error) {
	v, err := l.Check(ctx, db, path)
	if err != nil || v == l.Version() {
		return err
	}
	c, err := db.Conn(ctx)
	if err != nil {
		return err
	}
	defer c.Close()
	if _, err := c.ExecContext(ctx, `BEGIN IMMEDIATE`); err != nil {
		return fmt.Errorf("%s %s: upgrade: %w", l.Name, path, err)
	}
	defer func() {
		if err != nil {
			// Not the caller's context: a cancelled upgrade must still
			// release the write lock.
			if _, rerr := c.ExecContext(context.WithoutCancel(ctx), `ROLLBACK`); rerr != nil {
				err = errors.Join(err, rerr)
			}
		}
	}()
	if err := c.QueryRowContext(ctx, `PRAGMA user_version`).Scan(&v); err != nil {
		return fmt.Errorf("%s %s: layout version: %w", l.Name, path, err)
	}
	if v > l.Version() {
		return &NewerError{Name: l.Name, Path: path, Version: v, Known: l.Version()}
	}
	for i := v; i < l.Version(); i++ {
		if err := l.Steps[i](ctx, c); err != nil {
			return fmt.Errorf("%s %s: upgrading the layout from version %d to %d: %w", l.Name, path, i, i+1, err)
		}
	}
	// PRAGMA takes no parameters; the version is an int of ours.
	if _, err := c.ExecContext(ctx, fmt.Sprintf(`PRAGMA user_version = %d`, l.Version())); err != nil {
		return fmt.Errorf("%s %s: set the layout version: %w", l.Name, path, err)
	}
	if _, err := c.ExecContext(ctx, `COMMIT`); err != nil {
		return fmt.Errorf("%s %s: upgrade: %w", l.Name, path, err)
	}
	return nil
}
