package pipelines

import (
	"context"
	"fmt"
	"io"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/bcetl/bcetl/internal/accounting"
	"github.com/bcetl/bcetl/internal/atomicfile"
	"github.com/bcetl/bcetl/internal/bigcommerce"
	"github.com/bcetl/bcetl/internal/pacer"
	"github.com/bcetl/bcetl/internal/warehouse"
	"github.com/bcetl/bcetl/internal/webhooks"
	"github.com/bcetl/bcetl/load"
)

// NightlyPlan is what a nightly run would do now: the answer of
// nightly --dry-run, which writes nothing under --out, leaves the state
// file's watermark where it is and claims or marks no event.
type NightlyPlan struct {
	StoreHash string
	// Pending counts every pending event, scopes nightly does not read
	// included.
	Pending []webhooks.ScopeCount
	Export  ExportPlan
	Created PhasePlan // store/customer/created
	Changed PhasePlan // store/customer/updated and address events
	Deleted PhasePlan // store/customer/deleted
	Carts   PhasePlan // store/cart/created
	// Voucherify is nil when no target store is given (the events stay
	// pending, as in a real run).
	Voucherify *VoucherifyPlan

	// Requests is what the run would ask the exported store for, per
	// endpoint: the minimum the extract's manifest reports as
	// min_requests (extract/store/STORE.md) for the export and for the
	// customers fetched by id, from the counts the store gives now. The
	// overflow — the addresses and attribute values of customers with more
	// than 10, by customer_id:in — is not in it: which customers those are
	// is known only once they are read. MinSeconds is TotalRequests at the
	// store's quota (Quota per WindowSeconds, from its rate-limit
	// headers; 0: it sent none), as the load's plan counts it.
	Requests      map[string]int64
	TotalRequests int64
	Quota         int
	WindowSeconds float64
	MinSeconds    float64
}

// The exported store's endpoints, named as the load's plan names the
// target's.
const (
	epCustomers   = "GET /customers"
	epAttributes  = "GET /customers/attributes"
	epGroups      = "GET /v2/customer_groups"
	epMetafields  = "GET /customers/metafields"
	epSubscribers = "GET /customers/subscribers"
)

// ExportPlan is what the export would ask the store for.
type ExportPlan struct {
	StatePath   string
	Incremental bool
	Watermark   time.Time // the state file's, when incremental
	Since       time.Time // the date_modified:min asked for (watermark − overlap)
	// Customers match the request now (the API's pagination total, from
	// one request for one customer); so do Metafields and Subscribers
	// (modified since, when incremental), which the export reads too.
	Customers, Metafields, Subscribers int
}

// PhasePlan is what one spool phase would take up.
type PhasePlan struct {
	OpenClaim string // a claim a crashed run left: its events are taken up first
	Events    int    // events the phase would take
	// IDs is the number of distinct customers fetched (store/customer/created,
	// the changed customers) or deleted.
	IDs int
	// Failing are the events that would be marked failed before any
	// request: invalid, or produced by another store.
	Failing []webhooks.Failure
}

// VoucherifyPlan is what the Voucherify phase would load into the target.
type VoucherifyPlan struct {
	PhasePlan
	Ledger Ledger     // read, merged, rejected … as the run would account them
	Load   *load.Plan // the load's dry-run plan: requests, minimum time at the target's quota
}

