package load

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"golang.org/x/sync/errgroup"

	"github.com/bcetl/bcetl/internal/bigcommerce"
	"github.com/bcetl/bcetl/internal/staging"
)

// Steps 3–5 write what did not fit into POST /customers: addresses beyond
// the tenth (and all addresses of updated customers), attribute values
// beyond the tenth, and form field values whose owner already existed.
// Each reads the records that have no outcome yet and whose owner has a
// target id, a page at a time, so a resumed run picks up exactly what is
// left. Address POSTs are deduplicated by the API and value and form field
// PUTs are upserts, so sending one again after a crash cannot double it.

// ownedRow is a pending record with its owner's target id.
type ownedRow struct {
	srcRow
	owner int64
}

// The pending records of steps 3–5, each with its owner's target id:
// addresses and attribute values of customers loaded or updated, form
// field values of those customers or of addresses that have a target id.
var (
	pendingAddresses = pendingOfCustomers(staging.EntityAddresses)
)

// pendingQuery is a query of pending rows (ownedRows) and its arguments,
// numbered (?1, ?2 …) so that conditions can be appended with further
// numbers (where).
type pendingQuery struct {
	sql  string
	args []any
}

// pendingOfCustomers is the query of the records of entity that have no
// outcome and whose customer was loaded or updated.
func pendingOfCustomers(entity staging.Entity) pendingQuery {
	return pendingQuery{`SELECT s.seq, s.key, s.cust, s.ref, s.data, c.target_id FROM src s
		JOIN idmap c ON c.entity = ?1 AND c.key = s.cust AND c.status IN (?2, ?3)
		LEFT JOIN idmap m ON m.entity = s.entity AND m.key = s.key
		WHERE s.entity = ?4 AND m.key IS NULL`, []any{staging.EntityCustomers, staging.StatusLoaded, staging.StatusUpdated, entity}}
}

// where is q with a condition appended: cond's ?s are numbered after q's.
func (q pendingQuery) where(cond string, args ...any) (string, []any) {
	n := len(q.args)
	var b strings.Builder
	for _, r := range cond {
		if r == '?' {
			n++
			fmt.Fprintf(&b, "?%d", n)
			continue
		}
		b.WriteRune(r)
	}
	return q.sql + " AND " + b.String(), append(slices.Clip(q.args), args...)
}

func (l *loader) ownedRows(ctx context.Context, query string, args ...any) ([]ownedRow, error) {
	rows, err := l.st.db.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []ownedRow
	for rows.Next() {
		var r ownedRow
		var owner sql.NullInt64
		if err := rows.Scan(&r.seq, &r.key, &r.cust, &r.ref, &r.data, &owner); err != nil {
			return nil, err
		}
		r.owner = owner.Int64
		out = append(out, r)
	}
	return out, rows.Err()
}

// eachPage runs schedule over the pending records of base, a page at a
// time, with at most limit batches in flight.
func (l *loader) eachPage(ctx context.Context, name string, base pendingQuery, limit int,
	schedule func(ctx context.Context, rows []ownedRow, g *errgroup.Group, b *bar) error) error {
	var total int64
	if err := l.st.db.QueryRowContext(ctx, `SELECT count(*) FROM (`+base.sql+`)`, base.args...).Scan(&total); err != nil {
		return err
	}
	if total == 0 {
		return nil
	}
	b := l.prog.start(name, total)
	defer b.finish()
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(limit)
	after := int64(-1)
	for gctx.Err() == nil {
		q, args := base.where(`s.seq > ? ORDER BY s.seq LIMIT ?`, after, pageSize)
		rows, err := l.ownedRows(gctx, q, args...)
		if err != nil {
			g.Go(func() error { return err })
			break
		}
		if len(rows) == 0 {
			break
		}
		after = rows[len(rows)-1].seq
		if err := schedule(gctx, rows, g, b); err != nil {
			g.Go(func() error { return err })
			break
		}
	}
	if err := g.Wait(); err != nil {
		return err
	}
	return ctx.Err()
}

// addrOwned is an address to POST, with its customer's target id.
type addrOwned struct {
	*addrItem
	customer int64
	target   int64 // the target address to write it into (updateAddresses); 0 to create it
}

