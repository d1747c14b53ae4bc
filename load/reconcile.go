package load

import (
	"context"
	"fmt"
	"net/http"
	"time"

	"github.com/bcetl/bcetl/internal/bigcommerce"
	"github.com/bcetl/bcetl/internal/staging"
)

// Reconciliation settles a write whose answer never came (the process was
// killed, the connection was cut, a 5xx came after the commit). Nothing is
// sent again before the target has been asked what it holds, and what it
// holds is not taken for what the batch did: a record found may have been
// there before the batch was sent.
//
// POST /customers is all or nothing: it was applied only if none of its
// customers existed before. So when a batch's emails are looked up: all
// found, and none created before the batch was recorded in-flight, means
// it was applied (its inline addresses and values came with it and are
// mapped from the look-up); none found means it was not, and it is sent
// again; otherwise it was refused because customers already existed: those
// found are handled as existing customers (--on-existing) and the rest are
// sent again. A customer the target created before the batch's start
// existed already: that is how a batch refused because all its customers
// existed is told from one that created them all.

// clockSkew is how far the target's clock may run behind ours when a
// record's date_created is compared with a batch's start, which our clock
// recorded. Hosts kept by NTP agree to milliseconds; the margin is for a
// drifting one. The price is the one case told wrong: a customer someone
// else created less than this before the batch would count as ours.
const clockSkew = 5 * time.Second

// batchStart is when batch was recorded in-flight, before it was sent.
func (l *loader) batchStart(ctx context.Context, batch int64) (time.Time, error) {
	var s string
	if err := l.st.db.QueryRowContext(ctx, `SELECT started FROM batches WHERE id = ?`, batch).Scan(&s); err != nil {
		return time.Time{}, fmt.Errorf("state: batch %d: %w", batch, err)
	}
	return time.Parse(time.RFC3339Nano, s)
}

// existedBefore reports whether a record the target says was created at
// created existed before a batch recorded at start. The API gives seconds,
// so start is cut to its second first. Without a date nothing is proved.
func existedBefore(created *time.Time, start time.Time) bool {
	return created != nil && created.Before(start.Truncate(time.Second).Add(-clockSkew))
}

// reconcileCustomers settles one batch and returns the items to send again.
func (l *loader) reconcileCustomers(ctx context.Context, batch int64, items []*custItem) ([]*custItem, error) {
	found, hit, miss, err := l.lookupItems(ctx, items)
	if err != nil {
		return nil, err
	}
	if len(hit) == 0 {
		return miss, l.st.finish(batch, batchReconciled, 0, "not on the target: sent again", nil)
	}
	start, err := l.batchStart(ctx, batch)
	if err != nil {
		return nil, err
	}
	older := 0
	for _, it := range hit {
		if existedBefore(found[emailKey(it.c.Email)].DateCreated, start) {
			older++
		}
	}
	if len(miss) == 0 && older == 0 {
		got := make([]bigcommerce.Customer, len(hit))
		for i, it := range hit {
			got[i] = found[emailKey(it.c.Email)]
		}
		return nil, l.confirmCustomers(batch, batchReconciled, items, got)
	}
	msg := fmt.Sprintf("%d of %d already existed: batch was refused", len(hit), len(items))
	if older > 0 {
		msg = fmt.Sprintf("%d of %d found, %d created before the batch was sent: batch was refused", len(hit), len(items), older)
	}
	if err := l.st.finish(batch, batchReconciled, 0, msg, nil); err != nil {
		return nil, err
	}
	if err := l.applyExisting(ctx, hit, found); err != nil {
		return nil, err
	}
	return miss, nil
}

// resumeCustomers reconciles the customer batches a previous run left
// in-flight. What is not found stays without an outcome, and the planner
// sends it again with the other pending customers.
func (l *loader) resumeCustomers(ctx context.Context) error {
	return resumeStep(ctx, l, "customers", l.itemsByKeys, l.reconcileCustomers)
}

// resumeStep settles the batches of step that a previous run left
// in-flight: pending reads those of a batch's items that have no outcome
// yet; a batch with none left is closed, the others are reconciled.
func resumeStep[T any](ctx context.Context, l *loader, step string,
	pending func(ctx context.Context, keys []string) ([]T, error),
	reconcile func(ctx context.Context, batch int64, items []T) ([]T, error)) error {
	bs, err := l.st.inflight(ctx, step)
	if err != nil {
		return err
	}
	if len(bs) > 0 {
		l.log.Info("reconciling unconfirmed batches", "step", step, "batches", len(bs))
	}
	for _, b := range bs {
		if err := ctx.Err(); err != nil {
			return err
		}
		items, err := pending(ctx, b.keys)
		if err != nil {
			return err
		}
		if len(items) == 0 {
			if err := l.st.finish(b.id, batchReconciled, 0, "nothing left to settle", nil); err != nil {
				return err
			}
			continue
		}
		if _, err := reconcile(ctx, b.id, items); err != nil {
			return err
		}
	}
	return nil
}

