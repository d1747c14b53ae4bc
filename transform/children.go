package transform

import (
	"context"
	"fmt"
	"time"
)

// The entities a store-to-store migration adds — customer groups,
// metafields, subscribers, consents — go through one pass shape, as
// attribute values do: normalise and validate each row, attach it to its
// customer (a rejected customer's rows are rejected with it, a merged
// customer's move to the survivor), keep one row per dedupe key (the
// survivor's own before a moved one, then the first in input order), and
// write the rest in input order. children.go holds the pass; groups.go,
// metafields.go, subscribers.go and consents.go what differs.

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
	// dedupe is the row's comparison key, owner being its customer after
	// the move.
	dedupe    func(kb *keyBuilder, owner string, v *T) Key
	conflicts func(loser, winner *T) []conflict
	// perOwner bounds the rows one customer may have (0: no bound); the
	// rows past it are rejected with limitRule.
	perOwner  int
	limitMsg  string
	limitRule string
	modified  func(v *T) *time.Time
}

func transformChildren[T any](ctx context.Context, inDir string, opts Options, ct *customerTable, w *batchWriter[T], s *sink, span *dateSpan, spec childSpec[T]) error {
	n := &normalizer{opts: opts, rep: s.rep}
	counts := s.rep.Entities[spec.entity]
	var keys []keyRow
	var state []uint8
	var dups dupTable
	var kb keyBuilder
	// attach resolves the row's customer: where it goes, whether it moved.
	attach := func(v *T) (string, bool, *problem) {
		o := spec.owner(v)
		if o == nil {
			return "", false, nil
		}
		cr := ct.resolve(*o)
		if cr.p != nil {
			return "", false, cr.p
		}
		*o = cr.key
		if cr.moved {
			spec.moved(v)
		}
		return cr.key, cr.moved, nil
	}
	err := scan(ctx, inDir, spec.entity, func(row uint32, v *T) error {
		counts.RowsIn++
		keys = append(keys, keyRow{sourceKey(spec.key(v)), row})
		p := spec.check(n, v)
		var owner string
		var moved bool
		if p == nil {
			owner, moved, p = attach(v)
		}
		if p != nil {
			state = append(state, rowRejected)
			return s.reject(spec.entity, spec.key(v), p)
		}
		state = append(state, rowOK)
		var rank uint8
		if moved {
			rank = 1
		}
		dups.add(spec.dedupe(&kb, owner, v), row, rank)
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
	pr := newPairer(d, func(l, wv *T) error {
		return s.merged(spec.entity, spec.mergeRule, spec.key(l), spec.key(wv), spec.conflicts(l, wv))
	})
	perOwner := map[string]int{}
	return scan(ctx, inDir, spec.entity, func(row uint32, v *T) error {
		switch state[row] {
		case rowRejected:
			return nil
		case rowDupKey:
			first, _ := firstRow(keys, sourceKey(spec.key(v)))
			return s.reject(spec.entity, spec.key(v), dupKeyProblem(spec.key(v), first))
		}
		spec.check(n2, v)
		owner, _, _ := attach(v)
		if pr.isLoser(row) {
			return pr.loser(row, v)
		}
		if err := pr.winner(row, v); err != nil {
			return err
		}
		if spec.perOwner > 0 && spec.owner(v) != nil {
			// Counted after the dedupe and the moves: what the customer
			// would hold in the target. Rows merged into a row refused
			// here stay merged (they were duplicates of it).
			if perOwner[owner]++; perOwner[owner] > spec.perOwner {
				return s.reject(spec.entity, spec.key(v), newProblem("customer_source_key", spec.limitRule, owner,
					fmt.Sprintf(spec.limitMsg, owner, spec.perOwner)))
			}
		}
		if spec.modified != nil {
			span.add(spec.modified(v))
		}
		counts.RowsOut++
		return w.write(*v)
	})
}
