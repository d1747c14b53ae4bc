package load

import (
	"context"
	"slices"
	"strconv"

	"github.com/bcetl/bcetl/internal/bigcommerce"
	"github.com/bcetl/bcetl/internal/staging"
)

// Step 5 writes the form field values whose owner existed before they
// could ride along with it (addresses that already existed, customers
// updated in place, values a 413 split off, values added by a changed
// input), through the endpoints customers.v3.yml points to:
// PUT /customers/form-field-values is deprecated ("Use Update a Customer
// Address and Update Customers instead"), so a customer's values go as
// `form_fields` of PUT /customers and an address's as `form_fields` of
// PUT /customers/addresses, each item naming only the owner's id and the
// values: no other field of the owner is touched. Both are upserts by
// (owner, name), so a request sent twice leaves one value, and nothing is
// recorded in flight. Ten owners per request (PUT /customers' documented
// maximum; addresses use the same), at most three requests in flight per
// endpoint (their documented caps), an owner once per request and a name
// once per owner.

// formOwner is one item of such a request: an owner and values of it.
type formOwner struct {
	owner     int64
	isAddress bool
	forms     []formItem
}

// pendingForms are the form field values without an outcome whose owner
// has a target id: a customer loaded or updated, or an address that is on
// the target (loaded, found there, or updated).
var pendingForms = pendingQuery{`SELECT s.seq, s.key, s.cust, s.ref, s.data, CASE WHEN s.ref = '' THEN c.target_id ELSE a.target_id END FROM src s
	LEFT JOIN src c ON c.entity = ?1 AND c.key = s.cust
	LEFT JOIN src a ON a.entity = ?2 AND a.key = s.ref
	WHERE s.entity = ?3 AND s.status IS NULL AND (
		(s.ref = '' AND c.status IN (?4, ?5)) OR
		(s.ref != '' AND a.status IN (?4, ?6, ?5) AND a.target_id IS NOT NULL))`,
	[]any{ent(staging.EntityCustomers), ent(staging.EntityAddresses), ent(staging.EntityFormFieldValues), stc(staging.StatusLoaded), stc(staging.StatusUpdated), stc(staging.StatusSkipped)}}

type formStep struct{ l *loader }

func (formStep) entity() staging.Entity { return staging.EntityFormFieldValues }

func (formStep) info() stepInfo {
	return stepInfo{name: "form field values", pending: pendingForms,
		endpoints: []string{epPutCustomers, epPutAddresses}, perCall: bigcommerce.MaxCustomersPerCall}
}

// items groups a page's values by owner: one item per owner, unless a name
// comes twice for it (a list with a name twice is refused): the second
// goes in another item, and so in a later request.
func (s formStep) items(_ context.Context, rows []ownedRow) ([]*formOwner, []outcome, error) {
	var rejected []outcome
	var owners []*formOwner
	open := map[[2]int64]*formOwner{} // (kind, owner) → its item still taking values
	for _, r := range rows {
		fi, bad, err := s.l.decodeForm(r.srcRow)
		if err != nil {
			return nil, nil, err
		}
		if bad == nil {
			bad = s.l.formOutcome(r.ref != "", fi)
		}
		if bad != nil {
			rejected = append(rejected, *bad)
			continue
		}
		k := [2]int64{0, r.owner}
		if r.ref != "" {
			k[0] = 1
		}
		o := open[k]
		if o == nil || slices.ContainsFunc(o.forms, func(f formItem) bool { return f.f.Name == fi.f.Name }) {
			o = &formOwner{owner: r.owner, isAddress: r.ref != ""}
			open[k] = o
			owners = append(owners, o)
		}
		o.forms = append(o.forms, fi)
	}
	return owners, rejected, nil
}

// batchKey: customers and addresses apart (two endpoints), an owner once
// per request.
func (formStep) batchKey(o *formOwner) (kind, key string) {
	kind = "customer"
	if o.isAddress {
		kind = "address"
	}
	return kind, strconv.FormatInt(o.owner, 10)
}

// send sends one request of owners (all customers or all addresses) with
// their form field values; the values are loaded, each with its owner's
// id (form field values have no id of their own).
func (s formStep) send(ctx context.Context, owners []*formOwner) ([]outcome, error) {
	var pruned, o []outcome
	for _, ow := range owners {
		ow.forms, o = s.l.pruneForms(ow.forms, ow.isAddress)
		pruned = append(pruned, o...)
	}
	if err := s.l.st.record(pruned...); err != nil {
		return nil, err
	}
	var err error
	if owners[0].isAddress {
		body := make([]bigcommerce.AddressUpdate, len(owners))
		for i, o := range owners {
			body[i] = bigcommerce.AddressUpdate{ID: o.owner, FormFields: formFields(o.forms)}
		}
		_, err = call(ctx, s.l, epPutAddresses, len(body), func(ctx context.Context) ([]bigcommerce.Address, error) {
			out, _, err := s.l.c.Addresses.Update(ctx, body)
			return out, err
		})
	} else {
		body := make([]bigcommerce.CustomerUpdate, len(owners))
		for i, o := range owners {
			body[i] = bigcommerce.CustomerUpdate{ID: o.owner, FormFields: formFields(o.forms)}
		}
		_, err = call(ctx, s.l, epPutCustomers, len(body), func(ctx context.Context) ([]bigcommerce.Customer, error) {
			out, _, err := s.l.c.Customers.Update(ctx, body)
			return out, err
		})
	}
	if err != nil {
		return nil, err
	}
	var outs []outcome
	for _, o := range owners {
		outs = append(outs, formOutcomes(o.forms, o.owner)...)
	}
	return outs, nil
}

// reject: the values the errors name are rejected and the owner is sent
// again with the others; when the errors are about the owner itself,
// every value of it is rejected.
func (s formStep) reject(o *formOwner, r *refusal, i int) (*formOwner, bool, []outcome) {
	if kept, outs, ok := s.l.dropRefusedForms(o.forms, o.isAddress, r, i); ok {
		o.forms = kept
		return o, len(kept) > 0, outs
	}
	outs := make([]outcome, len(o.forms))
	for j, f := range o.forms {
		outs[j] = outcome{entity: staging.EntityFormFieldValues, key: f.f.SourceKey, status: staging.StatusRejected, http: r.er.StatusCode,
			message: "the API refused its owner's update: " + r.reason(i)}
	}
	return o, false, outs
}
