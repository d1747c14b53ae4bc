package transform

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// problem is why a record cannot be passed on: the field, the rule that
// failed, the offending value and a message for a person.
type problem struct {
	field, rule, value, msg string
}

func (p *problem) Error() string { return p.msg }

// Length limits from the Customers V3 OpenAPI document (customer_Post,
// customerAddresses_CustomerPost/address_Post, attribute_Post,
// attributeValue_Base). Lengths are counted in characters (Unicode code
// points, after NFC), as the API counts them — not bytes: "Zoë" is 3.
type limit struct {
	field    string
	min, max int // max 0: no maximum
}

// MaxLongText bounds the string fields the document leaves unbounded and
// the loader sends: customer notes and form field values. Without a bound
// one 10 MB note makes the request too large for any server (413). 65,535
// characters (a MySQL TEXT column) keeps any one record under 1 MiB, the
// smallest body limit the loader assumes (internal/sandbox), even if every
// character needs a six-byte JSON escape (\u003c): 393,210 bytes, with
// room for the record's other fields.
const MaxLongText = 65535

var (
	// registration_ip_address (≤30 in customer_Full) is not checked: the
	// loader never sends it (customer_Post has no such field).
	customerLimits = []limit{
		{"email", 3, 250}, {"first_name", 1, 100}, {"last_name", 1, 100},
		{"company", 0, 255}, {"phone", 0, 50}, {"tax_exempt_category", 0, 255},
		{"notes", 0, MaxLongText},
	}
	// address1 and city are required. address1 and address2 have no
	// documented maximum; 255, the size of the other address text fields,
	// is the strict reading the sandbox enforces. State and postal code are
	// required only "for countries that need them", which the document
	// does not list, so they are not required here (the load stage reports
	// the API's answer).
	addressLimits = []limit{
		{"first_name", 1, 255}, {"last_name", 1, 255}, {"company", 0, 255},
		{"address1", 1, 255}, {"address2", 0, 255}, {"city", 1, 100}, {"state_or_province", 0, 100},
		{"postal_code", 0, 30}, {"country_code", 2, 2}, {"phone", 0, 50},
	}
)

// checkLimits checks values (in the order of limits) against limits.
func checkLimits(limits []limit, values ...string) *problem {
	for i, l := range limits {
		if p := checkLength(l.field, values[i], l.min, l.max); p != nil {
			return p
		}
	}
	return nil
}

func checkLength(field, v string, min, max int) *problem {
	n := utf8.RuneCountInString(v)
	switch {
	case n == 0 && min > 0:
		return &problem{field, CheckRequired, v, fmt.Sprintf("%s is required and is empty", field)}
	case n < min:
		return &problem{field, CheckLength, v, fmt.Sprintf("%s must be at least %d characters, it has %d", field, min, n)}
	case max > 0 && n > max:
		return &problem{field, CheckLength, v, fmt.Sprintf("%s must be at most %d characters, it has %d: shorten it", field, max, n)}
	}
	return nil
}

// checkUTF8 finds the first field whose value is not valid UTF-8. The API
// speaks JSON, which cannot carry such bytes, and guessing the intended
// encoding would corrupt names silently: such rows are rejected (rule
// "utf8") with the bad value escaped so a person can find it.
func checkUTF8(fields ...string) *problem {
	for i := 0; i+1 < len(fields); i += 2 {
		if !utf8.ValidString(fields[i+1]) {
			return &problem{fields[i], CheckUTF8, strconv.Quote(fields[i+1]),
				fmt.Sprintf("%s is not valid UTF-8: re-export the source as UTF-8 or fix the bytes shown", fields[i])}
		}
	}
	return nil
}

// Attribute types the API knows.
const (
	AttributeString = "string"
	AttributeNumber = "number"
	AttributeDate   = "date"
)

// MaxAttributes is the API's limit on attribute definitions per store.
const MaxAttributes = 50

// MaxAttributeValue is the API's limit on an attribute value's length.
const MaxAttributeValue = 255

// CheckAttributeValue checks that v fits an attribute of type typ: at most
// 255 characters; a number must parse as a finite decimal number; a date
// must be an ISO 8601 date (2006-01-02) or date-time (RFC 3339, or without
// a zone). Values are not reformatted: what parses is sent as given.
func CheckAttributeValue(typ, v string) error {
	if n := utf8.RuneCountInString(v); n > MaxAttributeValue {
		return fmt.Errorf("attribute values must be at most %d characters, this one has %d", MaxAttributeValue, n)
	}
	switch typ {
	case AttributeString:
		return nil
	case AttributeNumber:
		f, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
		if err != nil || math.IsInf(f, 0) || math.IsNaN(f) {
			return fmt.Errorf("%q is not a number, and the attribute's type is number", v)
		}
		return nil
	case AttributeDate:
		if isISODate(v) {
			return nil
		}
		return fmt.Errorf("%q is not an ISO 8601 date (2006-01-02) or date-time (2006-01-02T15:04:05Z), and the attribute's type is date", v)
	}
	return fmt.Errorf("attribute type %q is not string, number or date", typ)
}

var isoLayouts = []string{"2006-01-02", time.RFC3339Nano, "2006-01-02T15:04:05", "2006-01-02T15:04:05.999999999"}

func isISODate(v string) bool {
	for _, l := range isoLayouts {
		if _, err := time.Parse(l, v); err == nil {
			return true
		}
	}
	return false
}
