package load

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/bcetl/bcetl/internal/staging"
)

// A state file whose input changed — the source file got a row, the
// transform ran again with other rules — is switched to the new input
// rather than refused, so that a migration can be re-run as a delta: what
// is unchanged keeps its outcome and is not sent again, what is new or
// changed is loaded. Nothing can be doubled or attached to the wrong
// customer by this, because an outcome is kept only where it is certainly
// still true:
//
//   - a record keeps its outcome only if its row (the src data, its parent
//     customer key and its reference) is byte for byte the same in both
//     inputs, under the same source key. Source keys made from line numbers
//     shift when a row is inserted; the data then differs and the outcome
//     is dropped;
//   - a child (address, attribute value, form field value) keeps its
//     outcome only if its customer kept its own too, and an address's form
//     field only if its address did: a child's target id is only right
//     under its parent's;
//   - a record whose outcome was dropped is loaded like a new one: a
//     customer the target already has is found by email (the target's
//     uniqueness rule) and handled per --on-existing, an address the
//     target has is answered as a duplicate, values and form fields are
//     upserts.
//
// Writes the previous run left in flight name the previous input's keys,
// so they are settled (reconciled against the target) before the switch,
// while the previous input is still in src.
//
// The switch is restartable like the import itself: the previous rows are
// kept in src_prev until the transaction that builds the new input's
// indexes and marks it imported also drops the changed outcomes and
// src_prev. A run that finds src_prev finishes the same switch.

// hasPrevious reports whether a switch to a new input is under way.
func (s *state) hasPrevious(ctx context.Context) (bool, error) {
	var n int
	err := s.db.QueryRowContext(ctx, `SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'src_prev'`).Scan(&n)
	return n > 0, err
}

// keepPrevious moves the previous input aside as src_prev, in one
// transaction with the mark that the input is no longer imported.
func (s *state) keepPrevious(ctx context.Context) error {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	for _, q := range []string{
		`DROP INDEX IF EXISTS src_key`, // its names are the new input's
		`DROP INDEX IF EXISTS src_cust`,
		`DROP VIEW IF EXISTS outcomes`, // renaming src would turn it to src_prev
		`ALTER TABLE src RENAME TO src_prev`,
		srcTable("src"), // the new, empty src
		outcomesView,
		`DELETE FROM meta WHERE key = 'imported'`,
	} {
		if _, err := tx.ExecContext(ctx, q); err != nil {
			return fmt.Errorf("state: switching to the new input: %w", err)
		}
	}
	return tx.Commit()
}

// settleInflight reconciles the writes a previous run left in flight,
// against the previous input (still in src), before it is replaced. Only
// look-ups are sent; what turns out not to have been applied stays without
// an outcome and, if it is still in the new input, is loaded with it.
func (l *loader) settleInflight(ctx context.Context) error {
	var n int
	if err := l.st.db.QueryRowContext(ctx, `SELECT count(*) FROM batches WHERE status = ?`, batchInFlight).Scan(&n); err != nil {
		return err
	}
	if n == 0 {
		return nil
	}
	l.log.Info("settling the previous input's unconfirmed writes before switching to the new input", "batches", n)
	target, err := l.firstAttrs()
	if err != nil {
		return err
	}
	l.attrs = map[string]int64{}
	for name, a := range target {
		l.attrs[name] = a.ID
	}
	if err := resume(ctx, l, newCustomerStep(l)); err != nil {
		return err
	}
	if err := resume(ctx, l, addressStep{l}); err != nil {
		return err
	}
	// Attribute, value and form field writes need no settling: attributes
	// are matched by name on every run, values and form fields are upserts.
	_, err = l.st.db.ExecContext(ctx, `UPDATE batches SET status = ?, message = 'superseded by a new input' WHERE status = ?`, batchReconciled, batchInFlight)
	return err
}

