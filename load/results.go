package load

import (
	"context"
	"database/sql"
	"strings"
	"sync"

	"github.com/bcetl/bcetl/internal/staging"
)

// Result is one row of results.parquet: exactly one per input record.
// Records settled by their parent's fate (the addresses of a rejected
// customer) say so in Message.
//
// The file is written while the run goes (resultStream): each commit's
// outcomes are appended as the batch completes, so a run ends with its
// last request, not with a pass over every input record. The rows are
// then in the order the records were settled; the records that no outcome
// of the run stands for (those settled by their parent's fate) follow,
// from a few queries driven by the rejected and skipped parents. A run
// whose rows do not add up to the input — it resumed a state that earlier
// runs had settled part of, it stopped with records pending, an outcome
// replaced another — writes the whole file again from the state file
// instead (writeResults), one row per input record, entity by entity in
// input order, as every run did before.
type Result struct {
	Entity     string         `parquet:"entity"`
	SourceKey  string         `parquet:"source_key"`
	Status     staging.Status `parquet:"status"` // loaded | skipped-existing | updated | rejected | pending
	TargetID   *int64         `parquet:"target_id,optional"`
	HTTPStatus int32          `parquet:"http_status"`
	Message    string         `parquet:"message"`
}

// resultStream is the run's results file while the run writes it.
type resultStream struct {
	mu     sync.Mutex
	w      *staging.Writer[Result]
	scrub  func(string) string
	buf    []Result
	rows   int64 // rows given to w or buf
	counts map[string]map[staging.Status]int64
	// rebuild: the rows cannot be trusted to be one per record (an
	// outcome replaced another, a write failed): finish rebuilds the file.
	rebuild bool
	// Parents whose children are settled by their outcome (parentSettled
	// looks for those children only when the run gave such outcomes).
	parentCustomers, rejectedAddresses int64
}

// resultBuffer is how many rows the stream gathers before it writes
// them: one parquet-go call per batch of ten would cost more than the
// rows.
const resultBuffer = 1024

func openResultStream(path string, scrub func(string) string) (*resultStream, error) {
	w, err := staging.Create[Result](path)
	if err != nil {
		return nil, err
	}
	counts := map[string]map[staging.Status]int64{}
	for _, e := range staging.Entities {
		counts[e] = map[staging.Status]int64{}
	}
	return &resultStream{w: w, scrub: scrub, counts: counts, buf: make([]Result, 0, resultBuffer)}, nil
}

// add appends one commit's outcomes; replaced says that one of them
// replaced an outcome the record had.
func (r *resultStream) add(outs []outcome, replaced bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if replaced {
		r.rebuild = true
	}
	if r.rebuild {
		return
	}
	for _, o := range outs {
		res := Result{Entity: o.entity, SourceKey: o.key, Status: o.status, HTTPStatus: int32(o.http), Message: o.message}
		if o.target != 0 {
			id := o.target
			res.TargetID = &id
		}
		switch {
		case o.entity == staging.EntityCustomers && (o.status == staging.StatusRejected || o.status == staging.StatusSkipped):
			r.parentCustomers++
		case o.entity == staging.EntityAddresses && o.status == staging.StatusRejected:
			r.rejectedAddresses++
		}
		r.put(res)
	}
}

// put buffers one row, writing the buffer when full; r.mu is held.
func (r *resultStream) put(res Result) {
	res.Message = r.scrub(res.Message)
	r.counts[res.Entity][res.Status]++
	r.rows++
	r.buf = append(r.buf, res)
	if len(r.buf) == cap(r.buf) {
		if err := r.w.Write(r.buf...); err != nil {
			r.rebuild = true // the rebuild reports the error if it recurs
		}
		r.buf = r.buf[:0]
	}
}

// abort discards the file.
func (r *resultStream) abort() { r.w.Abort() }

// finishResults completes the results file: the stream with the records
// settled by their parents' fate, when that accounts for every one of the
// input's rows records, else a rebuild from the state file.
func (l *loader) finishResults(ctx context.Context) (string, map[string]map[staging.Status]int64, error) {
	r := l.st.results
	if r == nil {
		return l.writeResults(ctx)
	}
	l.st.results = nil // no commit after this one reaches the stream
	defer r.abort()    // a no-op after Commit
	r.mu.Lock()
	defer r.mu.Unlock()
	if !r.rebuild {
		if err := l.parentSettled(ctx, r); err != nil {
			return "", nil, err
		}
	}
	if r.rebuild || r.rows != l.inputRows {
		l.log.Debug("results rebuilt from the state file", "streamed", r.rows, "input_rows", l.inputRows, "replaced", r.rebuild)
		r.abort()
		return l.writeResults(ctx)
	}
	if err := r.w.Write(r.buf...); err != nil {
		return "", nil, err
	}
	if _, err := r.w.Commit(); err != nil {
		return "", nil, err
	}
	l.log.Debug("results written as the batches completed", "rows", r.rows)
	return ResultsPath(l.opts.StatePath), r.counts, nil
}