func planNightly(ctx context.Context, o NightlyOptions, work string) (*NightlyPlan, error) {
	p := &NightlyPlan{StoreHash: o.StoreHash}
	var err error
	if p.Pending, err = o.Spool.PendingByScope(ctx); err != nil {
		return nil, err
	}
	if p.Export, err = planExport(ctx, o); err != nil {
		return nil, fmt.Errorf("export: %w", err)
	}
	if p.Created, _, err = planPhase(ctx, o, work, "customer-created", webhooks.ProviderBigCommerce, ScopeCustomerCreated); err != nil {
		return nil, err
	}
	if p.Changed, _, err = planPhase(ctx, o, work, "customer-changed", webhooks.ProviderBigCommerce, changedScopes...); err != nil {
		return nil, err
	}
	if p.Deleted, _, err = planPhase(ctx, o, work, "customer-deleted", webhooks.ProviderBigCommerce, ScopeCustomerDeleted); err != nil {
		return nil, err
	}
	if p.Carts, _, err = planPhase(ctx, o, work, "cart-created", webhooks.ProviderBigCommerce, ScopeCartCreated); err != nil {
		return nil, err
	}
	if o.Target != nil {
		if p.Voucherify, err = planVoucherify(ctx, o, work); err != nil {
			return nil, fmt.Errorf("voucherify customers: %w", err)
		}
	}
	p.planRequests(o.Store.Pacer().State())
	return p, nil
}

// planRequests fills Requests, TotalRequests and the time at the quota:
// the export's minimum, then a run by id for each of the created and the
// changed customers (the attribute definitions, the groups, and id:in
// pages of 250).
func (p *NightlyPlan) planRequests(ps pacer.State) {
	pages := func(rows int) int64 { return int64((rows + pageSize - 1) / pageSize) }
	p.Requests = map[string]int64{epAttributes: 1, epGroups: 1,
		epMetafields: max(1, pages(p.Export.Metafields)), epSubscribers: max(1, pages(p.Export.Subscribers))}
	if c := p.Export.Customers; p.Export.Incremental {
		// An incremental walk ends on a short page: a modification can
		// bring an old id into the filter, so no total ends it early.
		p.Requests[epCustomers] = int64(c/pageSize) + 1
	} else {
		// A full walk stops at the total; from 300 pages on, the store is
		// cut into date_created windows, which one request plans.
		p.Requests[epCustomers] = max(1, pages(c))
		if pages(c) >= 300 {
			p.Requests[epCustomers]++
		}
	}
	for _, ph := range []PhasePlan{p.Created, p.Changed} {
		if ph.IDs > 0 {
			p.Requests[epAttributes]++
			p.Requests[epGroups]++
			p.Requests[epCustomers] += pages(ph.IDs)
		}
	}
	p.TotalRequests = 0
	for _, n := range p.Requests {
		p.TotalRequests += n
	}
	if ps.Known && ps.Quota > 0 {
		p.Quota, p.WindowSeconds = ps.Quota, ps.Window.Seconds()
		p.MinSeconds = float64(p.TotalRequests) / float64(ps.Quota) * ps.Window.Seconds()
	}
}

// pageSize is the page the extract asks for (the API's maximum).
const pageSize = bigcommerce.MaxPageSize

// planExport checks what Export checks (the --out's store, the state's
// store) and asks the store how many customers the export would read.
func planExport(ctx context.Context, o NightlyOptions) (ExportPlan, error) {
	ep := ExportPlan{StatePath: o.StatePath}
	b, err := warehouse.OpenBackend(ctx, o.Out, o.Blob)
	if err != nil {
		return ep, err
	}
	defer b.Close()
	if _, err := warehouse.Open(ctx, b, o.StoreHash); err != nil {
		return ep, err
	}
	var sf warehouse.StateFile
	if o.StatePath != "" {
		if sf, err = warehouse.OpenState(ctx, o.StatePath, o.Blob); err != nil {
			return ep, err
		}
		defer sf.Close()
	}
	st, err := readState(ctx, sf, o.StoreHash, o.Store.BaseURL())
	if err != nil {
		return ep, err
	}
	opts := bigcommerce.CustomerListOptions{ListOptions: bigcommerce.ListOptions{Limit: 1}}
	if st.State != nil {
		ep.Incremental, ep.Watermark, ep.Since = true, st.Watermark, st.Since()
		opts.DateModified.Min = ep.Since
	}
	_, resp, err := o.Store.Customers.List(ctx, &opts)
	if err != nil {
		return ep, err
	}
	ep.Customers = total(resp)
	// The metafields and subscribers the export reads beside them: one
	// request for one of each gives their number.
	mo := bigcommerce.MetafieldListOptions{ListOptions: bigcommerce.ListOptions{Limit: 1}, DateModified: opts.DateModified}
	if _, resp, err = o.Store.Metafields.List(ctx, &mo); err != nil {
		return ep, fmt.Errorf("metafields: %w", err)
	}
	ep.Metafields = total(resp)
	so := bigcommerce.SubscriberListOptions{ListOptions: bigcommerce.ListOptions{Limit: 1}, DateModified: opts.DateModified}
	if _, resp, err = o.Store.Subscribers.List(ctx, &so); err != nil {
		return ep, fmt.Errorf("subscribers: %w", err)
	}
	ep.Subscribers = total(resp)
	return ep, nil
}

