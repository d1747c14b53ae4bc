package load

import (
	"context"
	"fmt"
	"net/http"

	"github.com/bcetl/bcetl/internal/bigcommerce"
	"github.com/bcetl/bcetl/internal/staging"
)

// A customer whose email the target already has is settled per
// --on-existing: skip maps it to the existing customer (skipped-existing),
// fail rejects it, and update writes it into the existing customer
// (customerUpdates, PUT /customers by id), whose addresses and attribute
// values the later steps then add. Updates are not recorded in flight:
// sent again, they write the same values.

// settleExisting records the outcome of customers whose email the target
// already has (skip: skipped-existing, mapped to it; fail: rejected) and,
// for --on-existing=update, returns them in batches for customerUpdates.
// Finding one means the target holds customers of this input: the rest of
// the run looks emails up before sending them.
func (l *loader) settleExisting(items []*custItem, found map[string]bigcommerce.Customer) ([][]*custItem, error) {
	if len(items) == 0 {
		return nil, nil
	}
	l.knownExisting.Store(true)
	for _, it := range items {
		it.target = found[emailKey(it.c.Email)].ID
	}
	var outs []outcome
	switch l.opts.OnExisting {
	case OnExistingUpdate:
		var out [][]*custItem
		for i := 0; i < len(items); i += bigcommerce.MaxCustomersPerCall {
			out = append(out, items[i:min(i+bigcommerce.MaxCustomersPerCall, len(items))])
		}
		return out, nil
	case OnExistingFail:
		for _, it := range items {
			outs = append(outs, outcome{entity: staging.EntityCustomers, key: it.c.SourceKey, status: staging.StatusRejected, target: it.target,
				http: http.StatusUnprocessableEntity, message: fmt.Sprintf("the email %s already exists in the target store (customer %d) and --on-existing=fail", it.c.Email, it.target)})
		}
	default:
		for _, it := range items {
			outs = append(outs, outcome{entity: staging.EntityCustomers, key: it.c.SourceKey, status: staging.StatusSkipped, target: it.target,
				http: http.StatusOK, message: fmt.Sprintf("the email %s already exists in the target store (customer %d)", it.c.Email, it.target)})
		}
	}
	return nil, l.st.record(outs...)
}

// applyExisting settles customers whose email the target already has, per
// --on-existing, the updates included.
func (l *loader) applyExisting(ctx context.Context, items []*custItem, found map[string]bigcommerce.Customer) error {
	updates, err := l.settleExisting(items, found)
	if err != nil {
		return err
	}
	for _, b := range updates {
		if err := write(ctx, l, customerUpdates{l}, b); err != nil {
			return err
		}
	}
	return nil
}

// customerUpdates writes customers into the existing ones (their target)
// with the source's value of every field the loader owns (updateBody),
// and their form fields. Their addresses and attribute values are added
// by the later steps (the PUT cannot carry them).
type customerUpdates struct{ l *loader }

func (customerUpdates) entity() staging.Entity { return staging.EntityCustomers }

func (s customerUpdates) send(ctx context.Context, items []*custItem) ([]outcome, error) {
	body := make([]bigcommerce.CustomerUpdate, len(items))
	for i, it := range items {
		body[i] = updateBody(it)
	}
	_, err := call(ctx, s.l, epPutCustomers, len(body), func(ctx context.Context) ([]bigcommerce.Customer, error) {
		out, _, err := s.l.c.Customers.Update(ctx, body)
		return out, err
	})
	if err != nil {
		return nil, err
	}
	var outs []outcome
	for _, it := range items {
		outs = append(outs, outcome{entity: staging.EntityCustomers, key: it.c.SourceKey, status: staging.StatusUpdated, target: it.target, http: http.StatusOK})
		outs = append(outs, formOutcomes(it.forms, it.target)...)
	}
	return outs, nil
}

// reject: a refused form field is rejected and its customer updated
// without it; a customer refused for its own fields is rejected (the
// target's customer is left as it was).
func (s customerUpdates) reject(it *custItem, r *refusal, i int) (*custItem, bool, []outcome) {
	if kept, outs, ok := s.l.dropRefusedForms(it.forms, false, r, i); ok {
		it.forms = kept
		return it, true, outs
	}
	return it, false, []outcome{{entity: staging.EntityCustomers, key: it.c.SourceKey, status: staging.StatusRejected, target: it.target,
		http: r.er.StatusCode, message: "updating the existing customer failed: " + r.reason(i)}}
}

// updateBody is what --on-existing=update writes into an existing
// customer: the source's value of every field the loader owns, an empty
// one included, so that a value removed at the source is removed at the
// target — first and last name, company, phone, notes, tax exempt
// category — and the fields the source gave: customer group, the
// abandoned-cart consent, channel ids. Never the email (the match), the
// password or force_password_reset (a live account), store credit (a
// balance the target may have moved), origin channel or registration IP
// (read-only).
func updateBody(it *custItem) bigcommerce.CustomerUpdate {
	c := it.c
	return bigcommerce.CustomerUpdate{
		ID: it.target, FirstName: c.FirstName, LastName: c.LastName,
		Company: new(c.Company), Phone: new(c.Phone), Notes: new(c.Notes), TaxExemptCategory: new(c.TaxExemptCategory),
		CustomerGroupID:                         c.CustomerGroupID,
		AcceptsProductReviewAbandonedCartEmails: c.AcceptsProductReviewAbandonedCartEmails,
		ChannelIDs:                              c.ChannelIDs, FormFields: formFields(it.forms),
	}
}
