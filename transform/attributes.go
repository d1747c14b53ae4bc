package transform

import (
	"context"
	"fmt"
	"strings"

	"github.com/bcetl/bcetl/internal/bcrules"
	"github.com/bcetl/bcetl/internal/staging"
)

// attrDef is a surviving attribute definition, as values see it.
type attrDef struct {
	name, typ, key string // key: the definition's source key
	id             *int64
	reason         string // non-empty: the definition was rejected
	placeholder    bool   // stands for a rejected row until a valid one comes
}

// attributeTable maps attribute names (case-folded) and ids to definitions.
type attributeTable struct {
	byName map[string]*attrDef
	byID   map[int64]*attrDef
}

func (t *attributeTable) lookup(name string, id *int64) *attrDef {
	if name != "" {
		return t.byName[string(appendFold(nil, name))]
	}
	if id != nil {
		return t.byID[*id]
	}
	return nil
}

// transformAttributes handles attribute definitions, which are few and
// read whole: text rule on the name, type lower-cased and checked, one
// definition per name (case-insensitive; the first wins, a different type
// is reported as a conflict), and at most bcrules.MaxAttributes definitions — the
// API's per-store limit. Definitions past the limit are rejected in input
// order, and so are the values that use them.
func transformAttributes(ctx context.Context, inDir string, opts Options, w *batchWriter[staging.Attribute], s *sink, span *dateSpan) (*attributeTable, error) {
	ns, tallied := opts.normalizers(s.rep)
	defer tallied()
	n := ns[0]
	counts := s.rep.Entities[staging.EntityAttributes]
	t := &attributeTable{byName: map[string]*attrDef{}, byID: map[int64]*attrDef{}}
	seenKey := map[string]uint32{}
	kept := 0
	err := scan(ctx, inDir, staging.EntityAttributes, func(row uint32, a *staging.Attribute) error {
		counts.RowsIn++
		p := checkUTF8("source_key", a.SourceKey, "name", a.Name, "type", a.Type)
		if p == nil {
			n.text(&a.Name, &a.Type)
			a.Type = strings.ToLower(a.Type)
			p = bcrules.AttributeName.Check(a.Name)
		}
		if p == nil && !bcrules.IsAttributeType(a.Type) {
			p = newProblem("type", CheckEnum, a.Type, fmt.Sprintf("attribute type %q is not string, number or date", a.Type))
		}
		if first, dup := seenKey[a.SourceKey]; p == nil && dup {
			p = dupKeyProblem(a.SourceKey, first)
		} else if !dup {
			seenKey[a.SourceKey] = row
		}
		fold := string(appendFold(nil, a.Name))
		if p != nil {
			if _, ok := t.byName[fold]; !ok && a.Name != "" {
				t.byName[fold] = &attrDef{name: a.Name, reason: p.Message, placeholder: true}
			}
			return s.reject(staging.EntityAttributes, a.SourceKey, p)
		}
		if d, ok := t.byName[fold]; ok && !d.placeholder {
			if a.ID != nil {
				t.byID[*a.ID] = d
			}
			return s.merged(staging.EntityAttributes, MergeAttributeName, a.SourceKey, d.key, diff(
				"name", a.Name, d.name, "type", a.Type, d.typ))
		}
		d := &attrDef{name: a.Name, typ: a.Type, id: a.ID, key: a.SourceKey}
		t.byName[fold] = d
		if a.ID != nil {
			t.byID[*a.ID] = d
		}
		if kept == bcrules.MaxAttributes {
			d.reason = fmt.Sprintf("a store holds at most %d customer attributes and this is one more: drop unused attributes from the source", bcrules.MaxAttributes)
			return s.reject(staging.EntityAttributes, a.SourceKey, newProblem("name", CheckAttributeLimit, a.Name, d.reason))
		}
		kept++
		span.add(a.DateModified)
		counts.RowsOut++
		return w.write(*a)
	})
	return t, err
}