// total is a list answer's pagination total (0 when it has none).
func total(resp *bigcommerce.Response) int {
	if resp == nil || resp.Meta.Pagination == nil {
		return 0
	}
	return resp.Meta.Pagination.Total
}

// planPhase is what a BigCommerce phase would take up, and which of those
// events would fail before any request.
func planPhase(ctx context.Context, o NightlyOptions, work, phase, provider string, scopes ...string) (PhasePlan, []webhooks.Event, error) {
	open, events, err := claimable(ctx, o.Spool, work, phase, provider, scopes...)
	if err != nil {
		return PhasePlan{}, nil, err
	}
	pp := PhasePlan{Events: len(events)}
	if open != nil {
		pp.OpenClaim = open.ID
	}
	if provider != webhooks.ProviderBigCommerce {
		return pp, events, nil
	}
	scratch := &claim{Phase: phase}
	switch scopes[0] {
	case ScopeCustomerCreated, ScopeCustomerDeleted:
		pp.IDs = len(createdIDs(scratch, events, o.StoreHash))
	case ScopeCustomerUpdated:
		pp.IDs = len(changedIDs(scratch, events, o.StoreHash))
	default:
		for _, e := range events {
			if _, reason := checkCallback(e, o.StoreHash); reason != "" {
				scratch.fail(e.ID, reason)
			}
		}
	}
	pp.Failing = scratch.Failed
	return pp, events, nil
}

