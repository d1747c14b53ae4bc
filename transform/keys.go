package transform

import (
	"crypto/sha256"
	"encoding/binary"

	"github.com/bcetl/bcetl/internal/bcrules"
	"github.com/bcetl/bcetl/internal/staging"
)

// Key is a 128-bit comparison key: the first 16 bytes of the SHA-256 of
// the key's fields. Dedupe tables hold keys, not rows, so their memory grows
// with the number of records and not with how wide they are. 128 bits make
// an accidental collision among billions of keys vanishingly unlikely, and
// SHA-256 (hardware-accelerated on current CPUs) cannot be steered into one
// by crafted input.
type Key [16]byte

// keyBuilder accumulates length-prefixed fields so ("ab","c") and ("a","bc")
// hash differently. It reuses its buffer between keys.
type keyBuilder struct{ buf []byte }

func (b *keyBuilder) reset(tag string) *keyBuilder {
	b.buf = append(b.buf[:0], tag...)
	return b
}

// raw adds s exactly.
func (b *keyBuilder) raw(s string) *keyBuilder {
	b.buf = binary.AppendUvarint(b.buf, uint64(len(s)))
	b.buf = append(b.buf, s...)
	return b
}

// fold adds s case-folded.
func (b *keyBuilder) fold(s string) *keyBuilder {
	n := len(b.buf)
	b.buf = append(b.buf, 0, 0, 0, 0)
	b.buf = appendFold(b.buf, s)
	binary.LittleEndian.PutUint32(b.buf[n:], uint32(len(b.buf)-n-4))
	return b
}

func (b *keyBuilder) sum() Key {
	h := sha256.Sum256(b.buf)
	var k Key
	copy(k[:], h[:16])
	return k
}

// sourceKey hashes a source key, for the tables that only need to know
// whether a record exists or what became of it.
func sourceKey(s string) Key {
	var b keyBuilder
	return b.reset("src").raw(s).sum()
}

// EmailKey is the customer uniqueness key: the hash of bcrules.EmailKey
// (trimmed, lower-cased, never case-folded; it says why). Pass a
// normalised email.
func EmailKey(email string) Key {
	var b keyBuilder
	return b.reset("email").raw(bcrules.EmailKey(email)).sum()
}

// AddressKey is the address uniqueness key the API documents — customer,
// first_name, last_name, company, phone, address_type, address1, address2,
// city, country_code, state_or_province, postal_code — over the values as
// they will be sent (normalised), each case-folded, the phone through
// PhoneKey. customerKey is the owning customer's source key after customer
// dedupe. Two addresses with the same key are one address to the API (a
// second POST is a silent no-op), so the transform merges them.
func AddressKey(customerKey string, a *staging.Address) Key {
	var b keyBuilder
	return addressKey(&b, customerKey, a, PhoneKey(a.CountryCode, a.Phone))
}

func addressKey(b *keyBuilder, customerKey string, a *staging.Address, phoneKey string) Key {
	return b.reset("address").raw(customerKey).
		fold(a.FirstName).fold(a.LastName).fold(a.Company).raw(phoneKey).
		fold(a.AddressType).fold(a.Address1).fold(a.Address2).fold(a.City).
		fold(a.CountryCode).fold(a.StateOrProvince).fold(a.PostalCode).sum()
}