// lookupItems looks the items' emails up on the target and splits the
// items into those it has (hit) and the others (miss), in order.
func (l *loader) lookupItems(ctx context.Context, items []*custItem) (found map[string]bigcommerce.Customer, hit, miss []*custItem, err error) {
	emails := make([]string, len(items))
	for i, it := range items {
		emails[i] = it.c.Email
	}
	if found, err = l.lookupEmails(ctx, emails); err != nil {
		return nil, nil, nil, err
	}
	for _, it := range items {
		if _, ok := found[emailKey(it.c.Email)]; ok {
			hit = append(hit, it)
		} else {
			miss = append(miss, it)
		}
	}
	return found, hit, miss, nil
}

// applyExisting settles customers whose email the target already has, per
// --on-existing, the updates included.
func (l *loader) applyExisting(ctx context.Context, items []*custItem, found map[string]bigcommerce.Customer) error {
	updates, err := l.settleExisting(items, found)
	if err != nil {
		return err
	}
	for _, b := range updates {
		if err := l.updateExisting(ctx, b, found); err != nil {
			return err
		}
	}
	return nil
}

// settleExisting records the outcome of customers whose email the target
// already has (skip: skipped-existing, mapped to it; fail: rejected) and,
// for --on-existing=update, returns them in batches for updateExisting.
// Finding one means the target holds customers of this input: the rest of
// the run looks emails up before sending them.
func (l *loader) settleExisting(items []*custItem, found map[string]bigcommerce.Customer) ([][]*custItem, error) {
	if len(items) == 0 {
		return nil, nil
	}
	l.knownExisting.Store(true)
	target := func(it *custItem) int64 { return found[emailKey(it.c.Email)].ID }
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
			outs = append(outs, outcome{entity: staging.EntityCustomers, key: it.c.SourceKey, status: staging.StatusRejected, target: target(it),
				http: http.StatusUnprocessableEntity, message: fmt.Sprintf("the email %s already exists in the target store (customer %d) and --on-existing=fail", it.c.Email, target(it))})
		}
	default:
		for _, it := range items {
			outs = append(outs, outcome{entity: staging.EntityCustomers, key: it.c.SourceKey, status: staging.StatusSkipped, target: target(it),
				http: http.StatusOK, message: fmt.Sprintf("the email %s already exists in the target store (customer %d)", it.c.Email, target(it))})
		}
	}
	return nil, l.st.record(outs...)
}

// updateExisting updates one batch of existing customers (putCustomers),
// setting apart those the API refuses: a refused form field is rejected
// and its customer updated without it; a customer refused for its own
// fields is rejected (the target's customer is left as it was).
func (l *loader) updateExisting(ctx context.Context, items []*custItem, found map[string]bigcommerce.Customer) error {
	target := func(it *custItem) int64 { return found[emailKey(it.c.Email)].ID }
	send := func(ctx context.Context, part []*custItem) error { return l.putCustomers(ctx, part, target) }
	return isolate(ctx, items, send, func(it *custItem, r *refusal, i int) (*custItem, bool, error) {
		if kept, outs, ok := dropRefusedForms(it.forms, r, i); ok {
			it.forms = kept
			return it, true, l.st.record(outs...)
		}
		return it, false, l.st.record(outcome{entity: staging.EntityCustomers, key: it.c.SourceKey, status: staging.StatusRejected, target: target(it),
			http: r.er.StatusCode, message: "updating the existing customer failed: " + r.reason(i)})
	})
}

// putCustomers updates existing customers by id with the source's value of
// every field the loader owns (updateBody), and their form fields. Their
// addresses and attribute values are added by the later steps (the PUT
// cannot carry them).
func (l *loader) putCustomers(ctx context.Context, items []*custItem, target func(*custItem) int64) error {
	body := make([]bigcommerce.CustomerUpdate, len(items))
	for i, it := range items {
		body[i] = updateBody(it, target(it))
	}
	_, err := call(ctx, l, epPutCustomers, len(body), func(ctx context.Context) ([]bigcommerce.Customer, error) {
		out, _, err := l.c.Customers.Update(ctx, body)
		return out, err
	})
	if err != nil {
		return err
	}
	var outs []outcome
	for _, it := range items {
		outs = append(outs, outcome{entity: staging.EntityCustomers, key: it.c.SourceKey, status: staging.StatusUpdated, target: target(it), http: http.StatusOK})
		outs = append(outs, formOutcomes(it.forms, target(it))...)
	}
	return l.st.record(outs...)
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
func updateBody(it *custItem, id int64) bigcommerce.CustomerUpdate {
	c := it.c
	return bigcommerce.CustomerUpdate{
		ID: id, FirstName: c.FirstName, LastName: c.LastName,
		Company: new(c.Company), Phone: new(c.Phone), Notes: new(c.Notes), TaxExemptCategory: new(c.TaxExemptCategory),
		CustomerGroupID:                         c.CustomerGroupID,
		AcceptsProductReviewAbandonedCartEmails: c.AcceptsProductReviewAbandonedCartEmails,
		ChannelIDs:                              c.ChannelIDs, FormFields: formFields(it.forms),
	}
}
