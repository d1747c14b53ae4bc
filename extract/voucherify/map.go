package voucherify

import (
	"bytes"
	"cmp"
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/bcetl/bcetl/extract"
	"github.com/bcetl/bcetl/internal/bcrules"
	"github.com/bcetl/bcetl/internal/staging"
)

// recordError is why one record cannot become rows: it becomes a Reject.
type recordError struct {
	key   string // the record's source key if it was found
	field string
	rule  string
	msg   string
}

func (e *recordError) Error() string { return e.msg }

// utf8Error rejects a record holding bytes that are not UTF-8, naming the
// customer field that holds them. JSON text is UTF-8; encoding/json would
// turn each bad byte into U+FFFD without a word and a name would be loaded
// garbled, so the record is rejected (rule "utf8", as for CSV and in the
// transform) and the reject shows the bytes escaped.
func utf8Error(key string, cust jsonObject) *recordError {
	field := ""
	names := make([]string, 0, len(cust))
	for k := range cust {
		names = append(names, k)
	}
	sort.Strings(names)
	for _, k := range names {
		if !utf8.Valid(cust[k]) {
			field = k
			break
		}
	}
	what := "the record"
	if field != "" {
		what = fmt.Sprintf("field %q", field)
	}
	return &recordError{key: key, field: field, rule: "utf8",
		msg: what + " is not valid UTF-8 (the value shows the bytes escaped); save the file as UTF-8"}
}

// voucherifyEvents are the event types whose data.customer is a customer to
// import. customer.deleted and the reward events also carry a customer, but
// importing them would resurrect or duplicate people.
var voucherifyEvents = map[string]bool{"customer.created": true, "customer.updated": true}

type jsonObject = map[string]json.RawMessage

// customer is a Voucherify customer as the one mapping to staging rows
// reads it, whichever source it came from: a JSON export or event
// (customerFromJSON), a List Customers page (the same JSON), or a row of
// the dashboard's CSV export (csv.go). Every text is trimmed; "" is an
// absent field.
type customer struct {
	key string // the source key: Scheme:source_id, else Scheme:id, else the caller's fallback

	name, email, phone, description string
	birthdate, birthday             string // birthday is the deprecated field
	createdAt, updatedAt            string // RFC 3339, as the API writes them

	// address is line_1, line_2, city, state, country and postal_code;
	// nil or all empty: no address.
	address map[string]string
	// metadata is the customer's metadata, key by key, each value as its
	// text (metadataValues); extra holds columns of a CSV that no
	// documented field names, kept the same way.
	metadata, extra []attrValue

	// optIn is the customer's email-marketing opt-in, as the source's
	// MarketingConsent hook read it (consent.go), and optInAt since when:
	// an opted-in customer becomes a newsletter subscriber of the target,
	// never the review and abandoned-cart flag, which is another consent.
	optIn   bool
	optInAt *time.Time
}

type attrValue struct{ name, value string }

// mapVoucherify maps one JSON value: a Voucherify customer, a customer
// event envelope ({id, type, data:{customer}}) or the bare {"customer": …}
// shape of webhook logs. fallbackKey is used when the customer has neither
// source_id nor id.
func mapVoucherify(raw []byte, fallbackKey string, consent MarketingConsent) (*extract.Record, *recordError) {
	if !json.Valid(raw) {
		var v any
		err := json.Unmarshal(raw, &v)
		return nil, &recordError{rule: "invalid-json", msg: fmt.Sprintf("invalid JSON (%v); fix the line or export the record again", err)}
	}
	obj, err := jsonObj(raw)
	if err != nil {
		return nil, &recordError{rule: "not-an-object", msg: "the record is not a JSON object; each record must be one Voucherify customer or customer event"}
	}
	cust, rerr := unwrapCustomer(obj)
	if rerr != nil {
		return nil, rerr
	}
	c, rerr := customerFromJSON(cust, raw, fallbackKey)
	if rerr != nil {
		return nil, rerr
	}
	if consent != nil {
		in, at, err := consent(cust)
		if err != nil {
			return nil, &recordError{key: c.key, field: "consents", rule: "invalid-consent", msg: err.Error()}
		}
		c.optIn, c.optInAt = in, at
	}
	return mapCustomer(c)
}

