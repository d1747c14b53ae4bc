package load

import (
	"cmp"
	"context"
	"fmt"
	"net/http"

	"golang.org/x/sync/errgroup"

	"github.com/bcetl/bcetl/internal/bigcommerce"
	"github.com/bcetl/bcetl/internal/staging"
)

// loadCustomers is step 2: POST /customers in batches of ten, each customer
// carrying its first ten addresses and attribute values and its form
// fields.
//
// When the target is known to hold some of the input's customers — the
// state file says so (a previous run found customers there, or a changed
// input dropped the outcomes of customers it had loaded), or a refusal in
// this run turned out to be an email the target has — the emails are
// looked up before they are sent, a URL's worth at a time (lookupChunks:
// some 250 per request), and only the customers not found are POSTed. A
// delta or a re-run into a populated store then costs the POSTs of what is
// new plus one look-up per chunk, instead of a refused POST and a look-up
// for every batch that holds one existing customer.
func (l *loader) loadCustomers(ctx context.Context) error {
	if err := l.resumeCustomers(ctx); err != nil {
		return err
	}
	if err := l.detectExisting(ctx); err != nil {
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
	post := func(batch []*custItem, checked bool) {
		g.Go(func() error {
			err := l.sendCustomers(gctx, batch, checked)
			bar.add(int64(len(batch)))
			return err
		})
	}
	probe := true
pages:
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
		// The mode is read before each batch: once a refusal showed that
		// the target has some of the customers, the rest of the page is
		// looked up first too.
		for len(items) > 0 && gctx.Err() == nil {
			if !l.knownExisting.Load() {
				batch := items[:min(bigcommerce.MaxCustomersPerCall, len(items))]
				items = items[len(batch):]
				if probe {
					// The run's first batch goes alone: if the target
					// has its customers, the others are looked up
					// before they are sent, rather than a full set of
					// concurrent batches being refused first. It costs
					// one round trip of time, no request.
					probe = false
					err := l.sendCustomers(gctx, batch, false)
					bar.add(int64(len(batch)))
					if err != nil {
						g.Go(func() error { return err })
						break pages
					}
					continue
				}
				post(batch, false)
				continue
			}
			chunk, err := l.firstChunk(items)
			if err == nil {
				items = items[len(chunk):]
				err = l.lookupFirst(gctx, chunk, bar, post, g)
			}
			if err != nil {
				g.Go(func() error { return err })
				break pages
			}
		}
	}
	if err := g.Wait(); err != nil {
		return err
	}
	return ctx.Err()
}

// firstChunk is the leading run of items whose emails one look-up asks
// for (emailChunks).
func (l *loader) firstChunk(items []*custItem) ([]*custItem, error) {
	head := items[:min(len(items), bigcommerce.MaxPageSize)]
	chunks, err := l.emailChunks(emailsOf(head))
	if err != nil {
		return nil, err
	}
	return items[:len(chunks[0])], nil
}

func emailsOf(items []*custItem) []string {
	out := make([]string, len(items))
	for i, it := range items {
		out[i] = it.c.Email
	}
	return out
}

// lookupFirst looks a chunk of customers up by email before any is sent:
// those found are settled per --on-existing (updates are scheduled on g),
// the others are POSTed.
func (l *loader) lookupFirst(ctx context.Context, chunk []*custItem, bar *bar, post func([]*custItem, bool), g *errgroup.Group) error {
	found, hit, miss, err := l.lookupItems(ctx, chunk)
	if err != nil {
		return err
	}
	updates, err := l.settleExisting(hit, found)
	if err != nil {
		return err
	}
	if len(updates) == 0 {
		bar.add(int64(len(hit)))
	}
	for _, b := range updates {
		g.Go(func() error {
			err := l.updateExisting(ctx, b, found)
			bar.add(int64(len(b)))
			return err
		})
	}
	for i := 0; i < len(miss); i += bigcommerce.MaxCustomersPerCall {
		post(miss[i:min(i+bigcommerce.MaxCustomersPerCall, len(miss))], true)
	}
	return nil
}

// detectExisting turns looking up before sending on when the state file
// shows that the target holds customers of this input: outcomes that found
// a customer there (skipped-existing, updated, or rejected by
// --on-existing=fail), or a changed input that dropped the outcomes of
// customers already on the target (metaTargetHasCustomers).
func (l *loader) detectExisting(ctx context.Context) error {
	var known bool
	err := l.st.db.QueryRowContext(ctx, `SELECT EXISTS(SELECT 1 FROM idmap WHERE entity = ? AND status != ? AND target_id IS NOT NULL)
		OR EXISTS(SELECT 1 FROM meta WHERE key = ?)`, staging.EntityCustomers, staging.StatusLoaded, metaTargetHasCustomers).Scan(&known)
	if known {
		l.knownExisting.Store(true)
	}
	return err
}

