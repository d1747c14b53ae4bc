package transform

import (
	"testing"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

func TestText(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"Ann", "Ann"},
		{"  Ann   Marie  ", "Ann Marie"},
		{"Ann\t\nMarie", "Ann Marie"},
		{"Ann\u00a0Marie", "Ann Marie"},            // no-break space
		{"\ufeffAnn", "Ann"},                       // byte-order mark from a CSV
		{"An\u200bn", "Ann"},                       // zero-width space
		{"Ann\x00\x07", "Ann"},                     // controls dropped
		{"Zoe\u0308", "Zoë"},                       // NFC composes
		{"e\x01\u0301", "é"},                       // control between letter and mark: still NFC
		{"MCDONALD mcdonald", "MCDONALD mcdonald"}, // case is never changed
		{"", ""},
		{"   ", ""},
	} {
		if got := Text(tc.in); got != tc.want {
			t.Errorf("Text(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestMultilineText(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"line 1\r\nline  2\r", "line 1\nline  2"},
		{"  a\tb\x00 ", "a\tb"},
	} {
		if got := MultilineText(tc.in); got != tc.want {
			t.Errorf("MultilineText(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestFoldKeys(t *testing.T) {
	// Keys fold case fully, so these compare equal; the values themselves
	// are untouched.
	if string(appendFold(nil, "STRASSE")) != string(appendFold(nil, "straße")) {
		t.Error("full case folding: STRASSE should equal straße")
	}
}

func FuzzText(f *testing.F) {
	for _, s := range []string{"", " a  b ", "e\x01\u0301", "\ufeff\u200b", "Zoe\u0308", "\xff\xfe", "a\u0085b", "\u2000\u3000x"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		once := Text(s)
		if twice := Text(once); twice != once {
			t.Fatalf("Text not idempotent: %q → %q → %q", s, once, twice)
		}
		if !utf8.ValidString(once) || !norm.NFC.IsNormalString(once) {
			t.Fatalf("Text(%q) = %q: not valid NFC UTF-8", s, once)
		}
		m := MultilineText(s)
		if MultilineText(m) != m {
			t.Fatalf("MultilineText not idempotent on %q", s)
		}
	})
}

func BenchmarkText(b *testing.B) {
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		Text("  José   Ramírez\u00a0Jr. ")
		Text("123 Main Street")
	}
}
