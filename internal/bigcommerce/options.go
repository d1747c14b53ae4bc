package bigcommerce

import (
	"net/url"
	"strconv"
	"strings"
	"time"
)

// ListOptions are the paging parameters every list endpoint takes. After
// and Before select cursor paging where the endpoint offers it; the API
// then ignores Page.
type ListOptions struct {
	Page   int
	Limit  int
	After  string
	Before string
}

func (o ListOptions) add(v url.Values) {
	if o.Page > 0 {
		v.Set("page", strconv.Itoa(o.Page))
	}
	if o.Limit > 0 {
		v.Set("limit", strconv.Itoa(o.Limit))
	}
	if o.After != "" {
		v.Set("after", o.After)
	}
	if o.Before != "" {
		v.Set("before", o.Before)
	}
}

// DateRange filters on a timestamp: Min and Max are sent as :min and :max,
// in whole seconds; a zero bound is not sent. Whether the API includes a
// record stamped exactly on a bound is not documented (":min … created
// after this date", bigcommerce-facts.md (h)): build ranges that must not
// lose such a record with Covering.
type DateRange struct {
	Min, Max time.Time
}

// Covering is the filter that returns every record stamped in [min, max]
// (whole seconds; a zero bound is open) whether the API reads its bounds
// as inclusive or as exclusive: each bound is sent one second further out.
// Read as inclusive, the records of the second just outside each bound
// come too; a caller that joins ranges deduplicates them by id.
func Covering(min, max time.Time) DateRange {
	var d DateRange
	if !min.IsZero() {
		d.Min = min.Truncate(time.Second).Add(-time.Second)
	}
	if !max.IsZero() {
		d.Max = max.Truncate(time.Second).Add(time.Second)
	}
	return d
}

func (d DateRange) add(v url.Values, field string) {
	if !d.Min.IsZero() {
		v.Set(field+":min", formatTime(d.Min))
	}
	if !d.Max.IsZero() {
		v.Set(field+":max", formatTime(d.Max))
	}
}

// formatTime writes a filter timestamp the way the documentation shows them
// (ISO 8601, seconds, UTC).
func formatTime(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05Z") }

func joinInts(ids []int64) string {
	var b strings.Builder
	for i, id := range ids {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(strconv.FormatInt(id, 10))
	}
	return b.String()
}

func setInts(v url.Values, key string, ids []int64) {
	if len(ids) > 0 {
		v.Set(key, joinInts(ids))
	}
}

func setStrings(v url.Values, key string, s []string) {
	if len(s) > 0 {
		v.Set(key, strings.Join(s, ","))
	}
}

// Customer sub-resources for CustomerListOptions.Include.
const (
	IncludeAddresses   = "addresses"
	IncludeAttributes  = "attributes"
	IncludeFormFields  = "formfields"
	IncludeStoreCredit = "storecredit"
)

// Sort orders for CustomerListOptions.Sort.
const (
	SortDateCreatedAsc   = "date_created:asc"
	SortDateCreatedDesc  = "date_created:desc"
	SortDateModifiedAsc  = "date_modified:asc"
	SortDateModifiedDesc = "date_modified:desc"
	SortLastNameAsc      = "last_name:asc"
	SortLastNameDesc     = "last_name:desc"
)

// CustomerListOptions filters GET /customers.
type CustomerListOptions struct {
	ListOptions
	IDIn         []int64
	EmailIn      []string
	DateCreated  DateRange
	DateModified DateRange
	Include      []string
	Sort         string
}

func (o *CustomerListOptions) values() url.Values {
	v := url.Values{}
	if o == nil {
		return v
	}
	o.ListOptions.add(v)
	setInts(v, "id:in", o.IDIn)
	setStrings(v, "email:in", o.EmailIn)
	o.DateCreated.add(v, "date_created")
	o.DateModified.add(v, "date_modified")
	setStrings(v, "include", o.Include)
	if o.Sort != "" {
		v.Set("sort", o.Sort)
	}
	return v
}

// AddressListOptions filters GET /customers/addresses.
type AddressListOptions struct {
	ListOptions
	IDIn         []int64
	CustomerIDIn []int64
	// IncludeFormFields embeds each address's form field values.
	IncludeFormFields bool
}

func (o *AddressListOptions) values() url.Values {
	v := url.Values{}
	if o == nil {
		return v
	}
	o.ListOptions.add(v)
	setInts(v, "id:in", o.IDIn)
	setInts(v, "customer_id:in", o.CustomerIDIn)
	if o.IncludeFormFields {
		v.Set("include", IncludeFormFields)
	}
	return v
}

// AttributeListOptions filters GET /customers/attributes.
type AttributeListOptions struct {
	ListOptions
	Name         string
	Type         string
	DateModified DateRange
}

func (o *AttributeListOptions) values() url.Values {
	v := url.Values{}
	if o == nil {
		return v
	}
	o.ListOptions.add(v)
	if o.Name != "" {
		v.Set("name", o.Name)
	}
	if o.Type != "" {
		v.Set("type", o.Type)
	}
	o.DateModified.add(v, "date_modified")
	return v
}

// AttributeValueListOptions filters GET /customers/attribute-values.
type AttributeValueListOptions struct {
	ListOptions
	CustomerIDIn  []int64
	AttributeIDIn []int64
	DateModified  DateRange
}

func (o *AttributeValueListOptions) values() url.Values {
	v := url.Values{}
	if o == nil {
		return v
	}
	o.ListOptions.add(v)
	setInts(v, "customer_id:in", o.CustomerIDIn)
	setInts(v, "attribute_id:in", o.AttributeIDIn)
	o.DateModified.add(v, "date_modified")
	return v
}

// FormFieldValueListOptions filters GET /customers/form-field-values.
type FormFieldValueListOptions struct {
	ListOptions
	CustomerID int64
	AddressID  int64
	FieldName  string
	FieldType  string
}

func (o *FormFieldValueListOptions) values() url.Values {
	v := url.Values{}
	if o == nil {
		return v
	}
	o.ListOptions.add(v)
	if o.CustomerID > 0 {
		v.Set("customer_id", strconv.FormatInt(o.CustomerID, 10))
	}
	if o.AddressID > 0 {
		v.Set("address_id", strconv.FormatInt(o.AddressID, 10))
	}
	if o.FieldName != "" {
		v.Set("field_name", o.FieldName)
	}
	if o.FieldType != "" {
		v.Set("field_type", o.FieldType)
	}
	return v
}
