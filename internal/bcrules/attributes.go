package bcrules

import (
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// Attribute types (attribute_Post's type enum); the type of an attribute
// is immutable once created. They live here, not in the client, so that
// the rules (and the transform that applies them) need no HTTP client.
const (
	AttributeTypeString = "string"
	AttributeTypeNumber = "number"
	AttributeTypeDate   = "date"
)

// AttributeTypes are the attribute types the API knows (attribute_Post),
// exactly as written.
var AttributeTypes = []string{AttributeTypeString, AttributeTypeNumber, AttributeTypeDate}

// IsAttributeType reports whether the API takes typ as an attribute type.
func IsAttributeType(typ string) bool { return slices.Contains(AttributeTypes, typ) }

// MaxAttributes is the API's limit on attribute definitions per store ("A
// store cannot have more than 50 customer attributes").
const MaxAttributes = 50

// MaxAttributeValue is the API's limit on an attribute value's length
// (attributeValue_Base.value, maxLength 255).
const MaxAttributeValue = 255

// CheckAttributeValue checks v, as it will be sent, against an attribute
// of type typ: at most MaxAttributeValue characters; a number is a plain
// decimal (-12.5) and a date a calendar date (2006-01-02), as the package
// documentation explains. NormalizeAttributeValue turns the other ways of
// writing them into these.
func CheckAttributeValue(typ, v string) error {
	if n := utf8.RuneCountInString(v); n > MaxAttributeValue {
		return fmt.Errorf("attribute values must be at most %d characters, this one has %d", MaxAttributeValue, n)
	}
	switch typ {
	case AttributeTypeString:
		return nil
	case AttributeTypeNumber:
		if !plainDecimal(v) {
			return fmt.Errorf("%q is not a number as the API takes it (digits, an optional leading - and decimal point: -12.5), and the attribute's type is number", v)
		}
		return nil
	case AttributeTypeDate:
		if !calendarDate(v) {
			return fmt.Errorf("%q is not a date as the API takes it (2006-01-02), and the attribute's type is date", v)
		}
		return nil
	}
	return fmt.Errorf("attribute type %q is not string, number or date", typ)
}

// NormalizeAttributeValue rewrites a number or a date into the one form
// the API takes, or says why it cannot; strings are returned as they are.
// A number may have white space around it, a leading +, no digit before or
// after its decimal point, and an exponent: " +1.5E3 " is "1500", ".5" is
// "0.5", "2." is "2", exactly (the digits are moved, never rounded through
// a float). NaN, infinities, hexadecimal and thousands separators are not
// numbers. A date may have white space around it and be an ISO 8601
// date-time (RFC 3339, with or without a zone): its date is kept as
// written and the time dropped, never converted to another zone, so a
// birthday stays on its day ("1990-05-14T23:30:00-05:00" is
// "1990-05-14").
func NormalizeAttributeValue(typ, v string) (string, error) {
	switch typ {
	case AttributeTypeNumber:
		if d, ok := toPlainDecimal(strings.TrimSpace(v)); ok {
			v = d
		}
	case AttributeTypeDate:
		if d, ok := toCalendarDate(strings.TrimSpace(v)); ok {
			v = d
		}
	}
	return v, CheckAttributeValue(typ, v)
}

// plainDecimal reports whether s is -?[0-9]+(\.[0-9]+)?.
func plainDecimal(s string) bool {
	i, f, dot := strings.Cut(strings.TrimPrefix(s, "-"), ".")
	return allDigits(i) && (!dot || allDigits(f))
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}

// maxExponent bounds the exponents toPlainDecimal expands: beyond it the
// digits could not fit in MaxAttributeValue characters anyway.
const maxExponent = 2 * MaxAttributeValue

// toPlainDecimal rewrites a decimal with an optional sign, optional digits
// on either side of the point and an optional exponent into a plain
// decimal, moving the point instead of computing.
func toPlainDecimal(s string) (string, bool) {
	if plainDecimal(s) {
		return s, true
	}
	sign := ""
	if s != "" && (s[0] == '-' || s[0] == '+') {
		sign, s = strings.TrimPrefix(s[:1], "+"), s[1:]
	}
	exp := 0
	if i := strings.IndexAny(s, "eE"); i >= 0 {
		e, err := strconv.Atoi(s[i+1:])
		if err != nil || e < -maxExponent || e > maxExponent {
			return "", false
		}
		s, exp = s[:i], e
	}
	ip, fp, _ := strings.Cut(s, ".")
	if ip == "" && fp == "" || ip != "" && !allDigits(ip) || fp != "" && !allDigits(fp) {
		return "", false
	}
	digits, point := ip+fp, len(ip)+exp
	switch {
	case point <= 0:
		ip, fp = "0", strings.Repeat("0", -point)+digits
	case point >= len(digits):
		ip, fp = digits+strings.Repeat("0", point-len(digits)), ""
	default:
		ip, fp = digits[:point], digits[point:]
	}
	if ip = strings.TrimLeft(ip, "0"); ip == "" {
		ip = "0"
	}
	if fp != "" {
		return sign + ip + "." + fp, true
	}
	return sign + ip, true
}

func calendarDate(s string) bool {
	_, err := time.Parse(time.DateOnly, s)
	return err == nil
}

// dateTimeLayouts are the ISO 8601 date-times a date is taken from.
var dateTimeLayouts = []string{time.RFC3339Nano, "2006-01-02T15:04:05.999999999"}

func toCalendarDate(s string) (string, bool) {
	if calendarDate(s) {
		return s, true
	}
	for _, l := range dateTimeLayouts {
		if _, err := time.Parse(l, s); err == nil {
			return s[:len(time.DateOnly)], true
		}
	}
	return "", false
}

// FiniteJSONNumber reports whether s is one JSON number whose value is
// finite as a float64: what the API takes as a number form field value.
func FiniteJSONNumber(s string) bool {
	var v any
	d := json.NewDecoder(strings.NewReader(s))
	d.UseNumber()
	if d.Decode(&v) != nil || d.More() {
		return false
	}
	n, ok := v.(json.Number)
	if !ok {
		return false
	}
	_, err := n.Float64()
	return err == nil
}
