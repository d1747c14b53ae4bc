package transform

import (
	"encoding/binary"
	"slices"
)

// keyTable finds duplicate source keys among one entity's rows, and the
// rows some other entity names. It collects the 128-bit hash of each row's
// source key (keySeeds.sourceKey) and its row, 20 bytes a row, spilling
// sorted runs to disk past the budget as a dedupe table does. Once built,
// it keeps only the first row of each wanted key (sorted, with an index of
// where each 16-bit prefix starts) and the first row of every duplicate.
type keyTable struct {
	rows     dupTable
	dupFirst map[uint32]uint32 // row with a duplicate source key → the first row with it
	found    []keyRow          // wanted keys → their first row, sorted
	start    []uint32          // start[p]: first entry of found whose hash begins with p
}

type keyRow struct {
	key Key
	row uint32
}

func (k Key) cmp(o Key) int {
	a, b := binary.BigEndian.Uint64(k[:8]), binary.BigEndian.Uint64(o[:8])
	if a == b {
		a, b = binary.BigEndian.Uint64(k[8:]), binary.BigEndian.Uint64(o[8:])
	}
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

func (k Key) prefix() int { return int(binary.BigEndian.Uint16(k[:2])) }

func (r *run) keyTable() *keyTable {
	return &keyTable{rows: *r.dupTable(), dupFirst: map[uint32]uint32{}}
}

func (t *keyTable) add(k Key, row uint32) error { return t.rows.add(k, row, 0) }

// sort sorts what is held in memory; build needs it sorted.
func (t *keyTable) sort() { t.rows.sort() }

// build flags every row whose source key an earlier row already has
// (rowDupKey, if it was ok), and keeps the first row of each key in
// wanted (sorted, no repeats).
func (t *keyTable) build(state []uint8, wanted []Key) error {
	var first uint32
	var prev Key
	have := false
	err := t.rows.each(func(e dupEntry) {
		row := e.row()
		if have && e.key == prev {
			if state[row] == rowOK {
				state[row] = rowDupKey
				t.dupFirst[row] = first
			}
			return
		}
		prev, first, have = e.key, row, true
		for len(wanted) > 0 && wanted[0].cmp(e.key) < 0 {
			wanted = wanted[1:]
		}
		if len(wanted) > 0 && wanted[0] == e.key {
			t.found = append(t.found, keyRow{e.key, row})
		}
	})
	if err != nil {
		return err
	}
	t.found = slices.Clip(t.found)
	t.start = make([]uint32, prefixBuckets+1)
	p := 0
	for i, k := range t.found {
		for q := k.key.prefix(); p <= q; p++ {
			t.start[p] = uint32(i)
		}
	}
	for ; p <= prefixBuckets; p++ {
		t.start[p] = uint32(len(t.found))
	}
	return nil
}

// first finds the first row with source key hash k, among the wanted keys.
func (t *keyTable) first(k Key) (uint32, bool) {
	p := k.prefix()
	span := t.found[t.start[p]:t.start[p+1]]
	i, ok := slices.BinarySearchFunc(span, k, func(a keyRow, k Key) int { return a.key.cmp(k) })
	if !ok {
		return 0, false
	}
	return span[i].row, true
}

// wantedKeys sorts keys and drops repeats.
func wantedKeys(keys []Key) []Key {
	sortByPrefix(keys, func(k *Key) int { return k.prefix() }, Key.cmp)
	return slices.Compact(keys)
}

// isWanted reports whether k is in the sorted wanted keys.
func isWanted(wanted []Key, k Key) bool {
	_, ok := slices.BinarySearchFunc(wanted, k, Key.cmp)
	return ok
}
