package load

import (
	"context"
	"fmt"
	"net/http"
	"sort"
	"time"

	"github.com/bcetl/bcetl/internal/bigcommerce"
	"github.com/bcetl/bcetl/internal/staging"
)

// Attribute definitions are matched by name: the source's ids mean nothing
// on the target. A definition with the same name but another type cannot be
// used (a type is immutable, and changing it would delete the target's
// values), so it and its values are rejected; the run goes on.

// srcAttr is one attribute the input needs: from attributes.parquet, or
// only named by values.
type srcAttr struct {
	name, typ string
	keys      []string // attributes.parquet rows with this name
}

func (l *loader) sourceAttributes(ctx context.Context) ([]*srcAttr, error) {
	by := map[string]*srcAttr{}
	rows, err := l.srcRows(ctx, `SELECT seq, key, cust, ref, data FROM src WHERE entity = ? ORDER BY seq`, staging.EntityAttributes)
	if err != nil {
		return nil, err
	}
	for _, r := range rows {
		a, err := decode[staging.Attribute](r)
		if err != nil {
			return nil, err
		}
		sa := by[a.Name]
		if sa == nil {
			sa = &srcAttr{name: a.Name, typ: a.Type}
			by[a.Name] = sa
		}
		sa.keys = append(sa.keys, r.key)
	}
	q, err := l.st.db.QueryContext(ctx, `SELECT ref, coalesce(json_extract(data, '$.AttributeType'), '') FROM src WHERE entity = ? GROUP BY ref`, staging.EntityAttributeValues)
	if err != nil {
		return nil, err
	}
	defer q.Close()
	for q.Next() {
		var name, typ string
		if err := q.Scan(&name, &typ); err != nil {
			return nil, err
		}
		if by[name] == nil {
			by[name] = &srcAttr{name: name, typ: typ}
		}
	}
	if err := q.Err(); err != nil {
		return nil, err
	}
	out := make([]*srcAttr, 0, len(by))
	for _, a := range by {
		out = append(out, a)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].name < out[j].name })
	return out, nil
}

func (l *loader) targetAttributes(ctx context.Context) (map[string]bigcommerce.Attribute, error) {
	out := map[string]bigcommerce.Attribute{}
	l.count(epGetAttributes, 0)
	for a, err := range l.c.Attributes.All(ctx, bigcommerce.AttributeListOptions{ListOptions: bigcommerce.ListOptions{Limit: 250}}) {
		if err != nil {
			return nil, err
		}
		out[a.Name] = a
	}
	return out, nil
}

// loadAttributes maps every attribute the input needs, creating the
// missing ones, and rejects the values of those that cannot be used.
func (l *loader) loadAttributes(ctx context.Context) error {
	src, err := l.sourceAttributes(ctx)
	if err != nil {
		return err
	}
	target, err := l.firstAttrs()
	if err != nil {
		return err
	}
	// Creations a previous run sent without seeing the answer: an
	// attribute found now was created by them unless it is older.
	inflight, err := l.inflightAttributes(ctx)
	if err != nil {
		return err
	}
	l.attrs = map[string]int64{}
	var missing []*srcAttr
	var outs []outcome
	settled := map[int64][]outcome{} // in-flight batch → the outcomes it explains
	bad := map[string]string{}       // name → why its values are rejected
	for _, a := range src {
		t, ok := target[a.name]
		switch {
		case !ok:
			missing = append(missing, a)
		case t.Type != a.typ:
			msg := fmt.Sprintf("attribute %q is of type %s in the source but %s in the target store (attribute %d); an attribute's type cannot change", a.name, a.typ, t.Type, t.ID)
			bad[a.name] = msg
			for _, k := range a.keys {
				outs = append(outs, outcome{entity: staging.EntityAttributes, key: k, status: staging.StatusRejected, target: t.ID, http: 0, message: msg})
			}
		default:
			l.attrs[a.name] = t.ID
			status, msg := staging.StatusSkipped, "attribute already exists in the target store"
			b, sent := inflight[a.name]
			if sent && !existedBefore(t.DateCreated, b.start) {
				status, msg = staging.StatusLoaded, "created by a request whose answer was lost; found on the target"
			}
			for _, k := range a.keys {
				o := outcome{entity: staging.EntityAttributes, key: k, status: status, target: t.ID, message: msg}
				if sent {
					settled[b.id] = append(settled[b.id], o)
				} else {
					outs = append(outs, o)
				}
			}
		}
	}
	l.attrCreates.Store(int64(len(missing)))
	// Attributes mapped by an earlier run keep their outcome (loaded).
	outs, err = l.withoutOutcome(ctx, outs)
	if err != nil {
		return err
	}
	if err := l.st.record(outs...); err != nil {
		return err
	}
	for _, id := range inflightIDs(inflight) {
		// A name not found is among the missing and is created below.
		outs, err := l.withoutOutcome(ctx, settled[id])
		if err != nil {
			return err
		}
		if err := l.st.finish(id, batchReconciled, 0, "looked up by name on the next run", outs); err != nil {
			return err
		}
	}
	for i := 0; i < len(missing); i += bigcommerce.MaxAttributesPerCall {
		chunk := missing[i:min(i+bigcommerce.MaxAttributesPerCall, len(missing))]
		err := isolate(ctx, chunk, l.createAttributes, rejectAll(func(a *srcAttr, r *refusal, i int) error {
			msg := "the target store refused the attribute: " + r.reason(i)
			bad[a.name] = msg
			var outs []outcome
			for _, k := range a.keys {
				outs = append(outs, outcome{entity: staging.EntityAttributes, key: k, status: staging.StatusRejected, http: r.er.StatusCode, message: msg})
			}
			return l.st.record(outs...)
		}))
		if err != nil {
			return err
		}
	}
	for name, msg := range bad {
		if _, err := l.st.db.ExecContext(ctx, `INSERT OR IGNORE INTO idmap(entity, key, status, http_status, message)
			SELECT entity, key, ?, 0, ? FROM src WHERE entity = ? AND ref = ?`,
			staging.StatusRejected, l.st.scrub("attribute "+msg), staging.EntityAttributeValues, name); err != nil {
			return err
		}
	}
	return nil
}

