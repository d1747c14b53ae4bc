package webhooks

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// Inserts go through one goroutine that commits them in groups: every insert
// waiting when a commit starts joins it. With synchronous=FULL each commit
// costs an fsync of the WAL, and on a real disk that fsync (not SQLite) is
// the limit; a group of 30 concurrent deliveries then costs one fsync instead
// of 30, while a lone delivery is committed at once (no timer, no added
// latency). It also makes this goroutine the only writer in the process, so
// concurrent deliveries never race for SQLite's write lock.

// maxBatch bounds one group commit, so a burst cannot hold the write lock
// (and delay the nightly job's MarkDone in another process) for long.
const maxBatch = 256

// ErrClosed is returned by Insert after Close.
var ErrClosed = errors.New("webhooks: spool is closed")

type insertReq struct {
	ctx context.Context
	e   Event
	// res is buffered so the writer never blocks on a caller that gave up.
	res chan insertRes
}

type insertRes struct {
	inserted bool
	err      error
}

const insertSQL = `INSERT INTO events (provider, dedupe_key, scope, received_at, payload)
VALUES (?, ?, ?, ?, ?)
ON CONFLICT (provider, dedupe_key) DO NOTHING`

// Insert stores e unless an event with the same provider and dedupe key is
// already spooled; inserted reports which. It returns only once the row is
// committed to stable storage. If ctx ends after the writer took the event,
// Insert returns ctx.Err() but the event may still be stored: the sender saw
// no 200, retries, and the retry is answered as a duplicate.
func (s *Spool) Insert(ctx context.Context, e Event) (inserted bool, err error) {
	if e.Provider == "" || e.DedupeKey == "" {
		return false, errors.New("webhooks: insert: provider and dedupe key are required")
	}
	if s.w == nil {
		return false, errReadOnly
	}
	if e.ReceivedAt.IsZero() {
		e.ReceivedAt = time.Now()
	}
	req := insertReq{ctx: ctx, e: e, res: make(chan insertRes, 1)}
	select {
	case s.ins <- req:
	case <-s.closed:
		return false, ErrClosed
	case <-ctx.Done():
		return false, ctx.Err()
	}
	select {
	case r := <-req.res:
		return r.inserted, r.err
	case <-ctx.Done():
		return false, ctx.Err()
	}
}

func (s *Spool) writeLoop() {
	defer s.writerWG.Done()
	batch := make([]insertReq, 0, maxBatch)
	for {
		select {
		case r := <-s.ins:
			batch = append(batch[:0], r)
		case <-s.closed:
			return
		}
	drain:
		for len(batch) < maxBatch {
			select {
			case r := <-s.ins:
				batch = append(batch, r)
			default:
				break drain
			}
		}
		s.commitGroup(batch)
	}
}

// commitGroup inserts the batch in one transaction and answers each caller.
func (s *Spool) commitGroup(batch []insertReq) {
	live := make([]insertReq, 0, len(batch))
	for _, r := range batch {
		if err := r.ctx.Err(); err != nil {
			r.res <- insertRes{err: err} // the caller is gone; don't store what it can't acknowledge
			continue
		}
		live = append(live, r)
	}
	if len(live) == 0 {
		return
	}
	inserted, err := s.insertTx(live)
	if err != nil && len(live) > 1 {
		// One bad row must not fail its neighbours: retry each on its own.
		for _, r := range live {
			ins, err := s.insertTx([]insertReq{r})
			res := insertRes{err: err}
			if err == nil {
				res.inserted = ins[0]
			}
			r.res <- res
		}
		return
	}
	for i, r := range live {
		if err != nil {
			r.res <- insertRes{err: err}
		} else {
			r.res <- insertRes{inserted: inserted[i]}
		}
	}
}

// insertTx runs the inserts in one transaction. It does not use the callers'
// contexts: one caller hanging up must not roll back the others' events.
func (s *Spool) insertTx(reqs []insertReq) (inserted []bool, err error) {
	ctx := context.Background()
	tx, err := s.w.BeginTx(ctx, nil)
	if err != nil {
		return nil, fmt.Errorf("webhooks: insert event: %w", err)
	}
	defer func() {
		if err != nil {
			tx.Rollback()
		}
	}()
	// The writer pool has one connection, so the statement prepared on it
	// in Open is reused here rather than parsed again for every group.
	stmt := tx.StmtContext(ctx, s.insert)
	defer stmt.Close()
	inserted = make([]bool, len(reqs))
	for i, r := range reqs {
		e := r.e
		res, err := stmt.ExecContext(ctx, e.Provider, e.DedupeKey, e.Scope, formatTime(e.ReceivedAt), string(e.Payload))
		if err != nil {
			return nil, fmt.Errorf("webhooks: insert event %s/%s: %w", e.Provider, e.DedupeKey, err)
		}
		n, err := res.RowsAffected()
		if err != nil {
			return nil, fmt.Errorf("webhooks: insert event: %w", err)
		}
		inserted[i] = n == 1
	}
	if err := tx.Commit(); err != nil {
		return nil, fmt.Errorf("webhooks: commit events: %w", err)
	}
	return inserted, nil
}
