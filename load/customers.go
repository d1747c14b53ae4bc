package load

import (
	"context"
	"fmt"
	"net/http"
	"regexp"
	"strconv"
	"strings"

	"golang.org/x/sync/errgroup"

	"github.com/bcetl/bcetl/internal/bigcommerce"
	"github.com/bcetl/bcetl/internal/staging"
)

// pageSize is how many customers are read from the state file at a time:
// the loader's memory is this page plus the batches in flight, whatever the
// input's size.
const pageSize = 1000

// maxReconcileAttempts bounds how often one batch is sent again after its
// outcome was unknown and a look-up found nothing.
const maxReconcileAttempts = 8

// loadCustomers is step 2: POST /customers in batches of ten, each customer
// carrying its first ten addresses and attribute values and its form
// fields.
func (l *loader) loadCustomers(ctx context.Context) error {
	if err := l.resumeCustomers(ctx); err != nil {
		return err
	}
	var pending, maxSeq int64
	if err := l.st.db.QueryRowContext(ctx, `SELECT count(*), coalesce(max(s.seq), -1) FROM src s
		LEFT JOIN idmap m ON m.entity = s.entity AND m.key = s.key WHERE s.entity = ? AND m.key IS NULL`,
		staging.EntityCustomers).Scan(&pending, &maxSeq); err != nil {
		return err
	}
	bar := l.prog.start("customers", pending)
	defer bar.finish()
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(cap(l.sems[epPostCustomers]))
	for lo := int64(0); lo <= maxSeq; lo += pageSize {
		if gctx.Err() != nil {
			break
		}
		rows, err := l.srcRows(gctx, `SELECT s.seq, s.key, s.cust, s.ref, s.data FROM src s
			LEFT JOIN idmap m ON m.entity = s.entity AND m.key = s.key
			WHERE s.entity = ? AND s.seq >= ? AND s.seq < ? AND m.key IS NULL ORDER BY s.seq`,
			staging.EntityCustomers, lo, lo+pageSize)
		if err != nil {
			g.Go(func() error { return err })
			break
		}
		items, err := l.customerItems(gctx, rows)
		if err != nil {
			g.Go(func() error { return err })
			break
		}
		for i := 0; i < len(items); i += bigcommerce.MaxCustomersPerCall {
			batch := items[i:min(i+bigcommerce.MaxCustomersPerCall, len(items))]
			if gctx.Err() != nil {
				break
			}
			g.Go(func() error {
				err := l.sendCustomers(gctx, batch, false)
				bar.add(int64(len(batch)))
				return err
			})
		}
	}
	if err := g.Wait(); err != nil {
		return err
	}
	return ctx.Err()
}

// sendCustomers loads a batch, isolating the customers the API refuses.
// checked says whether the batch's emails were already looked up on the
// target in this failure chain (one look-up is enough).
func (l *loader) sendCustomers(ctx context.Context, items []*custItem, checked bool) error {
	err := l.postCustomers(ctx, items)
	er := invalid(err)
	if er == nil {
		return err
	}
	tooLarge := er.StatusCode == http.StatusRequestEntityTooLarge
	if !checked && !tooLarge {
		// A refusal is most often an email the target already has: look
		// the batch's emails up once (no GET is spent in the happy path).
		// A 413 is about size, never about existing emails.
		rest, err := l.dropExisting(ctx, items)
		if err != nil {
			return err
		}
		if len(rest) == 0 {
			return nil
		}
		if len(rest) < len(items) {
			return l.sendCustomers(ctx, rest, true)
		}
		checked = true
	}
	if len(items) == 1 {
		if it := items[0]; tooLarge && it.hasInline() {
			// Too large with its children inline: send the customer alone.
			// The later steps send each child in its own batch, so only
			// the record that is too large on its own is rejected.
			it.dropInline()
			return l.sendCustomers(ctx, items, checked)
		}
		return l.refused(ctx, items[0], er)
	}
	a, b := split(items, er)
	for _, part := range [][]*custItem{a, b} {
		if err := ctx.Err(); err != nil {
			return err
		}
		if err := l.sendCustomers(ctx, part, checked); err != nil {
			return err
		}
	}
	return nil
}

// postCustomers sends one batch and records its outcome (sendRecorded).
// An unknown outcome is reconciled at once by looking the emails up; what
// is not found is sent again.
func (l *loader) postCustomers(ctx context.Context, items []*custItem) error {
	return sendRecorded(ctx, l, "customers", items,
		func(items []*custItem) (keys, emails []string) {
			keys, emails = make([]string, len(items)), make([]string, len(items))
			for i, it := range items {
				keys[i], emails[i] = it.c.SourceKey, it.c.Email
			}
			return keys, emails
		},
		func(ctx context.Context, items []*custItem) ([]bigcommerce.Customer, error) {
			body := make([]bigcommerce.CustomerCreate, len(items))
			for i, it := range items {
				body[i] = l.createBody(it)
			}
			return call(ctx, l, epPostCustomers, len(body), func(ctx context.Context) ([]bigcommerce.Customer, error) {
				out, _, err := l.c.Customers.Create(ctx, body)
				return out, err
			})
		},
		func(batch int64, items []*custItem, got []bigcommerce.Customer) error {
			return l.confirmCustomers(batch, batchDone, items, got)
		},
		l.reconcileCustomers)
}

