package load

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/bcetl/bcetl/internal/atomicfile"
	"github.com/bcetl/bcetl/internal/staging"
	_ "modernc.org/sqlite" // driver "sqlite"
)

// The state file is one SQLite database (see STATE.md). Its tables:
//
//	meta     key/value: input fingerprint, import done, options
//	src      the input rows, imported once from the staging directory, so
//	         that a customer and its children can be fetched together
//	         without holding the whole input in memory; its indexes
//	         (srcIndexes) are built by the import, after the rows
//	idmap    one row per input record that has an outcome: the source key,
//	         the target id, the status and the API's answer
//	batches  one row per write request: in-flight before it is sent,
//	         done/failed/reconciled after
//	prev_targets  the target id an address had before a changed input
//	         dropped its outcome (delta.go), for --on-existing=update
//
// Every write is a short transaction on a single connection: the loader's
// workers serialise on it, which is far cheaper than the HTTP round trips
// they wait on, and it rules out SQLITE_BUSY between our own goroutines.
const schema = `
CREATE TABLE IF NOT EXISTS meta(key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS src(
	entity TEXT NOT NULL,
	seq    INTEGER NOT NULL,
	key    TEXT NOT NULL,
	cust   TEXT NOT NULL DEFAULT '',
	ref    TEXT NOT NULL DEFAULT '',
	data   BLOB NOT NULL,
	PRIMARY KEY(entity, seq)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS idmap(
	entity      TEXT NOT NULL,
	key         TEXT NOT NULL,
	status      TEXT NOT NULL,
	target_id   INTEGER,
	http_status INTEGER NOT NULL DEFAULT 0,
	message     TEXT NOT NULL DEFAULT '',
	batch       INTEGER,
	PRIMARY KEY(entity, key)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS batches(
	id          INTEGER PRIMARY KEY,
	step        TEXT NOT NULL,
	status      TEXT NOT NULL,
	keys        TEXT NOT NULL,
	emails      TEXT NOT NULL DEFAULT '[]',
	started     TEXT NOT NULL,
	finished    TEXT,
	http_status INTEGER NOT NULL DEFAULT 0,
	message     TEXT NOT NULL DEFAULT ''
);
CREATE TABLE IF NOT EXISTS prev_targets(
	entity    TEXT NOT NULL,
	key       TEXT NOT NULL,
	target_id INTEGER NOT NULL,
	PRIMARY KEY(entity, key)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS batches_status ON batches(status) WHERE status = '` + string(batchInFlight) + `';
`

// batchStatus is a write request's status in the batches table. Record
// statuses are staging.Status: the id map, the results and the ledger
// share them.
type batchStatus string

// Batch statuses.
const (
	batchInFlight   batchStatus = "in-flight"
	batchDone       batchStatus = "done"
	batchFailed     batchStatus = "failed"     // the API refused it: nothing was written
	batchReconciled batchStatus = "reconciled" // outcome was unknown; looked up on the target
)

// state is the open state file.
type state struct {
	db *sql.DB
	// redact scrubs every message before it is stored (the client's
	// Redact: its token, its URL's password); nil stores them as given.
	redact func(string) string
	// observe, when set, is told of the outcomes of every commit, after
	// it (the loader's accounting: customers done, a step's progress).
	observe func([]outcome)
	// results, when set, is given the outcomes of every commit, after
	// it: the run's results file, written as the batches complete.
	results *resultStream
}

// scrub is s through redact.
func (s *state) scrub(msg string) string {
	if s.redact == nil || msg == "" {
		return msg
	}
	return s.redact(msg)
}

func openState(path string) (*state, error) {
	// The state file holds the input's personal data: owner-only.
	if err := atomicfile.EnsureOwnerOnly(path); err != nil {
		return nil, err
	}
	q := url.Values{}
	for _, p := range []string{
		"journal_mode(WAL)",
		// NORMAL in WAL mode: a commit survives the process being killed
		// (the case the crash test proves); only an OS crash can lose the
		// last commits, and STATE.md explains why that cannot double a
		// record either.
		"synchronous(NORMAL)",
		"busy_timeout(10000)",
	} {
		q.Add("_pragma", p)
	}
	db, err := sql.Open("sqlite", "file:"+path+"?"+q.Encode())
	if err != nil {
		return nil, err
	}
	db.SetMaxOpenConns(1)
	// Creates the tables of a new file, upgrades an older one, refuses a
	// newer one (state_version.go).
	if err := stateLayout.Upgrade(context.Background(), db, path); err != nil {
		db.Close()
		return nil, err
	}
	return &state{db: db}, nil
}

func (s *state) Close() error { return s.db.Close() }

func (s *state) meta(ctx context.Context, key string) (string, error) {
	var v string
	err := s.db.QueryRowContext(ctx, `SELECT value FROM meta WHERE key = ?`, key).Scan(&v)
	if errors.Is(err, sql.ErrNoRows) {
		return "", nil
	}
	return v, err
}

func (s *state) setMeta(ctx context.Context, key, value string) error {
	_, err := s.db.ExecContext(ctx, setMetaSQL, key, value)
	return err
}

const setMetaSQL = `INSERT INTO meta(key, value) VALUES(?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value`

// outcome is one idmap row to write.
type outcome struct {
	entity  staging.Entity
	key     string
	status  staging.Status
	target  int64 // 0 = none
	http    int
	message string
}

