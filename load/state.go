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

// The state file is one SQLite database (see STATE.md). Its tables
// (layout version 3):
//
//	meta     key/value: input fingerprint, import done, options
//	src      the input rows, imported once from the staging directory, so
//	         that a customer and its children can be fetched together
//	         without holding the whole input in memory; its indexes
//	         (srcIndexes) are built by the import, after the rows. Each
//	         row also holds the record's outcome once it has one: the
//	         status, the target id and the API's answer (NULL status: none
//	         yet)
//	messages the API's answers, each once (src.message is its id)
//	entities, statuses  the names of the codes src stores (state_codes.go)
//	batches  one row per write request: in-flight before it is sent,
//	         done/failed/reconciled after
//	prev_targets  the target id an address had before a changed input
//	         dropped its outcome (delta.go), for --on-existing=update
//
// and the view outcomes, src's outcomes under names, for a person with
// the sqlite3 shell.
//
// Every write is a short transaction on a single connection: the loader's
// workers serialise on it, which is far cheaper than the HTTP round trips
// they wait on, and it rules out SQLITE_BUSY between our own goroutines.
//
// schema is the version-1 layout, the first step of stateLayout
// (state_version.go), never edited; later steps change it.
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

// srcTable creates src as layout version 3 has it (named table: src, or
// a new src beside the previous input's, delta.go). Records and outcomes
// in one row: an outcome costs its five columns, not a second copy of
// the entity and the key in another table and its index.
func srcTable(table string) string {
	return `CREATE TABLE ` + table + `(
	entity      INTEGER NOT NULL, -- entities.code
	seq         INTEGER NOT NULL, -- input order
	key         TEXT NOT NULL,    -- source key
	cust        TEXT NOT NULL DEFAULT '',
	ref         TEXT NOT NULL DEFAULT '',
	data        BLOB NOT NULL,
	status      INTEGER,          -- statuses.code; NULL: no outcome yet
	target_id   INTEGER,
	http_status INTEGER,
	message     INTEGER,          -- messages.id; NULL: none
	batch       INTEGER,
	PRIMARY KEY(entity, seq)
) WITHOUT ROWID`
}

// outcomesView is src's outcomes under names.
const outcomesView = `CREATE VIEW outcomes AS
SELECT e.name AS entity, s.key, t.name AS status, s.target_id, s.http_status, coalesce(m.text, '') AS message, s.batch
FROM src s JOIN entities e ON e.code = s.entity JOIN statuses t ON t.code = s.status LEFT JOIN messages m ON m.id = s.message`

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
	before, err := stateLayout.Check(context.Background(), db, path)
	if err == nil {
		err = stateLayout.Upgrade(context.Background(), db, path)
	}
	if err == nil && before < foldedLayout {
		err = vacuumFreed(db, path)
	}
	if err != nil {
		db.Close()
		return nil, err
	}
	return &state{db: db}, nil
}

// foldedLayout is the layout whose upgrade rebuilds src beside the old
// one (foldOutcomes): the old tables' pages are free afterwards, about
// half of a version-2 file, which SQLite keeps for later writes.
const foldedLayout = 3

