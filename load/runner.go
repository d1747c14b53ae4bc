package load

import (
	"context"
	"net/http"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/bcetl/bcetl/internal/bigcommerce"
	"github.com/bcetl/bcetl/internal/staging"
)

// The runner. A load step says what it sends (its pending records and the
// request items they make), how it batches them and how it records the
// answer; everything around that is here, once: the errgroup and the
// per-endpoint caps, paging through the state file, progress, the
// exactly-once bookkeeping of creates (in-flight before the send, id map
// and done in one transaction after the answer), the reconciliation of
// answers that were lost (at once, and those of a killed run when the
// step starts), and setting apart what a refusal names (by index, else by
// bisection). STATE.md describes the protocol.
//
// A step is a writer (one kind of request) plus what the runner needs to
// page and batch its records (step). Creates are recorded writers; a
// writer whose refusals may be about records the target already has is a
// settler; a step that orders its own batches is a scheduler. A new step
// is one file: its item type, the request body, and these methods.

// endpointCaps are the per-endpoint concurrency limits of customers.v3.yml.
// POST /customers has none documented: 8 keeps enough requests in flight to
// spend a 150-per-30 s quota even at one second per request (5 req/s needed),
// stays below the 10 the API allows for the other create endpoint, and is
// not so high that a burst of 422 bisections floods the store.
var endpointCaps = map[string]int{
	epPostCustomers:  8,
	epPutCustomers:   3,
	epPostAddresses:  10,
	epPutAddresses:   3,
	epPostAttributes: 3,
	epPutAttributes:  3,
	epPutValues:      3,
	// Undocumented: one group at a time (a handful per store); the
	// others as the documented caps of the other endpoints.
	epPostGroups:      1,
	epPostMetafields:  3,
	epPostSubscribers: 3,
	epPutConsent:      3,
}

const (
	epGetCustomers   = "GET /customers"
	epPostCustomers  = "POST /customers"
	epPutCustomers   = "PUT /customers"
	epGetAddresses   = "GET /customers/addresses"
	epPostAddresses  = "POST /customers/addresses"
	epPutAddresses   = "PUT /customers/addresses"
	epGetAttributes  = "GET /customers/attributes"
	epPostAttributes = "POST /customers/attributes"
	epPutAttributes  = "PUT /customers/attributes"
	epPutValues      = "PUT /customers/attribute-values"

	epGetGroups       = "GET /v2/customer_groups"
	epPostGroups      = "POST /v2/customer_groups"
	epGetChannels     = "GET /channels"
	epGetGeography    = "GET /v2/countries"
	epGetMetafields   = "GET /customers/metafields"
	epPostMetafields  = "POST /customers/metafields"
	epGetSubscribers  = "GET /customers/subscribers"
	epPostSubscribers = "POST /customers/subscribers"
	epPutConsent      = "PUT /customers/{id}/consent"
)

// sourceKindStore is the source kind of a store extract (its manifest):
// its ids are the source store's.
const sourceKindStore = "bigcommerce"

// maxReconcileAttempts bounds how often one batch is sent again after its
// outcome was unknown and a look-up found nothing.
const maxReconcileAttempts = 8

// pageSize is how many pending records are read from the state file at a
// time: a step's memory is this page plus the batches in flight, whatever
// the input's size.
const pageSize = 1000

// writer is one kind of write request; T is one item of it.
type writer[T any] interface {
	// entity is what its outcomes are of.
	entity() staging.Entity
	// send makes one request of batch, through call (under its
	// endpoint's cap), and returns the outcomes its answer confirms. A
	// refusal is returned untouched; an error met after the answer (a
	// look-up of what it left out) as answeredError.
	send(ctx context.Context, batch []T) ([]outcome, error)
	// reject is what becomes of item i of a refused request: the
	// outcomes to record (the item rejected, or the children its errors
	// name) and, with keep, the item changed (a child dropped) to be sent
	// again. keep is only for a changed item: the isolation must progress.
	reject(it T, r *refusal, i int) (fixed T, keep bool, outs []outcome)
}

