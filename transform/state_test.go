package transform

import (
	"errors"
	"testing"
)

func TestNormalizeState(t *testing.T) {
	for _, tc := range []struct{ country, in, want string }{
		{"US", "CA", "California"},
		{"US", "ca", "California"},
		{"US", "US-CA", "California"},
		{"US", "us-ca", "California"},
		{"US", "california", "California"},
		{"US", "CALIFORNIA", "California"},
		{"US", "New York", "New York"},
		{"US", "NY", "New York"},
		{"US", "DC", "District of Columbia"},
		{"CA", "ON", "Ontario"},
		{"CA", "CA-ON", "Ontario"},
		{"CA", "QC", "Quebec"},     // library spells it without the accent
		{"CA", "Québec", "Quebec"}, // accents ignored when matching
		{"CA", "YT", "Yukon Territory"},
		{"AU", "NSW", "New South Wales"},
		{"AU", "AU-NSW", "New South Wales"},
		{"AU", "new south wales", "New South Wales"},
		{"GB", "ENG", "England"},
		{"GB", "GB-ENG", "England"},
		{"GB", "Isle of Anglesey", "Isle of Anglesey"},
		{"GB", "Sir Ynys Môn", "Isle of Anglesey"}, // bilingual library name: English part
		{"DE", "BY", "Bayern"},
		{"DE", "Bavaria", "Bayern"}, // exonym table
		{"DE", "bayern", "Bayern"},
		{"DE", "Baden Wurttemberg", "Baden-Württemberg"},
		{"DE", "Thuringia", "Thüringen"},
		{"MX", "CMX", "Ciudad de México"},
		// Kept as given: unknown names, and countries without our data.
		{"US", "Springfield County", "Springfield County"},
		{"US", "ZZ", "ZZ"},
		{"NZ", "Some Region", "Some Region"},
		{"XK", "Prishtina", "Prishtina"},
		{"US", "", ""},
	} {
		got, err := NormalizeState(tc.country, tc.in)
		if err != nil || got != tc.want {
			t.Errorf("NormalizeState(%q, %q) = %q, %v; want %q", tc.country, tc.in, got, err, tc.want)
		}
	}
	// Clearly a code, and wrong: rejected.
	for _, tc := range []struct{ country, in string }{
		{"US", "US-ZZ"},
		{"GB", "US-CA"}, // a US code on a British address
		{"CA", "US-NY"},
	} {
		if got, err := NormalizeState(tc.country, tc.in); !errors.Is(err, ErrUnknownSubdivision) {
			t.Errorf("NormalizeState(%q, %q) = %q, %v; want ErrUnknownSubdivision", tc.country, tc.in, got, err)
		}
	}
}

func TestStateUnknownIsCounted(t *testing.T) {
	_, res, _ := normalizeState("US", "Gotham")
	if res != stateUnknown {
		t.Errorf("Gotham in the US: result %v, want stateUnknown", res)
	}
	if _, res, _ := normalizeState("XK", "Gotham"); res != stateNone {
		t.Errorf("a country without subdivision data: %v, want stateNone", res)
	}
}

func FuzzState(f *testing.F) {
	for _, tc := range [][2]string{{"US", "CA"}, {"US", "us-ca"}, {"DE", "Bavaria"}, {"GB", "Sir Ynys Môn"}, {"FR", "2A"}, {"CA", "québec"}, {"US", "US_ZZ"}} {
		f.Add(tc[0], tc[1])
	}
	f.Fuzz(func(t *testing.T, country, s string) {
		once, err := NormalizeState(country, s)
		if err != nil {
			return
		}
		if twice, err := NormalizeState(country, once); err != nil || twice != once {
			t.Fatalf("NormalizeState(%q) not idempotent: %q → %q → %q (%v)", country, s, once, twice, err)
		}
	})
}

func BenchmarkState(b *testing.B) {
	NormalizeState("US", "CA") // build the index outside the timing
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		NormalizeState("US", "CA")
		NormalizeState("DE", "Baden Wurttemberg")
	}
}
