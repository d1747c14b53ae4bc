package load

import (
	"bytes"
	"reflect"
	"strings"
	"unicode/utf8"

	json "github.com/goccy/go-json"

	"github.com/bcetl/bcetl/internal/staging"
)

// The codec of src.data (input.go has the row types). The JSON codec is
// the API client's (github.com/goccy/go-json, which reads and writes what
// encoding/json does, several times faster): every pending record is
// decoded from here before it is sent, so it is on the load's hot path.
// Encoding is deterministic, which the delta needs: it compares the data
// of the previous and the new input byte for byte.

// encodeSrc is the src.data of a row: one of the src* types, or a
// store-to-store entity's staging row kept whole.
func encodeSrc(v any) ([]byte, error) {
	b, err := json.Marshal(v)
	if err != nil || !bytes.Contains(b, replacementEscape) {
		return b, err
	}
	// An invalid UTF-8 byte (only a staging file another tool wrote holds
	// one) is written as the escape \ufffd, while a row decoded and encoded
	// again — the layout upgrade's — holds U+FFFD itself: encoded once more
	// from what it decodes to, both are the same bytes, as the delta's
	// byte-for-byte comparison needs.
	p := reflect.New(reflect.TypeOf(v))
	if err := json.Unmarshal(b, p.Interface()); err != nil {
		return nil, err
	}
	return json.Marshal(p.Elem().Interface())
}

var replacementEscape = []byte(`\ufffd`)

// encodeCustomer is a customer's src.data: without its email when src.ref
// (the email in lower case) is the same string; decode puts it back. An
// invalid byte is U+FFFD both in the JSON and in strings.ToLower's result,
// so they are compared as the JSON would hold the email ([]rune makes the
// same replacement): an upgraded row, whose email came back from JSON,
// then gets the same bytes as a fresh import.
func encodeCustomer(r staging.Customer) ([]byte, error) {
	c := srcCustomer(r)
	e := c.Email
	if !utf8.ValidString(e) {
		e = string([]rune(e))
	}
	if e == strings.ToLower(c.Email) {
		c.Email = ""
	}
	return encodeSrc(c)
}

// encodeAddress, encodeAttributeValue and encodeAttribute are those
// rows' src.data: their src types, which leave out what src's columns
// hold.
func encodeAddress(r staging.Address) ([]byte, error) { return encodeSrc(srcAddress(r)) }
func encodeAttributeValue(r staging.AttributeValue) ([]byte, error) {
	return encodeSrc(srcAttributeValue(r))
}
func encodeAttribute(r staging.Attribute) ([]byte, error) { return encodeSrc(srcAttribute(r)) }

// encodeFormFieldValue is a form field value's src.data: without its
// address's key when src.ref holds it (only a pointer to "", which ref
// cannot tell from none, is kept).
func encodeFormFieldValue(r staging.FormFieldValue) ([]byte, error) {
	f := srcFormFieldValue(r)
	if f.AddressSourceKey != nil && *f.AddressSourceKey != "" {
		f.AddressSourceKey = nil
	}
	return encodeSrc(f)
}

// decode reads the staging row of r back: its data, and what the row's
// columns hold (the source key, the customer, the ref).
func decode[T any](r srcRow) (T, error) {
	var v T
	var err error
	switch p := any(&v).(type) {
	case *staging.Customer:
		var c srcCustomer
		err = json.Unmarshal(r.data, &c)
		*p = staging.Customer(c)
		p.SourceKey = r.key
		if p.Email == "" {
			p.Email = r.ref // the import left out an email its lower case is
		}
	case *staging.Address:
		var a srcAddress
		err = json.Unmarshal(r.data, &a)
		*p = staging.Address(a)
		p.SourceKey, p.CustomerSourceKey = r.key, r.cust
	case *staging.AttributeValue:
		var a srcAttributeValue
		err = json.Unmarshal(r.data, &a)
		*p = staging.AttributeValue(a)
		p.SourceKey, p.CustomerSourceKey, p.AttributeName = r.key, r.cust, r.ref
	case *staging.FormFieldValue:
		var f srcFormFieldValue
		err = json.Unmarshal(r.data, &f)
		*p = staging.FormFieldValue(f)
		p.SourceKey, p.CustomerSourceKey = r.key, r.cust
		if r.ref != "" {
			ref := r.ref
			p.AddressSourceKey = &ref
		}
	case *staging.Attribute:
		var a srcAttribute
		err = json.Unmarshal(r.data, &a)
		*p = staging.Attribute(a)
		p.SourceKey, p.Name = r.key, r.ref
	default:
		err = json.Unmarshal(r.data, &v)
	}
	return v, err
}
