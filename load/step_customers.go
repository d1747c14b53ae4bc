package load

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"time"

	"github.com/bcetl/bcetl/internal/bigcommerce"
	"github.com/bcetl/bcetl/internal/staging"
)

// Step 2 creates the customers: POST /customers in batches of ten, each
// customer carrying its first ten addresses and attribute values and its
// form fields.
//
// When the target is known to hold some of the input's customers — the
// state file says so (a previous run found customers there, or a changed
// input dropped the outcomes of customers it had loaded), or a refusal in
// this run turned out to be an email the target has — the emails are
// looked up before they are sent, a URL's worth at a time (emailChunks:
// some 250 per request), and only the customers not found are POSTed; the
// others are settled per --on-existing (customerUpdates). A delta or a
// re-run into a populated store then costs the POSTs of what is new plus
// one look-up per chunk, instead of a refused POST and a look-up for every
// batch that holds one existing customer.
//
// A refused batch is answered by what the refusal names (write,
// settleRefused, reject): the customer a duplicate-email error names,
// customers whose own fields are refused, and the inline children
// (addresses, attribute values, form fields) whose fields are refused,
// whose customers are kept without them; the rest is sent again in one
// request. A refusal that may be about existing emails (mayBeExisting)
// first costs one look-up of the batch's emails.
//
// POST /customers is all or nothing, which is what reconciling a batch
// whose answer was lost relies on (reconcile): all its customers found,
// none created before the batch was recorded in-flight, means it was
// applied (their inline addresses and values came with them and are
// mapped from the look-up); none found means it was not, and it is sent
// again; otherwise it was refused because customers already existed:
// those found are settled as existing customers and the rest are sent
// again. A customer the target created before the batch's start existed
// already: that is how a batch refused because all its customers existed
// is told from one that created them all.

var pendingCustomers = pendingQuery{`SELECT s.seq, s.key, s.cust, s.ref, s.data, NULL FROM src s
	WHERE s.entity = ?1 AND s.status IS NULL`, []any{ent(staging.EntityCustomers)}}

type customerStep struct {
	l     *loader
	probe bool // the run's first batch is still to go: alone
}

func newCustomerStep(l *loader) *customerStep { return &customerStep{l: l, probe: true} }

func (*customerStep) name() string           { return "customers" }
func (*customerStep) entity() staging.Entity { return staging.EntityCustomers }

func (*customerStep) info() stepInfo {
	return stepInfo{name: "customers", pending: pendingCustomers, endpoints: []string{epPostCustomers}, perCall: bigcommerce.MaxCustomersPerCall}
}

func (*customerStep) batchKey(*custItem) (kind, key string) { return "", "" }

// load runs the step, looking emails up first from the start when the
// state file shows that the target holds customers of this input.
func (s *customerStep) load(ctx context.Context) error {
	if err := s.l.detectExisting(ctx); err != nil {
		return err
	}
	return runStep(ctx, s.l, s)
}

// detectExisting turns looking up before sending on when the state file
// shows that the target holds customers of this input: outcomes that found
// a customer there (skipped-existing, updated, or rejected by
// --on-existing=fail), or a changed input that dropped the outcomes of
// customers already on the target (metaTargetHasCustomers).
func (l *loader) detectExisting(ctx context.Context) error {
	var known bool
	err := l.st.db.QueryRowContext(ctx, `SELECT EXISTS(SELECT 1 FROM src WHERE entity = ? AND status != ? AND target_id IS NOT NULL)
		OR EXISTS(SELECT 1 FROM meta WHERE key = ?)`, ent(staging.EntityCustomers), stc(staging.StatusLoaded), metaTargetHasCustomers).Scan(&known)
	if known {
		l.knownExisting.Store(true)
	}
	return err
}

func (s *customerStep) items(ctx context.Context, rows []ownedRow) ([]*custItem, []outcome, error) {
	src := make([]srcRow, len(rows))
	for i, r := range rows {
		src[i] = r.srcRow
	}
	return s.l.customerItems(ctx, src)
}

// schedule sends a page's customers. The mode is read before each batch:
// once a refusal showed that the target has some of the customers, the
// rest of the page is looked up first too.
func (s *customerStep) schedule(r *stepRun[*custItem], items []*custItem) error {
	for len(items) > 0 && r.ctx.Err() == nil {
		if !s.l.knownExisting.Load() {
			batch := items[:min(bigcommerce.MaxCustomersPerCall, len(items))]
			items = items[len(batch):]
			if s.probe {
				// The run's first batch goes alone: if the target has
				// its customers, the others are looked up before they
				// are sent, rather than a full set of concurrent
				// batches being refused first. It costs one round trip
				// of time, no request.
				s.probe = false
				if err := write(r.ctx, s.l, s, batch); err != nil {
					return err
				}
				continue
			}
			r.write(s, batch)
			continue
		}
		chunk, err := s.l.firstChunk(items)
		if err != nil {
			return err
		}
		items = items[len(chunk):]
		if err := s.lookupFirst(r, chunk); err != nil {
			return err
		}
	}
	return nil
}

