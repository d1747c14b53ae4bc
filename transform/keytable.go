package transform

import (
	"encoding/binary"
	"slices"
)

// keyTable finds rows by source key: the 128-bit hash of each row's key
// (keySeeds.sourceKey) and its row, 20 bytes a row, sorted by hash with an
// index of where each 16-bit prefix starts.
type keyTable struct {
	keys  []keyRow
	start []uint32 // start[p]: first entry whose hash begins with p
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

func newKeyTable(rows int64) *keyTable { return &keyTable{keys: make([]keyRow, 0, rows)} }

func (t *keyTable) add(k Key, row uint32) { t.keys = append(t.keys, keyRow{k, row}) }

// build sorts the table (by key, then row) and indexes it.
func (t *keyTable) build() {
	t.start = sortByPrefix(t.keys, func(k *keyRow) int { return k.key.prefix() }, func(a, b keyRow) int {
		if c := a.key.cmp(b.key); c != 0 {
			return c
		}
		return int(int64(a.row) - int64(b.row))
	})
}

// first finds the first row with source key hash k.
func (t *keyTable) first(k Key) (uint32, bool) {
	p := k.prefix()
	span := t.keys[t.start[p]:t.start[p+1]]
	i, ok := slices.BinarySearchFunc(span, k, func(a keyRow, k Key) int { return a.key.cmp(k) })
	if !ok {
		return 0, false
	}
	return span[i].row, true
}

// markDupKeys flags every row whose source key an earlier row already has.
func (t *keyTable) markDupKeys(state []uint8) {
	for i := 1; i < len(t.keys); i++ {
		if t.keys[i].key == t.keys[i-1].key && state[t.keys[i].row] == rowOK {
			state[t.keys[i].row] = rowDupKey
		}
	}
}
