package transform

import (
	"encoding/binary"
	"errors"
	"hash/maphash"

	"github.com/bcetl/bcetl/internal/bcrules"
	"github.com/bcetl/bcetl/internal/staging"
)

// Key is a 128-bit comparison key: two seeded 64-bit hashes
// (hash/maphash, AES-accelerated) of the key's fields. Dedupe tables hold
// keys, not rows, so their memory grows with the number of records and not
// with how wide they are.
//
// A hash is not the key, so equal hashes are never taken on trust where
// they would merge two records: when a merged row meets its survivor, their
// full keys are compared (keyBuilder.bytes), and a difference — a collision
// — abandons the run, which starts again with fresh seeds (Run). Output
// does not depend on the seeds, only on the keys, so the second run writes
// what a collision-free first run would have. The seeds are random per
// run, so input cannot be crafted to collide. Customer source keys are
// found by their hash and checked against the keys (customerTable); the
// other entities' source keys are compared by the 128 bits alone: 10
// million keys collide with a probability of about 10⁻²⁵.
type Key [16]byte

// keySeeds are the hash seeds of one attempt of a run.
type keySeeds struct {
	a, b maphash.Seed
	// weak makes every dedupe key one of two values, so that tests can
	// force collisions (TestForcedCollisionsNeverMerge). Never set
	// outside tests.
	weak bool
}

func newSeeds() *keySeeds { return &keySeeds{a: maphash.MakeSeed(), b: maphash.MakeSeed()} }

// processSeeds serve the exported key functions, whose keys compare within
// one process.
var processSeeds = newSeeds()

// errKeyCollision reports two different keys with one hash (see Key).
var errKeyCollision = errors.New("two different comparison keys hashed alike")

func (s *keySeeds) hash(b []byte) Key {
	var k Key
	binary.LittleEndian.PutUint64(k[:8], maphash.Bytes(s.a, b))
	binary.LittleEndian.PutUint64(k[8:], maphash.Bytes(s.b, b))
	return k
}

// sourceKey hashes a source key, for the tables that only need to know
// whether a record exists or what became of it.
func (s *keySeeds) sourceKey(key string) Key {
	var k Key
	binary.LittleEndian.PutUint64(k[:8], maphash.String(s.a, key))
	binary.LittleEndian.PutUint64(k[8:], maphash.String(s.b, key))
	return k
}

// keyBuilder accumulates length-prefixed fields so ("ab","c") and ("a","bc")
// are different keys. It reuses its buffer between keys.
type keyBuilder struct {
	buf   []byte
	seeds *keySeeds
}

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

// sum is the key's hash.
func (b *keyBuilder) sum() Key {
	s := b.seeds
	if s == nil {
		s = processSeeds
	}
	if s.weak {
		return Key{b.buf[len(b.buf)-1] & 1}
	}
	return s.hash(b.buf)
}

// bytes is the key itself, for comparing two keys whose sums are equal.
// It is valid until the next reset.
func (b *keyBuilder) bytes() []byte { return b.buf }

// EmailKey is the customer uniqueness key: the hash of bcrules.EmailKey
// (trimmed, lower-cased, never case-folded; it says why). Pass a
// normalised email.
func EmailKey(email string) Key {
	var b keyBuilder
	return b.email(email).sum()
}

func (b *keyBuilder) email(email string) *keyBuilder {
	return b.reset("email").raw(bcrules.EmailKey(email))
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
	return b.address(customerKey, a, PhoneKey(a.CountryCode, a.Phone)).sum()
}

func (b *keyBuilder) address(customerKey string, a *staging.Address, phoneKey string) *keyBuilder {
	return b.reset("address").raw(customerKey).
		fold(a.FirstName).fold(a.LastName).fold(a.Company).raw(phoneKey).
		fold(a.AddressType).fold(a.Address1).fold(a.Address2).fold(a.City).
		fold(a.CountryCode).fold(a.StateOrProvince).fold(a.PostalCode)
}
