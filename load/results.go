package load

import (
	"context"
	"database/sql"

	"github.com/bcetl/bcetl/internal/staging"
)

// Result is one row of results.parquet: exactly one per input record, in
// input order, entity by entity. Records settled by their parent's fate
// (the addresses of a rejected customer) say so in Message.
type Result struct {
	Entity     string         `parquet:"entity"`
	SourceKey  string         `parquet:"source_key"`
	Status     staging.Status `parquet:"status"` // loaded | skipped-existing | updated | rejected | pending
	TargetID   *int64         `parquet:"target_id,optional"`
	HTTPStatus int32          `parquet:"http_status"`
	Message    string         `parquet:"message"`
}

// writeResults streams results.parquet from the state file. The row set is
// driven by src (the input), never by idmap, so there is one row per input
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
			m.status, m.target_id, m.http_status, m.message,
			cs.key IS NOT NULL, c.status, c.http_status, c.message,
			ad.key IS NOT NULL, a.status, a.http_status, a.message
		FROM src s
		LEFT JOIN idmap m ON m.entity = s.entity AND m.key = s.key
		LEFT JOIN src cs ON s.cust != '' AND cs.entity = ?1 AND cs.key = s.cust
		LEFT JOIN idmap c ON s.cust != '' AND c.entity = ?1 AND c.key = s.cust
		LEFT JOIN src ad ON s.entity = ?2 AND s.ref != '' AND ad.entity = ?3 AND ad.key = s.ref
		LEFT JOIN idmap a ON s.entity = ?2 AND s.ref != '' AND a.entity = ?3 AND a.key = s.ref
		WHERE s.entity = ?4 ORDER BY s.seq`, staging.EntityCustomers, staging.EntityFormFieldValues, staging.EntityAddresses, entity)
	if err != nil {
		return err
	}
	defer rows.Close()
	buf := make([]Result, 0, 1024)
	for rows.Next() {
		var key, cust, ref string
		var st, cst, ast sql.Null[staging.Status]
		var msg, cmsg, amsg sql.NullString
		var target sql.NullInt64
		var hs, chs, ahs sql.NullInt64
		var custIn, addrIn bool
		if err := rows.Scan(&key, &cust, &ref, &st, &target, &hs, &msg, &custIn, &cst, &chs, &cmsg, &addrIn, &ast, &ahs, &amsg); err != nil {
			return err
		}
		r := Result{Entity: entity, SourceKey: key}
		switch {
		case st.Valid:
			r.Status, r.HTTPStatus, r.Message = st.V, int32(hs.Int64), msg.String
			if target.Valid {
				id := target.Int64
				r.TargetID = &id
			}
		case cust != "" && !custIn:
			r.Status, r.Message = staging.StatusRejected, "customer "+cust+" is not in the input"
		case cst.V == staging.StatusRejected:
			r.Status, r.HTTPStatus, r.Message = staging.StatusRejected, int32(chs.Int64), "customer rejected: "+cmsg.String
		case cst.V == staging.StatusSkipped:
			r.Status, r.Message = staging.StatusSkipped, "customer already exists in the target store (--on-existing=skip): "+cmsg.String
		case entity == staging.EntityFormFieldValues && ref != "" && !addrIn:
			r.Status, r.Message = staging.StatusRejected, "address "+ref+" is not in the input"
		case ast.V == staging.StatusRejected:
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