// planVoucherify runs the Voucherify customers through extract, transform
// and a dry-run load in a scratch directory outside --out, removed
// afterwards: the plan is the load's own, and the target gets only the
// dry run's read requests.
func planVoucherify(ctx context.Context, o NightlyOptions, work string) (*VoucherifyPlan, error) {
	pp, events, err := planPhase(ctx, o, work, "voucherify", webhooks.ProviderVoucherify, VoucherifyCustomerType)
	if err != nil {
		return nil, err
	}
	vp := &VoucherifyPlan{PhasePlan: pp, Ledger: Ledger{}}
	if len(events) == 0 {
		return vp, nil
	}
	scratch, err := os.MkdirTemp("", "bcetl-nightly-dry-run-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(scratch)
	input := filepath.Join(scratch, "events.ndjson")
	var buf []byte
	for _, e := range events {
		buf = append(append(buf, e.Payload...), '\n')
	}
	if err := atomicfile.WriteFile(input, buf); err != nil {
		return nil, err
	}
	lo := o.Load
	lo.DryRun = true
	mr, err := Migrate(ctx, MigrateOptions{From: "voucherify:" + input, Work: filepath.Join(scratch, "migration"), Target: o.Target,
		Transform: o.Transform, Load: lo, Options: accounting.Options{Log: o.Log, Every: o.Every}})
	if err != nil {
		return nil, err
	}
	vp.Ledger, vp.Load = mr.Ledger, mr.Load.Plan
	return vp, nil
}

// Print writes the plan for a person.
func (p *NightlyPlan) Print(w io.Writer) {
	fmt.Fprintf(w, "dry run for store %q: nothing written, no watermark moved, no event claimed or marked\n", p.StoreHash)
	fmt.Fprintln(w, "spool, pending events:")
	if len(p.Pending) == 0 {
		fmt.Fprintln(w, "  none")
	}
	for _, c := range p.Pending {
		fmt.Fprintf(w, "  %-12s %-42s %d\n", c.Provider, c.Scope, c.Pending)
	}
	e := p.Export
	if e.Incremental {
		fmt.Fprintf(w, "export: incremental, customers with date_modified:min %s (since watermark %s in %s): %d now\n",
			e.Since.Format(time.RFC3339), e.Watermark.UTC().Format(time.RFC3339), e.StatePath, e.Customers)
	} else {
		fmt.Fprintf(w, "export: full (no watermark in %s yet): %d customers\n", e.StatePath, e.Customers)
	}
	fmt.Fprintf(w, "  and %d metafields, %d subscribers\n", e.Metafields, e.Subscribers)
	p.Created.print(w, ScopeCustomerCreated, fmt.Sprintf("%d customers to fetch in %d id:in requests", p.Created.IDs, (p.Created.IDs+249)/250))
	p.Changed.print(w, "store/customer/updated, store/customer/address/*", fmt.Sprintf("%d customers to re-read with their sub-resources in %d id:in requests (and their overflow)", p.Changed.IDs, (p.Changed.IDs+249)/250))
	p.Deleted.print(w, ScopeCustomerDeleted, fmt.Sprintf("%d rows to append to %s", p.Deleted.Events-len(p.Deleted.Failing), warehouse.CustomerDeletions))
	p.Carts.print(w, ScopeCartCreated, fmt.Sprintf("%d rows to append to %s", p.Carts.Events-len(p.Carts.Failing), warehouse.CartEvents))
	fmt.Fprintf(w, "requests to store %q (minimum; besides them the overflow of customers with more than 10 addresses or attribute values):\n", p.StoreHash)
	for _, ep := range slices.Sorted(maps.Keys(p.Requests)) {
		fmt.Fprintf(w, "  %-34s %d\n", ep, p.Requests[ep])
	}
	fmt.Fprintf(w, "  %-34s %d\n", "total", p.TotalRequests)
	if p.Quota > 0 {
		d := time.Duration(p.MinSeconds * float64(time.Second)).Round(time.Second)
		fmt.Fprintf(w, "quota %d per %.0fs: at least %s\n", p.Quota, p.WindowSeconds, d)
	} else {
		fmt.Fprintln(w, "the store sent no rate-limit headers: no quota bound")
	}
	if p.Voucherify == nil {
		fmt.Fprintf(w, "%s (Voucherify): no target store given: the events stay pending\n", VoucherifyCustomerType)
		return
	}
	v := p.Voucherify
	v.print(w, VoucherifyCustomerType+" (Voucherify)", "customers to load into the target store")
	if v.Load != nil {
		fmt.Fprintln(w, "  ledger:")
		var b strings.Builder
		v.Ledger.Print(&b)
		fmt.Fprint(w, indent(b.String(), "    "))
		fmt.Fprintln(w, "  load plan:")
		fmt.Fprint(w, indent(v.Load.String(), "    "))
	}
}

func (pp PhasePlan) print(w io.Writer, what, outcome string) {
	fmt.Fprintf(w, "%s: events %d → %s", what, pp.Events, outcome)
	if pp.OpenClaim != "" {
		fmt.Fprintf(w, " (resuming claim %s left by an interrupted run)", pp.OpenClaim)
	}
	fmt.Fprintf(w, "; %d would fail\n", len(pp.Failing))
	for _, f := range pp.Failing {
		fmt.Fprintf(w, "  event %d: %s\n", f.ID, f.Reason)
	}
}

func indent(s, prefix string) string {
	lines := strings.SplitAfter(s, "\n")
	for i, l := range lines {
		if l != "" {
			lines[i] = prefix + l
		}
	}
	return strings.Join(lines, "")
}