// customerFromJSON reads a customer object. raw is the whole record, for
// the UTF-8 check.
func customerFromJSON(cust jsonObject, raw []byte, fallbackKey string) (*customer, *recordError) {
	c := &customer{key: fallbackKey}
	for _, f := range []string{"source_id", "id"} {
		id, err := jsonText(cust, f)
		if err != nil {
			return nil, &recordError{field: f, rule: "invalid-type", msg: err.Error()}
		}
		if id != "" {
			c.key = Scheme + ":" + id
			break
		}
	}
	if !utf8.Valid(raw) {
		return nil, utf8Error(c.key, cust)
	}
	for _, f := range []struct {
		name string
		dst  *string
	}{{"name", &c.name}, {"email", &c.email}, {"phone", &c.phone}, {"description", &c.description},
		{"birthdate", &c.birthdate}, {"birthday", &c.birthday}, {"created_at", &c.createdAt}, {"updated_at", &c.updatedAt}} {
		s, err := jsonText(cust, f.name)
		if err != nil {
			return nil, &recordError{key: c.key, field: f.name, rule: "invalid-type", msg: err.Error()}
		}
		*f.dst = s
	}
	if raw, ok := cust["address"]; ok && !jsonNull(raw) {
		a, err := jsonObj(raw)
		if err != nil {
			return nil, &recordError{key: c.key, field: "address", rule: "invalid-type", msg: "address is not an object"}
		}
		c.address = map[string]string{}
		for _, k := range addressFields {
			s, err := jsonText(a, k)
			if err != nil {
				return nil, &recordError{key: c.key, field: "address." + k, rule: "invalid-type", msg: "address." + err.Error()}
			}
			c.address[k] = s
		}
	}
	if raw, ok := cust["metadata"]; ok && !jsonNull(raw) {
		md, err := jsonObj(raw)
		if err != nil {
			return nil, &recordError{key: c.key, field: "metadata", rule: "invalid-type", msg: "metadata is not an object"}
		}
		c.metadata = metadataValues(md)
	}
	return c, nil
}

// addressFields are the fields of a Voucherify address.
var addressFields = []string{"line_1", "line_2", "city", "state", "country", "postal_code"}

// mapCustomer is the one mapping of a Voucherify customer to staging rows
// (SOURCES.md): name split into first and last, description into notes,
// created_at and updated_at kept to the millisecond, the address, the
// birthdate as a date attribute, each metadata key as a string attribute.
func mapCustomer(v *customer) (*extract.Record, *recordError) {
	key := v.key
	rec := &extract.Record{Customer: staging.Customer{
		SourceKey: key,
		Email:     v.email,
		Phone:     v.phone,
		Notes:     v.description,
	}}
	c := &rec.Customer
	c.FirstName, c.LastName = extract.SplitName(v.name)
	for _, ts := range []struct {
		field, value string
		dst          **time.Time
	}{{"created_at", v.createdAt, &c.DateCreated}, {"updated_at", v.updatedAt, &c.DateModified}} {
		if ts.value == "" {
			continue
		}
		t, ok := parseTime(ts.value)
		if !ok {
			return nil, &recordError{key: key, field: ts.field, rule: "invalid-timestamp",
				msg: fmt.Sprintf("%s %q is not an RFC 3339 timestamp like 2024-02-01T10:42:59.594Z", ts.field, extract.Short(ts.value))}
		}
		t = t.UTC().Truncate(time.Millisecond) // the staging files keep milliseconds
		*ts.dst = &t
	}
	if addr := voucherifyAddress(v.address, rec); addr != nil {
		rec.Addresses = append(rec.Addresses, *addr)
	}
	// birthdate is the current field, birthday the deprecated one.
	if b := cmp.Or(v.birthdate, v.birthday); b != "" {
		rec.AddAttribute("birthdate", "date", b)
	}
	for _, l := range [][]attrValue{v.metadata, v.extra} {
		for _, a := range l {
			if !hasAttr(rec, a.name) { // an explicit field (birthdate) wins over metadata of the same name
				rec.AddAttribute(a.name, "string", a.value)
			}
		}
	}
	if v.optIn {
		rec.OptIn(v.optInAt)
	}
	return rec, nil
}

// parseTime reads a timestamp as the API and the export write it (RFC
// 3339, milliseconds, "Z"), or as a spreadsheet may have re-saved an
// export: without the T or the zone (then UTC).
func parseTime(s string) (time.Time, bool) {
	if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
		return t, true
	}
	for _, layout := range []string{"2006-01-02 15:04:05.999999999Z07:00", "2006-01-02T15:04:05.999999999", "2006-01-02 15:04:05.999999999"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t, true
		}
	}
	return time.Time{}, false
}