// sendRecorded sends one create request under the exactly-once protocol
// (STATE.md): the batch (keys and emails from ids) is recorded in-flight
// before it is sent; after an answer, confirm writes the id map and the
// batch status in one transaction; a refusal marks the batch failed and is
// returned untouched (for isolate); an unknown outcome is reconciled at
// once, and what reconcile returns (not on the target) is sent again as a
// new batch. Any other error leaves the batch in-flight: the next run
// reconciles it.
func sendRecorded[T, R any](ctx context.Context, l *loader, step string, items []T,
	ids func([]T) (keys, emails []string),
	send func(context.Context, []T) (R, error),
	confirm func(batch int64, items []T, got R) error,
	reconcile func(ctx context.Context, batch int64, items []T) ([]T, error)) error {
	for attempt := 0; ; attempt++ {
		keys, emails := ids(items)
		id, err := l.st.beginBatch(step, keys, emails)
		if err != nil {
			return err
		}
		got, err := send(ctx, items)
		if err == nil {
			return confirm(id, items, got)
		}
		if er := invalid(err); er != nil {
			if ferr := l.st.finish(id, batchFailed, er.StatusCode, er.Error(), nil); ferr != nil {
				return ferr
			}
			return err
		}
		if !bigcommerce.IsOutcomeUnknown(err) || attempt >= maxReconcileAttempts {
			return err
		}
		l.log.Debug("outcome unknown; reconciling", "step", step, "batch", id, "err", err)
		rest, err := reconcile(ctx, id, items)
		if err != nil || len(rest) == 0 {
			return err
		}
		items = rest
	}
}

// confirmCustomers maps a batch's customers, and their inline addresses and
// values, to what the target returned (matched by email and by the address
// key, never by position) and marks the batch.
func (l *loader) confirmCustomers(batch int64, status string, items []*custItem, got []bigcommerce.Customer) error {
	by := map[string]bigcommerce.Customer{}
	for _, c := range got {
		by[emailKey(c.Email)] = c
	}
	var outs []outcome
	var n int64
	for _, it := range items {
		c, ok := by[emailKey(it.c.Email)]
		if !ok {
			l.log.Warn("customer missing from the answer; it will be looked up on the next run", "source_key", it.c.SourceKey)
			continue
		}
		n++
		outs = append(outs, outcome{entity: staging.EntityCustomers, key: it.c.SourceKey, status: statusLoaded, target: c.ID, http: http.StatusOK})
		outs = append(outs, formOutcomes(it.forms, c.ID)...)
		addrs := map[string]int64{}
		for _, a := range c.Addresses {
			addrs[tgtAddrKey(a)] = a.ID
		}
		for _, a := range it.inAddrs {
			if id, ok := addrs[srcAddrKey(a.a)]; ok {
				outs = append(outs, outcome{entity: staging.EntityAddresses, key: a.a.SourceKey, status: statusLoaded, target: id, http: http.StatusOK})
				outs = append(outs, formOutcomes(a.forms, id)...)
			} // else: left pending; the address step posts it and maps it
		}
		vals := map[int64]int64{}
		for _, v := range c.Attributes {
			vals[v.AttributeID] = v.ID
		}
		for _, v := range it.inVals {
			if id, ok := vals[l.attrs[v.AttributeName]]; ok {
				outs = append(outs, outcome{entity: staging.EntityAttributeValues, key: v.SourceKey, status: statusLoaded, target: id, http: http.StatusOK})
			}
		}
	}
	if err := l.st.finish(batch, status, http.StatusOK, "", outs); err != nil {
		return err
	}
	l.customersDone.Add(n)
	return nil
}

// formOutcomes marks form field values loaded. They have no id of their
// own: the target id is their owner's (customer or address).
func formOutcomes(fs []formItem, owner int64) []outcome {
	out := make([]outcome, 0, len(fs))
	for _, f := range fs {
		out = append(out, outcome{entity: staging.EntityFormFieldValues, key: f.f.SourceKey, status: statusLoaded, target: owner, http: http.StatusOK})
	}
	return out
}

var subItem = regexp.MustCompile(`^\[0\]\.(addresses|attributes|form_fields)\[(\d+)\](\.form_fields\[(\d+)\])?`)