// recorded is a writer of creates, sent under the exactly-once protocol.
type recorded[T any] interface {
	writer[T]
	// ids are what an item's in-flight record names: its source key (an
	// attribute's name) and, for a customer, its email.
	ids(it T) (key, email string)
	// reconcile looks up on the target the items of a batch recorded at
	// started whose answer was lost: the outcomes of those it created
	// (written with the batch, closed reconciled), a note for the batch,
	// and the items to send again. What it finds may predate the batch:
	// such records existed already, and reconcile settles them so.
	reconcile(ctx context.Context, started time.Time, items []T) (outs []outcome, note string, rest []T, err error)
	// unsettled reads the items of a previous run's in-flight batch (its
	// keys) that still have no outcome.
	unsettled(ctx context.Context, keys []string) ([]T, error)
}

// settler is a writer whose refusals may be about records the target
// already has (customers: a duplicate email). Before a refusal is applied
// item by item, settleRefused settles such items (looks them up, records
// them) and says which it settled.
type settler[T any] interface {
	settleRefused(ctx context.Context, batch []T, r *refusal) (settled []bool, err error)
}

// step is a writer whose records the runner reads from the state file a
// page at a time (runStep).
type step[T any] interface {
	writer[T]
	info() stepInfo
	// items turns a page of pending rows into request items; a record no
	// request could carry (a value that is not JSON) is an outcome.
	items(ctx context.Context, rows []ownedRow) ([]T, []outcome, error)
	// batchKey is how items are batched: items of different kinds never
	// share a request (they go to different endpoints), nor two items of
	// one key (the second would race the first inside an upsert).
	batchKey(it T) (kind, key string)
}

// stepInfo is what the runner needs to know of a step.
type stepInfo struct {
	name      string       // in logs, progress and errors
	pending   pendingQuery // the records without an outcome, with their owner's target id
	endpoints []string     // where its writes go: their caps bound its requests in flight
	perCall   int          // items per request at most
}

// scheduler is a step that orders its own batches (stepRun.write,
// stepRun.do) instead of having each page's batches sent as they come.
type scheduler[T any] interface {
	schedule(r *stepRun[T], items []T) error
}

// loadStep is one step of a run, in order (loader.run).
type loadStep interface {
	name() string
	load(ctx context.Context) error
}

// paged is a step run by runStep.
type paged[T any] struct {
	l *loader
	s step[T]
}

func pagedStep[T any](l *loader, s step[T]) loadStep { return paged[T]{l, s} }

func (p paged[T]) name() string                   { return p.s.info().name }
func (p paged[T]) load(ctx context.Context) error { return runStep(ctx, p.l, p.s) }

// runStep loads a step's pending records: it settles the step's batches a
// previous run left in-flight, then reads the pending records a page at a
// time and sends their batches, at most the step's endpoints' caps in
// flight. On ctx cancellation it takes no new page and lets the batches in
// flight finish and be recorded.
func runStep[T any](ctx context.Context, l *loader, s step[T]) (err error) {
	if rw, ok := s.(recorded[T]); ok {
		if err := resume(ctx, l, rw); err != nil {
			return err
		}
	}
	info := s.info()
	var total int64
	if err := l.st.db.QueryRowContext(ctx, `SELECT count(*) FROM (`+info.pending.sql+`)`, info.pending.args...).Scan(&total); err != nil {
		return err
	}
	if total == 0 {
		return nil
	}
	defer l.track(info.name, s.entity(), total)(&err)
	g, gctx := errgroup.WithContext(ctx)
	limit := 0
	for _, ep := range info.endpoints {
		limit += cap(l.sems[ep])
	}
	g.SetLimit(limit)
	r := &stepRun[T]{ctx: gctx, l: l, s: s, g: g}
	sched, _ := s.(scheduler[T])
	after := int64(-1)
	for gctx.Err() == nil {
		q, args := info.pending.where(`s.seq > ? ORDER BY s.seq LIMIT ?`, after, pageSize)
		rows, err := l.ownedRows(gctx, q, args...)
		if err == nil && len(rows) == 0 {
			break
		}
		if err == nil {
			after = rows[len(rows)-1].seq
			err = r.page(sched, rows)
		}
		if err != nil {
			g.Go(func() error { return err })
			break
		}
	}
	if err := g.Wait(); err != nil {
		return err
	}
	return ctx.Err()
}

// stepRun is one step's run, as a scheduler sees it.
type stepRun[T any] struct {
	ctx context.Context // cancelled at the step's first error
	l   *loader
	s   step[T]
	g   *errgroup.Group
}

