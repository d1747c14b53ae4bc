package extract

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"

	"github.com/bcetl/bcetl/internal/bigcommerce"
	"github.com/bcetl/bcetl/internal/staging"
)

// Overflow: a customer object embeds at most 10 addresses and 10 attribute
// values. A customer with more (its address_count or attribute_count says
// so) gets all of them from /customers/addresses or
// /customers/attribute-values, asked for many customers at a time with
// customer_id:in. Since each customer's count is known, the customers are
// packed into chunks whose counts add up to exactly one full page (250)
// whenever the pool of waiting customers allows it, so every request but
// the last few returns a full page and none returns an empty one.

// packPoolRows is how many rows must wait in the pool before packing
// starts: with a few dozen customers of 11–30 rows each, a subset summing
// to exactly 250 almost always exists.
const packPoolRows = 4 * pageSize

// packPoolMax bounds the pool: past it (counts that cannot add up to 250,
// e.g. all 200), the best-filled chunk is sent anyway.
const packPoolMax = 16 * pageSize

// overflowChunk is one request's worth of customers.
type overflowChunk struct {
	entity string // addresses or attribute_values
	ids    []int64
	rows   int // expected rows: the sum of the customers' counts
}

type overflowItem struct {
	id   int64
	rows int
}

// packer collects overflow customers of one entity and emits chunks.
type packer struct {
	entity string
	out    chan<- overflowChunk
	rows   atomic.Int64 // rows of every customer added: the minimum's basis

	mu       sync.Mutex
	pool     []overflowItem
	poolRows int
}

func newPacker(entity string, out chan<- overflowChunk) *packer {
	return &packer{entity: entity, out: out}
}

// add queues a customer with `rows` sub-resources.
func (p *packer) add(ctx context.Context, id int64, rows int) error {
	p.rows.Add(int64(rows))
	if rows >= pageSize {
		// Too many for a shared page: alone, over as many pages as it
		// takes.
		return p.emit(ctx, []overflowChunk{{entity: p.entity, ids: []int64{id}, rows: rows}})
	}
	p.mu.Lock()
	p.pool = append(p.pool, overflowItem{id, rows})
	p.poolRows += rows
	var ready []overflowChunk
	if p.poolRows >= packPoolRows {
		for {
			c, ok := p.take(true)
			if !ok {
				break
			}
			ready = append(ready, c)
		}
		for p.poolRows >= packPoolMax {
			c, _ := p.take(false)
			ready = append(ready, c)
		}
	}
	p.mu.Unlock()
	return p.emit(ctx, ready)
}

// finish packs what is left as well as it can and sends it.
func (p *packer) finish(ctx context.Context) error {
	p.mu.Lock()
	var ready []overflowChunk
	for len(p.pool) > 0 {
		c, _ := p.take(false)
		ready = append(ready, c)
	}
	p.mu.Unlock()
	return p.emit(ctx, ready)
}

