package bcrules

import (
	"strings"
	"testing"
)

func TestNormalizeAttributeValue(t *testing.T) {
	for _, tc := range []struct {
		typ, in, want string // want "": refused
	}{
		{"number", "42", "42"}, {"number", "-12.50", "-12.50"}, {"number", "007", "007"}, {"number", "-0", "-0"},
		{"number", " 42 ", "42"}, {"number", "\t42\n", "42"}, {"number", "+5", "5"}, {"number", ".5", "0.5"},
		{"number", "-.5", "-0.5"}, {"number", "5.", "5"}, {"number", "1e3", "1000"}, {"number", "-1.5E3", "-1500"},
		{"number", "1.50e1", "15.0"}, {"number", "12e-1", "1.2"}, {"number", "1e-3", "0.001"}, {"number", "+0.05e2", "5"},
		{"number", "1e+2", "100"}, {"number", "123456789012345678901234567890", "123456789012345678901234567890"},
		{"number", "NaN", ""}, {"number", "Inf", ""}, {"number", "-Infinity", ""}, {"number", "0x1p4", ""},
		{"number", "1,5", ""}, {"number", "1 000", ""}, {"number", "", ""}, {"number", "-", ""}, {"number", ".", ""},
		{"number", "e5", ""}, {"number", "1e", ""}, {"number", "1e5.5", ""}, {"number", "--5", ""}, {"number", "1_000", ""},
		{"number", "١٢", ""}, {"number", "1e999", ""}, {"number", "1e99999999999999999999", ""},
		{"date", "2024-02-29", "2024-02-29"}, {"date", " 2024-02-29 ", "2024-02-29"},
		{"date", "2024-01-02T03:04:05Z", "2024-01-02"}, {"date", "1990-05-14T23:30:00-05:00", "1990-05-14"},
		{"date", "2024-01-02T03:04:05.123+02:00", "2024-01-02"}, {"date", "2024-01-02T03:04:05", "2024-01-02"},
		{"date", "2024-01-02T03:04:05.5", "2024-01-02"},
		{"date", "2024-02-30", ""}, {"date", "2023-02-29", ""}, {"date", "02/01/2024", ""}, {"date", "2024-1-2", ""},
		{"date", "2024-01-02T25:00:00Z", ""}, {"date", "2024-01-02 03:04:05", ""}, {"date", "20240102", ""}, {"date", "", ""},
		{"string", " as is ", " as is "}, {"string", "", ""},
		{"string", strings.Repeat("ü", 255), strings.Repeat("ü", 255)},
	} {
		got, err := NormalizeAttributeValue(tc.typ, tc.in)
		refused := tc.want == "" && tc.typ != "string"
		if refused != (err != nil) || !refused && got != tc.want {
			t.Errorf("NormalizeAttributeValue(%s, %q) = %q, %v; want %q", tc.typ, tc.in, got, err, tc.want)
		}
	}
	if _, err := NormalizeAttributeValue("string", strings.Repeat("ü", 256)); err == nil {
		t.Error("256 characters passed")
	}
	if _, err := NormalizeAttributeValue("number", "1"+strings.Repeat("0", 255)); err == nil {
		t.Error("a 256-digit number passed")
	}
	if _, err := NormalizeAttributeValue("boolean", "true"); err == nil {
		t.Error("an unknown type passed")
	}
}

func FuzzAttributeValue(f *testing.F) {
	for _, s := range []string{"42", " +1.5E3 ", ".5", "5.", "1e-300", "2024-01-02T03:04:05Z", "NaN", "0x10", "-0e0"} {
		f.Add("number", s)
		f.Add("date", s)
	}
	f.Fuzz(func(t *testing.T, typ, s string) {
		once, err := NormalizeAttributeValue(typ, s)
		if err != nil {
			return
		}
		if err := CheckAttributeValue(typ, once); err != nil {
			t.Fatalf("NormalizeAttributeValue(%s, %q) = %q, which CheckAttributeValue refuses: %v", typ, s, once, err)
		}
		if twice, err := NormalizeAttributeValue(typ, once); err != nil || twice != once {
			t.Fatalf("not idempotent: %q → %q → %q (%v)", s, once, twice, err)
		}
	})
}