// page sends the batches of a page of pending rows: the scheduler's way,
// or each as it comes.
func (r *stepRun[T]) page(sched scheduler[T], rows []ownedRow) error {
	items, outs, err := r.s.items(r.ctx, rows)
	if err == nil {
		err = r.l.st.record(outs...)
	}
	if err != nil {
		return err
	}
	if sched != nil {
		return sched.schedule(r, items)
	}
	for _, b := range r.batches(items) {
		r.write(r.s, b)
	}
	return nil
}

// write sends batch with w (write) on the step's errgroup; it waits while
// the step has as many requests in flight as its caps allow.
func (r *stepRun[T]) write(w writer[T], batch []T) {
	r.g.Go(func() error { return write(r.ctx, r.l, w, batch) })
}

// do runs fn on the step's errgroup, like write.
func (r *stepRun[T]) do(fn func(ctx context.Context) error) {
	r.g.Go(func() error { return fn(r.ctx) })
}

// batches cuts items into requests: at most perCall each, kinds apart, a
// key at most once per request, in order.
func (r *stepRun[T]) batches(items []T) [][]T {
	type open struct {
		items []T
		keys  map[string]bool
	}
	var out [][]T
	var kinds []string
	by := map[string]*open{}
	per := r.s.info().perCall
	for _, it := range items {
		kind, key := r.s.batchKey(it)
		o := by[kind]
		if o == nil {
			o = &open{keys: map[string]bool{}}
			by[kind] = o
			kinds = append(kinds, kind)
		}
		if len(o.items) == per || (key != "" && o.keys[key]) {
			out = append(out, o.items)
			o.items, o.keys = nil, map[string]bool{}
		}
		o.items = append(o.items, it)
		if key != "" {
			o.keys[key] = true
		}
	}
	for _, k := range kinds {
		if o := by[k]; len(o.items) > 0 {
			out = append(out, o.items)
		}
	}
	return out
}

// write sends batch with w and settles the answer. When the API refuses
// it, what the refusal names is set apart and the rest is sent again, so
// the valid items still load and each invalid one is recorded with the
// API's own reason:
//
//   - items the writer settles (settler: customers the target has);
//   - items the errors name by index (`0.email`, `[3].addresses[1].x`):
//     each goes to w.reject, which rejects it or keeps it without the
//     children its errors name; the others, and those kept, are sent
//     again in one request — one extra request per refusal, whatever the
//     number of invalid items;
//   - when the refusal names nothing (a 413, a message about the whole
//     batch) the batch is cut in halves until each failing item stands
//     alone, at most 2·log2(10) ≈ 7 extra requests per invalid item; an
//     item refused alone goes to w.reject with the whole refusal.
func write[T any](ctx context.Context, l *loader, w writer[T], batch []T) error {
	err := sendOnce(ctx, l, w, batch)
	r := refused(err, len(batch))
	if r == nil {
		return err
	}
	var settled []bool
	if s, ok := w.(settler[T]); ok {
		if settled, err = s.settleRefused(ctx, batch, r); err != nil {
			return err
		}
	}
	var rest []T
	var outs []outcome
	progress := false
	for i, it := range batch {
		switch {
		case settled != nil && settled[i]:
			progress = true
		case len(r.items[i]) == 0 || r.tooLarge():
			rest = append(rest, it)
		default:
			progress = true
			fixed, keep, o := w.reject(it, r, i)
			outs = append(outs, o...)
			if keep {
				rest = append(rest, fixed)
			}
		}
	}
	if err := l.st.record(outs...); err != nil {
		return err
	}
	if len(rest) == 0 || ctx.Err() != nil {
		return ctx.Err()
	}
	if progress {
		return write(ctx, l, w, rest)
	}
	if len(batch) == 1 {
		fixed, keep, outs := w.reject(batch[0], r, 0)
		if err := l.st.record(outs...); err != nil || !keep {
			return err
		}
		return write(ctx, l, w, []T{fixed})
	}
	h := len(batch) / 2
	for _, part := range [][]T{batch[:h:h], batch[h:]} {
		if err := ctx.Err(); err != nil {
			return err
		}
		if err := write(ctx, l, w, part); err != nil {
			return err
		}
	}
	return nil
}

