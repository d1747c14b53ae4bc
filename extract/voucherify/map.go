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
	key := fallbackKey
	for _, f := range []string{"source_id", "id"} {
		id, err := jsonText(cust, f)
		if err != nil {
			return nil, &recordError{field: f, rule: "invalid-type", msg: err.Error()}
		}
		if id != "" {
			key = Scheme + ":" + id
			break
		}
	}
	if !utf8.Valid(raw) {
		return nil, utf8Error(key, cust)
	}
	fail := func(field string, err error) *recordError {
		return &recordError{key: key, field: field, rule: "invalid-type", msg: err.Error()}
	}
	str := map[string]string{}
	for _, f := range []string{"name", "email", "phone", "description", "birthdate", "birthday", "created_at", "updated_at"} {
		s, err := jsonText(cust, f)
		if err != nil {
			return nil, fail(f, err)
		}
		str[f] = s
	}
	rec := &extract.Record{Customer: staging.Customer{
		SourceKey: key,
		Email:     str["email"],
		Phone:     str["phone"],
		Notes:     str["description"],
	}}
	c := &rec.Customer
	c.FirstName, c.LastName = extract.SplitName(str["name"])
	for f, dst := range map[string]**time.Time{"created_at": &c.DateCreated, "updated_at": &c.DateModified} {
		if str[f] == "" {
			continue
		}
		t, err := time.Parse(time.RFC3339Nano, str[f])
		if err != nil {
			return nil, &recordError{key: key, field: f, rule: "invalid-timestamp",
				msg: fmt.Sprintf("%s %q is not an RFC 3339 timestamp like 2024-02-01T10:42:59.594Z", f, extract.Short(str[f]))}
		}
		t = t.UTC().Truncate(time.Millisecond) // the staging files keep milliseconds
		*dst = &t
	}

	if addr, rerr := voucherifyAddress(cust, rec); rerr != nil {
		rerr.key = key
		return nil, rerr
	} else if addr != nil {
		rec.Addresses = append(rec.Addresses, *addr)
	}

	// birthdate is the current field, birthday the deprecated one.
	if b := cmp.Or(str["birthdate"], str["birthday"]); b != "" {
		rec.AddAttribute("birthdate", "date", b)
	}
	if rerr := voucherifyMetadata(cust, rec); rerr != nil {
		rerr.key = key
		return nil, rerr
	}
	if consent != nil {
		in, at, err := consent(cust)
		if err != nil {
			return nil, &recordError{key: key, field: "consents", rule: "invalid-consent", msg: err.Error()}
		}
		if in {
			rec.OptIn(at)
		}
	}
	return rec, nil
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

func voucherifyAddress(cust jsonObject, rec *extract.Record) (*staging.Address, *recordError) {
	raw, ok := cust["address"]
	if !ok || jsonNull(raw) {
		return nil, nil
	}
	a, err := jsonObj(raw)
	if err != nil {
		return nil, &recordError{field: "address", rule: "invalid-type", msg: "address is not an object"}
	}
	f := map[string]string{}
	has := false
	for _, k := range []string{"line_1", "line_2", "city", "state", "country", "postal_code"} {
		s, err := jsonText(a, k)
		if err != nil {
			return nil, &recordError{field: "address." + k, rule: "invalid-type", msg: "address." + err.Error()}
		}
		f[k] = s
		has = has || s != ""
	}
	if !has {
		return nil, nil // {} or all-null: no address, not an empty one
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
	}, nil
}

// voucherifyMetadata makes each metadata key a string attribute value.
// Strings are kept as they are; numbers, booleans, arrays and objects as
// their compact JSON, so nothing is lost; nulls are absent values.
func voucherifyMetadata(cust jsonObject, rec *extract.Record) *recordError {
	raw, ok := cust["metadata"]
	if !ok || jsonNull(raw) {
		return nil
	}
	md, err := jsonObj(raw)
	if err != nil {
		return &recordError{field: "metadata", rule: "invalid-type", msg: "metadata is not an object"}
	}
	keys := make([]string, 0, len(md))
	for k := range md {
		keys = append(keys, k)
	}
	sort.Strings(keys) // map order is random; files should not be
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
		if hasAttr(rec, k) {
			continue // an explicit field (birthdate) wins over metadata of the same name
		}
		rec.AddAttribute(k, "string", s)
	}
	return nil
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