// loadAddresses is step 3.
func (l *loader) loadAddresses(ctx context.Context) error {
	if err := l.resumeAddresses(ctx); err != nil {
		return err
	}
	return l.eachPage(ctx, "addresses", pendingAddresses, cap(l.sems[epPostAddresses]),
		func(ctx context.Context, rows []ownedRow, g *errgroup.Group, b *bar) error {
			items, err := l.addressItems(ctx, rows)
			if err != nil {
				return err
			}
			updated, err := l.updatedOwners(ctx, rows)
			if err != nil {
				return err
			}
			prev, err := l.previousTargets(ctx, rows)
			if err != nil {
				return err
			}
			reject := func(a addrOwned, r *refusal, i int) (addrOwned, bool, error) {
				if r.tooLarge() && len(a.forms) > 0 {
					// Too large with its form fields: send the address
					// alone; the form field step sends them on their own.
					a.forms = nil
					return a, true, nil
				}
				if kept, outs, ok := dropRefusedForms(a.forms, r, i); ok {
					a.forms = kept
					return a, true, l.st.record(outs...)
				}
				return a, false, l.st.record(outcome{entity: staging.EntityAddresses, key: a.a.SourceKey, status: staging.StatusRejected, http: r.er.StatusCode, message: r.reason(i)})
			}
			for i := 0; i < len(items); i += bigcommerce.MaxAddressesPerCall {
				batch := items[i:min(i+bigcommerce.MaxAddressesPerCall, len(items))]
				g.Go(func() error {
					defer b.add(int64(len(batch)))
					rest, puts, err := l.settlePresentAddresses(ctx, batch, updated, prev)
					if err != nil {
						return err
					}
					if len(puts) > 0 {
						if err := l.updateAddresses(ctx, puts); err != nil {
							return err
						}
					}
					if len(rest) == 0 {
						return nil
					}
					return isolate(ctx, rest, l.postAddresses, reject)
				})
			}
			return nil
		})
}

// addressItems decodes a page of addresses and attaches their pending form
// fields, sent inline with them.
func (l *loader) addressItems(ctx context.Context, rows []ownedRow) ([]addrOwned, error) {
	var custs []string
	by := map[string]*addrItem{}
	var out []addrOwned
	for _, r := range rows {
		a, err := decode[staging.Address](r.srcRow)
		if err != nil {
			return nil, err
		}
		ai := &addrItem{a: a}
		by[r.key] = ai
		custs = append(custs, r.cust)
		out = append(out, addrOwned{addrItem: ai, customer: r.owner})
	}
	cj, _ := json.Marshal(custs)
	forms, err := l.srcRows(ctx, pendingChildren, staging.EntityFormFieldValues, string(cj))
	if err != nil {
		return nil, err
	}
	var rejected []outcome
	for _, r := range forms {
		a := by[r.ref]
		if a == nil {
			continue
		}
		fi, bad, err := l.decodeForm(r)
		if err != nil {
			return nil, err
		}
		if bad != nil {
			rejected = append(rejected, *bad)
			continue
		}
		a.forms = append(a.forms, fi)
	}
	return out, l.st.record(rejected...)
}

