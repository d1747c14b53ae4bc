package transform

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

func TestEmailKeyIsCaseInsensitive(t *testing.T) {
	if EmailKey("Ann@Example.com") != EmailKey("ann@example.com") {
		t.Error("emails differing only in case must have one key")
	}
	if EmailKey("ann@example.com") == EmailKey("anne@example.com") {
		t.Error("different emails share a key")
	}
}

func FuzzEmail(f *testing.F) {
	for _, s := range []string{"Ann@Example.COM", " a@b.co ", "a@b", "\"a b\"@c.de", "a@B\u0130.com", "x@y..z", "@", "a@ß.de"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		once, err := NormalizeEmail(s)
		if err != nil {
			return
		}
		twice, err := NormalizeEmail(once)
		if err != nil || twice != once {
			t.Fatalf("NormalizeEmail not idempotent: %q → %q → %q (%v)", s, once, twice, err)
		}
	})
}

func BenchmarkEmail(b *testing.B) {
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		NormalizeEmail(" Ann.Lee+shop@Example.COM ")
	}
}