// sendOnce sends one request and records what its answer confirms. A
// recorded writer's batch is sent under the exactly-once protocol
// (STATE.md): recorded in-flight (ids) before it is sent; after an
// answer, the outcomes and the status done are written in one
// transaction; a refusal marks the batch failed and is returned untouched
// (for write); an unknown outcome is reconciled at once, and what
// reconcile returns (not on the target) is sent again as a new batch. Any
// other error leaves the batch in-flight: the next run reconciles it.
func sendOnce[T any](ctx context.Context, l *loader, w writer[T], batch []T) error {
	rw, ok := w.(recorded[T])
	if !ok {
		outs, err := w.send(ctx, batch)
		if err != nil {
			return err
		}
		return l.st.record(outs...)
	}
	for attempt := 0; ; attempt++ {
		keys := make([]string, len(batch))
		var emails []string
		for i, it := range batch {
			k, e := rw.ids(it)
			keys[i] = k
			if e != "" {
				emails = append(emails, e)
			}
		}
		id, started, err := l.st.beginBatch(w.entity(), keys, emails)
		if err != nil {
			return err
		}
		outs, err := w.send(ctx, batch)
		if err == nil {
			return l.st.finish(id, batchDone, http.StatusOK, "", outs)
		}
		if er := invalid(err); er != nil {
			if ferr := l.st.finish(id, batchFailed, er.StatusCode, er.Error(), nil); ferr != nil {
				return ferr
			}
			return err
		}
		if !bigcommerce.IsOutcomeUnknown(err) || attempt >= maxReconcileAttempts {
			return err
		}
		l.log.Debug("outcome unknown; reconciling", "step", w.entity(), "batch", id, "err", err)
		outs, note, rest, err := rw.reconcile(ctx, started, batch)
		if err != nil {
			return err
		}
		if err := l.st.finish(id, batchReconciled, 0, note, outs); err != nil {
			return err
		}
		if len(rest) == 0 {
			return nil
		}
		batch = rest
	}
}

// answeredError is an error met after a write was answered (looking up
// what the answer left out). It is not the write's refusal, nor an
// unknown outcome: the batch stays in-flight, for the next run to
// reconcile.
type answeredError struct{ err error }

func (e answeredError) Error() string { return e.err.Error() }

// resume settles the batches of w that a previous run left in-flight,
// before anything of w's is sent: the items still without an outcome are
// looked up (reconcile); a batch with none left is closed. What is not
// found stays pending, and the step sends it with the others.
func resume[T any](ctx context.Context, l *loader, w recorded[T]) error {
	bs, err := l.st.inflight(ctx, w.entity())
	if err != nil {
		return err
	}
	if len(bs) > 0 {
		l.log.Info("reconciling unconfirmed batches", "step", w.entity(), "batches", len(bs))
	}
	for _, b := range bs {
		if err := ctx.Err(); err != nil {
			return err
		}
		items, err := w.unsettled(ctx, b.keys)
		if err != nil {
			return err
		}
		if len(items) == 0 {
			if err := l.st.finish(b.id, batchReconciled, 0, "nothing left to settle", nil); err != nil {
				return err
			}
			continue
		}
		outs, note, _, err := w.reconcile(ctx, b.started, items)
		if err != nil {
			return err
		}
		if err := l.st.finish(b.id, batchReconciled, 0, note, outs); err != nil {
			return err
		}
	}
	return nil
}

// call runs one API request under its endpoint's concurrency cap and counts
// it. The request runs on a context that is not cancelled with ctx: once a
// batch is recorded in-flight, letting it finish and recording the answer
// is cheaper than reconciling it on the next run.
func call[T any](ctx context.Context, l *loader, ep string, n int, fn func(context.Context) (T, error)) (T, error) {
	if sem := l.sems[ep]; sem != nil {
		select {
		case sem <- struct{}{}:
			defer func() { <-sem }()
		case <-ctx.Done():
			var zero T
			return zero, ctx.Err()
		}
	}
	l.count(ep, n)
	return fn(context.WithoutCancel(ctx))
}

// count records a request made outside call (GETs, which have no cap).
func (l *loader) count(ep string, n int) {
	l.mu.Lock()
	l.requests[ep]++
	l.items[ep] += int64(n)
	l.mu.Unlock()
}