// updatedOwners returns which owners of rows are customers that existed
// before this load (--on-existing=update): they may already hold some of
// the addresses.
func (l *loader) updatedOwners(ctx context.Context, rows []ownedRow) (map[string]bool, error) {
	keys := make([]string, len(rows))
	for i, r := range rows {
		keys[i] = r.cust
	}
	kj, _ := json.Marshal(keys)
	q, err := l.st.db.QueryContext(ctx, `SELECT key FROM idmap WHERE entity = ? AND status = ? AND key IN (SELECT value FROM json_each(?))`,
		staging.EntityCustomers, staging.StatusUpdated, string(kj))
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

// previousTargets returns, for --on-existing=update, the target ids that
// the addresses of rows had before a changed input dropped their outcome
// (prev_targets, delta.go), by source key.
func (l *loader) previousTargets(ctx context.Context, rows []ownedRow) (map[string]int64, error) {
	out := map[string]int64{}
	if l.opts.OnExisting != OnExistingUpdate {
		return out, nil
	}
	keys := make([]string, len(rows))
	for i, r := range rows {
		keys[i] = r.key
	}
	kj, _ := json.Marshal(keys)
	q, err := l.st.db.QueryContext(ctx, `SELECT key, target_id FROM prev_targets WHERE entity = ? AND key IN (SELECT value FROM json_each(?))`,
		staging.EntityAddresses, string(kj))
	if err != nil {
		return nil, err
	}
	defer q.Close()
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

// settlePresentAddresses looks up, before anything is sent, the addresses
// of customers that existed before this load, and of addresses a changed
// input dropped (prev, --on-existing=update only): those the target
// already has are recorded as existing (their form fields go through the
// form field step); an address whose previous target id the customer
// still has is returned in puts, to be written into it (the source
// changed it: a field removed at the source is removed at the target);
// the others are returned to be sent. So a batch only ever carries
// addresses that were not there when it was sent, and a batch whose
// answer is lost can be reconciled honestly: what is found then was
// created by it. The look-up costs a request per batch, only for
// customers updated in place and changed addresses.
func (l *loader) settlePresentAddresses(ctx context.Context, items []addrOwned, updated map[string]bool, prev map[string]int64) (rest, puts []addrOwned, err error) {
	var check []addrOwned
	for _, a := range items {
		if updated[a.a.CustomerSourceKey] || prev[a.a.SourceKey] != 0 {
			check = append(check, a)
		}
	}
	if len(check) == 0 {
		return items, nil, nil
	}
	present, err := l.lookupAddresses(ctx, check)
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
		was := prev[a.a.SourceKey]
		switch {
		case same && (updated[a.a.CustomerSourceKey] || was != 0):
			outs = append(outs, outcome{entity: staging.EntityAddresses, key: a.a.SourceKey, status: staging.StatusSkipped, target: id, http: http.StatusOK,
				message: "an identical address already exists for this customer"})
		case was != 0 && has[[2]int64{a.customer, was}]:
			a.target = was
			puts = append(puts, a)
		default:
			rest = append(rest, a)
		}
	}
	return rest, puts, l.st.record(outs...)
}

// updateAddresses writes changed addresses into the target addresses they
// were loaded as (PUT /customers/addresses): every field the source has,
// an empty one included, with their form fields. A refused form field is
// rejected and the address written without it; an address refused for
// its own fields is rejected. One that would become identical to another
// address of the customer is not applied (absent from the answer): it is
// left to the next run, which finds the identical one.
func (l *loader) updateAddresses(ctx context.Context, items []addrOwned) error {
	return isolate(ctx, items, l.putAddresses, func(a addrOwned, r *refusal, i int) (addrOwned, bool, error) {
		if kept, outs, ok := dropRefusedForms(a.forms, r, i); ok {
			a.forms = kept
			return a, true, l.st.record(outs...)
		}
		return a, false, l.st.record(outcome{entity: staging.EntityAddresses, key: a.a.SourceKey, status: staging.StatusRejected, target: a.target,
			http: r.er.StatusCode, message: "updating the address it was loaded as failed: " + r.reason(i)})
	})
}

func (l *loader) putAddresses(ctx context.Context, items []addrOwned) error {
	body := make([]bigcommerce.AddressUpdate, len(items))
	for i, a := range items {
		s := a.a
		typ := s.AddressType
		if typ == "" {
			typ = "residential"
		}
		body[i] = bigcommerce.AddressUpdate{
			ID: a.target, FirstName: s.FirstName, LastName: s.LastName, Company: new(s.Company),
			Address1: s.Address1, Address2: new(s.Address2), City: s.City, StateOrProvince: new(s.StateOrProvince),
			PostalCode: new(s.PostalCode), CountryCode: s.CountryCode, Phone: new(s.Phone), AddressType: typ,
			FormFields: formFields(a.forms),
		}
	}
	got, err := call(ctx, l, epPutAddresses, len(body), func(ctx context.Context) ([]bigcommerce.Address, error) {
		out, _, err := l.c.Addresses.Update(ctx, body)
		return out, err
	})
	if err != nil {
		return err
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
	return l.st.record(outs...)
}

// postAddresses sends one batch of addresses (sendRecorded). An unknown
// outcome is reconciled by listing the customers' addresses.
func (l *loader) postAddresses(ctx context.Context, items []addrOwned) error {
	return sendRecorded(ctx, l, "addresses", items,
		func(items []addrOwned) (keys, emails []string) {
			keys = make([]string, len(items))
			for i, a := range items {
				keys[i] = a.a.SourceKey
			}
			return keys, nil
		},
		func(ctx context.Context, items []addrOwned) ([]bigcommerce.Address, error) {
			body := make([]bigcommerce.AddressCreate, len(items))
			for i, a := range items {
				body[i] = addressCreate(a.customer, a.addrItem)
			}
			return call(ctx, l, epPostAddresses, len(body), func(ctx context.Context) ([]bigcommerce.Address, error) {
				out, _, err := l.c.Addresses.Create(ctx, body)
				return out, err
			})
		},
		func(batch int64, items []addrOwned, got []bigcommerce.Address) error {
			return l.confirmAddresses(ctx, batch, items, got)
		},
		l.reconcileAddresses)
}

// confirmAddresses maps created addresses by customer and key. An address
// absent from the answer already existed: it is looked up and mapped, and
// its form fields go through the form field step (the API left them
// unchanged).
func (l *loader) confirmAddresses(ctx context.Context, batch int64, items []addrOwned, got []bigcommerce.Address) error {
	created := map[string]int64{}
	for _, a := range got {
		created[tgtAddrOwnerKey(a)] = a.ID
	}
	outs, absent := mapAddresses(items, created)
	if len(absent) > 0 {
		existing, err := l.lookupAddresses(ctx, absent)
		if err != nil {
			return err
		}
		for _, a := range absent {
			if id, ok := existing[a.key()]; ok {
				outs = append(outs, outcome{entity: staging.EntityAddresses, key: a.a.SourceKey, status: staging.StatusSkipped, target: id, http: http.StatusOK,
					message: "an identical address already exists for this customer"})
			}
		}
	}
	return l.st.finish(batch, batchDone, http.StatusOK, "", outs)
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

// lookupAddresses returns the target addresses of the items' customers,
// keyed by customer id and the uniqueness key (customer_id:in, chunked by
// URL length).
func (l *loader) lookupAddresses(ctx context.Context, items []addrOwned) (map[string]int64, error) {
	seen := map[int64]bool{}
	var ids []int64
	for _, a := range items {
		if !seen[a.customer] {
			seen[a.customer] = true
			ids = append(ids, a.customer)
		}
	}
	out := map[string]int64{}
	chunks, err := l.customerIDChunks(ids)
	if err != nil {
		return nil, err
	}
	for _, chunk := range chunks {
		l.count(epGetAddresses, len(chunk))
		opts := addressLookup
		opts.CustomerIDIn = chunk
		for a, err := range l.c.Addresses.All(context.WithoutCancel(ctx), opts) {
			if err != nil {
				return nil, err
			}
			out[tgtAddrOwnerKey(a)] = a.ID
		}
	}
	return out, nil
}

// reconcileAddresses settles an address batch whose answer was lost: those
// found on the target were created by it (with their form fields). That
// holds because a batch carries no address that was there when it was
// sent: an address of a customer this load created was not there before
// it, and those of customers that existed were looked up first
// (settlePresentAddresses). Addresses have no date_created to check.
func (l *loader) reconcileAddresses(ctx context.Context, batch int64, items []addrOwned) ([]addrOwned, error) {
	existing, err := l.lookupAddresses(ctx, items)
	if err != nil {
		return nil, err
	}
	outs, rest := mapAddresses(items, existing)
	return rest, l.st.finish(batch, batchReconciled, 0, "", outs)
}

// resumeAddresses settles the address batches a previous run left
// in-flight, so that addresses it created are reported as loaded rather
// than as already existing.
func (l *loader) resumeAddresses(ctx context.Context) error {
	return resumeStep(ctx, l, "addresses", func(ctx context.Context, keys []string) ([]addrOwned, error) {
		kj, _ := json.Marshal(keys)
		q, args := pendingAddresses.where(`s.key IN (SELECT value FROM json_each(?))`, string(kj))
		rows, err := l.ownedRows(ctx, q, args...)
		if err != nil {
			return nil, err
		}
		return l.addressItems(ctx, rows)
	}, l.reconcileAddresses)
}
