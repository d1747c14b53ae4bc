package transform

import (
	"hash/maphash"
	"sync"
)

// phoneCache remembers the E.164 form of the phones libphonenumber had to
// parse (about 10µs each, most of it regular expressions): a customer's
// addresses, and a store's shared numbers, repeat one phone. The answer
// depends on the phone and country alone, so one cache serves every
// worker of every run, in shards so that workers seldom wait for each
// other. It is bounded: a full shard starts again empty.
type phoneCache struct {
	seed   maphash.Seed
	shards [phoneShards]phoneShard
}

type phoneShard struct {
	mu sync.Mutex
	m  map[phoneQuery]phoneAnswer
}

type phoneQuery struct{ country, phone string }

type phoneAnswer struct {
	e164 string
	ok   bool
}

// phoneShards × phoneShardSize bounds the cache: at about 100 bytes an
// entry, 13 MB.
const (
	phoneShards    = 16
	phoneShardSize = 1 << 13
)

// phones is the process's cache.
var phones = newPhoneCache()

func newPhoneCache() *phoneCache {
	c := &phoneCache{seed: maphash.MakeSeed()}
	for i := range c.shards {
		c.shards[i].m = map[phoneQuery]phoneAnswer{}
	}
	return c
}

// e164 is e164 with the slow path remembered.
func (c *phoneCache) e164(country, phone string) (string, bool) {
	if phone == "" || len(phone) > maxPhoneInput {
		return "", false
	}
	if k, ok := nanpFast(country, phone); ok {
		return k, true
	}
	q := phoneQuery{country, phone}
	sh := &c.shards[maphash.String(c.seed, phone)%phoneShards]
	sh.mu.Lock()
	a, ok := sh.m[q]
	sh.mu.Unlock()
	if ok {
		return a.e164, a.ok
	}
	k, ok := e164Slow(country, phone)
	sh.mu.Lock()
	if len(sh.m) >= phoneShardSize {
		clear(sh.m)
	}
	sh.m[q] = phoneAnswer{k, ok}
	sh.mu.Unlock()
	return k, ok
}
