package webhooks

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/bcetl/bcetl/internal/atomicfile"

	_ "modernc.org/sqlite" // registers the "sqlite" driver
)

// Providers: the value of Event.Provider.
const (
	ProviderBigCommerce = "bigcommerce"
	ProviderVoucherify  = "voucherify"
)

// Statuses of a spooled event.
const (
	StatusPending = "pending"
	StatusDone    = "done"
)

// timeLayout is how times are stored: fixed-width UTC text, so it sorts as
// it reads and the sqlite3 shell's date functions understand it.
const timeLayout = "2006-01-02T15:04:05.000Z"

// busyTimeout is how long a statement waits for another process's write
// lock (the nightly job's MarkDone while the server inserts) before it fails
// with SQLITE_BUSY. Within one process there is a single writer connection,
// so this only matters across processes.
const busyTimeout = 10 * time.Second

// schema is the whole spool. payload is declared BLOB (no type conversion)
// but written as TEXT: the body is checked to be UTF-8 JSON before it is
// stored, and TEXT lets an operator run json_extract(payload, '$.data.id')
// directly (SQLite ≥3.45 would read a BLOB as binary JSONB and fail).
const schema = `
CREATE TABLE IF NOT EXISTS events (
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
CREATE INDEX IF NOT EXISTS events_pending ON events (provider, scope, id) WHERE status = 'pending';
`

// Event is one spooled delivery.
type Event struct {
	ID         int64  // assigned by Insert; ignored on input
	Provider   string // ProviderBigCommerce or ProviderVoucherify
	DedupeKey  string // unique per provider: bigCommerceDedupeKey, or the Voucherify event id
	Scope      string // BigCommerce scope or Voucherify event type
	ReceivedAt time.Time
	Payload    []byte // the request body exactly as received
	Status     string // StatusPending or StatusDone; ignored on input
}

// Spool is the durable queue between the webhook receiver and the nightly
// job. It is safe for concurrent use.
type Spool struct {
	path string
	// w holds the only connection that writes in this process: SQLite
	// admits one writer at a time anyway, and queueing writers in Go (the
	// group-commit goroutine, then database/sql for MarkDone) instead of in
	// SQLite's lock means concurrent writes wait their turn rather than
	// failing with SQLITE_BUSY.
	w *sql.DB
	// r serves reads. In WAL mode readers never block the writer nor wait
	// for it, so /healthz and Pending answer during an insert burst.
	r *sql.DB
	// insert is insertSQL prepared on w.
	insert *sql.Stmt
	// ins feeds the group-commit writer (writer.go); closed stops it.
	ins       chan insertReq
	closed    chan struct{}
	closeOnce sync.Once
	writerWG  sync.WaitGroup
}

// Open opens the spool at path, creating it (owner-only: it holds personal
// data) and its table if missing.
func Open(path string) (*Spool, error) {
	if path == "" {
		return nil, errors.New("webhooks: spool path is empty")
	}
	// The driver treats everything after '?' as connection parameters.
	if strings.ContainsRune(path, '?') {
		return nil, fmt.Errorf("webhooks: spool path %q must not contain '?'", path)
	}
	if err := atomicfile.EnsureOwnerOnly(path); err != nil {
		return nil, fmt.Errorf("webhooks: create spool: %w", err)
	}
	// synchronous=FULL: in WAL mode it fsyncs the WAL at every commit, so an
	// event whose 200 has been sent survives a power cut or kernel crash.
	// NORMAL would survive only a process crash, and a 200 tells BigCommerce
	// and Voucherify never to send the event again, so losing it would be
	// silent data loss. The cost is one fsync per commit, which the group
	// commit in writer.go shares among all inserts waiting at that moment.
	// _txlock=immediate takes the write lock at BEGIN, so a transaction never
	// has to upgrade a read lock — the upgrade is what fails with
	// SQLITE_BUSY regardless of busy_timeout.
	params := fmt.Sprintf("?_pragma=busy_timeout(%d)&_pragma=journal_mode(WAL)&_pragma=synchronous(FULL)&_txlock=immediate",
		busyTimeout.Milliseconds())
	w, err := sql.Open("sqlite", path+params)
	if err != nil {
		return nil, fmt.Errorf("webhooks: open spool: %w", err)
	}
	w.SetMaxOpenConns(1)
	w.SetMaxIdleConns(1)
	w.SetConnMaxIdleTime(0)
	w.SetConnMaxLifetime(0)
	if _, err := w.Exec(schema); err != nil {
		w.Close()
		return nil, fmt.Errorf("webhooks: create spool schema in %s: %w", path, err)
	}
	r, err := sql.Open("sqlite", path+fmt.Sprintf("?_pragma=busy_timeout(%d)&_query_only=1", busyTimeout.Milliseconds()))
	if err != nil {
		w.Close()
		return nil, fmt.Errorf("webhooks: open spool: %w", err)
	}
	r.SetMaxOpenConns(4)
	s := &Spool{path: path, w: w, r: r, ins: make(chan insertReq), closed: make(chan struct{})}
	if err := s.Ping(context.Background()); err != nil {
		w.Close()
		r.Close()
		return nil, err
	}
	if s.insert, err = w.Prepare(insertSQL); err != nil {
		w.Close()
		r.Close()
		return nil, fmt.Errorf("webhooks: prepare insert: %w", err)
	}
	s.writerWG.Add(1)
	go s.writeLoop()
	return s, nil
}

