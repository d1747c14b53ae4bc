package transform

import (
	"fmt"
	"slices"
	"time"
)

// Every entity that hangs off customers but addresses — attribute values,
// form field values, and what a store-to-store migration adds: customer
// groups, metafields, subscribers, consents — goes through one pass
// shape: normalise and validate each row, attach it to its customer (a
// rejected customer's rows are rejected with it, a merged customer's move
// to the survivor; a form field value to its address too), keep one row
// per dedupe key (the survivor's own before a moved one, then the first
// in input order), and write the rest in input order. children.go holds
// the pass; attribute_values.go, form_fields.go, groups.go, metafields.go,
// subscribers.go and consents.go what differs. (Addresses have their own
// pass: their dedupe key is the documented uniqueness key, and merged
// addresses are what form field values follow.)

// childSpec is what differs between those entities.
type childSpec[T any] struct {
	entity    string
	mergeRule string
	// check normalises and validates a row; it runs in both passes, so it
	// must give the same answer twice.
	check func(n *normalizer, v *T) *problem
	key   func(v *T) string
	// owner is the row's customer source key; nil for a row that belongs
	// to no customer (a group, a store's subscriber).
	owner func(v *T) *string
	// moved is told that the row now belongs to a survivor (its source
	// store ids no longer apply).
	moved func(v *T)
	// attach, when set, attaches the row in place of owner and moved (a
	// form field value has an address to follow too): it returns its
	// customer's resolution, moved if any of its owners moved.
	attach func(rv *resolver, v *T) customerResolution
	// written, when set, is told of every row written, by its customer's
	// row (attribute values are counted per customer).
	written func(owner uint32)
	// dedupe is the row's comparison key, owner being its customer after
	// the move.
	dedupe    func(kb *keyBuilder, owner string, v *T) *keyBuilder
	conflicts func(loser, winner *T) []conflict
	// perOwner bounds the rows one customer may have (0: no bound); the
	// rows past it are rejected with limitRule.
	perOwner  int
	limitMsg  string
	limitRule string
	modified  func(v *T) *time.Time
}

func transformChildren[T any](r *run, ct *customerTable, w *batchWriter[T], span *dateSpan, spec childSpec[T]) error {
	s := &r.s
	counts := s.rep.Entities[spec.entity]
	nrows := r.rows(spec.entity)
	keys := r.keyTable()
	state := make([]uint8, 0, nrows)
	dups := r.dupTable()
	// attach resolves the row's customer: where it goes, whether it moved.
	attach := spec.attach
	if attach == nil {
		attach = func(rv *resolver, v *T) customerResolution {
			o := spec.owner(v)
			if o == nil {
				return customerResolution{}
			}
			cr := rv.resolve(*o)
			if cr.p != nil {
				return cr
			}
			*o = cr.key
			if cr.moved {
				spec.moved(v)
			}
			return cr
		}
	}
	ns, tallied := r.opts.normalizers(s.rep)
	var preps []func(*batch[T, rowCheck])
	for _, n := range ns {
		kb, rv := keyBuilder{seeds: r.seeds}, &resolver{t: ct}
		preps = append(preps, func(b *batch[T, rowCheck]) {
			for i := range b.rows {
				v, res := &b.rows[i], &b.res[i]
				res.sk = r.seeds.sourceKey(spec.key(v))
				p := spec.check(n, v)
				var cr customerResolution
				if p == nil {
					cr = attach(rv, v)
					p = cr.p
				}
				if res.p = p; p != nil {
					continue
				}
				if cr.moved {
					res.rank = 1
				}
				res.dedupe = spec.dedupe(&kb, cr.key, v).sum()
			}
			rv.check(&b.err)
		})
	}
	err := passRows(r.ctx, r.in, spec.entity, preps, func(b *batch[T, rowCheck]) error {
		for i := range b.rows {
			row, v, res := b.start+uint32(i), &b.rows[i], &b.res[i]
			counts.RowsIn++
			if err := keys.add(res.sk, row); err != nil {
				return err
			}
			if res.p != nil {
				state = append(state, rowRejected)
				if err := s.reject(spec.entity, spec.key(v), res.p); err != nil {
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
		preps = append(preps, func(b *batch[T, rowCheck]) {
			for i := range b.rows {
				row, v, res := b.start+uint32(i), &b.rows[i], &b.res[i]
				if state[row] != rowOK {
					continue
				}
				spec.check(n, v)
				cr := attach(rv, v)
				res.oKey, res.owner = cr.key, cr.row
				if d.inGroup(row) {
					res.key = slices.Clone(spec.dedupe(&kb, res.oKey, v).bytes())
				}
			}
			rv.check(&b.err)
		})
	}
	pr := newPairer(d, func(_ uint32, l, wv *T) error {
		return s.merged(spec.entity, spec.mergeRule, spec.key(l), spec.key(wv), spec.conflicts(l, wv))
	})
	perOwner := map[string]int{}
	return passRows(r.ctx, r.in, spec.entity, preps, func(b *batch[T, rowCheck]) error {
		for i := range b.rows {
			row, v, res := b.start+uint32(i), &b.rows[i], &b.res[i]
			switch state[row] {
			case rowRejected:
				continue
			case rowDupKey:
				first := keys.dupFirst[row]
				if err := s.reject(spec.entity, spec.key(v), dupKeyProblem(spec.key(v), first)); err != nil {
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
			if spec.perOwner > 0 && res.oKey != "" {
				// Counted after the dedupe and the moves: what the customer
				// would hold in the target. Rows merged into a row refused
				// here stay merged (they were duplicates of it).
				owner := res.oKey
				if perOwner[owner]++; perOwner[owner] > spec.perOwner {
					if err := s.reject(spec.entity, spec.key(v), newProblem("customer_source_key", spec.limitRule, owner,
						fmt.Sprintf(spec.limitMsg, owner, spec.perOwner))); err != nil {
						return err
					}
					continue
				}
			}
			if spec.written != nil {
				spec.written(res.owner)
			}
			if spec.modified != nil {
				span.add(spec.modified(v))
			}
			counts.RowsOut++
			if err := w.write(*v); err != nil {
				return err
			}
		}
		return nil
	})
}
