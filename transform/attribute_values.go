package transform

import (
	"context"
	"fmt"

	"github.com/bcetl/bcetl/internal/bcrules"
	"github.com/bcetl/bcetl/internal/staging"
)

// attributeValue normalises v and checks it against its definition, which
// it then names exactly (name, type and id of the surviving definition).
func (n *normalizer) attributeValue(v *staging.AttributeValue, attrs *attributeTable) *problem {
	if p := checkUTF8("source_key", v.SourceKey, "customer_source_key", v.CustomerSourceKey,
		"attribute_name", v.AttributeName, "attribute_type", v.AttributeType, "attribute_value", v.AttributeValue); p != nil {
		return p
	}
	n.text(&v.AttributeName, &v.AttributeValue)
	d := attrs.lookup(v.AttributeName, v.AttributeID)
	switch {
	case d == nil:
		return newProblem("attribute_name", CheckUnknownAttribute, v.AttributeName,
			fmt.Sprintf("unknown attribute: attributes.parquet defines no attribute named %q; add its definition or drop the value", v.AttributeName))
	case d.reason != "":
		return newProblem("attribute_name", CheckAttributeRejected, v.AttributeName, "attribute rejected: "+d.reason)
	}
	v.AttributeName, v.AttributeType, v.AttributeID = d.name, d.typ, d.id
	val, err := v.AttributeValue, error(nil)
	if n.opts.on(RuleAttributeValue) {
		val, err = bcrules.NormalizeAttributeValue(d.typ, val)
	} else {
		err = bcrules.CheckAttributeValue(d.typ, val)
	}
	if err != nil {
		return newProblem("attribute_value", CheckAttributeType, v.AttributeValue, err.Error())
	}
	n.count(RuleAttributeValue, v.AttributeValue, val)
	v.AttributeValue = val
	return nil
}

// transformAttributeValues moves values of merged customers to their
// survivors and keeps one value per customer and attribute — the API
// stores one. The survivor's own value wins over a moved one; among equals
// the first in input order. Two passes, like addresses.
func transformAttributeValues(ctx context.Context, inDir string, opts Options, ct *customerTable, attrs *attributeTable, w *batchWriter[staging.AttributeValue], s *sink, span *dateSpan) error {
	n := &normalizer{opts: opts, rep: s.rep}
	counts := s.rep.Entities[staging.EntityAttributeValues]
	var keys []keyRow
	var state []uint8
	var dups dupTable
	var kb keyBuilder
	err := scan(ctx, inDir, staging.EntityAttributeValues, func(row uint32, v *staging.AttributeValue) error {
		counts.RowsIn++
		keys = append(keys, keyRow{sourceKey(v.SourceKey), row})
		p := n.attributeValue(v, attrs)
		var cr customerResolution
		if p == nil {
			cr = ct.resolve(v.CustomerSourceKey)
			p = cr.p
		}
		if p != nil {
			state = append(state, rowRejected)
			return s.reject(staging.EntityAttributeValues, v.SourceKey, p)
		}
		state = append(state, rowOK)
		var rank uint8
		if cr.moved {
			rank = 1
		}
		dups.add(kb.reset("attribute-value").raw(cr.key).fold(v.AttributeName).sum(), row, rank)
		return nil
	})
	if err != nil {
		return err
	}
	sortKeyRows(keys)
	markDupKeys(keys, state)
	dups.entries = deleteNotOK(dups.entries, state)
	d := dups.resolve()

	n2 := &normalizer{opts: opts}
	pr := newPairer(d, func(l, wv *staging.AttributeValue) error {
		return s.merged(staging.EntityAttributeValues, MergeAttributeValue, l.SourceKey, wv.SourceKey,
			diff("attribute_value", l.AttributeValue, wv.AttributeValue))
	})
	return scan(ctx, inDir, staging.EntityAttributeValues, func(row uint32, v *staging.AttributeValue) error {
		switch state[row] {
		case rowRejected:
			return nil
		case rowDupKey:
			first, _ := firstRow(keys, sourceKey(v.SourceKey))
			return s.reject(staging.EntityAttributeValues, v.SourceKey, dupKeyProblem(v.SourceKey, first))
		}
		n2.attributeValue(v, attrs)
		cr := ct.resolve(v.CustomerSourceKey)
		v.CustomerSourceKey = cr.key
		if cr.moved {
			v.CustomerID = nil
		}
		if pr.isLoser(row) {
			return pr.loser(row, v)
		}
		if err := pr.winner(row, v); err != nil {
			return err
		}
		ct.attributes[cr.row]++
		span.add(v.DateModified)
		counts.RowsOut++
		return w.write(*v)
	})
}

// deleteNotOK drops dedupe entries of rows that will be rejected.
func deleteNotOK(e []dupEntry, state []uint8) []dupEntry {
	out := e[:0]
	for _, x := range e {
		if state[x.row] == rowOK {
			out = append(out, x)
		}
	}
	return out
}
