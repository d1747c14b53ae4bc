package staging

import (
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"

	"github.com/parquet-go/parquet-go"
)

// Money keeps an amount exactly, refuses what DECIMAL(20,4) cannot hold
// instead of rounding it, and is a DECIMAL(20,4) column in Parquet.
func TestMoneyIsExact(t *testing.T) {
	for in, want := range map[string]string{
		"43.15": "43.15", "0.1": "0.1", "100": "100", "1e2": "100", "-0.0001": "-0.0001", "0": "0",
		"9999999999999999.9999": "9999999999999999.9999", "-9999999999999999.9999": "-9999999999999999.9999",
		"12345678901234.5678": "12345678901234.5678", "5.0000": "5",
	} {
		m, err := ParseMoney(in)
		if err != nil {
			t.Errorf("%s: %v", in, err)
			continue
		}
		if m.String() != want {
			t.Errorf("%s reads back as %s, want %s", in, m, want)
		}
	}
	for _, bad := range []string{"43.150000000000006", "10000000000000000", "", "abc", "1/3", "0x10", "NaN", "Inf", "1e999999999", "1e-99999999999999999999"} {
		if _, err := ParseMoney(bad); err == nil {
			t.Errorf("ParseMoney(%q) accepted", bad)
		}
	}
	b, _ := json.Marshal([]Money{MustMoney("0.3")})
	if string(b) != `["0.3"]` {
		t.Errorf("JSON %s", b)
	}
	var back []Money
	if err := json.Unmarshal(b, &back); err != nil || back[0] != MustMoney("0.3") {
		t.Errorf("JSON round trip: %v %v", err, back)
	}
	if s := parquet.SchemaOf(Customer{}).String(); !strings.Contains(s, "required fixed_len_byte_array(9) element (DECIMAL(20,4))") {
		t.Errorf("store_credit_amounts is not a DECIMAL(20,4) list:\n%s", s)
	}
	path := filepath.Join(t.TempDir(), FileName(EntityCustomers))
	in := []Customer{{SourceKey: "1", StoreCreditAmounts: []Money{MustMoney("0.1"), MustMoney("-7.25")}}}
	if _, err := WriteAll(path, in); err != nil {
		t.Fatal(err)
	}
	out, err := ReadAll[Customer](path)
	if err != nil || len(out) != 1 || out[0].StoreCreditAmounts[0].String() != "0.1" || out[0].StoreCreditAmounts[1].String() != "-7.25" {
		t.Fatalf("round trip: %v %+v", err, out)
	}
}

// Whatever ParseMoney accepts reads back exactly from its String, and it
// never panics.
func FuzzParseMoney(f *testing.F) {
	for _, s := range []string{"0", "43.15", "-0.0001", "9999999999999999.9999", "1e2", "1e-4", "0.00001", "abc", "1/2"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		m, err := ParseMoney(s)
		if err != nil {
			return
		}
		back, err := ParseMoney(m.String())
		if err != nil || back != m {
			t.Fatalf("%q → %s → %v, %v", s, m, back, err)
		}
	})
}
