package load

import (
	"context"
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/bcetl/bcetl/internal/bcrules"
	"github.com/bcetl/bcetl/internal/bigcommerce"
	"github.com/bcetl/bcetl/internal/staging"
)

// Step 3 writes the addresses that did not ride along with their customer
// (beyond the tenth, all those of customers updated in place, those a
// refusal or a 413 split off, those a changed input added), ten per
// POST /customers/addresses, with their form fields. The API answers an
// address it already has (its documented uniqueness key) with 200 and
// leaves it out of the answer, so sending one again cannot double it;
// and a batch never carries an address that was there when it was sent
// (settlePresent), so one whose answer was lost is reconciled honestly:
// an address found then was created by it. Under --on-existing=update an
// address a changed input altered is written into the address it was
// loaded as (addressUpdates).

// addrOwned is an address to write, with its customer's target id.
type addrOwned struct {
	*addrItem
	customer int64
	target   int64 // the target address to write it into (addressUpdates); 0 to create it
	// existed: its customer existed before this load (updated in place),
	// so the target may hold the address already.
	existed bool
	prev    int64 // the target address a changed input dropped the outcome of (prev_targets)
}

var pendingAddresses = pendingOfCustomers(staging.EntityAddresses)

type addressStep struct{ l *loader }

func (addressStep) entity() staging.Entity { return staging.EntityAddresses }

func (addressStep) info() stepInfo {
	return stepInfo{name: "addresses", pending: pendingAddresses, endpoints: []string{epPostAddresses}, perCall: bigcommerce.MaxAddressesPerCall}
}

func (addressStep) batchKey(addrOwned) (kind, key string) { return "", "" }

// items decodes a page of addresses, attaches their pending form fields
// (sent inline with them), and says which may be on the target already.
func (s addressStep) items(ctx context.Context, rows []ownedRow) ([]addrOwned, []outcome, error) {
	l := s.l
	custs := make([]string, len(rows))
	keys := make([]string, len(rows))
	by := map[string]*addrItem{}
	var out []addrOwned
	var rejected []outcome
	for i, r := range rows {
		a, err := decode[staging.Address](r.srcRow)
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
		by[r.key] = ai
		custs[i], keys[i] = r.cust, r.key
		out = append(out, addrOwned{addrItem: ai, customer: r.owner})
	}
	cj, _ := json.Marshal(custs)
	forms, err := l.srcRows(ctx, pendingChildren, ent(staging.EntityFormFieldValues), string(cj))
	if err != nil {
		return nil, nil, err
	}
	for _, r := range forms {
		a := by[r.ref]
		if a == nil {
			continue
		}
		fi, bad, err := l.decodeForm(r)
		if err != nil {
			return nil, nil, err
		}
		if bad == nil {
			bad = l.formOutcome(true, fi)
		}
		if bad != nil {
			rejected = append(rejected, *bad)
			continue
		}
		a.forms = append(a.forms, fi)
	}
	updated, err := l.keySet(ctx, `SELECT key FROM src INDEXED BY src_key WHERE entity = ? AND status = ? AND key IN (SELECT value FROM json_each(?))`,
		ent(staging.EntityCustomers), stc(staging.StatusUpdated), string(cj))
	if err != nil {
		return nil, nil, err
	}
	prev := map[string]int64{}
	if l.opts.OnExisting == OnExistingUpdate {
		kj, _ := json.Marshal(keys)
		if prev, err = l.previousTargets(ctx, string(kj)); err != nil {
			return nil, nil, err
		}
	}
	for i := range out {
		out[i].existed, out[i].prev = updated[out[i].a.CustomerSourceKey], prev[out[i].a.SourceKey]
	}
	return out, rejected, nil
}

// keySet runs a query of keys.
func (l *loader) keySet(ctx context.Context, query string, args ...any) (map[string]bool, error) {
	q, err := l.st.db.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer q.Close()
	out := map[string]bool{}
	for q.Next() {
		var k string
		if err := q.Scan(&k); err != nil {
			return nil, err
		}
		out[k] = true
	}
	return out, q.Err()
}

// previousTargets returns the target ids that the addresses with these
// keys (a JSON array) had before a changed input dropped their outcome
// (prev_targets, delta.go), by source key.
func (l *loader) previousTargets(ctx context.Context, keys string) (map[string]int64, error) {
	q, err := l.st.db.QueryContext(ctx, `SELECT key, target_id FROM prev_targets WHERE entity = ? AND key IN (SELECT value FROM json_each(?))`,
		ent(staging.EntityAddresses), keys)
	if err != nil {
		return nil, err
	}
	defer q.Close()
	out := map[string]int64{}
	for q.Next() {
		var k string
		var id int64
		if err := q.Scan(&k, &id); err != nil {
			return nil, err
		}
		out[k] = id
	}
	return out, q.Err()
}

