package store

import (
	"cmp"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/bcetl/bcetl/internal/bigcommerce"
	"github.com/bcetl/bcetl/internal/staging"
)

// Conversion of API records to staging rows. Column names are the API's;
// every store row carries its numeric id and a source key derived from it
// (the decimal id), and children name their parents by the parents' source
// keys so store and file sources share one layout. Form field values have
// no id of their own: their key is the owner and the field name,
// "c<customer_id>/<name>" or "a<address_id>/<name>".

func idKey(id int64) string { return strconv.FormatInt(id, 10) }

func int64p(v int64) *int64 { return &v }

// utcp copies a timestamp in UTC (the API's are already second-granular).
func utcp(t *time.Time) *time.Time {
	if t == nil || t.IsZero() {
		return nil
	}
	u := t.UTC()
	return &u
}

// customerRow converts a customer. Its store credit is read exactly
// (staging.Money); an amount the column cannot hold (more than four
// decimals, 10¹⁶ or more) is an error naming the customer, never rounded.
func customerRow(c *bigcommerce.Customer) (staging.Customer, error) {
	r := staging.Customer{
		SourceKey:             idKey(c.ID),
		ID:                    int64p(c.ID),
		Email:                 c.Email,
		FirstName:             c.FirstName,
		LastName:              c.LastName,
		Company:               c.Company,
		Phone:                 c.Phone,
		Notes:                 c.Notes,
		TaxExemptCategory:     c.TaxExemptCategory,
		RegistrationIPAddress: c.RegistrationIPAddress,
		// customer_group_id 0 is the API's "no group": kept as sent.
		CustomerGroupID:                         int64p(c.CustomerGroupID),
		DateCreated:                             utcp(c.DateCreated),
		DateModified:                            utcp(c.DateModified),
		AddressCount:                            countOr(c.AddressCount, len(c.Addresses)),
		AttributeCount:                          countOr(c.AttributeCount, len(c.Attributes)),
		AcceptsProductReviewAbandonedCartEmails: c.AcceptsProductReviewAbandonedCartEmails,
		OriginChannelID:                         int64p(c.OriginChannelID),
		ChannelIDs:                              c.ChannelIDs,
	}
	if c.Authentication != nil {
		v := c.Authentication.ForcePasswordReset
		r.ForcePasswordReset = &v
	}
	for _, a := range c.StoreCreditAmounts {
		m, err := staging.ParseMoney(string(a.Amount))
		if err != nil {
			return r, fmt.Errorf("customer %d: store_credit_amounts: %w", c.ID, err)
		}
		r.StoreCreditAmounts = append(r.StoreCreditAmounts, m)
	}
	return r, nil
}

// countOr is the API's address_count / attribute_count when it sent one,
// else the number embedded; for a customer that embeds the maximum the
// merge then puts in the number the overflow request returned (see
// storeRun.patchCounts).
func countOr(count *int, embedded int) int32 {
	if count != nil {
		return int32(*count)
	}
	return int32(embedded)
}

func addressRow(a *bigcommerce.Address) staging.Address {
	return staging.Address{
		SourceKey:         idKey(a.ID),
		ID:                int64p(a.ID),
		CustomerSourceKey: idKey(a.CustomerID),
		CustomerID:        int64p(a.CustomerID),
		FirstName:         a.FirstName,
		LastName:          a.LastName,
		Company:           a.Company,
		Address1:          a.Address1,
		Address2:          a.Address2,
		City:              a.City,
		StateOrProvince:   a.StateOrProvince,
		PostalCode:        a.PostalCode,
		Country:           a.Country,
		CountryCode:       a.CountryCode,
		Phone:             a.Phone,
		AddressType:       a.AddressType,
	}
}

// attrDef is what a value row borrows from its attribute definition.
type attrDef struct{ name, typ string }

func attributeRow(a *bigcommerce.Attribute) staging.Attribute {
	return staging.Attribute{
		SourceKey:    idKey(a.ID),
		ID:           int64p(a.ID),
		Name:         a.Name,
		Type:         a.Type,
		DateCreated:  utcp(a.DateCreated),
		DateModified: utcp(a.DateModified),
	}
}

func attributeValueRow(v *bigcommerce.AttributeValue, defs map[int64]attrDef) staging.AttributeValue {
	d := defs[v.AttributeID] // a definition created after the run began is unknown: name left empty
	return staging.AttributeValue{
		SourceKey:         idKey(v.ID),
		ID:                int64p(v.ID),
		CustomerSourceKey: idKey(v.CustomerID),
		CustomerID:        int64p(v.CustomerID),
		AttributeID:       int64p(v.AttributeID),
		AttributeName:     d.name,
		AttributeType:     d.typ,
		AttributeValue:    v.AttributeValue,
		DateCreated:       utcp(v.DateCreated),
		DateModified:      utcp(v.DateModified),
	}
}