func (p *packer) emit(ctx context.Context, cs []overflowChunk) error {
	for _, c := range cs {
		select {
		case p.out <- c:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	return nil
}

// take removes one chunk from the pool: a subset summing to exactly
// pageSize when exact is set (ok false if there is none), else the subset
// with the largest sum not above it. Call with mu held.
func (p *packer) take(exact bool) (overflowChunk, bool) {
	idx, sum := bestSubset(p.pool, pageSize)
	if len(idx) == 0 || (exact && sum != pageSize) {
		return overflowChunk{}, false
	}
	c := overflowChunk{entity: p.entity, rows: sum}
	slices.Sort(idx)
	for _, i := range idx {
		c.ids = append(c.ids, p.pool[i].id)
	}
	for k := len(idx) - 1; k >= 0; k-- {
		p.pool = slices.Delete(p.pool, idx[k], idx[k]+1)
	}
	p.poolRows -= sum
	return c, true
}

// bestSubset solves subset-sum over the items' rows up to capacity (0/1
// knapsack by reachability, capacity × items steps) and returns the
// indexes of a subset with the largest reachable sum.
func bestSubset(items []overflowItem, capacity int) ([]int, int) {
	// from[s] = 1 + index of the item that first made sum s reachable;
	// the rest of s was reachable from earlier items only, so following
	// from[] back never uses an item twice.
	from := make([]int, capacity+1)
	for i, it := range items {
		for s := capacity; s >= it.rows; s-- {
			if from[s] == 0 && (s == it.rows || from[s-it.rows] != 0) {
				from[s] = i + 1
			}
		}
		if from[capacity] != 0 {
			break
		}
	}
	best := capacity
	for best > 0 && from[best] == 0 {
		best--
	}
	var idx []int
	for s := best; s > 0; {
		i := from[s] - 1
		idx = append(idx, i)
		s -= items[i].rows
	}
	return idx, best
}

// overflowWorker fetches chunks until the channel closes.
func (x *storeRun) overflowWorker(ctx context.Context, chunks <-chan overflowChunk) error {
	for c := range chunks {
		var err error
		switch c.entity {
		case staging.EntityAddresses:
			err = x.fetchAddresses(ctx, c)
		case staging.EntityAttributeValues:
			err = x.fetchValues(ctx, c)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// fetchAddresses reads all addresses (with their form fields) of the
// chunk's customers. One page is expected; should customers have gained
// addresses since their page was read, the next pages follow.
func (x *storeRun) fetchAddresses(ctx context.Context, c overflowChunk) error {
	o := bigcommerce.AddressListOptions{
		ListOptions:       bigcommerce.ListOptions{Limit: pageSize, Page: 1},
		CustomerIDIn:      c.ids,
		IncludeFormFields: x.want[staging.EntityFormFieldValues],
	}
	for {
		if err := x.acquire(ctx); err != nil {
			return err
		}
		page, resp, err := x.c.Addresses.List(ctx, &o)
		x.release()
		x.requests[staging.EntityAddresses].Add(1)
		if err != nil {
			return fmt.Errorf("addresses of %d customers: %w", len(c.ids), err)
		}
		var as []staging.Address
		var fs []staging.FormFieldValue
		for i := range page {
			a := &page[i]
			if x.want[staging.EntityAddresses] {
				as = append(as, addressRow(a))
			}
			if x.want[staging.EntityFormFieldValues] {
				for k := range a.FormFields {
					fs = append(fs, formFieldRow(&a.FormFields[k], a.CustomerID, a.ID))
				}
			}
		}
		x.prog.add(staging.EntityAddresses, len(as))
		x.prog.add(staging.EntityFormFieldValues, len(fs))
		if err := x.addresses.add(as...); err != nil {
			return err
		}
		if err := x.formFields.add(fs...); err != nil {
			return err
		}
		if o.Page = resp.NextPage(); o.Page == 0 || len(page) == 0 {
			return nil
		}
	}
}

// fetchValues reads all attribute values of the chunk's customers.
func (x *storeRun) fetchValues(ctx context.Context, c overflowChunk) error {
	o := bigcommerce.AttributeValueListOptions{
		ListOptions:  bigcommerce.ListOptions{Limit: pageSize, Page: 1},
		CustomerIDIn: c.ids,
	}
	for {
		if err := x.acquire(ctx); err != nil {
			return err
		}
		page, resp, err := x.c.AttributeValues.List(ctx, &o)
		x.release()
		x.requests[staging.EntityAttributeValues].Add(1)
		if err != nil {
			return fmt.Errorf("attribute values of %d customers: %w", len(c.ids), err)
		}
		vs := make([]staging.AttributeValue, 0, len(page))
		for i := range page {
			vs = append(vs, attributeValueRow(&page[i], x.defs))
		}
		x.prog.add(staging.EntityAttributeValues, len(vs))
		if err := x.values.add(vs...); err != nil {
			return err
		}
		if o.Page = resp.NextPage(); o.Page == 0 || len(page) == 0 {
			return nil
		}
	}
}