// sendCustomers loads a batch, setting apart the customers the API
// refuses. checked says whether the batch's emails were already looked up
// on the target in this failure chain (one look-up is enough).
//
// A refusal that may be about existing emails (mayBeExisting) is answered
// by one look-up of the batch's emails; those found are settled per
// --on-existing. Then what the refusal names is set apart (setApart): the
// customer a duplicate-email error names, customers whose own fields are
// refused, and the inline children (addresses, attribute values, form
// fields) whose fields are refused, whose customers are kept without
// them; and the rest is sent again in one request. Only a refusal that
// names nothing is bisected.
func (l *loader) sendCustomers(ctx context.Context, items []*custItem, checked bool) error {
	err := l.postCustomers(ctx, items)
	r := refused(err, len(items))
	if r == nil {
		return err
	}
	if r.tooLarge() {
		return l.splitTooLarge(ctx, items, r, checked)
	}
	settled := map[*custItem]bool{}
	if !checked && r.mayBeExisting() {
		checked = true
		found, hit, _, err := l.lookupItems(ctx, items)
		if err != nil {
			return err
		}
		if err := l.applyExisting(ctx, hit, found); err != nil {
			return err
		}
		for _, it := range hit {
			settled[it] = true
		}
	}
	rest, progress, err := l.setApart(items, r, settled)
	if err != nil || len(rest) == 0 || ctx.Err() != nil {
		return cmp.Or(err, ctx.Err())
	}
	if progress {
		return l.sendCustomers(ctx, rest, checked)
	}
	// The refusal names nothing this batch could be split by.
	if len(items) == 1 {
		return l.rejectCustomer(items[0], r.er.StatusCode, r.whole())
	}
	h := len(items) / 2
	for _, part := range [][]*custItem{items[:h:h], items[h:]} {
		if err := ctx.Err(); err != nil {
			return err
		}
		if err := l.sendCustomers(ctx, part, checked); err != nil {
			return err
		}
	}
	return nil
}

// splitTooLarge handles a 413: the body is too large, and nothing says
// which customer makes it so. The batch is halved; a customer too large
// with its children inline is sent alone, and the later steps send each
// child in its own batch, so only a record that is too large on its own is
// rejected.
func (l *loader) splitTooLarge(ctx context.Context, items []*custItem, r *refusal, checked bool) error {
	if len(items) == 1 {
		if it := items[0]; it.hasInline() {
			it.dropInline()
			return l.sendCustomers(ctx, items, checked)
		}
		return l.rejectCustomer(items[0], r.er.StatusCode, r.whole())
	}
	h := len(items) / 2
	for _, part := range [][]*custItem{items[:h:h], items[h:]} {
		if err := ctx.Err(); err != nil {
			return err
		}
		if err := l.sendCustomers(ctx, part, checked); err != nil {
			return err
		}
	}
	return nil
}

// setApart applies a refusal to a batch: the customers settled (found on
// the target) are left out; the customer a duplicate-email error names is
// rejected with the API's message (it was looked up and not found: the
// API compares emails more loosely than we do, and the customer it means
// is another person); a customer named by errors on its own fields is
// rejected with them; one named only by errors on inline children has
// those children rejected and is kept without them. It returns what is
// to be sent again and whether anything was set apart.
func (l *loader) setApart(items []*custItem, r *refusal, settled map[*custItem]bool) (rest []*custItem, progress bool, err error) {
	dup := r.duplicateEmail()
	for i, it := range items {
		switch {
		case settled[it]:
			progress = true
		case dup != "" && emailKey(it.c.Email) == emailKey(dup):
			progress = true
			if err := l.rejectCustomer(it, r.er.StatusCode, r.whole()); err != nil {
				return nil, false, err
			}
		case len(r.items[i]) == 0:
			rest = append(rest, it)
		default:
			progress = true
			kept, err := l.dropRefusedChildren(it, r.items[i], r.er.StatusCode)
			if err != nil {
				return nil, false, err
			}
			if kept {
				rest = append(rest, it)
			} else if err := l.rejectCustomer(it, r.er.StatusCode, r.reason(i)); err != nil {
				return nil, false, err
			}
		}
	}
	return rest, progress, nil
}

