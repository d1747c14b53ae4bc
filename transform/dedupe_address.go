package transform

import (
	"fmt"
	"slices"

	"github.com/bcetl/bcetl/internal/staging"
)

// addressTable is what form field values need to know about the
// addresses they name (wanted: read from form_field_values.parquet before
// the addresses): the first row of each such source key, and for those
// rejected or merged their reason or survivor. Form field workers read it
// all at once; nothing writes it then.
type addressTable struct {
	wanted   []Key // the source-key hashes form field values name, sorted
	keys     *keyTable
	seeds    *keySeeds
	reasons  map[uint32]string // rejected row → why
	survivor map[uint32]string // merged row → survivor's source key
	// messages holds each distinct reason once: most rejected rows share
	// their message with thousands of others.
	messages map[string]string
}

// reject records why row, whose source key hashes to k, was rejected.
func (t *addressTable) reject(row uint32, k Key, msg string) {
	if !isWanted(t.wanted, k) {
		return
	}
	m, ok := t.messages[msg]
	if !ok {
		m = msg
		t.messages[m] = m
	}
	t.reasons[row] = m
}

// addressResolution is what became of the address a form field value names.
type addressResolution struct {
	key   string
	moved bool
	p     *problem
}

func (t *addressTable) resolve(key string) addressResolution {
	row, ok := t.keys.first(t.seeds.sourceKey(key))
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

// rowCheck is what a worker finds out about a row: in the first pass its
// problem, source-key hash and dedupe key; in the second, for a row in a
// group of duplicates, its full dedupe key, and its owner.
type rowCheck struct {
	p      *problem
	sk     Key
	dedupe Key
	rank   uint8
	key    []byte
	owner  uint32 // the customer's row
	oKey   string // the owner's source key (children)
}

// transformAddresses dedupes addresses in two streaming passes. The first
// normalises and validates every row, resolves its customer (moving it to
// the customer's survivor), writes rejects and collects one 20-byte
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
func (r *run) transformAddresses(ct *customerTable) (*addressTable, error) {
	s := &r.s
	counts := s.rep.Entities[staging.EntityAddresses]
	nrows := r.rows(staging.EntityAddresses)
	wanted, err := r.wantedAddresses()
	if err != nil {
		return nil, err
	}
	at := &addressTable{wanted: wanted, keys: r.keyTable(), seeds: r.seeds, reasons: map[uint32]string{}, survivor: map[uint32]string{},
		messages: map[string]string{}}
	state := make([]uint8, 0, nrows)
	dups := r.dupTable()
	ns, tallied := r.opts.normalizers(s.rep)
	var preps []func(*batch[staging.Address, rowCheck])
	for _, n := range ns {
		kb, rv := keyBuilder{seeds: r.seeds}, &resolver{t: ct}
		preps = append(preps, func(b *batch[staging.Address, rowCheck]) {
			for i := range b.rows {
				a, res := &b.rows[i], &b.res[i]
				res.sk = r.seeds.sourceKey(a.SourceKey)
				p := n.address(a)
				var cr customerResolution
				if p == nil {
					cr = rv.resolve(a.CustomerSourceKey)
					p = cr.p
				}
				if res.p = p; p != nil {
					continue
				}
				if cr.moved {
					res.rank = 1
				}
				res.dedupe = kb.address(cr.key, a, n.phoneKey(a)).sum()
			}
			rv.check(&b.err)
		})
	}
	err = passRows(r.ctx, r.in, staging.EntityAddresses, preps, func(b *batch[staging.Address, rowCheck]) error {
		for i := range b.rows {
			row, a, res := b.start+uint32(i), &b.rows[i], &b.res[i]
			counts.RowsIn++
			if err := at.keys.add(res.sk, row); err != nil {
				return err
			}
			if res.p != nil {
				state = append(state, rowRejected)
				at.reject(row, res.sk, res.p.Message)
				if err := s.reject(staging.EntityAddresses, a.SourceKey, res.p); err != nil {
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
		return nil, err
	}
	tallied()
	buildTables(at.keys, dups)
	if err := at.keys.build(state, wanted); err != nil {
		return nil, err
	}
	// Rows with a duplicate source key leave the dedupe: they are rejected.
	d, err := dups.resolve(state)
	if err != nil {
		return nil, err
	}

	ns, _ = r.opts.normalizers(nil)
	preps = preps[:0]
	for _, n := range ns {
		kb, rv := keyBuilder{seeds: r.seeds}, &resolver{t: ct}
		preps = append(preps, func(b *batch[staging.Address, rowCheck]) {
			for i := range b.rows {
				row, a, res := b.start+uint32(i), &b.rows[i], &b.res[i]
				if state[row] != rowOK {
					continue
				}
				n.address(a)
				cr := rv.resolve(a.CustomerSourceKey)
				a.CustomerSourceKey = cr.key
				if cr.moved {
					a.CustomerID = nil // the survivor's id is the loader's business
				}
				res.owner = cr.row
				if d.inGroup(row) {
					res.key = slices.Clone(kb.address(cr.key, a, n.phoneKey(a)).bytes())
				}
			}
			rv.check(&b.err)
		})
	}
	pr := newPairer(d, func(lrow uint32, l, wv *staging.Address) error {
		if isWanted(wanted, r.seeds.sourceKey(l.SourceKey)) {
			at.survivor[lrow] = wv.SourceKey
		}
		return s.merged(staging.EntityAddresses, MergeAddressKey, l.SourceKey, wv.SourceKey, diff(
			"first_name", l.FirstName, wv.FirstName, "last_name", l.LastName, wv.LastName,
			"company", l.Company, wv.Company, "phone", l.Phone, wv.Phone,
			"address_type", l.AddressType, wv.AddressType, "address1", l.Address1, wv.Address1,
			"address2", l.Address2, wv.Address2, "city", l.City, wv.City,
			"country_code", l.CountryCode, wv.CountryCode, "state_or_province", l.StateOrProvince, wv.StateOrProvince,
			"postal_code", l.PostalCode, wv.PostalCode))
	})
	err = passRows(r.ctx, r.in, staging.EntityAddresses, preps, func(b *batch[staging.Address, rowCheck]) error {
		for i := range b.rows {
			row, a, res := b.start+uint32(i), &b.rows[i], &b.res[i]
			switch state[row] {
			case rowRejected:
				continue
			case rowDupKey:
				p := dupKeyProblem(a.SourceKey, at.keys.dupFirst[row])
				at.reject(row, r.seeds.sourceKey(a.SourceKey), p.Message)
				if err := s.reject(staging.EntityAddresses, a.SourceKey, p); err != nil {
					return err
				}
				continue
			}
			if pr.isLoser(row) {
				if err := pr.loser(row, a, res.key); err != nil {
					return err
				}
				continue
			}
			if err := pr.winner(row, a, res.key); err != nil {
				return err
			}
			ct.addresses[res.owner]++
			counts.RowsOut++
			if err := r.addresses.write(*a); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	at.messages = nil
	return at, nil
}

// ffAddress is the one column of form_field_values.parquet the addresses
// need to know in advance.
type ffAddress struct {
	AddressSourceKey *string `parquet:"address_source_key,optional"`
}

// wantedAddresses reads which addresses form field values name.
func (r *run) wantedAddresses() ([]Key, error) {
	var keys []Key
	err := scan(r.ctx, r.in, staging.EntityFormFieldValues, func(_ uint32, f *ffAddress) error {
		if f.AddressSourceKey != nil {
			keys = append(keys, r.seeds.sourceKey(*f.AddressSourceKey))
		}
		return nil
	})
	return wantedKeys(keys), err
}
