package transform

import (
	"bytes"
	"context"
	"fmt"
	"slices"

	"github.com/bcetl/bcetl/internal/staging"
)

// addressTable is what form field values need to know about addresses.
// Every address row contributes 20 bytes (its source-key hash and row);
// rejected and merged rows add their reason or survivor.
type addressTable struct {
	keys     []keyRow          // sorted by key, then row
	reasons  map[uint32]string // rejected row → why
	survivor map[uint32]string // merged row → survivor's source key
}

type keyRow struct {
	key Key
	row uint32
}

func sortKeyRows(k []keyRow) {
	slices.SortFunc(k, func(a, b keyRow) int {
		if c := bytes.Compare(a.key[:], b.key[:]); c != 0 {
			return c
		}
		return int(int64(a.row) - int64(b.row))
	})
}

// firstRow finds the first row with source key k.
func firstRow(keys []keyRow, k Key) (uint32, bool) {
	i, ok := slices.BinarySearchFunc(keys, k, func(a keyRow, k Key) int { return bytes.Compare(a.key[:], k[:]) })
	if !ok {
		return 0, false
	}
	return keys[i].row, true
}

// markDupKeys flags every row whose source key an earlier row already has.
func markDupKeys(keys []keyRow, state []uint8) {
	for i := 1; i < len(keys); i++ {
		if keys[i].key == keys[i-1].key && state[keys[i].row] == rowOK {
			state[keys[i].row] = rowDupKey
		}
	}
}

// addressResolution is what became of the address a form field value names.
type addressResolution struct {
	key   string
	moved bool
	p     *problem
}

func (t *addressTable) resolve(key string) addressResolution {
	row, ok := firstRow(t.keys, sourceKey(key))
	if !ok {
		return addressResolution{p: newProblem("address_source_key", CheckUnknownAddress, key,
			fmt.Sprintf("unknown address: no row of addresses.parquet has source key %q; extract the address too, or drop this row", key))}
	}
	if r, ok := t.reasons[row]; ok {
		return addressResolution{p: newProblem("address_source_key", CheckAddressRejected, key, "address rejected: "+r)}
	}
	if s, ok := t.survivor[row]; ok {
		return addressResolution{key: s, moved: true}
	}
	return addressResolution{key: key}
}

// transformAddresses dedupes addresses in two streaming passes. The first
// normalises and validates every row, resolves its customer (moving it to
// the customer's survivor), writes rejects and collects one 24-byte
// uniqueness key per valid row. Sorting the keys finds the duplicates;
// among equal keys the survivor is an address that was already the
// customer's (not moved from a merged customer), then the first in input
// order. The second pass normalises again and writes survivors and
// unique rows in input order, pairing each merged row with its survivor to
// report the spellings that were dropped.
//
// Every core field is part of the key, so a merged address can only differ
// from its survivor in spelling (case, phone format, country name): there is
// no empty survivor field a merged row could fill, and the survivor's exact
// spelling is what gets loaded.
func transformAddresses(ctx context.Context, inDir string, opts Options, ct *customerTable, w *batchWriter[staging.Address], s *sink) (*addressTable, error) {
	n := &normalizer{opts: opts, rep: s.rep}
	counts := s.rep.Entities[staging.EntityAddresses]
	at := &addressTable{reasons: map[uint32]string{}, survivor: map[uint32]string{}}
	var state []uint8
	var dups dupTable
	var kb keyBuilder
	err := scan(ctx, inDir, staging.EntityAddresses, func(row uint32, a *staging.Address) error {
		counts.RowsIn++
		at.keys = append(at.keys, keyRow{sourceKey(a.SourceKey), row})
		p := n.address(a)
		var cr customerResolution
		if p == nil {
			cr = ct.resolve(a.CustomerSourceKey)
			p = cr.p
		}
		if p != nil {
			state = append(state, rowRejected)
			at.reasons[row] = p.Message
			return s.reject(staging.EntityAddresses, a.SourceKey, p)
		}
		state = append(state, rowOK)
		var rank uint8
		if cr.moved {
			rank = 1
		}
		dups.add(addressKey(&kb, cr.key, a, n.phoneKey(a)), row, rank)
		return nil
	})
	if err != nil {
		return nil, err
	}
	sortKeyRows(at.keys)
	markDupKeys(at.keys, state)
	// Rows with a duplicate source key leave the dedupe: they are rejected.
	dups.entries = slices.DeleteFunc(dups.entries, func(e dupEntry) bool { return state[e.row] != rowOK })
	d := dups.resolve()

	n2 := &normalizer{opts: opts}
	pr := newPairer(d, func(l, wv *staging.Address) error {
		// A merged row never has a duplicate source key, so its key's
		// first row is itself.
		lrow, _ := firstRow(at.keys, sourceKey(l.SourceKey))
		at.survivor[lrow] = wv.SourceKey
		return s.merged(staging.EntityAddresses, MergeAddressKey, l.SourceKey, wv.SourceKey, diff(
			"first_name", l.FirstName, wv.FirstName, "last_name", l.LastName, wv.LastName,
			"company", l.Company, wv.Company, "phone", l.Phone, wv.Phone,
			"address_type", l.AddressType, wv.AddressType, "address1", l.Address1, wv.Address1,
			"address2", l.Address2, wv.Address2, "city", l.City, wv.City,
			"country_code", l.CountryCode, wv.CountryCode, "state_or_province", l.StateOrProvince, wv.StateOrProvince,
			"postal_code", l.PostalCode, wv.PostalCode))
	})
	err = scan(ctx, inDir, staging.EntityAddresses, func(row uint32, a *staging.Address) error {
		switch state[row] {
		case rowRejected:
			return nil
		case rowDupKey:
			first, _ := firstRow(at.keys, sourceKey(a.SourceKey))
			p := dupKeyProblem(a.SourceKey, first)
			at.reasons[row] = p.Message
			return s.reject(staging.EntityAddresses, a.SourceKey, p)
		}
		n2.address(a)
		cr := ct.resolve(a.CustomerSourceKey)
		a.CustomerSourceKey = cr.key
		if cr.moved {
			a.CustomerID = nil // the survivor's id is the loader's business
		}
		if pr.isLoser(row) {
			return pr.loser(row, a)
		}
		if err := pr.winner(row, a); err != nil {
			return err
		}
		ct.addresses[cr.row]++
		counts.RowsOut++
		return w.write(*a)
	})
	if err != nil {
		return nil, err
	}
	return at, nil
}