// parentSettled puts into r the records that have no outcome and are
// settled by their parent's: the children of rejected and skipped
// customers, and the form fields of rejected addresses. The queries start
// from those parents (their outcomes), so a run with few rejects spends
// little on them, and a run that gave no such outcome nothing: a parent
// settled by an earlier run has no row in the stream, so its file is
// rebuilt anyway.
func (l *loader) parentSettled(ctx context.Context, r *resultStream) error {
	if r.parentCustomers > 0 {
		if err := l.customersChildren(ctx, r); err != nil {
			return err
		}
	}
	if r.rejectedAddresses == 0 {
		return nil
	}
	rows, err := l.st.db.QueryContext(ctx, rejectedAddressesForms,
		ent(staging.EntityAddresses), ent(staging.EntityFormFieldValues), ent(staging.EntityCustomers), stc(staging.StatusRejected), stc(staging.StatusSkipped))
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var key, msg string
		var hs int64
		if err := rows.Scan(&key, &hs, &msg); err != nil {
			return err
		}
		r.put(Result{Entity: staging.EntityFormFieldValues, SourceKey: key, Status: staging.StatusRejected, HTTPStatus: int32(hs),
			Message: "address rejected: " + msg})
	}
	return rows.Err()
}

// rejectedAddressesForms is the query of the form field values without
// an outcome of rejected addresses whose customer was neither rejected nor
// skipped (those are its customer's). CROSS JOIN and INDEXED BY: the
// rejected addresses are the outer loop and their form fields are looked
// up in src_cust; left to itself SQLite walks every form field.
const rejectedAddressesForms = `SELECT f.key, a.http_status, coalesce(am.text, '') FROM src a
		CROSS JOIN src f INDEXED BY src_cust
		LEFT JOIN messages am ON am.id = a.message
		LEFT JOIN src c ON c.entity = ?3 AND c.key = f.cust
		WHERE a.entity = ?1 AND a.status = ?4 AND f.entity = ?2 AND f.cust = a.cust AND f.ref = a.key
		AND (c.status IS NULL OR c.status NOT IN (?4, ?5)) AND f.status IS NULL`

// customersChildrenQuery is the query of the children without an outcome
// of the rejected and skipped customers, for n child entities (the first
// n arguments), the customers' entity and the two statuses after them:
// the customers are the outer loop, their children looked up in src_cust
// (for the reason of rejectedAddressesForms).
func customersChildrenQuery(n int) string {
	return `SELECT s.entity, s.key, c.status, c.http_status, coalesce(cm.text, '') FROM src c
		CROSS JOIN src s INDEXED BY src_cust
		LEFT JOIN messages cm ON cm.id = c.message
		WHERE s.entity IN (?` + strings.Repeat(",?", n-1) + `) AND s.cust = c.key
		AND c.entity = ? AND c.status IN (?, ?) AND s.status IS NULL`
}

// customersChildren puts into r the children without an outcome of the
// rejected and skipped customers: one walk over the customers' outcomes
// for every child entity.
func (l *loader) customersChildren(ctx context.Context, r *resultStream) error {
	var children []any
	for _, e := range staging.Entities {
		if e != staging.EntityCustomers && e != staging.EntityAttributes && e != staging.EntityCustomerGroups {
			children = append(children, ent(e))
		}
	}
	crows, err := l.st.db.QueryContext(ctx, customersChildrenQuery(len(children)), append(children, ent(staging.EntityCustomers), stc(staging.StatusRejected), stc(staging.StatusSkipped))...)
	if err != nil {
		return err
	}
	for crows.Next() {
		var entity entityCol
		var key, msg string
		var st statusCol
		var hs sql.NullInt64
		if err := crows.Scan(&entity, &key, &st, &hs, &msg); err != nil {
			crows.Close()
			return err
		}
		r.put(parentResult(staging.Entity(entity), key, staging.Status(st), hs.Int64, msg))
	}
	crows.Close()
	if err := crows.Err(); err != nil {
		return err
	}
	return nil
}