// schedule sends each batch after settling what the target already has
// of it (settlePresent): the rest is POSTed, the changed ones are PUT.
func (s addressStep) schedule(r *stepRun[addrOwned], items []addrOwned) error {
	for _, batch := range r.batches(items) {
		r.do(func(ctx context.Context) error {
			rest, puts, err := s.settlePresent(ctx, batch)
			if err != nil {
				return err
			}
			if len(puts) > 0 {
				if err := write(ctx, s.l, addressUpdates(s), puts); err != nil {
					return err
				}
			}
			if len(rest) == 0 {
				return nil
			}
			return write(ctx, s.l, s, rest)
		})
	}
	return nil
}

// settlePresent looks up, before anything is sent, the addresses of
// customers that existed before this load, and of addresses a changed
// input dropped (--on-existing=update only): those the target already has
// are recorded as existing (their form fields go through the form field
// step); an address whose previous target id the customer still has is
// returned in puts, to be written into it (the source changed it: a field
// removed at the source is removed at the target); the others are
// returned to be sent. So a batch only ever carries addresses that were
// not there when it was sent, and a batch whose answer is lost can be
// reconciled honestly: what is found then was created by it. The look-up
// costs a request per batch, only for customers updated in place and
// changed addresses.
func (s addressStep) settlePresent(ctx context.Context, items []addrOwned) (rest, puts []addrOwned, err error) {
	var check []addrOwned
	for _, a := range items {
		if a.existed || a.prev != 0 {
			check = append(check, a)
		}
	}
	if len(check) == 0 {
		return items, nil, nil
	}
	present, err := s.l.lookupAddresses(ctx, check)
	if err != nil {
		return nil, nil, err
	}
	has := map[[2]int64]bool{} // (customer, address id) on the target
	for k, id := range present {
		cust, _, _ := strings.Cut(k, "\x1e")
		c, _ := strconv.ParseInt(cust, 10, 64)
		has[[2]int64{c, id}] = true
	}
	var outs []outcome
	for _, a := range items {
		id, same := present[a.key()]
		switch {
		case same && (a.existed || a.prev != 0):
			outs = append(outs, outcome{entity: staging.EntityAddresses, key: a.a.SourceKey, status: staging.StatusSkipped, target: id, http: http.StatusOK,
				message: "an identical address already exists for this customer"})
		case a.prev != 0 && has[[2]int64{a.customer, a.prev}]:
			a.target = a.prev
			puts = append(puts, a)
		default:
			rest = append(rest, a)
		}
	}
	return rest, puts, s.l.st.record(outs...)
}

// send POSTs a batch and maps the created addresses by customer and key.
// An address absent from the answer already existed: it is looked up and
// mapped, and its form fields go through the form field step (the API
// left them unchanged).
func (s addressStep) send(ctx context.Context, items []addrOwned) ([]outcome, error) {
	body := make([]bigcommerce.AddressCreate, len(items))
	for i, a := range items {
		body[i] = addressCreate(a.customer, a.addrItem)
	}
	got, err := call(ctx, s.l, epPostAddresses, len(body), func(ctx context.Context) ([]bigcommerce.Address, error) {
		out, _, err := s.l.c.Addresses.Create(ctx, body)
		return out, err
	})
	if err != nil {
		return nil, err
	}
	created := map[string]int64{}
	for _, a := range got {
		created[tgtAddrOwnerKey(a)] = a.ID
	}
	outs, absent := mapAddresses(items, created)
	if len(absent) > 0 {
		existing, err := s.l.lookupAddresses(ctx, absent)
		if err != nil {
			return nil, answeredError{err}
		}
		for _, a := range absent {
			if id, ok := existing[a.key()]; ok {
				outs = append(outs, outcome{entity: staging.EntityAddresses, key: a.a.SourceKey, status: staging.StatusSkipped, target: id, http: http.StatusOK,
					message: "an identical address already exists for this customer"})
			}
		}
	}
	return outs, nil
}

// reject: an address too large with its form fields is sent alone (the
// form field step sends them on their own); refused form fields are
// rejected and the address is sent without them; an address refused for
// its own fields is rejected.
func (s addressStep) reject(a addrOwned, r *refusal, i int) (addrOwned, bool, []outcome) {
	if r.tooLarge() && len(a.forms) > 0 {
		a.forms = nil
		return a, true, nil
	}
	if kept, outs, ok := s.l.dropRefusedForms(a.forms, true, r, i); ok {
		a.forms = kept
		return a, true, outs
	}
	return a, false, []outcome{{entity: staging.EntityAddresses, key: a.a.SourceKey, status: staging.StatusRejected, http: r.er.StatusCode, message: r.reason(i)}}
}

func (addressStep) ids(a addrOwned) (key, email string) { return a.a.SourceKey, "" }

