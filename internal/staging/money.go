package staging

import (
	"fmt"
	"math/big"
	"strconv"
	"strings"
)

// Money is an exact decimal amount as the staging files hold it: Parquet
// DECIMAL(20,4), the unscaled value (amount × 10⁴) in 9 big-endian bytes,
// two's complement. DuckDB, Spark and Arrow read it as DECIMAL(20,4).
//
// Why that precision: the Customers V3 document types store credit as a
// JSON number (format float) and gives no precision; BigCommerce answers
// every other amount with four decimals ("5.0000", customers.v2.yml), and
// the sandbox holds store credit to four decimals below 10¹⁶ (refusing
// anything finer rather than rounding it). An amount is never a float
// here: 0.1 + 0.2 stays 0.3.
type Money [9]byte

// Money's limits: MoneyScale decimals, MoneyPrecision digits in all.
const (
	MoneyScale     = 4
	MoneyPrecision = 20
)

var (
	moneyUnit  = new(big.Int).Exp(big.NewInt(10), big.NewInt(MoneyScale), nil)
	moneyLimit = new(big.Int).Exp(big.NewInt(10), big.NewInt(MoneyPrecision), nil) // of the unscaled value
)

// ParseMoney reads a decimal literal ("43.15", "-2", "1e2", "0.0001")
// exactly. An amount with more than four decimals, or of 10¹⁶ or more, is
// an error naming it: it would not survive the column, and rounding money
// silently is not an option.
func ParseMoney(s string) (Money, error) {
	t := strings.TrimSpace(s)
	if i := strings.IndexAny(t, "eE"); i >= 0 {
		// big.Rat would build 10^exponent: a literal like 1e999999999
		// must not cost gigabytes. No amount that fits has an exponent
		// beyond ±40.
		if e, err := strconv.Atoi(strings.TrimPrefix(t[i+1:], "+")); err != nil || e < -40 || e > 40 {
			return Money{}, fmt.Errorf("amount %q is not a decimal number of at most %d digits", s, MoneyPrecision)
		}
	}
	r, ok := new(big.Rat).SetString(t)
	if t == "" || !ok || strings.ContainsAny(t, "/xXpP_") { // big.Rat also reads fractions and hex
		return Money{}, fmt.Errorf("amount %q is not a decimal number", s)
	}
	u := new(big.Rat).Mul(r, new(big.Rat).SetInt(moneyUnit))
	if !u.IsInt() {
		return Money{}, fmt.Errorf("amount %q has more than %d decimals", s, MoneyScale)
	}
	n := u.Num()
	if new(big.Int).Abs(n).Cmp(moneyLimit) >= 0 {
		return Money{}, fmt.Errorf("amount %q is out of range (at most %d integer digits)", s, MoneyPrecision-MoneyScale)
	}
	var m Money
	b := new(big.Int).Set(n)
	if b.Sign() < 0 { // two's complement over 72 bits
		b.Add(b, new(big.Int).Lsh(big.NewInt(1), uint(8*len(m))))
	}
	b.FillBytes(m[:])
	return m, nil
}

// MustMoney is ParseMoney for literals known to be valid (tests, constants).
func MustMoney(s string) Money {
	m, err := ParseMoney(s)
	if err != nil {
		panic(err)
	}
	return m
}

// unscaled is m × 10⁴ as an integer.
func (m Money) unscaled() *big.Int {
	n := new(big.Int).SetBytes(m[:])
	if m[0]&0x80 != 0 {
		n.Sub(n, new(big.Int).Lsh(big.NewInt(1), uint(8*len(m))))
	}
	return n
}

// String is the shortest exact decimal: "43.15", "100", "-0.0001".
func (m Money) String() string {
	r := new(big.Rat).SetFrac(m.unscaled(), moneyUnit)
	if r.IsInt() {
		return r.Num().String()
	}
	s := strings.TrimRight(r.FloatString(MoneyScale), "0")
	return strings.TrimSuffix(s, ".")
}

// Sign is -1, 0 or 1.
func (m Money) Sign() int { return m.unscaled().Sign() }

// MarshalText writes String: JSON and logs show the amount, not bytes.
func (m Money) MarshalText() ([]byte, error) { return []byte(m.String()), nil }

// UnmarshalText is ParseMoney.
func (m *Money) UnmarshalText(b []byte) error {
	v, err := ParseMoney(string(b))
	if err != nil {
		return err
	}
	*m = v
	return nil
}
