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

// dropExisting looks a refused batch's emails up, settles the customers the
// target already has per --on-existing, and returns the others.
func (l *loader) dropExisting(ctx context.Context, items []*custItem) ([]*custItem, error) {
	found, hit, rest, err := l.lookupItems(ctx, items)
	if err != nil {
		return nil, err
	}
	if len(hit) > 0 {
		if err := l.applyExisting(ctx, hit, found); err != nil {
			return nil, err
		}
	}
	return rest, nil
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

// applyExisting settles customers whose email the target already has.
func (l *loader) applyExisting(ctx context.Context, items []*custItem, found map[string]bigcommerce.Customer) error {
	target := func(it *custItem) int64 { return found[emailKey(it.c.Email)].ID }
	switch l.opts.OnExisting {
	case OnExistingUpdate:
		send := func(ctx context.Context, part []*custItem) error { return l.putCustomers(ctx, part, target) }
		return isolate(ctx, items, send, func(it *custItem, er *bigcommerce.ErrorResponse) error {
			l.customersDone.Add(1)
			return l.st.record(outcome{entity: staging.EntityCustomers, key: it.c.SourceKey, status: statusRejected, target: target(it),
				http: er.StatusCode, message: "updating the existing customer failed: " + itemMessage(er, 0)})
		})
	case OnExistingFail:
		var outs []outcome
		for _, it := range items {
			outs = append(outs, outcome{entity: staging.EntityCustomers, key: it.c.SourceKey, status: statusRejected, target: target(it),
				http: http.StatusUnprocessableEntity, message: fmt.Sprintf("the email %s already exists in the target store (customer %d) and --on-existing=fail", it.c.Email, target(it))})
		}
		l.customersDone.Add(int64(len(items)))
		return l.st.record(outs...)
	default:
		var outs []outcome
		for _, it := range items {
			outs = append(outs, outcome{entity: staging.EntityCustomers, key: it.c.SourceKey, status: statusSkipped, target: target(it),
				http: http.StatusOK, message: fmt.Sprintf("the email %s already exists in the target store (customer %d)", it.c.Email, target(it))})
		}
		l.customersDone.Add(int64(len(items)))
		return l.st.record(outs...)
	}
}

// putCustomers updates existing customers by id with the source's fields
// and form fields. Their addresses and attribute values are added by the
// later steps (the PUT cannot carry them). Passwords are left alone: these
// are live accounts.
func (l *loader) putCustomers(ctx context.Context, items []*custItem, target func(*custItem) int64) error {
	body := make([]bigcommerce.CustomerUpdate, len(items))
	for i, it := range items {
		c := it.c
		body[i] = bigcommerce.CustomerUpdate{
			ID: target(it), FirstName: c.FirstName, LastName: c.LastName, Company: c.Company, Phone: c.Phone,
			Notes: c.Notes, TaxExemptCategory: c.TaxExemptCategory, CustomerGroupID: c.CustomerGroupID,
			AcceptsProductReviewAbandonedCartEmails: c.AcceptsProductReviewAbandonedCartEmails,
			ChannelIDs:                              c.ChannelIDs, FormFields: formFields(it.forms),
		}
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
		outs = append(outs, outcome{entity: staging.EntityCustomers, key: it.c.SourceKey, status: statusUpdated, target: target(it), http: http.StatusOK})
		outs = append(outs, formOutcomes(it.forms, target(it))...)
	}
	l.customersDone.Add(int64(len(items)))
	return l.st.record(outs...)
}