// carryOver gives the records of the new input (src) the outcomes they
// had in the previous one (src_prev), except those the switch makes
// uncertain, and drops src_prev. It runs in the transaction that marks
// the new input imported, after src's indexes are built.
func carryOver(ctx context.Context, tx *sql.Tx) (kept, dropped int64, err error) {
	exec := func(q string, args ...any) (int64, error) {
		res, err := tx.ExecContext(ctx, q, args...)
		if err != nil {
			return 0, fmt.Errorf("state: carrying outcomes over: %w", err)
		}
		return res.RowsAffected()
	}
	customers, addresses := ent(staging.EntityCustomers), ent(staging.EntityAddresses)
	steps := []struct {
		q    string
		args []any
	}{
		{`CREATE TEMP TABLE stale(entity INTEGER NOT NULL, key TEXT NOT NULL, PRIMARY KEY(entity, key)) WITHOUT ROWID`, nil},
		// Rows that changed or are gone (src_prev is read once; src by its
		// unique index).
		{`INSERT OR IGNORE INTO stale SELECT o.entity, o.key FROM src_prev o
			LEFT JOIN src n ON n.entity = o.entity AND n.key = o.key
			WHERE n.key IS NULL OR n.data != o.data OR n.cust != o.cust OR n.ref != o.ref`, nil},
		// Children of a customer that changed.
		{`INSERT OR IGNORE INTO stale SELECT s.entity, s.key FROM src s
			JOIN stale c ON c.entity = ? AND c.key = s.cust
			WHERE s.entity IN (?, ?, ?)`, []any{customers, addresses, ent(staging.EntityAttributeValues), ent(staging.EntityFormFieldValues)}},
		// Form fields of an address that changed (after the addresses of
		// changed customers were added above).
		{`INSERT OR IGNORE INTO stale SELECT s.entity, s.key FROM src s
			JOIN stale a ON a.entity = ? AND a.key = s.ref
			WHERE s.entity = ? AND s.ref != ''`, []any{addresses, ent(staging.EntityFormFieldValues)}},
	}
	for _, st := range steps {
		if _, err := exec(st.q, st.args...); err != nil {
			return 0, 0, err
		}
	}
	// A customer whose outcome is dropped and who is on the target will
	// be found there: the next run looks emails up before sending them
	// (customerStep). And an address the target holds keeps its id, for
	// --on-existing=update to write the changed address into it rather
	// than add a second one (addressStep.settlePresent).
	if _, err := exec(`INSERT OR REPLACE INTO meta(key, value) SELECT ?, '1' WHERE EXISTS (SELECT 1 FROM src_prev i
		JOIN stale s ON s.entity = i.entity AND s.key = i.key WHERE i.entity = ? AND i.target_id IS NOT NULL)`,
		metaTargetHasCustomers, customers); err != nil {
		return 0, 0, err
	}
	if _, err := exec(`INSERT OR REPLACE INTO prev_targets(entity, key, target_id) SELECT i.entity, i.key, i.target_id FROM src_prev i
		JOIN stale s ON s.entity = i.entity AND s.key = i.key
		WHERE i.entity = ? AND i.target_id IS NOT NULL AND i.status != ?`, addresses, stc(staging.StatusRejected)); err != nil {
		return 0, 0, err
	}
	if kept, err = exec(`UPDATE src SET status = o.status, target_id = o.target_id, http_status = o.http_status, message = o.message, batch = o.batch
		FROM src_prev o WHERE o.entity = src.entity AND o.key = src.key AND o.status IS NOT NULL
		AND NOT EXISTS (SELECT 1 FROM stale WHERE stale.entity = src.entity AND stale.key = src.key)`); err != nil {
		return 0, 0, err
	}
	var had int64
	if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM src_prev WHERE status IS NOT NULL`).Scan(&had); err != nil {
		return 0, 0, err
	}
	for _, q := range []string{`DROP TABLE stale`, `DROP TABLE src_prev`} {
		if _, err := exec(q); err != nil {
			return 0, 0, err
		}
	}
	return kept, had - kept, nil
}