// sentAttr is an attribute name an in-flight batch carried.
type sentAttr struct {
	id    int64 // the batch
	start time.Time
}

// inflightAttributes reads the attribute batches a previous run left
// in-flight: name → batch. Their keys are attribute names.
func (l *loader) inflightAttributes(ctx context.Context) (map[string]sentAttr, error) {
	bs, err := l.st.inflight(ctx, staging.EntityAttributes)
	if err != nil {
		return nil, err
	}
	out := map[string]sentAttr{}
	for _, b := range bs {
		start, err := l.batchStart(ctx, b.id)
		if err != nil {
			return nil, err
		}
		for _, name := range b.keys {
			out[name] = sentAttr{b.id, start}
		}
	}
	return out, nil
}

func inflightIDs(m map[string]sentAttr) []int64 {
	seen := map[int64]bool{}
	var ids []int64
	for _, b := range m {
		if !seen[b.id] {
			seen[b.id] = true
			ids = append(ids, b.id)
		}
	}
	sort.Slice(ids, func(i, j int) bool { return ids[i] < ids[j] })
	return ids
}

func (l *loader) withoutOutcome(ctx context.Context, outs []outcome) ([]outcome, error) {
	kept := outs[:0]
	for _, o := range outs {
		_, st, err := l.st.targetID(ctx, o.entity, o.key)
		if err != nil {
			return nil, err
		}
		if st == "" {
			kept = append(kept, o)
		}
	}
	return kept, nil
}

// createAttributes creates one batch. A POST whose outcome is unknown is
// reconciled by listing the target's attributes again.
func (l *loader) createAttributes(ctx context.Context, attrs []*srcAttr) error {
	for attempt := 0; ; attempt++ {
		keys := make([]string, len(attrs))
		body := make([]bigcommerce.AttributeCreate, len(attrs))
		for i, a := range attrs {
			keys[i] = a.name
			body[i] = bigcommerce.AttributeCreate{Name: a.name, Type: a.typ}
		}
		id, _, err := l.st.beginBatch(staging.EntityAttributes, keys, nil)
		if err != nil {
			return err
		}
		created, err := call(ctx, l, epPostAttributes, len(body), func(ctx context.Context) ([]bigcommerce.Attribute, error) {
			out, _, err := l.c.Attributes.Create(ctx, body)
			return out, err
		})
		if err == nil {
			return l.mapAttributes(id, batchDone, attrs, created, time.Time{})
		}
		if er := invalid(err); er != nil {
			l.st.finish(id, batchFailed, er.StatusCode, er.Error(), nil)
			return err
		}
		if !bigcommerce.IsOutcomeUnknown(err) || attempt >= maxReconcileAttempts {
			l.st.finish(id, batchFailed, 0, err.Error(), nil)
			return err
		}
		target, lerr := l.targetAttributes(ctx)
		if lerr != nil {
			return lerr
		}
		var found []bigcommerce.Attribute
		var rest []*srcAttr
		for _, a := range attrs {
			if t, ok := target[a.name]; ok {
				found = append(found, t)
			} else {
				rest = append(rest, a)
			}
		}
		start, err := l.batchStart(ctx, id)
		if err != nil {
			return err
		}
		if err := l.mapAttributes(id, batchReconciled, attrs, found, start); err != nil {
			return err
		}
		if len(rest) == 0 {
			return nil
		}
		attrs = rest
	}
}

// mapAttributes maps the attributes of a batch the target holds (got): as
// loaded, or, when the batch was reconciled (start set) and one was created
// before the batch, as already existing.
func (l *loader) mapAttributes(batch int64, status batchStatus, attrs []*srcAttr, got []bigcommerce.Attribute, start time.Time) error {
	by := map[string]bigcommerce.Attribute{}
	for _, a := range got {
		by[a.Name] = a
	}
	var outs []outcome
	for _, a := range attrs {
		t, ok := by[a.name]
		if !ok {
			continue
		}
		l.mu.Lock()
		l.attrs[a.name] = t.ID
		l.mu.Unlock()
		o := outcome{entity: staging.EntityAttributes, status: staging.StatusLoaded, target: t.ID, http: http.StatusOK}
		if !start.IsZero() && existedBefore(t.DateCreated, start) {
			o.status, o.message = staging.StatusSkipped, "attribute already exists in the target store"
		}
		for _, k := range a.keys {
			o.key = k
			outs = append(outs, o)
		}
	}
	return l.st.finish(batch, status, http.StatusOK, "", outs)
}