// Path is the spool's file name.
func (s *Spool) Path() string { return s.path }

// Close stops the writer and closes the spool. Inserts in progress finish
// first; later ones fail.
func (s *Spool) Close() error {
	s.closeOnce.Do(func() { close(s.closed) })
	s.writerWG.Wait()
	return errors.Join(s.insert.Close(), s.r.Close(), s.w.Close())
}

// Ping checks that the database file answers a query.
func (s *Spool) Ping(ctx context.Context) error {
	var n int
	if err := s.r.QueryRowContext(ctx, `SELECT count(*) FROM sqlite_schema`).Scan(&n); err != nil {
		return fmt.Errorf("webhooks: spool %s does not answer: %w", s.path, err)
	}
	return nil
}

// Pending returns up to limit pending events of provider, oldest first.
// An empty scope matches every scope; limit <= 0 means no limit.
func (s *Spool) Pending(ctx context.Context, provider, scope string, limit int) ([]Event, error) {
	if limit <= 0 {
		limit = -1 // SQLite: no limit
	}
	rows, err := s.r.QueryContext(ctx,
		`SELECT id, provider, dedupe_key, scope, received_at, payload, status
		 FROM events
		 WHERE status = 'pending' AND provider = ? AND (? = '' OR scope = ?)
		 ORDER BY id
		 LIMIT ?`, provider, scope, scope, limit)
	if err != nil {
		return nil, fmt.Errorf("webhooks: pending events: %w", err)
	}
	defer rows.Close()
	var out []Event
	for rows.Next() {
		var e Event
		var received string
		if err := rows.Scan(&e.ID, &e.Provider, &e.DedupeKey, &e.Scope, &received, &e.Payload, &e.Status); err != nil {
			return nil, fmt.Errorf("webhooks: pending events: %w", err)
		}
		if e.ReceivedAt, err = time.Parse(timeLayout, received); err != nil {
			return nil, fmt.Errorf("webhooks: event %d: received_at: %w", e.ID, err)
		}
		out = append(out, e)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("webhooks: pending events: %w", err)
	}
	return out, nil
}

// MarkDone marks the given events done, all in one transaction: either every
// id is marked or none is. An id that is already done keeps its first
// done_at; an id that does not exist is an error (the caller's bookkeeping is
// wrong), and nothing is marked. Call it only after the output made from
// these events is committed: an event marked done is never handed out again.
func (s *Spool) MarkDone(ctx context.Context, ids []int64) (err error) {
	if len(ids) == 0 {
		return nil
	}
	tx, err := s.w.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("webhooks: mark done: %w", err)
	}
	defer func() {
		if err != nil {
			tx.Rollback()
		}
	}()
	exists, err := tx.PrepareContext(ctx, `SELECT count(*) FROM events WHERE id = ?`)
	if err != nil {
		return fmt.Errorf("webhooks: mark done: %w", err)
	}
	defer exists.Close()
	update, err := tx.PrepareContext(ctx,
		`UPDATE events SET status = 'done', done_at = ? WHERE id = ? AND status = 'pending'`)
	if err != nil {
		return fmt.Errorf("webhooks: mark done: %w", err)
	}
	defer update.Close()
	now := formatTime(time.Now())
	for _, id := range ids {
		res, err := update.ExecContext(ctx, now, id)
		if err != nil {
			return fmt.Errorf("webhooks: mark event %d done: %w", id, err)
		}
		if n, _ := res.RowsAffected(); n == 1 {
			continue
		}
		var found int
		if err := exists.QueryRowContext(ctx, id).Scan(&found); err != nil {
			return fmt.Errorf("webhooks: mark event %d done: %w", id, err)
		}
		if found == 0 {
			return fmt.Errorf("webhooks: mark done: no event with id %d", id)
		}
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("webhooks: mark done: %w", err)
	}
	return nil
}

// Stats counts the spooled events.
type Stats struct {
	Pending       int64     `json:"pending"`
	Done          int64     `json:"done"`
	OldestPending time.Time `json:"oldest_pending,omitzero"`
}

// Stats counts pending and done events and finds the oldest pending one.
func (s *Spool) Stats(ctx context.Context) (Stats, error) {
	var st Stats
	var oldest sql.NullString
	err := s.r.QueryRowContext(ctx,
		`SELECT
			coalesce(sum(status = 'pending'), 0),
			coalesce(sum(status = 'done'), 0),
			min(CASE WHEN status = 'pending' THEN received_at END)
		 FROM events`).Scan(&st.Pending, &st.Done, &oldest)
	if err != nil {
		return Stats{}, fmt.Errorf("webhooks: spool stats: %w", err)
	}
	if oldest.Valid {
		if st.OldestPending, err = time.Parse(timeLayout, oldest.String); err != nil {
			return Stats{}, fmt.Errorf("webhooks: spool stats: %w", err)
		}
	}
	return st, nil
}

func formatTime(t time.Time) string { return t.UTC().Format(timeLayout) }
