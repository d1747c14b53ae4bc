package store

import (
	"context"
	"fmt"
	"sync"

	"golang.org/x/sync/errgroup"

	"github.com/bcetl/bcetl/internal/bigcommerce"
	"github.com/bcetl/bcetl/internal/staging"
)

// Reading an overflow chunk: every address (with its form fields) or
// every attribute value of a set of customers, by customer_id:in and page
// number (these endpoints have no cursors).

// overflowQuery is the list request for the overflow of entity (addresses
// or attribute_values) of the customers ids. The packers size their chunks
// with the same request (bigcommerce.URLRoom), so what they build fits.
func (x *storeRun) overflowQuery(entity string, ids []int64) bigcommerce.ListQuery {
	lo := bigcommerce.ListOptions{Limit: pageSize}
	if entity == staging.EntityAddresses {
		return &bigcommerce.AddressListOptions{ListOptions: lo, CustomerIDIn: ids, IncludeFormFields: x.want[staging.EntityFormFieldValues]}
	}
	return &bigcommerce.AttributeValueListOptions{ListOptions: lo, CustomerIDIn: ids}
}

// chunkPage is what one page of a chunk told: the customer of each row
// and the chunk's total as the page reported it (-1: no pagination meta).
type chunkPage struct {
	owners []int64
	total  int
}

// readChunk reads every row of the customers ids and then commits the
// chunk: its total to the minimum's basis and, for uncounted customers,
// the rows read per customer (their address_count / attribute_count).
//
// Page 1 gives the total; the other pages are asked for in parallel.
// Page numbers over a set that changes between pages can skip a row (one
// deleted before a page boundary moves the next one onto a page already
// read). A page reporting another total than page 1, or fewer rows than
// the total arriving, says the set changed: the chunk is read again as
// two halves (rows read twice deduplicate by id in the merge), down to a
// single customer — whose own rows then changed during the run, a change
// the run does not promise to capture (STORE.md). So the rows of every
// customer left unchanged are read whole.
func (x *storeRun) readChunk(ctx context.Context, p *packer, ids []int64, uncounted bool) error {
	first, err := x.readPage(ctx, p.entity, ids, 1)
	if err != nil {
		return err
	}
	total := first.total
	if total < 0 {
		if len(first.owners) < pageSize {
			total = len(first.owners)
		} else {
			return fmt.Errorf("%s of %d customers: a full page without pagination meta: cannot tell whether more follow", p.entity, len(ids))
		}
	}
	rows := make(map[int64]int32, len(ids))
	var (
		mu       sync.Mutex
		received = len(first.owners)
		changed  bool
	)
	for _, id := range first.owners {
		rows[id]++
	}
	if pages := (total + pageSize - 1) / pageSize; pages > 1 {
		g, gctx := errgroup.WithContext(ctx)
		g.SetLimit(x.conc)
		for n := 2; n <= pages; n++ {
			g.Go(func() error {
				pg, err := x.readPage(gctx, p.entity, ids, n)
				if err != nil {
					return err
				}
				mu.Lock()
				defer mu.Unlock()
				received += len(pg.owners)
				changed = changed || pg.total != total
				for _, id := range pg.owners {
					rows[id]++
				}
				return nil
			})
		}
		if err := g.Wait(); err != nil {
			return err
		}
	}
	if changed || received != total {
		if len(ids) > 1 {
			h := len(ids) / 2
			if err := x.readChunk(ctx, p, ids[:h], uncounted); err != nil {
				return err
			}
			return x.readChunk(ctx, p, ids[h:], uncounted)
		}
		x.log.Debug("extract: a customer's rows changed while they were read", "entity", p.entity, "customer_id", ids[0])
	}
	p.rows.Add(int64(total))
	if uncounted {
		p.setCounts(ids, rows)
	}
	return nil
}

// readPage fetches page n of the chunk ids and adds its rows to the run
// sets.
func (x *storeRun) readPage(ctx context.Context, entity string, ids []int64, n int) (chunkPage, error) {
	if err := x.acquire(ctx); err != nil {
		return chunkPage{}, err
	}
	x.requests[entity].Add(1)
	var (
		pg   chunkPage
		resp *bigcommerce.Response
		err  error
	)
	switch o := x.overflowQuery(entity, ids).(type) {
	case *bigcommerce.AddressListOptions:
		o.Page = n
		var page []bigcommerce.Address
		page, resp, err = x.c.Addresses.List(ctx, o)
		x.release()
		if err != nil {
			break
		}
		pg.owners = make([]int64, len(page))
		err = x.addAddresses(page, pg.owners)
	case *bigcommerce.AttributeValueListOptions:
		o.Page = n
		var page []bigcommerce.AttributeValue
		page, resp, err = x.c.AttributeValues.List(ctx, o)
		x.release()
		if err != nil {
			break
		}
		pg.owners = make([]int64, len(page))
		err = x.addValues(page, pg.owners)
	}
	if err != nil {
		return chunkPage{}, fmt.Errorf("%s of %d customers, page %d: %w", entity, len(ids), n, err)
	}
	pg.total = -1
	if resp.Meta.Pagination != nil {
		pg.total = resp.Meta.Pagination.Total
	}
	return pg, nil
}

// addAddresses stores a page of overflow addresses with their form fields,
// writing each row's customer into owners.
func (x *storeRun) addAddresses(page []bigcommerce.Address, owners []int64) error {
	var as []staging.Address
	var fs []staging.FormFieldValue
	for i := range page {
		a := &page[i]
		owners[i] = a.CustomerID
		if x.want[staging.EntityAddresses] {
			as = append(as, addressRow(a))
		}
		if x.want[staging.EntityFormFieldValues] {
			for k := range a.FormFields {
				fs = append(fs, formFieldRow(&a.FormFields[k], a.CustomerID, a.ID))
			}
		}
	}
	x.steps[staging.EntityAddresses].Add(len(as))
	x.steps[staging.EntityFormFieldValues].Add(len(fs))
	if err := x.addresses.add(as...); err != nil {
		return err
	}
	return x.formFields.add(fs...)
}

// addValues stores a page of overflow attribute values, writing each row's
// customer into owners.
func (x *storeRun) addValues(page []bigcommerce.AttributeValue, owners []int64) error {
	vs := make([]staging.AttributeValue, 0, len(page))
	for i := range page {
		owners[i] = page[i].CustomerID
		vs = append(vs, attributeValueRow(&page[i], x.defs))
	}
	x.steps[staging.EntityAttributeValues].Add(len(vs))
	return x.values.add(vs...)
}