// beginBatch records a write as in-flight before it is sent, so that a
// crash between the send and the answer leaves a trace to reconcile. It
// returns the batch's id and the time recorded as its start.
func (s *state) beginBatch(step staging.Entity, keys, emails []string) (int64, time.Time, error) {
	k, _ := json.Marshal(keys)
	e, _ := json.Marshal(emails)
	if emails == nil {
		e = []byte("[]")
	}
	// Not the caller's context: a batch about to be sent must be recorded
	// even while the run is being cancelled.
	started := time.Now().UTC()
	res, err := s.db.Exec(`INSERT INTO batches(step, status, keys, emails, started) VALUES(?, ?, ?, ?, ?)`,
		step, batchInFlight, string(k), string(e), started.Format(time.RFC3339Nano))
	if err != nil {
		return 0, time.Time{}, fmt.Errorf("state: %w", err)
	}
	id, err := res.LastInsertId()
	return id, started, err
}

// finish writes the outcomes a batch produced and its final status in one
// transaction: either both are durable or neither is. batch 0 means no
// batch row (e.g. outcomes decided without a request).
func (s *state) finish(batch int64, status batchStatus, httpStatus int, msg string, outs []outcome) error {
	if batch == 0 && len(outs) == 0 {
		return nil
	}
	tx, err := s.db.Begin()
	if err != nil {
		return fmt.Errorf("state: %w", err)
	}
	defer tx.Rollback()
	replaced := false
	var b any
	if batch != 0 {
		b = batch
	}
	// Many rows per INSERT (a batch of ten customers settles some
	// seventy records): one statement each cost most of the load's
	// SQLite time in the driver's round trips. An outcome that replaces
	// one the record had (none of the steps does that, but nothing
	// forbids it) shows as fewer rows inserted than given: the chunk is
	// then written by UPDATE, and the streamed results, which would hold
	// two rows for the record, are told (results.go).
	for chunk := range slices.Chunk(outs, outcomesPerInsert) {
		args := make([]any, 0, 7*len(chunk))
		for _, o := range chunk {
			var target any
			if o.target != 0 {
				target = o.target
			}
			args = append(args, o.entity, o.key, o.status, target, o.http, s.scrub(o.message), b)
		}
		res, err := tx.Exec(insertOutcomes(len(chunk)), args...)
		var n int64
		if err == nil {
			n, err = res.RowsAffected()
		}
		if err == nil && n < int64(len(chunk)) {
			replaced = true
			for k := range chunk {
				a := args[7*k : 7*k+7]
				if _, err = tx.Exec(`UPDATE idmap SET status = ?, target_id = ?, http_status = ?, message = ?, batch = ? WHERE entity = ? AND key = ?`,
					a[2], a[3], a[4], a[5], a[6], a[0], a[1]); err != nil {
					break
				}
			}
		}
		if err != nil {
			return fmt.Errorf("state: %w", err)
		}
	}
	if batch != 0 {
		if _, err := tx.Exec(`UPDATE batches SET status = ?, finished = ?, http_status = ?, message = ? WHERE id = ?`,
			status, time.Now().UTC().Format(time.RFC3339Nano), httpStatus, s.scrub(msg), batch); err != nil {
			return fmt.Errorf("state: %w", err)
		}
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("state: %w", err)
	}
	if s.observe != nil && len(outs) > 0 {
		s.observe(outs)
	}
	if s.results != nil && len(outs) > 0 {
		s.results.add(outs, replaced)
	}
	return nil
}

// outcomesPerInsert is how many outcomes one INSERT writes at most.
const outcomesPerInsert = 100

// insertOutcomes is an INSERT of n outcomes that keeps a record's
// existing outcome (see finish).
func insertOutcomes(n int) string {
	return `INSERT INTO idmap(entity, key, status, target_id, http_status, message, batch) VALUES ` +
		strings.Repeat("(?,?,?,?,?,?,?),", n-1) + `(?,?,?,?,?,?,?) ON CONFLICT(entity, key) DO NOTHING`
}

// record writes outcomes that no batch row stands for.
func (s *state) record(outs ...outcome) error { return s.finish(0, "", 0, "", outs) }

// inflight is an unconfirmed batch found on resume.
type inflight struct {
	id      int64
	step    staging.Entity
	keys    []string
	emails  []string
	started time.Time // when it was recorded, before it was sent
}

func (s *state) inflight(ctx context.Context, step staging.Entity) ([]inflight, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT id, keys, emails, started FROM batches WHERE status = ? AND step = ? ORDER BY id`, batchInFlight, step)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []inflight
	for rows.Next() {
		var b inflight
		var k, e, started string
		if err := rows.Scan(&b.id, &k, &e, &started); err != nil {
			return nil, err
		}
		if b.started, err = time.Parse(time.RFC3339Nano, started); err != nil {
			return nil, fmt.Errorf("state: batch %d: %w", b.id, err)
		}
		b.step = step
		if err := json.Unmarshal([]byte(k), &b.keys); err != nil {
			return nil, err
		}
		if err := json.Unmarshal([]byte(e), &b.emails); err != nil {
			return nil, err
		}
		out = append(out, b)
	}
	return out, rows.Err()
}

// targetID returns the mapped id and status of a record ("" when none).
func (s *state) targetID(ctx context.Context, entity staging.Entity, key string) (int64, staging.Status, error) {
	var id sql.NullInt64
	var st staging.Status
	err := s.db.QueryRowContext(ctx, `SELECT target_id, status FROM idmap WHERE entity = ? AND key = ?`, entity, key).Scan(&id, &st)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, "", nil
	}
	return id.Int64, st, err
}
