package load

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"

	"github.com/bcetl/bcetl/internal/bcrules"
	"github.com/bcetl/bcetl/internal/bigcommerce"
	"github.com/bcetl/bcetl/internal/staging"
)

// A custItem is a customer with its children that have no outcome yet,
// as read back from the state file, and the part of them sent inline.

type formItem struct {
	f staging.FormFieldValue
	v bigcommerce.FormValue
}

type addrItem struct {
	a     staging.Address
	forms []formItem
}

type custItem struct {
	c     staging.Customer
	addrs []*addrItem
	vals  []staging.AttributeValue
	forms []formItem // the customer's own form fields

	// What POST /customers carries; the rest is overflow for later steps.
	inAddrs []*addrItem
	inVals  []staging.AttributeValue

	lookedUp bool  // its email was looked up on the target in this failure chain (one look-up is enough)
	target   int64 // the existing customer to write it into (customerUpdates)
}

// pick chooses the inline children: the first ten addresses and the first
// ten values of distinct, usable attributes (a second value for the same
// attribute would be refused; the upsert step settles it).
func (it *custItem) pick(attrs map[string]int64) {
	it.inAddrs = it.addrs[:min(len(it.addrs), bigcommerce.MaxInlineAddresses)]
	it.inVals = it.inVals[:0]
	seen := map[string]bool{}
	for _, v := range it.vals {
		if len(it.inVals) == bigcommerce.MaxInlineAttributes {
			break
		}
		if _, ok := attrs[v.AttributeName]; ok && !seen[v.AttributeName] {
			seen[v.AttributeName] = true
			it.inVals = append(it.inVals, v)
		}
	}
}

// hasInline reports whether the customer carries children inline.
func (it *custItem) hasInline() bool {
	return len(it.inAddrs) > 0 || len(it.inVals) > 0 || len(it.forms) > 0
}

// dropInline leaves every child to the later steps (addresses, attribute
// values, form field values), which send them in batches of their own.
func (it *custItem) dropInline() {
	it.inAddrs, it.inVals, it.forms = nil, nil, nil
}

func (l *loader) createBody(it *custItem) bigcommerce.CustomerCreate {
	c := it.c
	b := bigcommerce.CustomerCreate{
		Email: c.Email, FirstName: c.FirstName, LastName: c.LastName, Company: c.Company, Phone: c.Phone,
		Notes: c.Notes, TaxExemptCategory: c.TaxExemptCategory,
		AcceptsProductReviewAbandonedCartEmails: c.AcceptsProductReviewAbandonedCartEmails,
		ChannelIDs:                              c.ChannelIDs,
	}
	b.CustomerGroupID = c.CustomerGroupID // mapped to the target's (mapCustomer)
	if c.OriginChannelID != nil {
		b.OriginChannelID = *c.OriginChannelID
	}
	for _, a := range c.StoreCreditAmounts {
		b.StoreCreditAmounts = append(b.StoreCreditAmounts, bigcommerce.StoreCreditAmount{Amount: json.Number(a.String())})
	}
	force := l.force
	if !force && c.ForcePasswordReset != nil {
		force = *c.ForcePasswordReset
	}
	b.Authentication = &bigcommerce.Authentication{ForcePasswordReset: force}
	for _, a := range it.inAddrs {
		s := a.a
		b.Addresses = append(b.Addresses, bigcommerce.AddressInline{
			FirstName: s.FirstName, LastName: s.LastName, Company: s.Company, Address1: s.Address1, Address2: s.Address2,
			City: s.City, StateOrProvince: s.StateOrProvince, PostalCode: s.PostalCode, CountryCode: s.CountryCode,
			Phone: s.Phone, AddressType: s.AddressType, FormFields: formFields(a.forms),
		})
	}
	for _, v := range it.inVals {
		b.Attributes = append(b.Attributes, bigcommerce.AttributeInline{AttributeID: l.attrs[v.AttributeName], AttributeValue: v.AttributeValue})
	}
	b.FormFields = formFields(it.forms)
	return b
}

func formFields(fs []formItem) []bigcommerce.FormField {
	var out []bigcommerce.FormField
	for _, f := range fs {
		out = append(out, bigcommerce.FormField{Name: f.f.Name, Value: f.v})
	}
	return out
}

func addressCreate(customerID int64, a *addrItem) bigcommerce.AddressCreate {
	s := a.a
	return bigcommerce.AddressCreate{
		CustomerID: customerID, FirstName: s.FirstName, LastName: s.LastName, Company: s.Company,
		Address1: s.Address1, Address2: s.Address2, City: s.City, StateOrProvince: s.StateOrProvince,
		PostalCode: s.PostalCode, CountryCode: s.CountryCode, Phone: s.Phone, AddressType: s.AddressType,
		FormFields: formFields(a.forms),
	}
}

// The documented uniqueness key of an address (customer_id aside). The API
// stores an empty address_type as residential.
func addrKey(first, last, company, phone, typ, a1, a2, city, cc, state, postal string) string {
	if typ == "" {
		typ = bcrules.AddressResidential
	}
	parts := []string{first, last, company, phone, typ, a1, a2, city, cc, state, postal}
	for i, p := range parts {
		parts[i] = strings.ToLower(strings.TrimSpace(p))
	}
	return strings.Join(parts, "\x1f")
}

func srcAddrKey(a staging.Address) string {
	return addrKey(a.FirstName, a.LastName, a.Company, a.Phone, a.AddressType, a.Address1, a.Address2, a.City, a.CountryCode, a.StateOrProvince, a.PostalCode)
}

