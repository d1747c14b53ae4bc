package webhooks

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"
)

// The payload validators are written out by hand from the published schemas
// (see bigcommerce.go and voucherify.go) instead of driving a JSON-Schema
// engine: the schemas are a handful of fields each, the published ones
// declare no "required" lists (so a literal engine would accept {}), and
// hand-written checks give messages that name the field. These helpers keep
// those checks to one line per field.
//
// Rules shared by every check:
//   - extra fields are allowed (the schemas do not forbid them, and both
//     senders add fields over time);
//   - an integer must be written as one (no fraction or exponent) and fit
//     int64, because the nightly job decodes ids into int64;
//   - a customer or address id must be one the API can have (reqID);
//   - a "required" string must be non-empty.

// errNotJSON marks a body that is not one JSON object: 400, not 422.
var errNotJSON = errors.New("body is not a JSON object")

// schemaError is a payload that is JSON but not the documented shape: 422.
type schemaError struct {
	path string // JSON path of the offending field, e.g. "data.id"
	msg  string
}

func (e *schemaError) Error() string {
	if e.path == "" {
		return e.msg
	}
	return e.path + ": " + e.msg
}

func schemaErrorf(path, format string, a ...any) error {
	return &schemaError{path: path, msg: fmt.Sprintf(format, a...)}
}

// object is a decoded JSON object; numbers stay json.Number.
type object map[string]any

// decodeObject parses body as exactly one JSON object.
func decodeObject(body []byte) (object, error) {
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, fmt.Errorf("%w: %v", errNotJSON, err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, fmt.Errorf("%w: data after the JSON value", errNotJSON)
	}
	o, ok := v.(map[string]any)
	if !ok {
		return nil, fmt.Errorf("%w: got %s", errNotJSON, jsonType(v))
	}
	return o, nil
}

func join(path, name string) string {
	if path == "" {
		return name
	}
	return path + "." + name
}

// jsonType names the JSON type of a decoded value, for messages.
func jsonType(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case bool:
		return "boolean"
	case json.Number:
		return "number"
	case string:
		return "string"
	case []any:
		return "array"
	case map[string]any:
		return "object"
	}
	return fmt.Sprintf("%T", v)
}

// The getters below take the object's own path (for messages) and the field
// name. "req" getters fail when the field is absent or null; "opt" getters
// accept absent or null and report present=false.

func (o object) reqObject(path, name string) (object, error) {
	v, ok := o[name]
	if !ok || v == nil {
		return nil, schemaErrorf(join(path, name), "required object is missing")
	}
	m, ok := v.(map[string]any)
	if !ok {
		return nil, schemaErrorf(join(path, name), "must be an object, not %s", jsonType(v))
	}
	return m, nil
}

func (o object) optObject(path, name string) (object, bool, error) {
	v, ok := o[name]
	if !ok || v == nil {
		return nil, false, nil
	}
	m, ok := v.(map[string]any)
	if !ok {
		return nil, false, schemaErrorf(join(path, name), "must be an object or null, not %s", jsonType(v))
	}
	return m, true, nil
}

func (o object) reqString(path, name string) (string, error) {
	v, ok := o[name]
	if !ok || v == nil {
		return "", schemaErrorf(join(path, name), "required string is missing")
	}
	s, ok := v.(string)
	if !ok {
		return "", schemaErrorf(join(path, name), "must be a string, not %s", jsonType(v))
	}
	if s == "" {
		return "", schemaErrorf(join(path, name), "must not be empty")
	}
	return s, nil
}

func (o object) optString(path, name string) (string, bool, error) {
	v, ok := o[name]
	if !ok || v == nil {
		return "", false, nil
	}
	s, ok := v.(string)
	if !ok {
		return "", false, schemaErrorf(join(path, name), "must be a string or null, not %s", jsonType(v))
	}
	return s, true, nil
}

// optStrings checks that each named field, if present, is a string or null.
func (o object) optStrings(path string, names ...string) error {
	for _, n := range names {
		if _, _, err := o.optString(path, n); err != nil {
			return err
		}
	}
	return nil
}

func (o object) reqEnum(path, name string, allowed ...string) (string, error) {
	s, err := o.reqString(path, name)
	if err != nil {
		return "", err
	}
	for _, a := range allowed {
		if s == a {
			return s, nil
		}
	}
	return "", schemaErrorf(join(path, name), "must be %s, not %q", quoteList(allowed), s)
}

func quoteList(a []string) string {
	q := make([]string, len(a))
	for i, s := range a {
		q[i] = strconv.Quote(s)
	}
	return strings.Join(q, " or ")
}

func (o object) reqInt(path, name string) (int64, error) {
	v, ok := o[name]
	if !ok || v == nil {
		return 0, schemaErrorf(join(path, name), "required integer is missing")
	}
	return asInt(join(path, name), v)
}

func (o object) optInt(path, name string) (int64, bool, error) {
	v, ok := o[name]
	if !ok || v == nil {
		return 0, false, nil
	}
	n, err := asInt(join(path, name), v)
	return n, err == nil, err
}

// MaxID is the largest id the API can have: customers.v3.yml types customer
// and address ids (and the id:in filter) as integer, format int32, and ids
// start at 1.
const MaxID = 1<<31 - 1

// ValidID reports whether n is an id the API can have.
func ValidID(n int64) bool { return n >= 1 && n <= MaxID }

// reqID reads a required customer or address id. Zero, negative and larger
// ids name no record; spooled, one would reach the nightly job's id:in
// request, which the API refuses with a 422 for the whole chunk.
func (o object) reqID(path, name string) (int64, error) {
	n, err := o.reqInt(path, name)
	if err != nil {
		return 0, err
	}
	if !ValidID(n) {
		return 0, schemaErrorf(join(path, name), "must be an id from 1 to %d (integer, format int32), not %d", MaxID, n)
	}
	return n, nil
}

func asInt(path string, v any) (int64, error) {
	num, ok := v.(json.Number)
	if !ok {
		return 0, schemaErrorf(path, "must be an integer, not %s", jsonType(v))
	}
	n, err := strconv.ParseInt(num.String(), 10, 64)
	if err != nil {
		return 0, schemaErrorf(path, "must be an integer that fits 64 bits, not %s", num)
	}
	return n, nil
}

// optIntArray checks that the field, if present, is null or an array of
// integers.
func (o object) optIntArray(path, name string) error {
	v, ok := o[name]
	if !ok || v == nil {
		return nil
	}
	a, ok := v.([]any)
	if !ok {
		return schemaErrorf(join(path, name), "must be an array of integers or null, not %s", jsonType(v))
	}
	for i, e := range a {
		if _, err := asInt(fmt.Sprintf("%s[%d]", join(path, name), i), e); err != nil {
			return err
		}
	}
	return nil
}

// optDate checks that the field, if present and not null, is a YYYY-MM-DD
// calendar date.
func (o object) optDate(path, name string) error {
	s, ok, err := o.optString(path, name)
	if err != nil || !ok {
		return err
	}
	if _, err := time.Parse(time.DateOnly, s); err != nil {
		return schemaErrorf(join(path, name), "must be a YYYY-MM-DD date, not %q", s)
	}
	return nil
}

// reqTimestamp checks an RFC 3339 date-time string.
func (o object) reqTimestamp(path, name string) error {
	s, err := o.reqString(path, name)
	if err != nil {
		return err
	}
	if _, err := time.Parse(time.RFC3339Nano, s); err != nil {
		return schemaErrorf(join(path, name), "must be an RFC 3339 date-time, not %q", s)
	}
	return nil
}
