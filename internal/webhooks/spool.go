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
	// StatusFailed is an event the nightly job could not process (an id
	// the API refuses, another store's producer, an unreadable payload).
	// It is not handed out again; its reason says why. To retry one after
	// fixing the cause: UPDATE events SET status = 'pending', reason = NULL
	// WHERE id = …
	StatusFailed = "failed"
)

// timeLayout is how times are stored: fixed-width UTC text, so it sorts as
// it reads and the sqlite3 shell's date functions understand it.
const timeLayout = "2006-01-02T15:04:05.000Z"

// busyTimeout is how long a statement waits for another process's write
// lock (the nightly job's MarkDone while the server inserts) before it fails
// with SQLITE_BUSY. Within one process there is a single writer connection,
// so this only matters across processes.
const busyTimeout = 10 * time.Second

// eventsTable creates the events table under name. payload is declared
// BLOB (no type conversion) but written as TEXT: the body is checked to be
// UTF-8 JSON before it is stored, and TEXT lets an operator run
// json_extract(payload, '$.data.id') directly (SQLite ≥3.45 would read a
// BLOB as binary JSONB and fail). done_at is when the event was settled,
// done or failed; reason says why a failed event failed.
func eventsTable(name string) string {
	return `CREATE TABLE IF NOT EXISTS ` + name + ` (
	id          INTEGER PRIMARY KEY,
	provider    TEXT NOT NULL,
	dedupe_key  TEXT NOT NULL,
	scope       TEXT NOT NULL,
	received_at TEXT NOT NULL,
	payload     BLOB NOT NULL,
	status      TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'done', 'failed')),
	done_at     TEXT,
	reason      TEXT,
	UNIQUE (provider, dedupe_key)
)`
}

const pendingIndex = `CREATE INDEX IF NOT EXISTS events_pending ON events (provider, scope, id) WHERE status = 'pending'`

// Event is one spooled delivery.
type Event struct {
	ID         int64  // assigned by Insert; ignored on input
	Provider   string // ProviderBigCommerce or ProviderVoucherify
	DedupeKey  string // unique per provider: bigCommerceDedupeKey, or the Voucherify event id
	Scope      string // BigCommerce scope or Voucherify event type
	ReceivedAt time.Time
	Payload    []byte // the request body exactly as received
	Status     string // StatusPending, StatusDone or StatusFailed; ignored on input
}

// Failure is an event the nightly job gives up on, and why.
type Failure struct {
	ID     int64  `json:"id"`
	Reason string `json:"reason"`
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
	// Creates the table of a new spool, upgrades an older one, refuses a
	// newer one (spool_migrate.go).
	if err := spoolLayout.Upgrade(context.Background(), w, path); err != nil {
		w.Close()
		return nil, fmt.Errorf("webhooks: %w", err)
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
	if s.w == nil { // OpenReadOnly
		return s.r.Close()
	}
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
// id is marked or none is. An id that is already settled (done or failed)
// keeps its status and first done_at; an id that does not exist is an error
// (the caller's bookkeeping is wrong), and nothing is marked. Call it only
// after the output made from these events is committed: an event marked
// done is never handed out again.
func (s *Spool) MarkDone(ctx context.Context, ids []int64) error {
	fs := make([]Failure, len(ids))
	for i, id := range ids {
		fs[i].ID = id
	}
	return s.settle(ctx, StatusDone, fs)
}

// MarkFailed marks the given events failed with their reasons, with the
// same all-or-nothing rules as MarkDone. A failed event is not handed out
// again, and it does not hold up the others it was claimed with.
func (s *Spool) MarkFailed(ctx context.Context, failures []Failure) error {
	return s.settle(ctx, StatusFailed, failures)
}

// settle moves pending events to status; reason is stored for failed ones.
func (s *Spool) settle(ctx context.Context, status string, events []Failure) (err error) {
	if len(events) == 0 {
		return nil
	}
	if s.w == nil {
		return errReadOnly
	}
	tx, err := s.w.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("webhooks: mark %s: %w", status, err)
	}
	defer func() {
		if err != nil {
			tx.Rollback()
		}
	}()
	exists, err := tx.PrepareContext(ctx, `SELECT count(*) FROM events WHERE id = ?`)
	if err != nil {
		return fmt.Errorf("webhooks: mark %s: %w", status, err)
	}
	defer exists.Close()
	update, err := tx.PrepareContext(ctx,
		`UPDATE events SET status = ?, done_at = ?, reason = nullif(?, '') WHERE id = ? AND status = 'pending'`)
	if err != nil {
		return fmt.Errorf("webhooks: mark %s: %w", status, err)
	}
	defer update.Close()
	now := formatTime(time.Now())
	for _, e := range events {
		res, err := update.ExecContext(ctx, status, now, e.Reason, e.ID)
		if err != nil {
			return fmt.Errorf("webhooks: mark event %d %s: %w", e.ID, status, err)
		}
		if n, _ := res.RowsAffected(); n == 1 {
			continue
		}
		var found int
		if err := exists.QueryRowContext(ctx, e.ID).Scan(&found); err != nil {
			return fmt.Errorf("webhooks: mark event %d %s: %w", e.ID, status, err)
		}
		if found == 0 {
			return fmt.Errorf("webhooks: mark %s: no event with id %d", status, e.ID)
		}
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("webhooks: mark %s: %w", status, err)
	}
	return nil
}

// ScopeCount is how many events of one provider and scope are pending.
type ScopeCount struct {
	Provider string `json:"provider"`
	Scope    string `json:"scope"`
	Pending  int64  `json:"pending"`
}

// PendingByScope counts the pending events per provider and scope, scopes
// the nightly job does not read included.
func (s *Spool) PendingByScope(ctx context.Context) ([]ScopeCount, error) {
	rows, err := s.r.QueryContext(ctx,
		`SELECT provider, scope, count(*) FROM events WHERE status = 'pending' GROUP BY 1, 2 ORDER BY 1, 2`)
	if err != nil {
		return nil, fmt.Errorf("webhooks: pending events: %w", err)
	}
	defer rows.Close()
	var out []ScopeCount
	for rows.Next() {
		var c ScopeCount
		if err := rows.Scan(&c.Provider, &c.Scope, &c.Pending); err != nil {
			return nil, fmt.Errorf("webhooks: pending events: %w", err)
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

// Stats counts the spooled events.
type Stats struct {
	Pending       int64     `json:"pending"`
	Done          int64     `json:"done"`
	Failed        int64     `json:"failed"`
	OldestPending time.Time `json:"oldest_pending,omitzero"`
}

// Stats counts pending, done and failed events and finds the oldest
// pending one.
func (s *Spool) Stats(ctx context.Context) (Stats, error) {
	var st Stats
	var oldest sql.NullString
	err := s.r.QueryRowContext(ctx,
		`SELECT
			coalesce(sum(status = 'pending'), 0),
			coalesce(sum(status = 'done'), 0),
			coalesce(sum(status = 'failed'), 0),
			min(CASE WHEN status = 'pending' THEN received_at END)
		 FROM events`).Scan(&st.Pending, &st.Done, &st.Failed, &oldest)
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