// firstChunk is the leading run of items whose emails one look-up asks
// for (emailChunks).
func (l *loader) firstChunk(items []*custItem) ([]*custItem, error) {
	head := items[:min(len(items), bigcommerce.MaxPageSize)]
	emails := make([]string, len(head))
	for i, it := range head {
		emails[i] = it.c.Email
	}
	chunks, err := l.emailChunks(emails)
	if err != nil {
		return nil, err
	}
	return items[:len(chunks[0])], nil
}

// lookupFirst looks a chunk of customers up by email before any is sent:
// those found are settled per --on-existing (updates are sent on the
// step's errgroup), the others are POSTed.
func (s *customerStep) lookupFirst(r *stepRun[*custItem], chunk []*custItem) error {
	found, hit, miss, err := s.l.lookupItems(r.ctx, chunk)
	if err != nil {
		return err
	}
	for _, it := range chunk {
		it.lookedUp = true
	}
	updates, err := s.l.settleExisting(hit, found)
	if err != nil {
		return err
	}
	for _, b := range updates {
		r.write(customerUpdates{s.l}, b)
	}
	for i := 0; i < len(miss); i += bigcommerce.MaxCustomersPerCall {
		r.write(s, miss[i:min(i+bigcommerce.MaxCustomersPerCall, len(miss))])
	}
	return nil
}

func (s *customerStep) send(ctx context.Context, items []*custItem) ([]outcome, error) {
	var pruned []outcome
	for _, it := range items {
		pruned = append(pruned, s.l.pruneItem(it)...)
	}
	if err := s.l.st.record(pruned...); err != nil {
		return nil, err
	}
	body := make([]bigcommerce.CustomerCreate, len(items))
	for i, it := range items {
		body[i] = s.l.createBody(it)
	}
	got, err := call(ctx, s.l, epPostCustomers, len(body), func(ctx context.Context) ([]bigcommerce.Customer, error) {
		out, _, err := s.l.c.Customers.Create(ctx, body)
		return out, err
	})
	if err != nil {
		return nil, err
	}
	return s.confirm(items, got), nil
}

// confirm maps a batch's customers, and their inline addresses and
// values, to what the target returned (matched by email and by the
// address key, never by position).
func (s *customerStep) confirm(items []*custItem, got []bigcommerce.Customer) []outcome {
	by := map[string]bigcommerce.Customer{}
	for _, c := range got {
		by[emailKey(c.Email)] = c
	}
	var outs []outcome
	for _, it := range items {
		c, ok := by[emailKey(it.c.Email)]
		if !ok {
			s.l.log.Warn("customer missing from the answer; it will be looked up on the next run", "source_key", it.c.SourceKey)
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
			if id, ok := vals[s.l.attrs[v.AttributeName]]; ok {
				outs = append(outs, outcome{entity: staging.EntityAttributeValues, key: v.SourceKey, status: staging.StatusLoaded, target: id, http: http.StatusOK})
			}
		}
	}
	return outs
}

// settleRefused settles, before a refusal is applied item by item, the
// customers it may be about that are not the batch's to create. A refusal
// that may be about existing emails (mayBeExisting) is answered by one
// look-up of the batch's emails (once per failure chain: not for
// customers looked up already); those found are settled per
// --on-existing. The customer a duplicate-email error names that was not
// found is rejected with the API's message: the API compares emails more
// loosely than we do, and the customer it means is another person.
func (s *customerStep) settleRefused(ctx context.Context, items []*custItem, r *refusal) ([]bool, error) {
	if r.tooLarge() {
		return nil, nil
	}
	settled := make([]bool, len(items))
	if r.mayBeExisting() && slices.ContainsFunc(items, func(it *custItem) bool { return !it.lookedUp }) {
		found, hit, _, err := s.l.lookupItems(ctx, items)
		if err != nil {
			return nil, err
		}
		for _, it := range items {
			it.lookedUp = true
		}
		if err := s.l.applyExisting(ctx, hit, found); err != nil {
			return nil, err
		}
		for i, it := range items {
			_, settled[i] = found[emailKey(it.c.Email)]
		}
	}
	if dup := r.duplicateEmail(); dup != "" {
		var outs []outcome
		for i, it := range items {
			if !settled[i] && emailKey(it.c.Email) == emailKey(dup) {
				settled[i] = true
				outs = append(outs, it.rejected(r.er.StatusCode, r.whole()))
			}
		}
		if err := s.l.st.record(outs...); err != nil {
			return nil, err
		}
	}
	return settled, nil
}

