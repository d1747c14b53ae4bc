package transform

import (
	"errors"
	"testing"
)

func TestNormalizeCountry(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"US", "US"}, {"us", "US"}, {"USA", "US"}, {"usa", "US"}, {"United States", "US"},
		{"United Kingdom", "GB"}, {"UK", "GB"}, {"gbr", "GB"}, {"Great Britain", "GB"}, {"England", "GB"},
		{"Deutschland", "DE"}, {"germany", "DE"}, {"DEU", "DE"},
		{"Côte d'Ivoire", "CI"}, {"cote d ivoire", "CI"},
		{"  canada ", "CA"}, {"CAN", "CA"},
		{"Netherlands", "NL"}, {"Holland", "NL"},
	} {
		got, err := NormalizeCountry(tc.in)
		if err != nil || got != tc.want {
			t.Errorf("NormalizeCountry(%q) = %q, %v; want %q", tc.in, got, err, tc.want)
		}
	}
	// ByName answers "None" for "xx" and "International Freephone" for
	// others: pseudo-countries must not pass.
	for _, in := range []string{"", "Atlantis", "xx", "ZZ", "EU", "None", "Unknown", "123", "(", "U"} {
		if got, err := NormalizeCountry(in); !errors.Is(err, ErrUnknownCountry) {
			t.Errorf("NormalizeCountry(%q) = %q, %v; want ErrUnknownCountry", in, got, err)
		}
	}
	if CountryName("GB") != "United Kingdom" || CountryName("XX") != "" {
		t.Errorf("CountryName: %q %q", CountryName("GB"), CountryName("XX"))
	}
}

func FuzzCountry(f *testing.F) {
	for _, s := range []string{"US", "usa", "United Kingdom", "xx", "Côte d'Ivoire", "(", "england"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		once, err := NormalizeCountry(s)
		if err != nil {
			return
		}
		if len(once) != 2 || CountryName(once) == "" {
			t.Fatalf("NormalizeCountry(%q) = %q: not a known alpha-2 code", s, once)
		}
		if twice, err := NormalizeCountry(once); err != nil || twice != once {
			t.Fatalf("NormalizeCountry not idempotent: %q → %q → %q", s, once, twice)
		}
	})
}

func BenchmarkCountry(b *testing.B) {
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		NormalizeCountry("gbr")
		NormalizeCountry("United Kingdom")
	}
}
