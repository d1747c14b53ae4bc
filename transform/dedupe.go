package transform

import (
	"bytes"
	"slices"
)

// dupTable finds duplicates among the rows of one entity by their
// comparison key, holding 20 bytes per row rather than the rows, and past
// its budget not even those: sorted runs go to disk (spill.go). Among rows
// with the same key the winner has the lowest rank, then comes first in
// the input.
type dupTable struct {
	entries []dupEntry
	spill   *spiller // nil: never spills
}

// dupEntry is a key and its row, rank in the top bit: sorting by (key,
// rankRow) sorts by key, rank, row.
type dupEntry struct {
	key     Key
	rankRow uint32
}

const rankBit = 1 << 31

func (e dupEntry) row() uint32 { return e.rankRow &^ rankBit }

func compareEntries(a, b dupEntry) int {
	if c := a.key.cmp(b.key); c != 0 {
		return c
	}
	return int(int64(a.rankRow) - int64(b.rankRow))
}

func sortEntries(e []dupEntry) {
	sortByPrefix(e, func(e *dupEntry) int { return e.key.prefix() }, compareEntries)
}

func (t *dupTable) add(k Key, row uint32, rank uint8) error {
	rr := row
	if rank > 0 {
		rr |= rankBit
	}
	if t.spill != nil && len(t.entries) == cap(t.entries) && cap(t.entries) < t.spill.entries {
		// Grown by hand so a full table is exactly its budget.
		t.entries = slices.Grow(t.entries, min(cap(t.entries), t.spill.entries-cap(t.entries)))
	}
	t.entries = append(t.entries, dupEntry{key: k, rankRow: rr})
	if t.spill != nil && len(t.entries) >= t.spill.entries {
		sortEntries(t.entries)
		if err := t.spill.write(t.entries); err != nil {
			return err
		}
		t.entries = t.entries[:0]
	}
	return nil
}

// duplicates is the outcome: which row each loser merges into, and how many
// losers each winner has. It is read-only once built, so workers may ask
// it questions while a pass writes.
type duplicates struct {
	losers  []loserOf        // by loser row
	winners map[uint32]int32 // winner row → its number of losers
	// grouped and winning have a bit per row: whether it is a winner or
	// a loser, and whether a winner. Asked of every row, they spare a map
	// look-up each.
	grouped, winning bitset
}

type bitset []uint64

func (b bitset) has(i uint32) bool { return int(i>>6) < len(b) && b[i>>6]&(1<<(i&63)) != 0 }

func (b *bitset) set(i uint32) {
	if need := int(i>>6) + 1; need > len(*b) {
		*b = append(*b, make([]uint64, need-len(*b))...)
	}
	(*b)[i>>6] |= 1 << (i & 63)
}

// inGroup reports whether row is a winner or a loser.
func (d *duplicates) inGroup(row uint32) bool { return d.grouped.has(row) }

type loserOf struct{ loser, winner uint32 }

// sort sorts the entries held in memory; resolve needs them sorted.
func (t *dupTable) sort() { sortEntries(t.entries) }

// each calls fn for every entry, in order (the entries held in memory
// sorted), merging the spilled runs, and empties the table.
func (t *dupTable) each(fn func(dupEntry)) error {
	var err error
	if t.spill != nil && t.spill.runs > 0 {
		err = t.spill.merge(t.entries, fn)
	} else {
		for _, e := range t.entries {
			fn(e)
		}
	}
	t.entries = nil
	return err
}

// resolve groups equal keys among the sorted entries of rows still ok
// (state).
func (t *dupTable) resolve(state []uint8) (*duplicates, error) {
	d := &duplicates{winners: map[uint32]int32{}}
	var prev dupEntry
	var winner uint32
	have := false
	err := t.each(func(e dupEntry) {
		if state[e.row()] != rowOK {
			return
		}
		if have && e.key == prev.key {
			d.losers = append(d.losers, loserOf{e.row(), winner})
			d.winners[winner]++
		} else {
			winner = e.row()
		}
		prev, have = e, true
	})
	if err != nil {
		return nil, err
	}
	slices.SortFunc(d.losers, func(a, b loserOf) int { return int(int64(a.loser) - int64(b.loser)) })
	for _, l := range d.losers {
		d.grouped.set(l.loser)
		d.grouped.set(l.winner)
		d.winning.set(l.winner)
	}
	return d, nil
}

// winnerOf is the row that row merges into.
func (d *duplicates) winnerOf(row uint32) (uint32, bool) {
	i, ok := slices.BinarySearchFunc(d.losers, row, func(l loserOf, r uint32) int { return int(int64(l.loser) - int64(r)) })
	if !ok {
		return 0, false
	}
	return d.losers[i].winner, true
}

// pairer meets each loser with its winner during the writing pass, in
// whichever order they come, so the merge rows can name the winner and the
// values that differ. It holds a winner until its last loser has passed and
// a loser until its winner has, so memory grows with the duplicates in
// flight, not with the file. Before they meet, their full keys are
// compared: equal hashes of different keys end the run (errKeyCollision)
// instead of merging two records.
type pairer[T any] struct {
	d       *duplicates
	left    map[uint32]int32 // winner → losers not met yet
	winners map[uint32]*held[T]
	waiting map[uint32][]*held[T]
	meet    func(loserRow uint32, loser, winner *T) error
}

// held is a row kept for a later meeting, with its full key.
type held[T any] struct {
	row uint32
	v   T
	key []byte
}

func newPairer[T any](d *duplicates, meet func(loserRow uint32, loser, winner *T) error) *pairer[T] {
	left := make(map[uint32]int32, len(d.winners))
	for w, n := range d.winners {
		left[w] = n
	}
	return &pairer[T]{d: d, left: left, winners: map[uint32]*held[T]{}, waiting: map[uint32][]*held[T]{}, meet: meet}
}

// isLoser reports whether row merges into another row.
func (p *pairer[T]) isLoser(row uint32) bool {
	if !p.d.grouped.has(row) || p.d.winning.has(row) {
		return false
	}
	_, ok := p.d.winnerOf(row)
	return ok
}

func (p *pairer[T]) settle(l, w *held[T]) error {
	if !bytes.Equal(l.key, w.key) {
		return errKeyCollision
	}
	return p.meet(l.row, &l.v, &w.v)
}

// winner is called for every row that is written, with its full key when
// it is in a group (duplicates.inGroup); it settles the losers that were
// waiting for it. v is copied if it must wait.
func (p *pairer[T]) winner(row uint32, v *T, key []byte) error {
	if !p.d.winning.has(row) {
		return nil
	}
	n := p.left[row]
	if n == 0 {
		return nil
	}
	w := &held[T]{row: row, v: *v, key: key}
	for _, l := range p.waiting[row] {
		if err := p.settle(l, w); err != nil {
			return err
		}
		n--
	}
	delete(p.waiting, row)
	if n > 0 {
		p.winners[row] = w
		p.left[row] = n
	} else {
		delete(p.left, row)
	}
	return nil
}

// loser is called for a row that merges into another, with its full key.
func (p *pairer[T]) loser(row uint32, v *T, key []byte) error {
	w, _ := p.d.winnerOf(row)
	l := &held[T]{row: row, v: *v, key: key}
	wv, ok := p.winners[w]
	if !ok {
		p.waiting[w] = append(p.waiting[w], l)
		return nil
	}
	if err := p.settle(l, wv); err != nil {
		return err
	}
	if p.left[w]--; p.left[w] == 0 {
		delete(p.winners, w)
		delete(p.left, w)
	}
	return nil
}
