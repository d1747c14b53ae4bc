package sandbox

import (
	"bytes"
	"encoding/json"
	"math"
	"net/mail"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// Body validation. Choices where the document is silent, all on the strict
// side:
//   - a field the item's schema does not list is a 422 (the document's 422
//     covers "trying to edit a read only field"; an unknown field is most
//     likely a misspelling the real API would silently drop);
//   - JSON null counts as absent;
//   - a field of the wrong JSON type is a 422 (a phone sent as a number);
//   - lengths are counted in characters (runes), not bytes, as a MySQL
//     utf8mb4 VARCHAR does: "李" is one character;
//   - required strings must be non-empty.
//
// Error keys name the item by index and field. Recorded (the default,
// bulk_update/422.json: "0.id"): "3.email", "0.addresses.2.country_code";
// Options.ErrorKeys "bracketed": "[3].email", "[0].addresses[2].country_code".

type obj struct {
	m         map[string]json.RawMessage
	path      string
	errs      map[string]string
	bracketed bool // error keys "[0].a[1]" instead of "0.a.1"
}

// decodeItem decodes item i of a request body.
func decodeItem(raw json.RawMessage, i int, bracketed bool, errs map[string]string) *obj {
	path := strconv.Itoa(i)
	if bracketed {
		path = "[" + path + "]"
	}
	return (&obj{errs: errs, bracketed: bracketed}).decode(raw, path)
}

// decode decodes a nested object whose error keys start with path.
func (o *obj) decode(raw json.RawMessage, path string) *obj {
	c := &obj{path: path, errs: o.errs, bracketed: o.bracketed}
	if err := json.Unmarshal(raw, &c.m); err != nil || c.m == nil {
		o.errs[path] = "must be a JSON object"
		return nil
	}
	return c
}

// key is the error key of field k: "index.k" in a batch item, "k" in a
// body that is one object (path "").
func (o *obj) key(k string) string {
	if o.path == "" {
		return k
	}
	return o.path + "." + k
}

// bodyObj wraps a one-object body for validation; its errors are keyed by
// field name.
func bodyObj(m map[string]json.RawMessage) *obj {
	return &obj{m: m, errs: map[string]string{}}
}

// elem is the error key of element i of the array field k.
func (o *obj) elem(k string, i int) string {
	if o.bracketed {
		return o.key(k) + "[" + strconv.Itoa(i) + "]"
	}
	return o.key(k) + "." + strconv.Itoa(i)
}

func (o *obj) fail(k, msg string) {
	if _, dup := o.errs[o.key(k)]; !dup {
		o.errs[o.key(k)] = msg
	}
}

// allow flags fields outside the schema.
func (o *obj) allow(fields ...string) {
	ok := map[string]bool{}
	for _, f := range fields {
		ok[f] = true
	}
	for k := range o.m {
		if !ok[k] {
			o.fail(k, "is not a field of this object (unknown or read-only)")
		}
	}
}

func (o *obj) has(k string) bool {
	v, ok := o.m[k]
	return ok && !bytes.Equal(bytes.TrimSpace(v), []byte("null"))
}

// str reads a string field of minLen..maxLen characters (maxLen 0 = no
// limit). It reports whether the field was present.
func (o *obj) str(k string, required bool, minLen, maxLen int) (string, bool) {
	if !o.has(k) {
		if required {
			o.fail(k, "is required")
		}
		return "", false
	}
	var s string
	if err := json.Unmarshal(o.m[k], &s); err != nil {
		o.fail(k, "must be a string")
		return "", false
	}
	n := utf8.RuneCountInString(s)
	if required && minLen < 1 {
		minLen = 1
	}
	if n < minLen {
		if n == 0 {
			o.fail(k, "must not be empty")
		} else {
			o.fail(k, "must be at least "+strconv.Itoa(minLen)+" characters")
		}
		return "", false
	}
	if maxLen > 0 && n > maxLen {
		o.fail(k, "must be at most "+strconv.Itoa(maxLen)+" characters")
		return "", false
	}
	return s, true
}

// id reads an integer field within int32 (format: int32), >= minV.
func (o *obj) id(k string, required bool, minV int64) (int64, bool) {
	if !o.has(k) {
		if required {
			o.fail(k, "is required")
		}
		return 0, false
	}
	var n json.Number
	dec := json.NewDecoder(bytes.NewReader(o.m[k]))
	dec.UseNumber()
	if err := dec.Decode(&n); err != nil {
		o.fail(k, "must be an integer")
		return 0, false
	}
	v, err := strconv.ParseInt(n.String(), 10, 64)
	if err != nil || v < minV || v > math.MaxInt32 {
		o.fail(k, "must be an integer from "+strconv.FormatInt(minV, 10)+" to 2147483647")
		return 0, false
	}
	return v, true
}

func (o *obj) boolean(k string) (bool, bool) {
	if !o.has(k) {
		return false, false
	}
	var b bool
	if err := json.Unmarshal(o.m[k], &b); err != nil {
		o.fail(k, "must be a boolean")
		return false, false
	}
	return b, true
}

// array reads an array field; present reports a non-null value.
func (o *obj) array(k string, maxItems int) (items []json.RawMessage, present bool) {
	if !o.has(k) {
		return nil, false
	}
	if err := json.Unmarshal(o.m[k], &items); err != nil {
		o.fail(k, "must be an array")
		return nil, false
	}
	if maxItems > 0 && len(items) > maxItems {
		o.fail(k, "must hold at most "+strconv.Itoa(maxItems)+" items")
		return nil, false
	}
	return items, true
}

// validEmail is a syntax check. The document gives only lengths; choice,
// the strict side: one bare address that net/mail parses (no display name,
// no surrounding spaces), exactly one @, a local part of 1–64 bytes
// (RFC 5321), and a domain of two or more dot-separated labels of ASCII
// letters, digits and hyphens (or non-ASCII characters, for
// internationalised domains), none empty and none starting or ending with
// a hyphen.
func validEmail(s string) bool {
	if strings.ContainsFunc(s, func(r rune) bool { return unicode.IsSpace(r) || unicode.IsControl(r) }) {
		return false
	}
	a, err := mail.ParseAddress(s)
	if err != nil || a.Address != s || a.Name != "" {
		return false
	}
	local, dom, ok := strings.Cut(s, "@")
	if !ok || local == "" || len(local) > 64 || strings.Contains(dom, "@") {
		return false
	}
	labels := strings.Split(dom, ".")
	if len(labels) < 2 {
		return false
	}
	for _, l := range labels {
		if l == "" || strings.HasPrefix(l, "-") || strings.HasSuffix(l, "-") {
			return false
		}
		for _, r := range l {
			if r < utf8.RuneSelf && r != '-' && !('a' <= r|0x20 && r|0x20 <= 'z') && !('0' <= r && r <= '9') {
				return false
			}
		}
	}
	return true
}

// formFields reads a form_fields array (formFieldValue: name required,
// value required, oneOf string | number | array of strings). Values are
// kept as compact JSON so numbers keep every digit. A name twice in one
// list is a 422.
func (o *obj) formFields(k string) ([]formRec, bool) {
	items, ok := o.array(k, 0)
	if !ok {
		return nil, false
	}
	var out []formRec
	seen := map[string]bool{}
	for i, raw := range items {
		f := o.decode(raw, o.elem(k, i))
		if f == nil {
			continue
		}
		f.allow("name", "value")
		name, _ := f.str("name", true, 1, 255)
		val, okV := f.formValue("value")
		if name == "" || !okV {
			continue
		}
		if seen[name] {
			f.fail("name", "appears twice in this list")
			continue
		}
		seen[name] = true
		out = append(out, formRec{Name: name, Value: val, path: f.path})
	}
	return out, true
}

// formValue checks a formFieldValue.value: a string, a finite number or an
// array of strings; null is refused (value is required).
func (o *obj) formValue(k string) (json.RawMessage, bool) {
	if !o.has(k) {
		o.fail(k, "is required (a string, a number or an array of strings)")
		return nil, false
	}
	raw := bytes.TrimSpace(o.m[k])
	var b bytes.Buffer
	if err := json.Compact(&b, raw); err != nil {
		o.fail(k, "is not valid JSON")
		return nil, false
	}
	switch raw[0] {
	case '"':
	case '[':
		var l []string
		if err := json.Unmarshal(raw, &l); err != nil {
			o.fail(k, "must be a string, a number or an array of strings")
			return nil, false
		}
	default:
		var n json.Number
		if err := json.Unmarshal(raw, &n); err != nil {
			o.fail(k, "must be a string, a number or an array of strings")
			return nil, false
		}
		if f, err := n.Float64(); err != nil || math.IsInf(f, 0) {
			o.fail(k, "number out of range")
			return nil, false
		}
	}
	return json.RawMessage(b.Bytes()), true
}

// attrValueOK checks a value against its attribute's type. The value is
// always a JSON string (attributeValue_Base.value: "This will always be a
// string, regardless of the attribute's type"); what a number or a date
// may look like the document does not say. Choice, the strict side: a
// number is a plain decimal (-12.5: no spaces, plus sign, exponent, bare
// point, NaN or infinity), a date a calendar date (2006-01-02), not a
// date-time.
func attrValueOK(typ, v string) string {
	switch typ {
	case "number":
		if !plainNumber.MatchString(v) {
			return "must be a number for a number attribute (digits, an optional - and decimal point), got " + strconv.Quote(v)
		}
	case "date":
		if _, err := time.Parse("2006-01-02", v); err != nil {
			return "must be an ISO 8601 date (2006-01-02) for a date attribute, got " + strconv.Quote(v)
		}
	}
	return ""
}

var plainNumber = regexp.MustCompile(`^-?[0-9]+(\.[0-9]+)?$`)
