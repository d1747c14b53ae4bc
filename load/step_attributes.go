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

// Step 1 maps the attribute definitions the input needs by name (the
// source's ids mean nothing on the target), creating the missing ones. A
// definition with the same name but another type cannot be used (a type
// is immutable, and changing it would delete the target's values), so it
// and its values are rejected; the run goes on.
//
// The target's list is fetched while the input is imported (Run), and a
// creation a previous run sent without seeing the answer is settled from
// it: a name found was created by that request unless it is older. Later
// in the run, a lost answer is settled by listing again.

// srcAttr is one attribute the input needs: from attributes.parquet, or
// only named by values.
type srcAttr struct {
	name, typ string
	keys      []string // attributes.parquet rows with this name
}

type attributeStep struct {
	l       *loader
	src     []*srcAttr
	target  map[string]bigcommerce.Attribute // the list fetched at the start
	current bool                             // target is current: no creation was sent since
	bad     map[string]string                // name → why its values are rejected
}

func (s *attributeStep) name() string           { return "attributes" }
func (s *attributeStep) entity() staging.Entity { return staging.EntityAttributes }

// load maps every attribute the input needs, creating the missing ones,
// and rejects the values of those that cannot be used.
func (s *attributeStep) load(ctx context.Context) error {
	l := s.l
	var err error
	if s.src, err = l.sourceAttributes(ctx); err != nil {
		return err
	}
	if s.target, err = l.firstAttrs(); err != nil {
		return err
	}
	s.current, s.bad = true, map[string]string{}
	l.attrs = map[string]int64{}
	if err := resume(ctx, l, s); err != nil {
		return err
	}
	var missing []*srcAttr
	var outs []outcome
	for _, a := range s.src {
		t, ok := s.target[a.name]
		switch {
		case !ok:
			missing = append(missing, a)
		case t.Type != a.typ:
			msg := fmt.Sprintf("attribute %q is of type %s in the source but %s in the target store (attribute %d); an attribute's type cannot change", a.name, a.typ, t.Type, t.ID)
			s.bad[a.name] = msg
			outs = append(outs, a.outcomes(staging.StatusRejected, t.ID, 0, msg)...)
		default:
			l.attrs[a.name] = t.ID
			outs = append(outs, a.outcomes(staging.StatusSkipped, t.ID, 0, "attribute already exists in the target store")...)
		}
	}
	l.attrCreates.Store(int64(len(missing)))
	// Attributes mapped by an earlier run, or just now by resume, keep
	// their outcome.
	if outs, err = l.withoutOutcome(ctx, outs); err != nil {
		return err
	}
	if err := l.st.record(outs...); err != nil {
		return err
	}
	for i := 0; i < len(missing); i += bigcommerce.MaxAttributesPerCall {
		if err := write(ctx, l, s, missing[i:min(i+bigcommerce.MaxAttributesPerCall, len(missing))]); err != nil {
			return err
		}
	}
	for name, msg := range s.bad {
		if err := l.st.rejectAll(ctx, staging.EntityAttributeValues, name, "attribute "+msg); err != nil {
			return err
		}
	}
	return nil
}

// outcomes gives every attributes.parquet row of a the same outcome.
func (a *srcAttr) outcomes(status staging.Status, target int64, http int, msg string) []outcome {
	out := make([]outcome, len(a.keys))
	for i, k := range a.keys {
		out[i] = outcome{entity: staging.EntityAttributes, key: k, status: status, target: target, http: http, message: msg}
	}
	return out
}

func (s *attributeStep) ids(a *srcAttr) (key, email string) { return a.name, "" }

func (s *attributeStep) send(ctx context.Context, attrs []*srcAttr) ([]outcome, error) {
	s.current = false
	body := make([]bigcommerce.AttributeCreate, len(attrs))
	for i, a := range attrs {
		body[i] = bigcommerce.AttributeCreate{Name: a.name, Type: a.typ}
	}
	created, err := call(ctx, s.l, epPostAttributes, len(body), func(ctx context.Context) ([]bigcommerce.Attribute, error) {
		out, _, err := s.l.c.Attributes.Create(ctx, body)
		return out, err
	})
	if err != nil {
		return nil, err
	}
	by := map[string]bigcommerce.Attribute{}
	for _, a := range created {
		by[a.Name] = a
	}
	var outs []outcome
	for _, a := range attrs {
		if t, ok := by[a.name]; ok {
			s.l.mapAttribute(a.name, t.ID)
			outs = append(outs, a.outcomes(staging.StatusLoaded, t.ID, http.StatusOK, "")...)
		}
	}
	return outs, nil
}

func (s *attributeStep) reject(a *srcAttr, r *refusal, i int) (*srcAttr, bool, []outcome) {
	msg := "the target store refused the attribute: " + r.reason(i)
	s.bad[a.name] = msg
	return a, false, a.outcomes(staging.StatusRejected, 0, r.er.StatusCode, msg)
}

// reconcile settles a creation whose answer was lost by name: a name the
// target has, of the type asked for, was created by it unless it existed
// before the batch was sent; the others are sent again.
func (s *attributeStep) reconcile(ctx context.Context, started time.Time, attrs []*srcAttr) ([]outcome, string, []*srcAttr, error) {
	target := s.target
	if !s.current {
		var err error
		if target, err = s.l.targetAttributes(ctx); err != nil {
			return nil, "", nil, err
		}
	}
	var outs []outcome
	var rest []*srcAttr
	for _, a := range attrs {
		t, ok := target[a.name]
		if !ok || t.Type != a.typ {
			rest = append(rest, a)
			continue
		}
		s.l.mapAttribute(a.name, t.ID)
		if existedBefore(t.DateCreated, started) {
			outs = append(outs, a.outcomes(staging.StatusSkipped, t.ID, 0, "attribute already exists in the target store")...)
		} else {
			outs = append(outs, a.outcomes(staging.StatusLoaded, t.ID, 0, "created by a request whose answer was lost; found on the target")...)
		}
	}
	return outs, "looked up by name", rest, nil
}

// unsettled: the batch's keys are attribute names.
func (s *attributeStep) unsettled(ctx context.Context, names []string) ([]*srcAttr, error) {
	want := map[string]bool{}
	for _, n := range names {
		want[n] = true
	}
	var out []*srcAttr
	for _, a := range s.src {
		if !want[a.name] {
			continue
		}
		left := &srcAttr{name: a.name, typ: a.typ}
		for _, k := range a.keys {
			_, st, err := s.l.st.targetID(ctx, staging.EntityAttributes, k)
			if err != nil {
				return nil, err
			}
			if st == "" {
				left.keys = append(left.keys, k)
			}
		}
		if len(left.keys) > 0 {
			out = append(out, left)
		}
	}
	return out, nil
}

// mapAttribute records the target id of a source attribute name for the
// later steps.
func (l *loader) mapAttribute(name string, id int64) {
	l.mu.Lock()
	l.attrs[name] = id
	l.mu.Unlock()
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

func (l *loader) sourceAttributes(ctx context.Context) ([]*srcAttr, error) {
	by := map[string]*srcAttr{}
	rows, err := l.srcRows(ctx, `SELECT seq, key, cust, ref, data FROM src WHERE entity = ? ORDER BY seq`, ent(staging.EntityAttributes))
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
	q, err := l.st.db.QueryContext(ctx, `SELECT ref, coalesce(json_extract(data, '$.ty'), '') FROM src WHERE entity = ? GROUP BY ref`, ent(staging.EntityAttributeValues))
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