// refused handles a customer the API refused on its own. When every error
// names an inline child (an address, a value, a form field), those children
// are rejected and the customer is sent again without them; otherwise the
// customer is rejected, and with it, in the results, all its children.
func (l *loader) refused(ctx context.Context, it *custItem, er *bigcommerce.ErrorResponse) error {
	var outs []outcome
	dropA, dropV, dropF := map[int]bool{}, map[int]bool{}, map[int]bool{}
	dropAF := map[[2]int]bool{}
	childOnly := len(er.Body.Errors) > 0
	for k, msg := range er.Body.Errors {
		m := subItem.FindStringSubmatch(k)
		if m == nil {
			childOnly = false
			break
		}
		i, _ := strconv.Atoi(m[2])
		msg = strings.TrimPrefix(k, "[0].") + ": " + msg
		switch {
		case m[1] == "addresses" && m[4] != "" && i < len(it.inAddrs):
			j, _ := strconv.Atoi(m[4])
			if j < len(it.inAddrs[i].forms) && !dropAF[[2]int{i, j}] {
				dropAF[[2]int{i, j}] = true
				outs = append(outs, outcome{entity: staging.EntityFormFieldValues, key: it.inAddrs[i].forms[j].f.SourceKey, status: statusRejected, http: er.StatusCode, message: msg})
			}
		case m[1] == "addresses" && i < len(it.inAddrs) && !dropA[i]:
			dropA[i] = true
			outs = append(outs, outcome{entity: staging.EntityAddresses, key: it.inAddrs[i].a.SourceKey, status: statusRejected, http: er.StatusCode, message: msg})
		case m[1] == "attributes" && i < len(it.inVals) && !dropV[i]:
			dropV[i] = true
			outs = append(outs, outcome{entity: staging.EntityAttributeValues, key: it.inVals[i].SourceKey, status: statusRejected, http: er.StatusCode, message: msg})
		case m[1] == "form_fields" && i < len(it.forms) && !dropF[i]:
			dropF[i] = true
			outs = append(outs, outcome{entity: staging.EntityFormFieldValues, key: it.forms[i].f.SourceKey, status: statusRejected, http: er.StatusCode, message: msg})
		}
	}
	if !childOnly || len(outs) == 0 {
		l.customersDone.Add(1)
		return l.st.record(outcome{entity: staging.EntityCustomers, key: it.c.SourceKey, status: statusRejected, http: er.StatusCode, message: itemMessage(er, 0)})
	}
	if err := l.st.record(outs...); err != nil {
		return err
	}
	// Drop what was rejected and send the customer again.
	rejected := map[string]bool{}
	for _, o := range outs {
		rejected[o.entity+"\x00"+o.key] = true
	}
	it.addrs = filterOut(it.addrs, func(a *addrItem) bool { return rejected[staging.EntityAddresses+"\x00"+a.a.SourceKey] })
	for _, a := range it.addrs {
		a.forms = filterOut(a.forms, func(f formItem) bool { return rejected[staging.EntityFormFieldValues+"\x00"+f.f.SourceKey] })
	}
	it.vals = filterOut(it.vals, func(v staging.AttributeValue) bool { return rejected[staging.EntityAttributeValues+"\x00"+v.SourceKey] })
	it.forms = filterOut(it.forms, func(f formItem) bool { return rejected[staging.EntityFormFieldValues+"\x00"+f.f.SourceKey] })
	it.pick(l.attrs)
	return l.sendCustomers(ctx, []*custItem{it}, true)
}

func filterOut[T any](s []T, drop func(T) bool) []T {
	out := s[:0:0]
	for _, x := range s {
		if !drop(x) {
			out = append(out, x)
		}
	}
	return out
}

// lookupEmails finds target customers by email, with their first
// addresses and attribute values, keyed by emailKey. An answer whose email
// is not one that was asked for under emailKey (the API compared more
// loosely) is left out: it is another person.
func (l *loader) lookupEmails(ctx context.Context, emails []string) (map[string]bigcommerce.Customer, error) {
	asked := make(map[string]bool, len(emails))
	for _, e := range emails {
		asked[emailKey(e)] = true
	}
	out := map[string]bigcommerce.Customer{}
	for i := 0; i < len(emails); i += 50 {
		chunk := emails[i:min(i+50, len(emails))]
		l.count(epGetCustomers, len(chunk))
		opts := bigcommerce.CustomerListOptions{EmailIn: chunk, Include: []string{bigcommerce.IncludeAddresses, bigcommerce.IncludeAttributes},
			ListOptions: bigcommerce.ListOptions{Limit: 250}}
		for c, err := range l.c.Customers.All(context.WithoutCancel(ctx), opts) {
			if err != nil {
				return nil, fmt.Errorf("looking customers up by email: %w", err)
			}
			if k := emailKey(c.Email); asked[k] {
				out[k] = c
			} else {
				// No email in the log: it is personal data.
				l.log.Warn("the target answered an email look-up with a customer whose email differs from every one asked for (ignoring case); not matched",
					"target_customer", c.ID)
			}
		}
	}
	return out, nil
}
