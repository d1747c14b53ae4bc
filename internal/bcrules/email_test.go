package bcrules

import (
	"errors"
	"strings"
	"testing"
)

func TestNormalizeEmail(t *testing.T) {
	for _, tc := range []struct {
		in, want string
		ok       bool
	}{
		{"Ann.Lee@Example.COM", "Ann.Lee@example.com", true}, // local part keeps its case
		{"  ann@example.com ", "ann@example.com", true},
		{"ann+tag@sub.example.co.uk", "ann+tag@sub.example.co.uk", true},
		{"ann@bücher.de", "ann@bücher.de", true},
		{"ann@BÜCHER.DE", "ann@bücher.de", true},
		{"", "", false},
		{"ann.example.com", "", false},
		{"ann@@example.com", "", false},
		{"a@b@example.com", "", false},
		{"ann lee@example.com", "", false},
		{"ann@localhost", "", false},
		{"ann@example..com", "", false},
		{"ann@-example.com", "", false},
		{"ann@example.com.", "", false},
		{"Ann <ann@example.com>", "", false},
		{"ann.@example.com", "", false}, // net/mail: dot at the end of the local part
		{strings.Repeat("a", 65) + "@example.com", "", false},
		{"ann@exa_mple.com", "", false},
	} {
		got, err := NormalizeEmail(tc.in)
		if tc.ok != (err == nil) {
			t.Errorf("NormalizeEmail(%q) error = %v, want ok=%v", tc.in, err, tc.ok)
			continue
		}
		if err != nil && !errors.Is(err, ErrInvalidEmail) {
			t.Errorf("NormalizeEmail(%q) error %v does not wrap ErrInvalidEmail", tc.in, err)
		}
		if tc.ok && got != tc.want {
			t.Errorf("NormalizeEmail(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

// Emails compare by plain lower-casing, never by Unicode case folding:
// under folding "straße" is "strasse" and "ﬁ" is "fi", and two people
// would share a key.
func TestEmailKeyNeverFolds(t *testing.T) {
	for _, pair := range [][2]string{
		{"straße@example.de", "strasse@example.de"},
		{"STRASSE@example.de", "straße@example.de"},
		{"ﬁnn@example.com", "finn@example.com"},
		{"ſam@example.com", "sam@example.com"},
		{"ann@example.com", "anne@example.com"},
	} {
		if EmailKey(pair[0]) == EmailKey(pair[1]) {
			t.Errorf("EmailKey(%q) == EmailKey(%q): two customers would merge", pair[0], pair[1])
		}
	}
	if EmailKey(" STRASSE@Example.de ") != EmailKey("strasse@example.de") || EmailKey("Ann@Example.com") != EmailKey("ann@example.com") {
		t.Error("emails equal after trimming and lower-casing must have one key")
	}
}

// What NormalizeEmail passes, CheckEmail passes as it is, and normalising
// again changes nothing.
func FuzzEmail(f *testing.F) {
	for _, s := range []string{"Ann@Example.COM", " a@b.co ", "a@b", "\"a b\"@c.de", "a@B\u0130.com", "x@y..z", "@", "a@ß.de"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		once, err := NormalizeEmail(s)
		if err != nil {
			return
		}
		if err := CheckEmail(once); err != nil {
			t.Fatalf("NormalizeEmail(%q) = %q, which CheckEmail refuses: %v", s, once, err)
		}
		twice, err := NormalizeEmail(once)
		if err != nil || twice != once {
			t.Fatalf("NormalizeEmail not idempotent: %q → %q → %q (%v)", s, once, twice, err)
		}
	})
}
