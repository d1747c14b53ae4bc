package transform

import (
	"fmt"
	"slices"

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
func (r *run) transformAttributeValues(ct *customerTable, attrs *attributeTable, span *dateSpan) error {
	s := &r.s
	counts := s.rep.Entities[staging.EntityAttributeValues]
	nrows := r.rows(staging.EntityAttributeValues)
	keys := r.keyTable()
	state := make([]uint8, 0, nrows)
	dups := r.dupTable()
	dedupe := func(kb *keyBuilder, owner string, v *staging.AttributeValue) *keyBuilder {
		return kb.reset("attribute-value").raw(owner).fold(v.AttributeName)
	}
	ns, tallied := r.opts.normalizers(s.rep)
	var preps []func(*batch[staging.AttributeValue, rowCheck])
	for _, n := range ns {
		kb, rv := keyBuilder{seeds: r.seeds}, &resolver{t: ct}
		preps = append(preps, func(b *batch[staging.AttributeValue, rowCheck]) {
			for i := range b.rows {
				v, res := &b.rows[i], &b.res[i]
				res.sk = r.seeds.sourceKey(v.SourceKey)
				p := n.attributeValue(v, attrs)
				var cr customerResolution
				if p == nil {
					cr = rv.resolve(v.CustomerSourceKey)
					p = cr.p
				}
				if res.p = p; p != nil {
					continue
				}
				if cr.moved {
					res.rank = 1
				}
				res.dedupe = dedupe(&kb, cr.key, v).sum()
			}
			rv.check(&b.err)
		})
	}
	err := passRows(r.ctx, r.in, staging.EntityAttributeValues, preps, func(b *batch[staging.AttributeValue, rowCheck]) error {
		for i := range b.rows {
			row, v, res := b.start+uint32(i), &b.rows[i], &b.res[i]
			counts.RowsIn++
			if err := keys.add(res.sk, row); err != nil {
				return err
			}
			if res.p != nil {
				state = append(state, rowRejected)
				if err := s.reject(staging.EntityAttributeValues, v.SourceKey, res.p); err != nil {
					return err
				}
				continue
			}
			state = append(state, rowOK)
			if err := dups.add(res.dedupe, row, res.rank); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	tallied()
	buildTables(keys, dups)
	if err := keys.build(state, nil); err != nil {
		return err
	}
	d, err := dups.resolve(state)
	if err != nil {
		return err
	}

	ns, _ = r.opts.normalizers(nil)
	preps = preps[:0]
	for _, n := range ns {
		kb, rv := keyBuilder{seeds: r.seeds}, &resolver{t: ct}
		preps = append(preps, func(b *batch[staging.AttributeValue, rowCheck]) {
			for i := range b.rows {
				row, v, res := b.start+uint32(i), &b.rows[i], &b.res[i]
				if state[row] != rowOK {
					continue
				}
				n.attributeValue(v, attrs)
				cr := rv.resolve(v.CustomerSourceKey)
				v.CustomerSourceKey = cr.key
				if cr.moved {
					v.CustomerID = nil
				}
				res.owner = cr.row
				if d.inGroup(row) {
					res.key = slices.Clone(dedupe(&kb, cr.key, v).bytes())
				}
			}
			rv.check(&b.err)
		})
	}
	pr := newPairer(d, func(_ uint32, l, wv *staging.AttributeValue) error {
		return s.merged(staging.EntityAttributeValues, MergeAttributeValue, l.SourceKey, wv.SourceKey,
			diff("attribute_value", l.AttributeValue, wv.AttributeValue))
	})
	return passRows(r.ctx, r.in, staging.EntityAttributeValues, preps, func(b *batch[staging.AttributeValue, rowCheck]) error {
		for i := range b.rows {
			row, v, res := b.start+uint32(i), &b.rows[i], &b.res[i]
			switch state[row] {
			case rowRejected:
				continue
			case rowDupKey:
				first := keys.dupFirst[row]
				if err := s.reject(staging.EntityAttributeValues, v.SourceKey, dupKeyProblem(v.SourceKey, first)); err != nil {
					return err
				}
				continue
			}
			if pr.isLoser(row) {
				if err := pr.loser(row, v, res.key); err != nil {
					return err
				}
				continue
			}
			if err := pr.winner(row, v, res.key); err != nil {
				return err
			}
			ct.attributes[res.owner]++
			span.add(v.DateModified)
			counts.RowsOut++
			if err := r.values.write(*v); err != nil {
				return err
			}
		}
		return nil
	})
}
