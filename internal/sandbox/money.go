package sandbox

import (
	"bytes"
	"encoding/json"
	"math/big"
	"strings"
)

// Money. The document types store_credit_amounts[].amount as a JSON
// number (format float) and customer-group discount amounts as "A float
// that specifies the value … (Float, Float as String, Integer)", answered
// as text with four decimals ("5.0000", customers.v2.yml). Both are kept
// here as exact decimals, never as float64, so an amount answers exactly
// what was written and a client that rounds money through a float is
// caught by comparing the two stores.
//
// Choice for store credit (the document gives no precision): BigCommerce
// answers money with four decimals (the group amounts above), so an amount
// may have at most four decimals and fewer than 16 integer digits (a
// DECIMAL(20,4)); anything finer — 43.150000000000006, the trace of a
// float64 sum — is refused with 422 instead of being rounded silently.
// Evidence: the four-decimal amounts of customers.v2.yml; the refusal is
// stricter on purpose.

var (
	tenThousand = big.NewRat(10000, 1)
	creditLimit = new(big.Rat).SetInt(new(big.Int).Exp(big.NewInt(10), big.NewInt(16), nil))
)

// parseDecimal reads a JSON number exactly; with text, a JSON string
// holding one is accepted too.
func parseDecimal(raw json.RawMessage, text bool) (*big.Rat, bool) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 {
		return nil, false
	}
	s := string(raw)
	if raw[0] == '"' {
		if !text || json.Unmarshal(raw, &s) != nil {
			return nil, false
		}
		s = strings.TrimSpace(s)
	} else {
		var n json.Number
		if json.Unmarshal(raw, &n) != nil {
			return nil, false
		}
	}
	if s == "" || strings.ContainsAny(s, "/xXpP_") { // big.Rat also reads fractions and hex
		return nil, false
	}
	r, ok := new(big.Rat).SetString(s)
	return r, ok
}

// fourDecimals reports whether r has at most four decimals.
func fourDecimals(r *big.Rat) bool { return new(big.Rat).Mul(r, tenThousand).IsInt() }

// formatDecimal writes r (at most four decimals) as the shortest exact
// decimal: 43.15, 100, 0.0001.
func formatDecimal(r *big.Rat) string {
	if r.IsInt() {
		return r.Num().String()
	}
	s := r.FloatString(4)
	s = strings.TrimRight(s, "0")
	return strings.TrimSuffix(s, ".")
}

// creditAmount checks one store credit amount; it returns the amount as
// exact decimal text, or a message.
func creditAmount(raw json.RawMessage) (string, string) {
	r, ok := parseDecimal(raw, false)
	switch {
	case !ok:
		return "", "must be a number >= 0"
	case r.Sign() < 0:
		return "", "must be a number >= 0"
	case !fourDecimals(r):
		return "", "has more than 4 decimals: store credit is kept to 4 decimal places"
	case r.Cmp(creditLimit) >= 0:
		return "", "must be less than 10000000000000000"
	}
	return formatDecimal(r), ""
}