// reconcile settles an address batch whose answer was lost by listing
// the customers' addresses: those found were created by it, with their
// form fields. That holds because a batch carries no address that was
// there when it was sent: an address of a customer this load created was
// not there before it, and those of customers that existed were looked up
// first (settlePresent). Addresses have no date_created to check.
func (s addressStep) reconcile(ctx context.Context, _ time.Time, items []addrOwned) ([]outcome, string, []addrOwned, error) {
	existing, err := s.l.lookupAddresses(ctx, items)
	if err != nil {
		return nil, "", nil, err
	}
	outs, rest := mapAddresses(items, existing)
	return outs, "", rest, nil
}

func (s addressStep) unsettled(ctx context.Context, keys []string) ([]addrOwned, error) {
	kj, _ := json.Marshal(keys)
	q, args := pendingAddresses.where(`s.key IN (SELECT value FROM json_each(?))`, string(kj))
	rows, err := s.l.ownedRows(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	items, outs, err := s.items(ctx, rows)
	if err != nil {
		return nil, err
	}
	return items, s.l.st.record(outs...)
}

// mapAddresses maps the items that target (customer and uniqueness key →
// address id) holds as loaded, with their form fields, which came with
// them; it returns the others.
func mapAddresses(items []addrOwned, target map[string]int64) (outs []outcome, rest []addrOwned) {
	for _, a := range items {
		if id, ok := target[a.key()]; ok {
			outs = append(outs, outcome{entity: staging.EntityAddresses, key: a.a.SourceKey, status: staging.StatusLoaded, target: id, http: http.StatusOK})
			outs = append(outs, formOutcomes(a.forms, id)...)
		} else {
			rest = append(rest, a)
		}
	}
	return outs, rest
}

// key is the address's customer id and uniqueness key: what identifies it
// on the target.
func (a addrOwned) key() string { return strconv.FormatInt(a.customer, 10) + "\x1e" + srcAddrKey(a.a) }

// tgtAddrOwnerKey is addrOwned.key of a target address.
func tgtAddrOwnerKey(a bigcommerce.Address) string {
	return strconv.FormatInt(a.CustomerID, 10) + "\x1e" + tgtAddrKey(a)
}

// addressUpdates writes changed addresses into the target addresses they
// were loaded as (PUT /customers/addresses): every field the source has,
// an empty one included, with their form fields. It is not recorded in
// flight: sent again, it writes the same values.
type addressUpdates struct{ l *loader }

func (addressUpdates) entity() staging.Entity { return staging.EntityAddresses }

// send: an address that would become identical to another address of the
// customer is not applied (absent from the answer): it is left to the
// next run, which finds the identical one.
func (s addressUpdates) send(ctx context.Context, items []addrOwned) ([]outcome, error) {
	body := make([]bigcommerce.AddressUpdate, len(items))
	for i, a := range items {
		s := a.a
		typ := s.AddressType
		if typ == "" {
			typ = bcrules.AddressResidential
		}
		body[i] = bigcommerce.AddressUpdate{
			ID: a.target, FirstName: s.FirstName, LastName: s.LastName, Company: new(s.Company),
			Address1: s.Address1, Address2: new(s.Address2), City: s.City, StateOrProvince: new(s.StateOrProvince),
			PostalCode: new(s.PostalCode), CountryCode: s.CountryCode, Phone: new(s.Phone), AddressType: typ,
			FormFields: formFields(a.forms),
		}
	}
	got, err := call(ctx, s.l, epPutAddresses, len(body), func(ctx context.Context) ([]bigcommerce.Address, error) {
		out, _, err := s.l.c.Addresses.Update(ctx, body)
		return out, err
	})
	if err != nil {
		return nil, err
	}
	applied := map[int64]bool{}
	for _, a := range got {
		applied[a.ID] = true
	}
	var outs []outcome
	for _, a := range items {
		if applied[a.target] {
			outs = append(outs, outcome{entity: staging.EntityAddresses, key: a.a.SourceKey, status: staging.StatusUpdated, target: a.target, http: http.StatusOK})
			outs = append(outs, formOutcomes(a.forms, a.target)...)
		}
	}
	return outs, nil
}

// reject: a refused form field is rejected and the address written
// without it; an address refused for its own fields is rejected.
func (s addressUpdates) reject(a addrOwned, r *refusal, i int) (addrOwned, bool, []outcome) {
	if kept, outs, ok := s.l.dropRefusedForms(a.forms, true, r, i); ok {
		a.forms = kept
		return a, true, outs
	}
	return a, false, []outcome{{entity: staging.EntityAddresses, key: a.a.SourceKey, status: staging.StatusRejected, target: a.target,
		http: r.er.StatusCode, message: "updating the address it was loaded as failed: " + r.reason(i)}}
}