// vacuumFreed gives the pages an upgrade freed back to the file system
// (VACUUM cannot run in the upgrade's transaction). A load that upgraded
// its state has little left to write: without it, a 200k-customer file
// upgraded from 447 MB grew to 548 MB, and now is 217 MB, as a new one.
func vacuumFreed(db *sql.DB, path string) error {
	var free int64
	if err := db.QueryRow(`PRAGMA freelist_count`).Scan(&free); err != nil || free == 0 {
		return err
	}
	if _, err := db.Exec(`VACUUM`); err != nil {
		return fmt.Errorf("load state %s: compacting after the upgrade: %w", path, err)
	}
	return nil
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

// outcome is one record's outcome to write.
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
	msgs, err := s.messageIDs(tx, outs)
	if err != nil {
		return fmt.Errorf("state: %w", err)
	}
	for chunk := range slices.Chunk(outs, outcomesPerInsert) {
		args := make([]any, 0, 7*len(chunk))
		for _, o := range chunk {
			var target, msg any
			if o.target != 0 {
				target = o.target
			}
			if o.message != "" {
				msg = msgs[o.message]
			}
			args = append(args, ent(o.entity), o.key, stc(o.status), target, o.http, msg, b)
		}
		res, err := tx.Exec(writeOutcomes(len(chunk)), args...)
		var n int64
		if err == nil {
			n, err = res.RowsAffected()
		}
		if err == nil && n < int64(len(chunk)) {
			replaced = true
			for k := range chunk {
				a := args[7*k : 7*k+7]
				if res, err = tx.Exec(`UPDATE src SET status = ?, target_id = ?, http_status = ?, message = ?, batch = ? WHERE entity = ? AND key = ?`,
					a[2], a[3], a[4], a[5], a[6], a[0], a[1]); err != nil {
					break
				}
				if n, err = res.RowsAffected(); err == nil && n == 0 {
					// Every outcome is a record of the input: one that is not
					// there is a bug, never to be dropped without a word.
					err = fmt.Errorf("an outcome for %s %q, which the input does not hold", chunk[k].entity, chunk[k].key)
					break
				}
			}
		}
		if err != nil {
			return fmt.Errorf("state: %w", err)
		}
	}
	if batch != 0 {
		// A settled batch's emails are read no more (only an in-flight
		// one's are, to reconcile it): one copy of each address fewer in
		// the file, and some twenty bytes per customer.
		if _, err := tx.Exec(`UPDATE batches SET status = ?, finished = ?, http_status = ?, message = ?, emails = '[]' WHERE id = ?`,
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

// outcomesPerInsert is how many outcomes one statement writes at most.
const outcomesPerInsert = 100

// writeOutcomes is an UPDATE of src that gives n records their outcome,
// keeping the one a record already has (see finish).
func writeOutcomes(n int) string {
	return `WITH o(entity, key, status, target_id, http_status, message, batch) AS (VALUES ` +
		strings.Repeat("(?,?,?,?,?,?,?),", n-1) + `(?,?,?,?,?,?,?))
	UPDATE src SET status = o.status, target_id = o.target_id, http_status = o.http_status, message = o.message, batch = o.batch
	FROM o WHERE src.entity = o.entity AND src.key = o.key AND src.status IS NULL`
}

// messageIDs stores the distinct messages of outs in the messages table
// (scrubbed) and returns each one's id, by the message as given. A
// refusal is worded per field, not per record, so a thousand records
// refused for one reason share one row.
func (s *state) messageIDs(tx *sql.Tx, outs []outcome) (map[string]int64, error) {
	var ids map[string]int64
	for _, o := range outs {
		if o.message == "" {
			continue
		}
		if _, ok := ids[o.message]; ok {
			continue
		}
		if ids == nil {
			ids = map[string]int64{}
		}
		var id int64
		if err := tx.QueryRow(`INSERT INTO messages(text) VALUES(?) ON CONFLICT(text) DO UPDATE SET text = excluded.text RETURNING id`,
			s.scrub(o.message)).Scan(&id); err != nil {
			return nil, err
		}
		ids[o.message] = id
	}
	return ids, nil
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
	var st statusCol
	err := s.db.QueryRowContext(ctx, `SELECT target_id, status FROM src WHERE entity = ? AND key = ?`, ent(entity), key).Scan(&id, &st)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, "", nil
	}
	return id.Int64, staging.Status(st), err
}

// rejectAll gives every record of entity whose ref is ref, and that has
// no outcome yet, the outcome rejected with msg (an attribute value whose
// attribute the target refused).
func (s *state) rejectAll(ctx context.Context, entity staging.Entity, ref, msg string) error {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("state: %w", err)
	}
	defer tx.Rollback()
	ids, err := s.messageIDs(tx, []outcome{{message: msg}})
	if err != nil {
		return fmt.Errorf("state: %w", err)
	}
	if _, err := tx.ExecContext(ctx, `UPDATE src SET status = ?, http_status = 0, message = ? WHERE entity = ? AND ref = ? AND status IS NULL`,
		stc(staging.StatusRejected), ids[msg], ent(entity), ref); err != nil {
		return fmt.Errorf("state: %w", err)
	}
	return tx.Commit()
}