func tgtAddrKey(a bigcommerce.Address) string {
	return addrKey(a.FirstName, a.LastName, a.Company, a.Phone, a.AddressType, a.Address1, a.Address2, a.City, a.CountryCode, a.StateOrProvince, a.PostalCode)
}

// decodeForm turns a staging form field value into the API's value. A value
// that is not valid JSON is rejected here: no request could carry it.
func (l *loader) decodeForm(r srcRow) (formItem, *outcome, error) {
	f, err := decode[staging.FormFieldValue](r)
	if err != nil {
		return formItem{}, nil, err
	}
	var v bigcommerce.FormValue
	if err := json.Unmarshal([]byte(f.ValueJSON), &v); err != nil || v.Kind == bigcommerce.FormValueNull {
		msg := "value_json is not a string, a number or an array of strings: " + staging.TruncateValue(f.ValueJSON)
		return formItem{}, &outcome{entity: staging.EntityFormFieldValues, key: r.key, status: staging.StatusRejected, message: msg}, nil
	}
	return formItem{f: f, v: v}, nil, nil
}

// pendingChildren is the query for the children of a set of customers that
// have no outcome yet (the set is a JSON array of source keys).
//
// INDEXED BY: left to itself SQLite walks the primary key (for ORDER BY
// seq) and tests every row of the entity, a scan per page that made a
// million-customer load quadratic; the set is a page of customers, so
// looking each one up in src_cust and sorting the few rows is cheap.
const pendingChildren = `SELECT s.seq, s.key, s.cust, s.ref, s.data FROM src s INDEXED BY src_cust
	WHERE s.entity = ? AND s.cust IN (SELECT value FROM json_each(?)) AND s.status IS NULL ORDER BY s.seq`

// customersByKeys is the query for the pending rows of a set of source
// keys (the set is a JSON array); INDEXED BY for the reason above.
const customersByKeys = `SELECT s.seq, s.key, s.cust, s.ref, s.data FROM src s INDEXED BY src_key
	WHERE s.entity = ? AND s.key IN (SELECT value FROM json_each(?)) AND s.status IS NULL ORDER BY s.seq`

// customerItems builds items for customer rows, with their pending
// children; a form field value no request could carry is an outcome.
func (l *loader) customerItems(ctx context.Context, rows []srcRow) ([]*custItem, []outcome, error) {
	if len(rows) == 0 {
		return nil, nil, nil
	}
	keys := make([]string, 0, len(rows))
	by := map[string]*custItem{}
	items := make([]*custItem, 0, len(rows))
	var rejected []outcome
	for _, r := range rows {
		c, err := decode[staging.Customer](r)
		if err != nil {
			return nil, nil, err
		}
		if why := l.mapCustomer(&c); why != "" {
			rejected = append(rejected, outcome{entity: staging.EntityCustomers, key: r.key, status: staging.StatusRejected, message: why})
			continue
		}
		it := &custItem{c: c}
		keys, items = append(keys, r.key), append(items, it)
		by[r.key] = it
	}
	if len(items) == 0 {
		return nil, rejected, nil
	}
	kj, _ := json.Marshal(keys)
	addrs, err := l.srcRows(ctx, pendingChildren, ent(staging.EntityAddresses), string(kj))
	if err != nil {
		return nil, nil, err
	}
	addrBy := map[string]*addrItem{}
	for _, r := range addrs {
		a, err := decode[staging.Address](r)
		if err != nil {
			return nil, nil, err
		}
		if why, err := l.mapState(ctx, &a); err != nil {
			return nil, nil, err
		} else if why != "" {
			rejected = append(rejected, outcome{entity: staging.EntityAddresses, key: r.key, status: staging.StatusRejected, message: why})
			continue
		}
		ai := &addrItem{a: a}
		addrBy[r.key] = ai
		by[r.cust].addrs = append(by[r.cust].addrs, ai)
	}
	vals, err := l.srcRows(ctx, pendingChildren, ent(staging.EntityAttributeValues), string(kj))
	if err != nil {
		return nil, nil, err
	}
	for _, r := range vals {
		v, err := decode[staging.AttributeValue](r)
		if err != nil {
			return nil, nil, err
		}
		by[r.cust].vals = append(by[r.cust].vals, v)
	}
	forms, err := l.srcRows(ctx, pendingChildren, ent(staging.EntityFormFieldValues), string(kj))
	if err != nil {
		return nil, nil, err
	}
	for _, r := range forms {
		fi, bad, err := l.decodeForm(r)
		if err != nil {
			return nil, nil, err
		}
		if bad == nil {
			bad = l.formOutcome(r.ref != "", fi)
		}
		if bad != nil {
			rejected = append(rejected, *bad)
			continue
		}
		if r.ref == "" {
			by[r.cust].forms = append(by[r.cust].forms, fi)
		} else if a := addrBy[r.ref]; a != nil {
			a.forms = append(a.forms, fi)
		} // else: its address is done or absent; the form field step or the results settle it
	}
	for _, it := range items {
		it.pick(l.attrs)
	}
	return items, rejected, nil
}

// formOutcomes marks form field values loaded. They have no id of their
// own: the target id is their owner's (customer or address).
func formOutcomes(fs []formItem, owner int64) []outcome {
	out := make([]outcome, 0, len(fs))
	for _, f := range fs {
		out = append(out, outcome{entity: staging.EntityFormFieldValues, key: f.f.SourceKey, status: staging.StatusLoaded, target: owner, http: http.StatusOK})
	}
	return out
}
