package transform

import (
	"fmt"
	"sync"
	"testing"
)

func TestPhoneKey(t *testing.T) {
	same := [][3]string{
		{"US", "(415) 555-0100", "+1 415 555 0100"},
		{"US", "415.555.0100", "4155550100"},
		{"GB", "020 7946 0018", "+44 20 7946 0018"},
		{"DE", "089 1234567", "+49 89 1234567"},
	}
	for _, tc := range same {
		if a, b := PhoneKey(tc[0], tc[1]), PhoneKey(tc[0], tc[2]); a != b {
			t.Errorf("%s: %q and %q should compare equal (%q vs %q)", tc[0], tc[1], tc[2], a, b)
		}
	}
	if PhoneKey("US", "(415) 555-0100") != "+14155550100" {
		t.Errorf("E.164: got %q", PhoneKey("US", "(415) 555-0100"))
	}
	// The same national digits in two countries are two numbers.
	if PhoneKey("US", "020 7946 0018") == PhoneKey("GB", "020 7946 0018") {
		t.Error("country must matter")
	}
	// Not a phone number: compared as case-folded text.
	if PhoneKey("US", "Ask Reception") != "ask reception" || PhoneKey("US", "") != "" {
		t.Errorf("fallback: %q", PhoneKey("US", "Ask Reception"))
	}
}

// The NANP fast path must agree with libphonenumber wherever it answers.
func TestNANPFastPathAgrees(t *testing.T) {
	for _, c := range []string{"US", "CA"} {
		for _, p := range []string{"(415) 555-0100", "415.555.0100", "1 415 555 0100", "1-800-555-0100", "4155550100",
			"(212)5550199", "613-555-0123", "1 (613) 555 0123", " 415 555 0100 ", "415--555--0100", "(415) 555-0100.",
			"0155550100", "1155550100", "1 015 555 0100", "415555010", "141555501000"} {
			fast, fok := nanpFast(c, p)
			slow, sok := e164Slow(c, p)
			if fok && (!sok || fast != slow) {
				t.Errorf("%s %q: fast path %q, libphonenumber %q (%v)", c, p, fast, slow, sok)
			}
		}
	}
}

// "+1" and ten digits is a North American number for any address: the
// fast path answers it, as libphonenumber would, whatever the country.
func TestNANPFastPathTakesPlusOne(t *testing.T) {
	for _, c := range []string{"US", "CA", "GB", "FR", "DE", "AU"} {
		for _, p := range []string{"+1 212 555 0199", "+1 (212) 555-0199", "+12125550199", "+1-613-555-0123", "+1.415.555.0100"} {
			fast, fok := nanpFast(c, p)
			slow, sok := e164Slow(c, p)
			if !fok || !sok || fast != slow {
				t.Errorf("%s %q: fast path %q (%v), libphonenumber %q (%v)", c, p, fast, fok, slow, sok)
			}
		}
		for _, p := range []string{"+1 112 555 0199", "+1 212 555 019", "+44 20 7946 0018", "+1 212 555 0199 x1", "++1 212 555 0199"} {
			if fast, ok := nanpFast(c, p); ok {
				if slow, sok := e164Slow(c, p); !sok || slow != fast {
					t.Errorf("%s %q: fast path %q, libphonenumber %q (%v)", c, p, fast, slow, sok)
				}
			}
		}
	}
}

// The cache answers what libphonenumber answers, from any number of
// goroutines, and stays bounded.
func TestPhoneCacheAgrees(t *testing.T) {
	c := newPhoneCache()
	var wg sync.WaitGroup
	for g := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 3000 {
				p := fmt.Sprintf("020 7946 %04d", (i*7+g)%2000)
				got, gok := c.e164("GB", p)
				want, wok := e164("GB", p)
				if got != want || gok != wok {
					t.Errorf("%q: cache %q %v, library %q %v", p, got, gok, want, wok)
					return
				}
			}
		}()
	}
	wg.Wait()
	for i := range phoneShards * phoneShardSize * 2 {
		c.e164("FR", fmt.Sprintf("01 %08d", i))
	}
	for i := range c.shards {
		if n := len(c.shards[i].m); n > phoneShardSize {
			t.Fatalf("shard %d holds %d entries, bound %d", i, n, phoneShardSize)
		}
	}
}

func FuzzPhoneKey(f *testing.F) {
	for _, tc := range [][2]string{{"US", "(415) 555-0100"}, {"GB", "020 7946 0018"}, {"", "+44 20 7946 0018"}, {"ZZ", "12"}, {"US", "1-800-FLOWERS"}, {"CA", "1 (613) 555 0123"}, {"US", "0155550100"}, {"GB", "+1 212 555 0199"}, {"FR", "+1(212)5550199"}} {
		f.Add(tc[0], tc[1])
	}
	f.Fuzz(func(t *testing.T, country, s string) {
		k := PhoneKey(country, s)
		// Normalising the input first must not change the key, and an
		// E.164 key is its own key.
		if k2 := PhoneKey(country, Text(s)); k2 != k {
			t.Fatalf("PhoneKey(%q, %q) = %q but %q after Text", country, s, k, k2)
		}
		if fast, ok := nanpFast(country, Text(s)); ok {
			if slow, sok := e164Slow(country, Text(s)); !sok || slow != fast {
				t.Fatalf("fast path %q disagrees with libphonenumber %q (%v) on %q", fast, slow, sok, s)
			}
		}
		if len(k) > 0 && k[0] == '+' {
			if k2 := PhoneKey(country, k); k2 != k {
				t.Fatalf("E.164 key %q of %q is not stable: %q", k, s, k2)
			}
		}
	})
}

func BenchmarkPhoneKey(b *testing.B) {
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		PhoneKey("US", "(415) 555-0100")
	}
}

// BenchmarkPhoneKeySlow is a number only libphonenumber reads.
func BenchmarkPhoneKeySlow(b *testing.B) {
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		PhoneKey("GB", "020 7946 0018")
	}
}

// BenchmarkPhoneCache is the same number through the cache.
func BenchmarkPhoneCache(b *testing.B) {
	c := newPhoneCache()
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		c.e164("GB", "020 7946 0018")
	}
}
