package store

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/bcetl/bcetl/internal/bigcommerce"
	"github.com/bcetl/bcetl/internal/staging"
)

// Walking the customers consistently while the store changes.
//
// Page-number paging over a changing set both repeats rows (an insert
// before the current page shifts rows forward) and skips them (a delete
// shifts them back). Cursor paging does neither: the cursor names the last
// row read by its id, and the next page starts after it whatever was
// inserted or deleted meanwhile. A cursor walk is sequential, so for speed
// the store is cut into windows of date_created — immutable, so a customer
// belongs to exactly one window for its whole life and no modification can
// move it into a window already read or out of one not yet read — and the
// windows are walked in parallel, each by cursor.
//
// Every window ends with a partly filled page, a request the theoretical
// minimum does not have; planWindows therefore uses only as many windows
// as the request budget allows (see there).

// windowPagesEach is how many pages a window should have at least: one
// partial last page per window then costs at most 1/windowPagesEach (plus
// the two planning requests) above the minimum.
const windowPagesEach = 150

// planWindows chooses how many windows to walk for a store of `pages`
// pages: enough to keep `conc` requests busy (two per slot, so a slot
// freed by a short window finds work), few enough that the partial last
// pages stay under ~1% of the requests.
func planWindows(pages, conc int) int {
	return max(1, min(2*conc, pages/windowPagesEach))
}

// window is a range of date_created in whole seconds, both ends included
// (a zero bound is open). Windows partition time; what is sent for one is
// bigcommerce.Covering of it (see windowFilter).
type window struct {
	min, max time.Time
}

// splitWindows cuts [lo, hi] into n windows of equal time span on whole
// seconds (the API's granularity): window i ends at b-1s where window i+1
// begins at b. The first window is open below and the last open above, so
// a customer whose date_created lies outside the range the planning
// requests saw is still read.
func splitWindows(lo, hi time.Time, n int) []window {
	lo, hi = lo.Truncate(time.Second), hi.Truncate(time.Second)
	span := int64(hi.Sub(lo) / time.Second)
	n = max(1, min(n, int(span)))
	ws := make([]window, n)
	for i := 1; i < n; i++ {
		b := lo.Add(time.Duration(span*int64(i)/int64(n)) * time.Second)
		ws[i-1].max = b.Add(-time.Second)
		ws[i].min = b
	}
	return ws
}

// customerOptions are the list options common to every customer request:
// full pages with every sub-resource embedded, so most customers need no
// other request.
func (x *storeRun) customerOptions() bigcommerce.CustomerListOptions {
	o := bigcommerce.CustomerListOptions{ListOptions: bigcommerce.ListOptions{Limit: pageSize}}
	if x.want[staging.EntityAddresses] || x.want[staging.EntityFormFieldValues] {
		o.Include = append(o.Include, bigcommerce.IncludeAddresses)
	}
	if x.want[staging.EntityAttributeValues] {
		o.Include = append(o.Include, bigcommerce.IncludeAttributes)
	}
	if x.want[staging.EntityFormFieldValues] {
		o.Include = append(o.Include, bigcommerce.IncludeFormFields)
	}
	if x.want[staging.EntityCustomers] {
		// Store credit fills a column of customers.parquet at no cost.
		o.Include = append(o.Include, bigcommerce.IncludeStoreCredit)
	}
	if x.since != nil {
		// At or after since, whichever way the API reads :min.
		o.DateModified = bigcommerce.Covering(*x.since, time.Time{})
	}
	return o
}

// windowFilter is the date_created filter of a window. Whether the API
// includes a customer created exactly on :min or :max is not documented
// ("created after", "before"), so each bound is sent one second further
// out (bigcommerce.Covering): window i asks for :max = b, window i+1 for
// :min = b-1. Read as exclusive, that is exactly [.., b-1] and [b, ..]; read
// as inclusive, both windows return the customers of seconds b-1 and b,
// which are converted once (see repeated). Either way no boundary
// customer is lost.
func windowFilter(w window) bigcommerce.DateRange { return bigcommerce.Covering(w.min, w.max) }

// overlapSeconds are the seconds two neighbouring windows may both return.
func overlapSeconds(ws []window) map[int64]bool {
	m := map[int64]bool{}
	for _, w := range ws[1:] {
		b := w.min.Unix()
		m[b-1], m[b] = true, true
	}
	return m
}

// repeated reports whether c was already converted from the neighbouring
// window; only customers created in an overlap second can be. Dropping
// the repeat here, not only in the merge, keeps its overflow from being
// fetched twice and the customers read (the minimum's basis) exact.
func (x *storeRun) repeated(c *bigcommerce.Customer) bool {
	if len(x.overlap) == 0 || c.DateCreated == nil || !x.overlap[c.DateCreated.Unix()] {
		return false
	}
	x.seenMu.Lock()
	defer x.seenMu.Unlock()
	if x.seen[c.ID] {
		return true
	}
	x.seen[c.ID] = true
	return false
}

