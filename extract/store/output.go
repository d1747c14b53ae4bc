package store

import (
	"context"

	"golang.org/x/sync/errgroup"

	"github.com/bcetl/bcetl/extract"
	"github.com/bcetl/bcetl/internal/staging"
)

// mergeParallel is how many entities are merged at once: two. The merge
// of one entity is one goroutine (read the runs, pick the least row, encode
// and compress the output), so merging them one after the other left a
// core idle for the whole tail of the run, which is the only time nothing
// else runs. Two merges hold two sets of run pages and two output row
// groups, a few tens of MiB; more would add memory and find no core.
const mergeParallel = 2

// mergeAll merges each selected entity's runs into its table of the sink.
func (x *storeRun) mergeAll(ctx context.Context) error {
	g, ctx := errgroup.WithContext(ctx)
	// Each merge holds a page per column of every run of its entity plus
	// a row group of its output: mergeParallel bounds their sum.
	g.SetLimit(mergeParallel)
	if x.want[staging.EntityCustomers] {
		g.Go(func() error { return mergeEntity(ctx, x, x.customers, x.out.Customers, x.patchCounts) })
	}
	if x.want[staging.EntityAddresses] {
		g.Go(func() error { return mergeEntity(ctx, x, x.addresses, x.out.Addresses, nil) })
	}
	if x.want[staging.EntityAttributeValues] {
		g.Go(func() error { return mergeEntity(ctx, x, x.values, x.out.AttributeValues, nil) })
	}
	if x.want[staging.EntityFormFieldValues] {
		g.Go(func() error { return mergeEntity(ctx, x, x.formFields, x.out.FormFieldValues, nil) })
	}
	return g.Wait()
}

// mergeEntity writes one entity's rows into its table, calling visit (if
// set) on each row before it is written.
func mergeEntity[T any](ctx context.Context, x *storeRun, set *runSet[T], out *extract.Table[T], visit func(*T)) error {
	dups, err := set.merge(ctx, out, visit)
	if dups > 0 {
		x.log.Info("extract dropped duplicate rows", "entity", out.Entity(), "duplicates", dups)
	}
	return err
}

// patchCounts puts into an uncounted customer's address_count and
// attribute_count the rows its overflow requests returned (customerRow
// could only put the 10 embedded). Customers whose count the API sent
// keep it.
func (x *storeRun) patchCounts(r *staging.Customer) {
	if r.ID == nil {
		return
	}
	if n, ok := x.addrOverflow.countOf(*r.ID); ok {
		r.AddressCount = n
	}
	if n, ok := x.valueOverflow.countOf(*r.ID); ok {
		r.AttributeCount = n
	}
}

// minRequests is the theoretical minimum number of requests for an entity,
// the yardstick the manifest reports next to the requests made:
//
//   - customers: ceil(C / 250), at least 1, where C is the number of
//     distinct customers read (the whole store, or the changed ones):
//     every customer must come in some page of at most 250.
//   - addresses: ceil(A / 250), where A is the number of rows the overflow
//     requests returned: all addresses of the customers whose embedded
//     addresses could not be known complete — those whose address_count
//     exceeds what they embed or, when the API sends no count, those that
//     embed the maximum (10), whether they turn out to have 10 or more.
//     Without a count no client can tell those apart without asking, and
//     /customers/addresses cannot leave out the 10 already embedded (there
//     is no id:not_in), so all A rows must come again; the embedded
//     addresses of everyone else cost nothing extra.
//   - attribute_values: the same with attribute_count.
//   - form_field_values: 0 — they are always embedded in full.
//   - attributes: 1 — a store holds at most 50 definitions.
//   - customer_groups: floor(rows / 250) + 1: V2 pages have no total, so
//     only a short page ends the walk; counted with the customers when
//     the groups are read for their names only.
//   - metafields, subscribers: ceil(rows / 250), at least 1 (the request
//     that finds there are none).
//   - consents: one per customer read (extras.go).
func (x *storeRun) minRequests(entity string) int64 {
	pages := func(rows int64) int64 { return (rows + pageSize - 1) / pageSize }
	switch entity {
	case staging.EntityCustomers:
		n := max(1, pages(x.customersSeen.Load()))
		if !x.want[staging.EntityCustomerGroups] {
			n += x.groupPages // the group names, read for the customer rows
		}
		return n
	case staging.EntityAddresses:
		if x.addrOverflow != nil {
			return pages(x.addrOverflow.rows.Load())
		}
	case staging.EntityAttributeValues:
		if x.valueOverflow != nil {
			return pages(x.valueOverflow.rows.Load())
		}
	case staging.EntityAttributes:
		return 1
	case staging.EntityCustomerGroups:
		return x.groupPages
	case staging.EntityMetafields:
		return max(1, pages(x.metafieldsSeen))
	case staging.EntitySubscribers:
		return max(1, pages(x.subscribersSeen))
	case staging.EntityConsents:
		return x.customersSeen.Load() // one GET per customer: the API has no batch read
	}
	return 0
}

// totalRequests sums requests made and the minimum over every entity the
// run fetched, selected or not.
func (x *storeRun) totalRequests() (made, minimum int64) {
	for _, e := range Entities {
		made += x.requests[e].Load()
		if x.requests[e].Load() > 0 || e == staging.EntityCustomers && x.needCustomers() {
			minimum += x.minRequests(e)
		}
	}
	return made, minimum
}
