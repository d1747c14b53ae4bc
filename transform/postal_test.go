package transform

import "testing"

func TestNormalizePostal(t *testing.T) {
	for _, tc := range []struct{ country, in, want string }{
		{"US", "12345", "12345"},
		{"US", "123456789", "12345-6789"},
		{"US", "12345 6789", "12345-6789"},
		{"US", "'02134", "02134"}, // spreadsheet apostrophe
		{"US", "1234", "1234"},    // not a ZIP: kept
		{"CA", "k1a0b1", "K1A 0B1"},
		{"CA", "K1A  0B1", "K1A 0B1"},
		{"CA", "K1A-0B1", "K1A 0B1"},
		{"GB", "sw1a1aa", "SW1A 1AA"},
		{"GB", "SW1A 1AA", "SW1A 1AA"},
		{"GB", "m11ae", "M1 1AE"},
		{"GB", "ec1a 1bb", "EC1A 1BB"},
		{"GB", "b338th", "B33 8TH"},
		{"GB", "not a code", "NOT A CODE"},
		{"NL", "1012ab", "1012 AB"},
		{"NL", "1012 ab", "1012 AB"},
		{"DE", " 80331 ", "80331"},
		{"IE", "d02 x285", "D02 X285"},
		{"", "abc", "ABC"},
	} {
		if got := NormalizePostal(tc.country, tc.in); got != tc.want {
			t.Errorf("NormalizePostal(%q, %q) = %q, want %q", tc.country, tc.in, got, tc.want)
		}
	}
}

func FuzzPostal(f *testing.F) {
	for _, tc := range [][2]string{{"US", "123456789"}, {"CA", "k1a0b1"}, {"GB", "sw1a1aa"}, {"NL", "1012ab"}, {"DE", "ß"}, {"US", "''"}} {
		f.Add(tc[0], tc[1])
	}
	f.Fuzz(func(t *testing.T, country, s string) {
		once := NormalizePostal(country, s)
		if twice := NormalizePostal(country, once); twice != once {
			t.Fatalf("NormalizePostal(%q) not idempotent: %q → %q → %q", country, s, once, twice)
		}
	})
}

func BenchmarkPostal(b *testing.B) {
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		NormalizePostal("GB", "sw1a1aa")
		NormalizePostal("US", "123456789")
	}
}
