package load

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strings"

	"github.com/bcetl/bcetl/internal/staging"
)

// What a step reads: its records that have no outcome yet, from src, each
// with its owner's target id (none for customers), a page at a time, so a
// resumed run picks up exactly what is left.

// ownedRow is a pending record with its owner's target id.
type ownedRow struct {
	srcRow
	owner int64
}

// pendingQuery is a query of pending rows (ownedRows) and its arguments,
// numbered (?1, ?2 …) so that conditions can be appended with further
// numbers (where).
type pendingQuery struct {
	sql  string
	args []any
}

// pendingOfCustomers is the query of the records of entity that have no
// outcome and whose customer was loaded or updated.
func pendingOfCustomers(entity staging.Entity) pendingQuery {
	return pendingQuery{`SELECT s.seq, s.key, s.cust, s.ref, s.data, c.target_id FROM src s
		JOIN src c ON c.entity = ?1 AND c.key = s.cust AND c.status IN (?2, ?3)
		WHERE s.entity = ?4 AND s.status IS NULL`, []any{ent(staging.EntityCustomers), stc(staging.StatusLoaded), stc(staging.StatusUpdated), ent(entity)}}
}

// where is q with a condition appended: cond's ?s are numbered after q's.
func (q pendingQuery) where(cond string, args ...any) (string, []any) {
	n := len(q.args)
	var b strings.Builder
	for _, r := range cond {
		if r == '?' {
			n++
			fmt.Fprintf(&b, "?%d", n)
			continue
		}
		b.WriteRune(r)
	}
	return q.sql + " AND " + b.String(), append(slices.Clip(q.args), args...)
}

func (l *loader) ownedRows(ctx context.Context, query string, args ...any) ([]ownedRow, error) {
	rows, err := l.st.db.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []ownedRow
	for rows.Next() {
		var r ownedRow
		var owner sql.NullInt64
		if err := rows.Scan(&r.seq, &r.key, &r.cust, &r.ref, &r.data, &owner); err != nil {
			return nil, err
		}
		r.owner = owner.Int64
		out = append(out, r)
	}
	return out, rows.Err()
}