// formFieldRow converts a form field value. customerID is the owner
// customer; addressID is 0 for a customer's own field. The value is kept
// typed (value_string, value_number or value_array by value_type) and,
// always, as its exact JSON literal in value_json: value_number is a
// float64 for analytics and may round a 20-digit number, value_json never
// does.
func formFieldRow(f *bigcommerce.FormFieldValue, customerID, addressID int64) staging.FormFieldValue {
	r := staging.FormFieldValue{
		CustomerSourceKey: idKey(customerID),
		CustomerID:        int64p(customerID),
		Name:              f.Name,
		ValueType:         f.Value.Kind.String(),
	}
	if addressID != 0 {
		k := idKey(addressID)
		r.SourceKey = "a" + k + "/" + f.Name
		r.AddressSourceKey = &k
		r.AddressID = int64p(addressID)
	} else {
		r.SourceKey = "c" + r.CustomerSourceKey + "/" + f.Name
	}
	switch f.Value.Kind {
	case bigcommerce.FormValueString:
		s := f.Value.String
		r.ValueString = &s
	case bigcommerce.FormValueNumber:
		if n, err := f.Value.Number.Float64(); err == nil {
			r.ValueNumber = &n
		}
	case bigcommerce.FormValueList:
		r.ValueArray = append([]string{}, f.Value.List...)
	}
	if b, err := json.Marshal(f.Value); err == nil {
		r.ValueJSON = string(b)
	} else {
		// Only an invalid number literal fails to marshal, and the
		// client never decodes one; keep what we have.
		r.ValueJSON = string(f.Value.Number)
	}
	return r
}

// Row orders: by id; form field values by owner customer, then owner
// address (a customer's own fields first), then name. Customers and
// attribute values keep the newest date_modified among duplicates;
// addresses and form field values, which have no modification time, keep
// the row read last.

func deref(p *int64) int64 {
	if p == nil {
		return 0
	}
	return *p
}

func newerTime(a, b *time.Time) bool { return a != nil && (b == nil || a.After(*b)) }

var customerOrder = rowOrder[staging.Customer]{
	cmp:   func(a, b *staging.Customer) int { return cmp.Compare(deref(a.ID), deref(b.ID)) },
	newer: func(a, b *staging.Customer) bool { return newerTime(a.DateModified, b.DateModified) },
}

var addressOrder = rowOrder[staging.Address]{
	cmp: func(a, b *staging.Address) int { return cmp.Compare(deref(a.ID), deref(b.ID)) },
}

var attributeValueOrder = rowOrder[staging.AttributeValue]{
	cmp:   func(a, b *staging.AttributeValue) int { return cmp.Compare(deref(a.ID), deref(b.ID)) },
	newer: func(a, b *staging.AttributeValue) bool { return newerTime(a.DateModified, b.DateModified) },
}

var formFieldOrder = rowOrder[staging.FormFieldValue]{
	cmp: func(a, b *staging.FormFieldValue) int {
		if c := cmp.Compare(deref(a.CustomerID), deref(b.CustomerID)); c != 0 {
			return c
		}
		if c := cmp.Compare(deref(a.AddressID), deref(b.AddressID)); c != 0 {
			return c
		}
		return strings.Compare(a.Name, b.Name)
	},
}

var attributeOrder = rowOrder[staging.Attribute]{
	cmp: func(a, b *staging.Attribute) int { return cmp.Compare(deref(a.ID), deref(b.ID)) },
}

func groupRow(g *bigcommerce.CustomerGroup) staging.CustomerGroup {
	r := staging.CustomerGroup{
		SourceKey:                idKey(g.ID),
		ID:                       int64p(g.ID),
		Name:                     g.Name,
		IsDefault:                g.IsDefault,
		IsGroupForGuests:         g.IsGroupForGuests,
		CategoryAccessType:       g.CategoryAccess.Type,
		CategoryAccessCategories: append([]int64{}, g.CategoryAccess.Categories...),
		DiscountRules:            []staging.GroupDiscountRule{},
	}
	if t, ok := bigcommerce.ParseV2Time(g.DateCreated); ok {
		r.DateCreated = &t
	}
	if t, ok := bigcommerce.ParseV2Time(g.DateModified); ok {
		r.DateModified = &t
	}
	nonzero := func(v int64) *int64 {
		if v == 0 {
			return nil
		}
		return &v
	}
	for _, d := range g.DiscountRules {
		r.DiscountRules = append(r.DiscountRules, staging.GroupDiscountRule{Type: d.Type, Method: d.Method, Amount: string(d.Amount),
			CategoryID: nonzero(d.CategoryID), ProductID: nonzero(d.ProductID), PriceListID: nonzero(d.PriceListID)})
	}
	return r
}

func metafieldRow(m *bigcommerce.Metafield) staging.Metafield {
	return staging.Metafield{
		SourceKey:         idKey(m.ID),
		ID:                int64p(m.ID),
		CustomerSourceKey: idKey(m.ResourceID),
		CustomerID:        int64p(m.ResourceID),
		Namespace:         m.Namespace,
		Key:               m.Key,
		Value:             m.Value,
		PermissionSet:     m.PermissionSet,
		Description:       m.Description,
		DateCreated:       utcp(m.DateCreated),
		DateModified:      utcp(m.DateModified),
	}
}

func subscriberRow(s *bigcommerce.Subscriber) staging.Subscriber {
	r := staging.Subscriber{
		SourceKey:    idKey(s.ID),
		ID:           int64p(s.ID),
		Email:        s.Email,
		FirstName:    s.FirstName,
		LastName:     s.LastName,
		Source:       s.Source,
		OrderID:      s.OrderID,
		Consents:     append([]string{}, s.Consents...),
		DateCreated:  utcp(s.DateCreated),
		DateModified: utcp(s.DateModified),
	}
	if s.ChannelID != 0 {
		r.ChannelID = int64p(s.ChannelID)
	}
	return r
}

func consentRow(customerID int64, c *bigcommerce.Consent) staging.Consent {
	return staging.Consent{SourceKey: idKey(customerID), CustomerSourceKey: idKey(customerID), CustomerID: int64p(customerID),
		Allow: append([]string{}, c.Allow...), Deny: append([]string{}, c.Deny...)}
}
