package transform

import (
	"errors"
	"testing"

	"github.com/bcetl/bcetl/internal/bcrules"
)

func TestNormalizeAddressType(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"", "residential"}, {"  ", "residential"}, {"Residential", "residential"},
		{" COMMERCIAL ", "commercial"}, {"commercial", "commercial"},
	} {
		if got, err := NormalizeAddressType(tc.in); err != nil || got != tc.want {
			t.Errorf("NormalizeAddressType(%q) = %q, %v; want %q", tc.in, got, err, tc.want)
		}
	}
	for _, in := range []string{"business", "home", "res", "residential1"} {
		if _, err := NormalizeAddressType(in); !errors.Is(err, ErrAddressType) {
			t.Errorf("NormalizeAddressType(%q): want ErrAddressType, got %v", in, err)
		}
	}
}

func FuzzAddressType(f *testing.F) {
	for _, s := range []string{"", "Commercial", " residential ", "home", "RESİDENTIAL"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		once, err := NormalizeAddressType(s)
		if err != nil {
			return
		}
		if once != bcrules.AddressResidential && once != bcrules.AddressCommercial {
			t.Fatalf("NormalizeAddressType(%q) = %q", s, once)
		}
		if twice, err := NormalizeAddressType(once); err != nil || twice != once {
			t.Fatalf("not idempotent: %q → %q → %q", s, once, twice)
		}
	})
}

func BenchmarkAddressType(b *testing.B) {
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		NormalizeAddressType(" Commercial ")
	}
}