// unwrapCustomer finds the customer object in the three record shapes.
func unwrapCustomer(obj jsonObject) (jsonObject, *recordError) {
	if data, ok := obj["data"]; ok {
		typ, err := jsonText(obj, "type")
		if err != nil {
			return nil, &recordError{field: "type", rule: "invalid-type", msg: err.Error()}
		}
		if typ != "" && !voucherifyEvents[typ] {
			return nil, &recordError{field: "type", rule: "unsupported-event",
				msg: fmt.Sprintf("event type %q is not a customer to import (only customer.created and customer.updated are)", extract.Short(typ))}
		}
		d, err := jsonObj(data)
		if err != nil {
			return nil, &recordError{field: "data", rule: "invalid-type", msg: "data is not an object"}
		}
		obj = d
	}
	if inner, ok := obj["customer"]; ok {
		c, err := jsonObj(inner)
		if err != nil {
			return nil, &recordError{field: "customer", rule: "invalid-type", msg: "customer is not an object"}
		}
		return c, nil
	}
	for _, f := range []string{"object", "email", "name", "source_id", "id"} {
		if _, ok := obj[f]; ok {
			return obj, nil
		}
	}
	return nil, &recordError{rule: "not-a-customer", msg: "no customer found: want a Voucherify customer (with email, name, source_id or id), {\"customer\": {…}} or an event with data.customer"}
}

// voucherifyAddress is the customer's one address, or nil when no field
// of it has a value ({} or all null is no address, not an empty one).
func voucherifyAddress(f map[string]string, rec *extract.Record) *staging.Address {
	has := false
	for _, v := range f {
		has = has || v != ""
	}
	if !has {
		return nil
	}
	c := rec.Customer
	return &staging.Address{
		SourceKey:         c.SourceKey + "/address",
		CustomerSourceKey: c.SourceKey,
		FirstName:         c.FirstName,
		LastName:          c.LastName,
		Address1:          f["line_1"],
		Address2:          f["line_2"],
		City:              f["city"],
		StateOrProvince:   f["state"],
		PostalCode:        f["postal_code"],
		Country:           f["country"],
		CountryCode:       bcrules.CountryCode(f["country"]),
	}
}

// metadataValues makes each metadata key a string attribute value, by key
// (map order is random; files should not be). Strings are kept as they
// are; numbers, booleans, arrays and objects as their compact JSON, so
// nothing is lost; nulls are absent values.
func metadataValues(md jsonObject) []attrValue {
	keys := make([]string, 0, len(md))
	for k := range md {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var out []attrValue
	for _, k := range keys {
		v := md[k]
		if jsonNull(v) {
			continue
		}
		var s string
		if err := json.Unmarshal(v, &s); err != nil {
			var buf bytes.Buffer
			if json.Compact(&buf, v) != nil {
				continue // cannot happen: v was decoded from valid JSON
			}
			s = buf.String()
		}
		out = append(out, attrValue{k, s})
	}
	return out
}

func hasAttr(rec *extract.Record, name string) bool {
	for _, a := range rec.AttributeValues {
		if a.AttributeName == name {
			return true
		}
	}
	return false
}

func jsonObj(raw []byte) (jsonObject, error) {
	var o jsonObject
	if err := json.Unmarshal(raw, &o); err != nil {
		return nil, err
	}
	if o == nil {
		return nil, fmt.Errorf("null")
	}
	return o, nil
}

func jsonNull(raw json.RawMessage) bool { return string(bytes.TrimSpace(raw)) == "null" }

// text reads a scalar field as trimmed text. Strings are taken as they are
// and numbers as their literal (a phone or id exported as a number keeps
// its digits); a missing field or null is "". Objects, arrays and booleans
// are an error naming the field.
func jsonText(o jsonObject, field string) (string, error) {
	raw, ok := o[field]
	if !ok {
		return "", nil
	}
	raw = bytes.TrimSpace(raw)
	switch {
	case len(raw) == 0 || string(raw) == "null":
		return "", nil
	case raw[0] == '"':
		var s string
		if err := json.Unmarshal(raw, &s); err != nil {
			return "", fmt.Errorf("%s: %v", field, err)
		}
		return strings.TrimSpace(s), nil
	case raw[0] == '-' || (raw[0] >= '0' && raw[0] <= '9'):
		return string(raw), nil
	}
	return "", fmt.Errorf("%s: want text, got %s", field, extract.Short(string(raw)))
}