// walkCustomers reads every customer (or every changed one). The first
// page tells the total; a store small enough for one window simply goes on
// from that page's cursor, a larger one is split into windows.
func (x *storeRun) walkCustomers(ctx context.Context) error {
	base := x.customerOptions()
	if len(x.opts.IDs) > 0 {
		return x.walkIDs(ctx, base)
	}
	page, resp, err := x.customerPage(ctx, base)
	if err != nil {
		return err
	}
	total := -1
	if resp.Meta.Pagination != nil {
		total = resp.Meta.Pagination.Total
		x.steps[staging.EntityCustomers].SetTotal(int64(total))
	}
	n := x.windows
	if n <= 0 {
		n = planWindows((max(total, 0)+pageSize-1)/pageSize, x.conc)
	}
	if n <= 1 {
		return x.walkWindow(ctx, base, page, resp, total)
	}
	// Several windows: the first page only served to size the store (its
	// rows belong to no window, as windows must start with their own
	// first page to learn their totals). Its earliest date_created and
	// one more request for the latest bound the range to split.
	lo := time.Time{}
	for i := range page {
		if d := page[i].DateCreated; d != nil && (lo.IsZero() || d.Before(lo)) {
			lo = *d
		}
	}
	last := base
	last.Limit, last.Sort = 1, bigcommerce.SortDateCreatedDesc
	latest, _, err := x.customerPage(ctx, last)
	if err != nil {
		return err
	}
	if len(latest) == 0 || latest[0].DateCreated == nil || lo.IsZero() {
		return x.walkWindow(ctx, base, nil, nil, -1)
	}
	ws := splitWindows(lo, *latest[0].DateCreated, n)
	x.overlap, x.seen = overlapSeconds(ws), map[int64]bool{}
	x.log.Debug("extract windows", "windows", len(ws), "customers", total, "from", lo, "to", latest[0].DateCreated)
	g, ctx := errgroup.WithContext(ctx)
	for _, w := range ws {
		o := base
		o.DateCreated = windowFilter(w)
		g.Go(func() error { return x.walkWindow(ctx, o, nil, nil, -1) })
	}
	return g.Wait()
}

// customerPage fetches one page of customers within the request cap.
func (x *storeRun) customerPage(ctx context.Context, o bigcommerce.CustomerListOptions) ([]bigcommerce.Customer, *bigcommerce.Response, error) {
	if err := x.acquire(ctx); err != nil {
		return nil, nil, err
	}
	defer x.release()
	x.requests[staging.EntityCustomers].Add(1)
	page, resp, err := x.c.Customers.List(ctx, &o)
	if err != nil {
		return nil, nil, fmt.Errorf("customers: %w", err)
	}
	return page, resp, nil
}

// walkWindow walks one window by cursor, starting with page/resp when the
// first page was already fetched. total is the window's size when known.
func (x *storeRun) walkWindow(ctx context.Context, o bigcommerce.CustomerListOptions, page []bigcommerce.Customer, resp *bigcommerce.Response, total int) error {
	fetched := 0
	for {
		if resp == nil {
			var err error
			if page, resp, err = x.customerPage(ctx, o); err != nil {
				return err
			}
			if total < 0 && resp.Meta.Pagination != nil {
				total = resp.Meta.Pagination.Total
			}
		}
		fetched += len(page)
		select {
		case x.pages <- page:
		case <-ctx.Done():
			return ctx.Err()
		}
		next := resp.NextCursor()
		if next == "" || len(page) == 0 {
			return nil
		}
		// A window whose size is a multiple of 250 would end with an
		// empty page; its first page's total saves that request. Safe
		// only in a full run: rows inserted meanwhile carry higher ids
		// than every row counted, so once `total` rows are read every
		// row that existed at the first page (and still exists) was
		// among them. In an incremental run a modification can bring an
		// old, low id into the filtered set, so the walk goes on to
		// the short page.
		if x.since == nil && total >= 0 && fetched >= total {
			return nil
		}
		o.After, page, resp = next, nil, nil
	}
}