// parentResult is the row of a record settled by its customer's outcome
// (rejected or skipped): the wording entityResults gives it too.
func parentResult(entity, key string, customer staging.Status, httpStatus int64, msg string) Result {
	if customer == staging.StatusRejected {
		return Result{Entity: entity, SourceKey: key, Status: staging.StatusRejected, HTTPStatus: int32(httpStatus), Message: "customer rejected: " + msg}
	}
	return Result{Entity: entity, SourceKey: key, Status: staging.StatusSkipped,
		Message: "customer already exists in the target store (--on-existing=skip): " + msg}
}

// writeResults streams results.parquet from the state file. The row set is
// driven by src (the input), one row per src row, so there is one per input
// record however the batches went.
func (l *loader) writeResults(ctx context.Context) (string, map[string]map[staging.Status]int64, error) {
	path := ResultsPath(l.opts.StatePath)
	w, err := staging.Create[Result](path)
	if err != nil {
		return "", nil, err
	}
	defer w.Abort()
	counts := map[string]map[staging.Status]int64{}
	for _, e := range staging.Entities {
		counts[e] = map[staging.Status]int64{}
		if err := l.entityResults(ctx, e, w, counts[e]); err != nil {
			return "", nil, err
		}
	}
	if _, err := w.Commit(); err != nil {
		return "", nil, err
	}
	return path, counts, nil
}

func (l *loader) entityResults(ctx context.Context, entity string, w *staging.Writer[Result], counts map[staging.Status]int64) error {
	rows, err := l.st.db.QueryContext(ctx, `SELECT s.key, s.cust, s.ref,
			s.status, s.target_id, s.http_status, m.text,
			cs.key IS NOT NULL, cs.status, cs.http_status, cm.text,
			ad.key IS NOT NULL, ad.status, ad.http_status, am.text
		FROM src s
		LEFT JOIN messages m ON m.id = s.message
		LEFT JOIN src cs ON s.cust != '' AND cs.entity = ?1 AND cs.key = s.cust
		LEFT JOIN messages cm ON cm.id = cs.message
		LEFT JOIN src ad ON s.entity = ?2 AND s.ref != '' AND ad.entity = ?3 AND ad.key = s.ref
		LEFT JOIN messages am ON am.id = ad.message
		WHERE s.entity = ?4 ORDER BY s.seq`, ent(staging.EntityCustomers), ent(staging.EntityFormFieldValues), ent(staging.EntityAddresses), ent(entity))
	if err != nil {
		return err
	}
	defer rows.Close()
	buf := make([]Result, 0, 1024)
	for rows.Next() {
		var key, cust, ref string
		var st, cst, ast statusCol
		var msg, cmsg, amsg sql.NullString
		var target sql.NullInt64
		var hs, chs, ahs sql.NullInt64
		var custIn, addrIn bool
		if err := rows.Scan(&key, &cust, &ref, &st, &target, &hs, &msg, &custIn, &cst, &chs, &cmsg, &addrIn, &ast, &ahs, &amsg); err != nil {
			return err
		}
		r := Result{Entity: entity, SourceKey: key}
		switch {
		case st != "":
			r.Status, r.HTTPStatus, r.Message = staging.Status(st), int32(hs.Int64), msg.String
			if target.Valid {
				id := target.Int64
				r.TargetID = &id
			}
		case cust != "" && !custIn:
			r.Status, r.Message = staging.StatusRejected, "customer "+cust+" is not in the input"
		case staging.Status(cst) == staging.StatusRejected || staging.Status(cst) == staging.StatusSkipped:
			r = parentResult(entity, key, staging.Status(cst), chs.Int64, cmsg.String)
		case entity == staging.EntityFormFieldValues && ref != "" && !addrIn:
			r.Status, r.Message = staging.StatusRejected, "address "+ref+" is not in the input"
		case staging.Status(ast) == staging.StatusRejected:
			r.Status, r.HTTPStatus, r.Message = staging.StatusRejected, int32(ahs.Int64), "address rejected: "+amsg.String
		default:
			r.Status, r.Message = staging.StatusPending, "not loaded yet: run the same command again to resume"
		}
		// The state file's messages were scrubbed when stored; this
		// covers one written before that was so.
		r.Message = l.st.scrub(r.Message)
		counts[r.Status]++
		buf = append(buf, r)
		if len(buf) == cap(buf) {
			if err := w.Write(buf...); err != nil {
				return err
			}
			buf = buf[:0]
		}
	}
	if err := rows.Err(); err != nil {
		return err
	}
	return w.Write(buf...)
}
