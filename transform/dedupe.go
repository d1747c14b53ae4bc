package transform

import (
	"bytes"
	"slices"
)

// dupTable finds duplicates among up to 2^32 rows of one entity by their
// comparison key, holding 24 bytes per row rather than the rows. Among rows
// with the same key the winner has the lowest rank, then comes first in the
// input.
type dupTable struct {
	entries []dupEntry
}

type dupEntry struct {
	key  Key
	row  uint32
	rank uint8
}

func (t *dupTable) add(k Key, row uint32, rank uint8) {
	t.entries = append(t.entries, dupEntry{key: k, row: row, rank: rank})
}

// duplicates is the outcome: which row each loser merges into, and how many
// losers each winner has.
type duplicates struct {
	winnerOf map[uint32]uint32
	losers   map[uint32]int32
}

func (t *dupTable) resolve() *duplicates {
	slices.SortFunc(t.entries, func(a, b dupEntry) int {
		if c := bytes.Compare(a.key[:], b.key[:]); c != 0 {
			return c
		}
		if a.rank != b.rank {
			return int(a.rank) - int(b.rank)
		}
		return int(int64(a.row) - int64(b.row))
	})
	d := &duplicates{winnerOf: map[uint32]uint32{}, losers: map[uint32]int32{}}
	for i := 1; i < len(t.entries); i++ {
		if t.entries[i].key != t.entries[i-1].key {
			continue
		}
		w := t.entries[i-1].row
		if w2, ok := d.winnerOf[w]; ok {
			w = w2
		}
		d.winnerOf[t.entries[i].row] = w
		d.losers[w]++
	}
	t.entries = nil
	return d
}

// pairer meets each loser with its winner during the writing pass, in
// whichever order they come, so the merge rows can name the winner and the
// values that differ. It holds a winner until its last loser has passed and
// a loser until its winner has, so memory grows with the duplicates in
// flight, not with the file.
type pairer[T any] struct {
	d       *duplicates
	winners map[uint32]*T
	waiting map[uint32][]*T
	meet    func(loser, winner *T) error
}

func newPairer[T any](d *duplicates, meet func(loser, winner *T) error) *pairer[T] {
	return &pairer[T]{d: d, winners: map[uint32]*T{}, waiting: map[uint32][]*T{}, meet: meet}
}

// isLoser reports whether row merges into another row.
func (p *pairer[T]) isLoser(row uint32) bool {
	_, ok := p.d.winnerOf[row]
	return ok
}

// winner is called for every row that is written; it settles the losers
// that were waiting for it.
func (p *pairer[T]) winner(row uint32, v *T) error {
	n := p.d.losers[row]
	if n == 0 {
		return nil
	}
	for _, l := range p.waiting[row] {
		if err := p.meet(l, v); err != nil {
			return err
		}
		n--
	}
	delete(p.waiting, row)
	if n > 0 {
		p.winners[row] = v
		p.d.losers[row] = n
	} else {
		delete(p.d.losers, row)
	}
	return nil
}

// loser is called for a row that merges into another.
func (p *pairer[T]) loser(row uint32, v *T) error {
	w := p.d.winnerOf[row]
	wv, ok := p.winners[w]
	if !ok {
		p.waiting[w] = append(p.waiting[w], v)
		return nil
	}
	if err := p.meet(v, wv); err != nil {
		return err
	}
	if p.d.losers[w]--; p.d.losers[w] == 0 {
		delete(p.winners, w)
		delete(p.d.losers, w)
	}
	return nil
}