// addCustomers turns one page into rows. The embedded sub-resources are
// complete for most customers; for the others they are left out and the
// customer is queued for the overflow requests, which return all of them
// (see overflowOf).
func (x *storeRun) addCustomers(ctx context.Context, page []bigcommerce.Customer) error {
	var (
		cs   []staging.Customer
		as   []staging.Address
		vs   []staging.AttributeValue
		fs   []staging.FormFieldValue
		read int64
	)
	for i := range page {
		c := &page[i]
		if x.repeated(c) {
			continue
		}
		read++
		x.noteCustomer(c.ID)
		if x.want[staging.EntityCustomers] {
			r, err := customerRow(c)
			if err != nil {
				return err
			}
			r.CustomerGroupName = x.groupNames[c.CustomerGroupID] // 0, "no group": no name
			cs = append(cs, r)
		}
		if x.want[staging.EntityFormFieldValues] {
			for j := range c.FormFields {
				fs = append(fs, formFieldRow(&c.FormFields[j], c.ID, 0))
			}
		}
		if x.want[staging.EntityAddresses] || x.want[staging.EntityFormFieldValues] {
			over, err := x.overflowOf(ctx, x.addrOverflow, c.ID, c.AddressCount, len(c.Addresses), bigcommerce.MaxEmbeddedAddresses)
			if err != nil {
				return err
			}
			for j := range c.Addresses {
				if over {
					break // the overflow request brings them all, with their form fields
				}
				a := &c.Addresses[j]
				if x.want[staging.EntityAddresses] {
					as = append(as, addressRow(a))
				}
				if x.want[staging.EntityFormFieldValues] {
					for k := range a.FormFields {
						fs = append(fs, formFieldRow(&a.FormFields[k], c.ID, a.ID))
					}
				}
			}
		}
		if x.want[staging.EntityAttributeValues] {
			over, err := x.overflowOf(ctx, x.valueOverflow, c.ID, c.AttributeCount, len(c.Attributes), bigcommerce.MaxEmbeddedAttributes)
			if err != nil {
				return err
			}
			for j := range c.Attributes {
				if over {
					break // the overflow request brings them all
				}
				vs = append(vs, attributeValueRow(&c.Attributes[j], x.defs))
			}
		}
	}
	x.customersSeen.Add(read)
	x.steps[staging.EntityCustomers].Add(len(cs))
	x.steps[staging.EntityAddresses].Add(len(as))
	x.steps[staging.EntityAttributeValues].Add(len(vs))
	x.steps[staging.EntityFormFieldValues].Add(len(fs))
	if err := x.customers.add(cs...); err != nil {
		return err
	}
	if err := x.addresses.add(as...); err != nil {
		return err
	}
	if err := x.values.add(vs...); err != nil {
		return err
	}
	return x.formFields.add(fs...)
}

// overflowOf decides whether a customer's embedded rows of one kind are
// all it has, and queues it for the overflow requests when they may not
// be (reporting true: its embedded rows are then left out, the overflow
// request returns them with the rest). count is the API's address_count
// or attribute_count, nil when not sent, as recorded answers do not send
// them: then a customer that embeds the maximum may have more, and only a
// request can tell — a customer with exactly 10 is fetched too. When the
// API does send a count it is used: it finds the overflow for free.
func (x *storeRun) overflowOf(ctx context.Context, p *packer, id int64, count *int, embedded, maxEmbedded int) (bool, error) {
	switch {
	case count != nil && *count > embedded:
		return true, p.add(ctx, id, *count)
	case count == nil && embedded >= maxEmbedded:
		return true, p.addUncounted(ctx, id)
	}
	return false, nil
}

// walkIDs reads the customers of Options.IDs, at most 250 ids per
// request (at most 250 rows come back, so each request is one page) and
// fewer when their id:in would make the URL too long.
func (x *storeRun) walkIDs(ctx context.Context, base bigcommerce.CustomerListOptions) error {
	ids := slices.Clone(x.opts.IDs)
	slices.Sort(ids)
	ids = slices.Compact(ids)
	x.steps[staging.EntityCustomers].SetTotal(int64(len(ids)))
	chunks, err := bigcommerce.ChunkByURL(x.c, &base, "id:in", ids, pageSize)
	if err != nil {
		return err
	}
	g, ctx := errgroup.WithContext(ctx)
	g.SetLimit(x.conc)
	for _, chunk := range chunks {
		g.Go(func() error { return x.fetchIDs(ctx, base, chunk) })
	}
	return g.Wait()
}

// fetchIDs reads one id:in chunk. The API answers a 422 for the whole
// request when it refuses one id; with Options.RejectedID set, the
// chunk is halved until the refused ids stand alone (about 2·log2(250) ≈ 16
// more requests for one bad id), each goes to RejectedID, and the others
// are read.
func (x *storeRun) fetchIDs(ctx context.Context, o bigcommerce.CustomerListOptions, ids []int64) error {
	o.IDIn = ids
	page, _, err := x.customerPage(ctx, o)
	if er, ok := errors.AsType[*bigcommerce.ErrorResponse](err); ok && er.StatusCode == http.StatusUnprocessableEntity && x.opts.RejectedID != nil {
		if len(ids) == 1 {
			x.opts.RejectedID(ids[0], err)
			return nil
		}
		half := len(ids) / 2
		if err := x.fetchIDs(ctx, o, ids[:half]); err != nil {
			return err
		}
		return x.fetchIDs(ctx, o, ids[half:])
	}
	if err != nil {
		return err
	}
	select {
	case x.pages <- page:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
