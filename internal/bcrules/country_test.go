package bcrules

import "testing"

func TestCountryCode(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"US", "US"}, {"us", "US"}, {"USA", "US"}, {"usa", "US"}, {"United States", "US"},
		{"United Kingdom", "GB"}, {"UK", "GB"}, {"gbr", "GB"}, {"Great Britain", "GB"}, {"England", "GB"},
		{"Deutschland", "DE"}, {"germany", "DE"}, {"DEU", "DE"},
		{"Côte d'Ivoire", "CI"}, {"cote d ivoire", "CI"},
		{"  canada ", "CA"}, {"CAN", "CA"},
		{"Netherlands", "NL"}, {"Holland", "NL"},
	} {
		if got := CountryCode(tc.in); got != tc.want {
			t.Errorf("CountryCode(%q) = %q; want %q", tc.in, got, tc.want)
		}
	}
	// ByName answers "None" for "xx" and "International Freephone" for
	// others: pseudo-countries must not pass. Nor may the codes the library
	// knows that ISO does not assign (the API refuses them).
	for _, in := range []string{"", "Atlantis", "xx", "ZZ", "EU", "None", "Unknown", "123", "(", "U",
		"International Freephone", "Kosovo", "XK", "YU", "Yugoslavia", "AN", "ANT"} {
		if got := CountryCode(in); got != "" {
			t.Errorf("CountryCode(%q) = %q; want unknown", in, got)
		}
	}
	if CountryName("GB") != "United Kingdom" || CountryName("XX") != "" || CountryName("XK") != "" {
		t.Errorf("CountryName: %q %q %q", CountryName("GB"), CountryName("XX"), CountryName("XK"))
	}
	if n := len(CountryCodes()); n != 249 {
		t.Errorf("%d country codes; ISO 3166-1 assigns 249", n)
	}
}

func TestLooseFold(t *testing.T) {
	if LooseFold("BADEN-WÜRTTEMBERG") != LooseFold("baden wurttemberg") {
		t.Error("LooseFold should ignore case, accents and punctuation")
	}
}

func FuzzCountry(f *testing.F) {
	for _, s := range []string{"US", "usa", "United Kingdom", "xx", "Côte d'Ivoire", "(", "england", "Kosovo"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		once := CountryCode(s)
		if once == "" {
			return
		}
		if !IsCountryCode(once) || CountryName(once) == "" {
			t.Fatalf("CountryCode(%q) = %q: not a code the API takes", s, once)
		}
		if twice := CountryCode(once); twice != once {
			t.Fatalf("CountryCode not idempotent: %q → %q → %q", s, once, twice)
		}
	})
}