// rejectCustomer records a customer as rejected; the results reject its
// children with it ("customer rejected: …").
func (l *loader) rejectCustomer(it *custItem, status int, msg string) error {
	return l.st.record(outcome{entity: staging.EntityCustomers, key: it.c.SourceKey, status: staging.StatusRejected, http: status, message: msg})
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
		id, _, err := l.st.beginBatch(step, keys, emails)
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
func (l *loader) confirmCustomers(batch int64, status batchStatus, items []*custItem, got []bigcommerce.Customer) error {
	by := map[string]bigcommerce.Customer{}
	for _, c := range got {
		by[emailKey(c.Email)] = c
	}
	var outs []outcome
	for _, it := range items {
		c, ok := by[emailKey(it.c.Email)]
		if !ok {
			l.log.Warn("customer missing from the answer; it will be looked up on the next run", "source_key", it.c.SourceKey)
			continue
		}
		outs = append(outs, outcome{entity: staging.EntityCustomers, key: it.c.SourceKey, status: staging.StatusLoaded, target: c.ID, http: http.StatusOK})
		outs = append(outs, formOutcomes(it.forms, c.ID)...)
		addrs := map[string]int64{}
		for _, a := range c.Addresses {
			addrs[tgtAddrKey(a)] = a.ID
		}
		for _, a := range it.inAddrs {
			if id, ok := addrs[srcAddrKey(a.a)]; ok {
				outs = append(outs, outcome{entity: staging.EntityAddresses, key: a.a.SourceKey, status: staging.StatusLoaded, target: id, http: http.StatusOK})
				outs = append(outs, formOutcomes(a.forms, id)...)
			} // else: left pending; the address step posts it and maps it
		}
		vals := map[int64]int64{}
		for _, v := range c.Attributes {
			vals[v.AttributeID] = v.ID
		}
		for _, v := range it.inVals {
			if id, ok := vals[l.attrs[v.AttributeName]]; ok {
				outs = append(outs, outcome{entity: staging.EntityAttributeValues, key: v.SourceKey, status: staging.StatusLoaded, target: id, http: http.StatusOK})
			}
		}
	}
	return l.st.finish(batch, status, http.StatusOK, "", outs)
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

// dropRefusedChildren handles errors that name a customer of the batch.
// When every one names an inline child it has (an address, an address's
// form field, an attribute value, a form field), those children are
// rejected with their field and the API's message, and the customer is
// kept without them (the next inline children move up); it returns false
// when any error is about the customer itself, which is then rejected.
func (l *loader) dropRefusedChildren(it *custItem, fes []fieldError, status int) (bool, error) {
	var outs []outcome
	seen := map[string]bool{}
	reject := func(entity, key string, fe fieldError) {
		if !seen[entity+"\x00"+key] {
			seen[entity+"\x00"+key] = true
			outs = append(outs, outcome{entity: entity, key: key, status: staging.StatusRejected, http: status, message: fe.childReason()})
		}
	}
	for _, fe := range fes {
		switch {
		case fe.child == childAddresses && fe.ci < len(it.inAddrs) && fe.form < 0:
			reject(staging.EntityAddresses, it.inAddrs[fe.ci].a.SourceKey, fe)
		case fe.child == childAddresses && fe.ci < len(it.inAddrs) && fe.form < len(it.inAddrs[fe.ci].forms):
			reject(staging.EntityFormFieldValues, it.inAddrs[fe.ci].forms[fe.form].f.SourceKey, fe)
		case fe.child == childAttributes && fe.ci < len(it.inVals):
			reject(staging.EntityAttributeValues, it.inVals[fe.ci].SourceKey, fe)
		case fe.child == childForms && fe.ci < len(it.forms):
			reject(staging.EntityFormFieldValues, it.forms[fe.ci].f.SourceKey, fe)
		default:
			return false, nil // about the customer, or a child it does not have
		}
	}
	if err := l.st.record(outs...); err != nil {
		return false, err
	}
	it.addrs = filterOut(it.addrs, func(a *addrItem) bool { return seen[staging.EntityAddresses+"\x00"+a.a.SourceKey] })
	for _, a := range it.addrs {
		a.forms = filterOut(a.forms, func(f formItem) bool { return seen[staging.EntityFormFieldValues+"\x00"+f.f.SourceKey] })
	}
	it.vals = filterOut(it.vals, func(v staging.AttributeValue) bool { return seen[staging.EntityAttributeValues+"\x00"+v.SourceKey] })
	it.forms = filterOut(it.forms, func(f formItem) bool { return seen[staging.EntityFormFieldValues+"\x00"+f.f.SourceKey] })
	it.pick(l.attrs)
	return true, nil
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
// addresses and attribute values, keyed by emailKey: one request per
// chunk of emails (emailChunks: as many as an 8 KB URL holds). An answer
// whose email is not one that was asked for under emailKey (the API
// compared more loosely) is left out: it is another person.
func (l *loader) lookupEmails(ctx context.Context, emails []string) (map[string]bigcommerce.Customer, error) {
	out := map[string]bigcommerce.Customer{}
	chunks, err := l.emailChunks(emails)
	if err != nil {
		return nil, err
	}
	for _, chunk := range chunks {
		asked := make(map[string]bool, len(chunk))
		for _, e := range chunk {
			asked[emailKey(e)] = true
		}
		l.count(epGetCustomers, len(chunk))
		opts := emailLookup
		opts.EmailIn = chunk
		matched := 0
		for c, err := range l.c.Customers.All(context.WithoutCancel(ctx), opts) {
			if err != nil {
				return nil, fmt.Errorf("looking customers up by email: %w", err)
			}
			if k := emailKey(c.Email); asked[k] {
				out[k] = c
				if matched++; matched == len(asked) {
					break // all found: a full page needs no empty next one
				}
			} else {
				// No email in the log: it is personal data.
				l.log.Warn("the target answered an email look-up with a customer whose email differs from every one asked for (ignoring case); not matched",
					"target_customer", c.ID)
			}
		}
	}
	return out, nil
}