// reject: a customer too large with its children inline is sent alone
// without them (the later steps send each child in its own batch), so
// only a record too large on its own is rejected; one named only by
// errors on inline children has those children rejected and is kept
// without them; one refused for its own fields is rejected, and the
// results reject its children with it ("customer rejected: …").
func (s *customerStep) reject(it *custItem, r *refusal, i int) (*custItem, bool, []outcome) {
	if r.tooLarge() && it.hasInline() {
		it.dropInline()
		return it, true, nil
	}
	if !r.tooLarge() && len(r.items[i]) > 0 {
		if outs, ok := s.l.dropRefusedChildren(it, r.items[i], r.er.StatusCode); ok {
			return it, true, outs
		}
	}
	return it, false, []outcome{it.rejected(r.er.StatusCode, r.reason(i))}
}

func (it *custItem) rejected(status int, msg string) outcome {
	return outcome{entity: staging.EntityCustomers, key: it.c.SourceKey, status: staging.StatusRejected, http: status, message: msg}
}

// dropRefusedChildren handles errors that name a customer of the batch.
// When every one names an inline child it has (an address, an address's
// form field, an attribute value, a form field), those children are
// rejected with their field and the API's message (outs), and the customer
// is kept without them (the next inline children move up); ok is false
// when any error is about the customer itself, which is then rejected.
func (l *loader) dropRefusedChildren(it *custItem, fes []fieldError, status int) (outs []outcome, ok bool) {
	seen := map[string]bool{}
	reject := func(entity staging.Entity, key string, fe fieldError) {
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
			f := it.inAddrs[fe.ci].forms[fe.form].f
			if fe.field == "name" {
				fe = l.learnForm(true, f.Name, fe)
			}
			reject(staging.EntityFormFieldValues, f.SourceKey, fe)
		case fe.child == childAttributes && fe.ci < len(it.inVals):
			reject(staging.EntityAttributeValues, it.inVals[fe.ci].SourceKey, fe)
		case fe.child == childForms && fe.ci < len(it.forms):
			if fe.field == "name" {
				fe = l.learnForm(false, it.forms[fe.ci].f.Name, fe)
			}
			reject(staging.EntityFormFieldValues, it.forms[fe.ci].f.SourceKey, fe)
		default:
			return nil, false // about the customer, or a child it does not have
		}
	}
	it.addrs = filterOut(it.addrs, func(a *addrItem) bool { return seen[staging.EntityAddresses+"\x00"+a.a.SourceKey] })
	for _, a := range it.addrs {
		a.forms = filterOut(a.forms, func(f formItem) bool { return seen[staging.EntityFormFieldValues+"\x00"+f.f.SourceKey] })
	}
	it.vals = filterOut(it.vals, func(v staging.AttributeValue) bool { return seen[staging.EntityAttributeValues+"\x00"+v.SourceKey] })
	it.forms = filterOut(it.forms, func(f formItem) bool { return seen[staging.EntityFormFieldValues+"\x00"+f.f.SourceKey] })
	it.pick(l.attrs)
	return outs, true
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

func (*customerStep) ids(it *custItem) (key, email string) { return it.c.SourceKey, it.c.Email }

// reconcile settles a batch whose answer was lost by looking its emails
// up (see the top of this file).
func (s *customerStep) reconcile(ctx context.Context, started time.Time, items []*custItem) ([]outcome, string, []*custItem, error) {
	found, hit, miss, err := s.l.lookupItems(ctx, items)
	if err != nil {
		return nil, "", nil, err
	}
	if len(hit) == 0 {
		return nil, "not on the target: sent again", miss, nil
	}
	older := 0
	for _, it := range hit {
		if existedBefore(found[emailKey(it.c.Email)].DateCreated, started) {
			older++
		}
	}
	if len(miss) == 0 && older == 0 {
		got := make([]bigcommerce.Customer, len(hit))
		for i, it := range hit {
			got[i] = found[emailKey(it.c.Email)]
		}
		return s.confirm(items, got), "", nil, nil
	}
	note := fmt.Sprintf("%d of %d already existed: batch was refused", len(hit), len(items))
	if older > 0 {
		note = fmt.Sprintf("%d of %d found, %d created before the batch was sent: batch was refused", len(hit), len(items), older)
	}
	if err := s.l.applyExisting(ctx, hit, found); err != nil {
		return nil, "", nil, err
	}
	return nil, note, miss, nil
}

// unsettled reads the customers with these keys that have no outcome.
func (s *customerStep) unsettled(ctx context.Context, keys []string) ([]*custItem, error) {
	kj, _ := json.Marshal(keys)
	rows, err := s.l.srcRows(ctx, customersByKeys, ent(staging.EntityCustomers), string(kj))
	if err != nil {
		return nil, err
	}
	items, outs, err := s.l.customerItems(ctx, rows)
	if err != nil {
		return nil, err
	}
	return items, s.l.st.record(outs...)
}
