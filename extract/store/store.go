// Package store is the source that reads a BigCommerce store through the
// Customers V3 API (--from bigcommerce): windowed cursor walks, the
// overflow of sub-resources the customer pages cannot embed, sorted runs
// merged in bounded memory, and incremental runs from a watermark kept in
// a state file. Design and limits: STORE.md.
package store

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/bcetl/bcetl/extract"
	"github.com/bcetl/bcetl/internal/accounting"
	"github.com/bcetl/bcetl/internal/bigcommerce"
	"github.com/bcetl/bcetl/internal/staging"
)

// The store extractor: see STORE.md for the design (windows, cursors,
// overflow, merge, watermark) and walk.go, overflow.go, merge.go and
// output.go for its parts.

// Entities are the entities a store extract can write, in the order the
// manifest and progress show them.
var Entities = []string{
	staging.EntityCustomers, staging.EntityAddresses, staging.EntityAttributeValues,
	staging.EntityFormFieldValues, staging.EntityAttributes, staging.EntityCustomerGroups,
	staging.EntityMetafields, staging.EntitySubscribers, staging.EntityConsents,
}

// DefaultEntities are what a store extract writes unless told otherwise:
// all of Entities but consents, which cost a request per customer
// (extras.go) and are added by Options.WithConsent.
var DefaultEntities = Entities[:len(Entities)-1]

// pageSize is the API's maximum page size: every list request asks for it.
const pageSize = bigcommerce.MaxPageSize

// pageConverters turn customer pages into rows while the walkers fetch.
const pageConverters = 2

// Scheme is the --from scheme and source kind of a store.
const Scheme = "bigcommerce"

func init() {
	extract.Register(&extract.Registration{Scheme: Scheme,
		Summary: "a BigCommerce store, through the Customers V3 API",
		Needs:   extract.Needs{Store: true, Watermark: true, IDs: true, Entities: Entities},
		New:     func(_ string, o extract.Options) (extract.Source, error) { return newStoreSource(o) }})
}

// storeSource is a store opened as a source. Options it reads:
//
//   - Store, StoreHash: the client (which alone holds the token) and the
//     store hash the manifest and the state file record;
//   - Entities (nil: all of Entities) and Concurrency, the cap on
//     requests in flight (default 4; the client's pacer keeps them within
//     the store's quota whatever this is);
//   - Since: the customers modified at or after this second, whichever
//     way the API reads date_modified:min; otherwise the StatePath file's
//     watermark minus StateOverlap, and without either the run is full;
//     the state file is written after a successful run;
//   - IDs: only these customers (e.g. those a store/customer/created
//     webhook named), read with id:in in URL-sized chunks, in parallel.
//     Such a run covers no time range, so its manifest has no watermark
//     and it cannot use StatePath. RejectedID takes each id the API
//     refuses with a 422 (see fetchIDs) instead of failing the run; it is
//     called from several goroutines;
//   - the accounting options: a step per entity shown, counting the rows
//     received; Now for the clock (tests pass the sandbox's).
type storeSource struct {
	c    *bigcommerce.Client
	opts extract.Options
	want map[string]bool
	conc int
	// windows overrides the number of date_created windows (0: chosen
	// from the store's size, see planWindows); spillRows the rows
	// buffered per entity before a sorted run is spilled (0:
	// defaultSpillRows). Tests set them.
	windows, spillRows int
}

func newStoreSource(opts extract.Options) (*storeSource, error) {
	if opts.Store == nil {
		return nil, errors.New("extract: no client")
	}
	x := &storeSource{c: opts.Store, opts: opts, want: map[string]bool{}, conc: opts.Concurrency}
	if x.conc <= 0 {
		x.conc = extract.DefaultConcurrency
	}
	if len(opts.IDs) > 0 && opts.StatePath != "" {
		return nil, errors.New("extract: a run restricted to ids cannot move a state file's watermark")
	}
	ents := opts.Entities
	if len(ents) == 0 {
		ents = DefaultEntities
	}
	for _, e := range ents {
		x.want[e] = true
	}
	if opts.WithConsent {
		x.want[staging.EntityConsents] = true
	}
	if len(opts.IDs) > 0 {
		// Not per customer: see extras.go.
		delete(x.want, staging.EntityMetafields)
		delete(x.want, staging.EntitySubscribers)
	}
	return x, nil
}

func (s *storeSource) Describe() extract.Description {
	var ents []string
	for _, e := range staging.Entities {
		if s.want[e] {
			ents = append(ents, e)
		}
	}
	return extract.Description{Source: staging.Source{Kind: Scheme, StoreHash: s.opts.StoreHash, APIURL: s.c.BaseURL()}, Entities: ents}
}

// Read runs one extraction into out: see STORE.md.
func (s *storeSource) Read(ctx context.Context, out *extract.Sink) (extract.Report, error) {
	x := &storeRun{storeSource: s, out: out, log: out.Log, started: out.Started()}
	x.requests = map[string]*atomic.Int64{}
	for _, e := range Entities {
		x.requests[e] = new(atomic.Int64)
	}
	x.acct = accounting.New("extract", s.opts.Options, s.c.Stats())
	defer x.acct.Close()
	return x.run(ctx)
}

// storeRun is one extraction.
type storeRun struct {
	*storeSource
	out    *extract.Sink
	tmpDir string // the sink's scratch directory: spilled runs
	log    *slog.Logger

	since       *time.Time // date_modified:min, nil for a full run
	incremental bool
	started     time.Time // the run's start: the next watermark

	sem chan struct{} // one token per request in flight
	// acct counts the rows received in a step per entity shown; steps
	// has no entry (a nil step) for the others.
	acct  *accounting.Stats
	steps map[string]*accounting.Step
	defs  map[int64]attrDef

	// groupNames are the store's group names by id (extras.go), read
	// before the customers.
	groupNames map[int64]string
	// consentIDs are the customers whose consent is read after the walk.
	consentMu  sync.Mutex
	consentIDs []int64
	// Rows read of the entities written without a runSet (the minimum's
	// basis); each is written by one goroutine.
	groupsSeen, metafieldsSeen, subscribersSeen int64
	groupPages                                  int64 // the requests the groups need at least

	customers  *runSet[staging.Customer]
	addresses  *runSet[staging.Address]
	values     *runSet[staging.AttributeValue]
	formFields *runSet[staging.FormFieldValue]

	addrOverflow, valueOverflow *packer
	pages                       chan []bigcommerce.Customer // to the converters

	// overlap holds the date_created seconds (unix) that two neighbouring
	// windows may both return (see windowFilter); seen, the ids of the
	// customers of those seconds already converted. Set before the
	// windows are walked, read-only after.
	overlap map[int64]bool
	seenMu  sync.Mutex
	seen    map[int64]bool

	// requests per entity, and the customers read (the minimum's basis,
	// see minRequests).
	requests      map[string]*atomic.Int64
	customersSeen atomic.Int64
}

// needCustomers reports whether the customer walk is needed: every entity
// but the attribute definitions comes from it.
func (x *storeRun) needCustomers() bool {
	return x.want[staging.EntityCustomers] || x.want[staging.EntityAddresses] ||
		x.want[staging.EntityAttributeValues] || x.want[staging.EntityFormFieldValues] ||
		x.want[staging.EntityConsents]
}

func (x *storeRun) run(ctx context.Context) (extract.Report, error) {
	// The watermark is the start time, taken before the first request:
	// see STORE.md "Watermark" for why not the newest date_modified seen.
	if err := x.resolveSince(); err != nil {
		return extract.Report{}, err
	}
	tmp, err := x.out.Scratch()
	if err != nil {
		return extract.Report{}, err
	}
	x.tmpDir = tmp
	x.sem = make(chan struct{}, x.conc)
	x.customers = newRunSet(tmp, staging.EntityCustomers, customerOrder, x.spillRows)
	x.addresses = newRunSet(tmp, staging.EntityAddresses, addressOrder, x.spillRows)
	x.values = newRunSet(tmp, staging.EntityAttributeValues, attributeValueOrder, x.spillRows)
	x.formFields = newRunSet(tmp, staging.EntityFormFieldValues, formFieldOrder, x.spillRows)

	var shown []string
	x.steps = map[string]*accounting.Step{}
	for _, e := range Entities {
		if x.want[e] {
			shown = append(shown, e)
			x.steps[e] = x.acct.Step(e, 0)
		}
	}
	x.log.Info("extract started", "store_hash", x.opts.StoreHash, "api_url", x.c.BaseURL(),
		"entities", strings.Join(shown, ","), "concurrency", x.conc, "incremental", x.incremental, "since", x.since)

	// Definitions first: value rows carry their attribute's name and type.
	if x.want[staging.EntityAttributes] || x.want[staging.EntityAttributeValues] {
		if err := x.fetchAttributes(ctx); err != nil {
			return extract.Report{}, err
		}
	}
	if x.want[staging.EntityCustomerGroups] || x.want[staging.EntityCustomers] {
		if err := x.fetchGroups(ctx); err != nil {
			return extract.Report{}, err
		}
	}
	if err := x.fetchWalks(ctx); err != nil {
		return extract.Report{}, err
	}
	if x.want[staging.EntityConsents] {
		if err := x.fetchConsents(ctx); err != nil {
			return extract.Report{}, err
		}
	}
	for _, e := range shown {
		x.steps[e].Done() // received: what follows is local
	}
	if err := x.mergeAll(ctx); err != nil {
		return extract.Report{}, err
	}
	r := extract.Report{Incremental: x.incremental, Since: x.since, Requests: map[string]extract.Requests{}}
	for _, e := range Entities {
		r.Requests[e] = extract.Requests{Made: x.requests[e].Load(), Minimum: x.minRequests(e)}
	}
	if len(x.opts.IDs) == 0 {
		wm := x.started
		r.Watermark = &wm
	}
	// The state moves forward only after the files and manifest are in
	// place: a crash before then means the next run re-reads this run's
	// changes, never skips them.
	if x.opts.StatePath != "" {
		r.Committed = func(m *staging.Manifest) error {
			st := &State{StoreHash: x.opts.StoreHash, APIURL: x.c.BaseURL(), Watermark: x.started, LastOutput: x.out.Dir(), FinishedAt: m.FinishedAt}
			if err := SaveState(x.opts.StatePath, st); err != nil {
				return fmt.Errorf("files written, but saving the state failed (the next run repeats this one's window): %w", err)
			}
			return nil
		}
	}
	made, minimum := x.totalRequests()
	st := x.acct.Requests()
	r.Stats = []any{"requests", made, "min_requests", minimum, "http_requests", st.Requests, "retries", st.Retries,
		"rate_limited", st.RateLimited, "incremental", x.incremental}
	return r, nil
}

// resolveSince picks the lower date_modified bound: --since as given, else
// the state's watermark minus the overlap, else none (full run).
func (x *storeRun) resolveSince() error {
	if x.opts.Since != nil {
		s := x.opts.Since.UTC()
		x.since, x.incremental = &s, true
		return nil
	}
	st, err := LoadStateFor(x.opts.StatePath, x.opts.StoreHash, x.c.BaseURL())
	if st != nil {
		s := st.Since()
		x.since, x.incremental = &s, true
	}
	return err
}

// fetchWalks runs the three walks that need nothing from each other at
// once: the customers, the metafields and the subscribers. The last two
// are sequential walks (a cursor, page numbers checked to rise) of a few
// hundred pages; after the customers they would add their round trips
// one after the other to the run's wall time, beside them they overlap
// it. Each holds one request slot while it walks, since it never has
// more than one request in flight, so the run keeps to --concurrency.
func (x *storeRun) fetchWalks(ctx context.Context) error {
	g, ctx := errgroup.WithContext(ctx)
	if x.needCustomers() {
		g.Go(func() error { return x.fetchCustomers(ctx) })
	}
	sequential := func(fetch func(context.Context) error) func() error {
		return func() error {
			if err := x.acquire(ctx); err != nil {
				return err
			}
			defer x.release()
			return fetch(ctx)
		}
	}
	if x.want[staging.EntityMetafields] {
		g.Go(sequential(x.fetchMetafields))
	}
	if x.want[staging.EntitySubscribers] {
		g.Go(sequential(x.fetchSubscribers))
	}
	return g.Wait()
}

// fetchCustomers walks the customers (walk.go) while the overflow
// workers (overflow.go) fetch the sub-resources that did not fit in
// the customer pages.
func (x *storeRun) fetchCustomers(ctx context.Context) error {
	g, ctx := errgroup.WithContext(ctx)
	chunks := make(chan overflowChunk, 2*x.conc)
	room := func(entity string) int {
		return bigcommerce.URLRoom(x.c, x.overflowQuery(entity, nil), "customer_id:in")
	}
	x.addrOverflow = newPacker(staging.EntityAddresses, chunks, room(staging.EntityAddresses))
	x.valueOverflow = newPacker(staging.EntityAttributeValues, chunks, room(staging.EntityAttributeValues))
	for range x.conc {
		g.Go(func() error { return x.overflowWorker(ctx, chunks) })
	}
	// Pages are converted off the walkers' goroutines, so a cursor walk
	// (sequential by nature) asks for its next page while the previous
	// one is turned into rows. One page waits per converter at most. A
	// converter's error cancels ctx, which stops the walkers' sends.
	x.pages = make(chan []bigcommerce.Customer, pageConverters)
	var converters sync.WaitGroup
	for range pageConverters {
		converters.Add(1)
		g.Go(func() error {
			defer converters.Done()
			for page := range x.pages {
				if err := x.addCustomers(ctx, page); err != nil {
					return err
				}
			}
			return nil
		})
	}
	g.Go(func() error {
		// chunks is closed on every path so the workers end; a send
		// blocked on a failed run is released by the context.
		defer close(chunks)
		err := x.walkCustomers(ctx)
		close(x.pages)
		converters.Wait()
		if err != nil {
			return err
		}
		if err := ctx.Err(); err != nil {
			return err // a converter failed: its error is the group's
		}
		if err := x.addrOverflow.finish(ctx); err != nil {
			return err
		}
		return x.valueOverflow.finish(ctx)
	})
	return g.Wait()
}

// acquire takes a request slot.
func (x *storeRun) acquire(ctx context.Context) error {
	select {
	case x.sem <- struct{}{}:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (x *storeRun) release() { <-x.sem }

// fetchAttributes reads the attribute definitions (at most 50 per store:
// one request) and writes attributes.parquet when selected.
func (x *storeRun) fetchAttributes(ctx context.Context) error {
	x.defs = map[int64]attrDef{}
	set := newRunSet(x.tmpDir, staging.EntityAttributes, attributeOrder, 0)
	opts := bigcommerce.AttributeListOptions{ListOptions: bigcommerce.ListOptions{Limit: pageSize}}
	for {
		if err := x.acquire(ctx); err != nil {
			return err
		}
		page, resp, err := x.c.Attributes.List(ctx, &opts)
		x.release()
		x.requests[staging.EntityAttributes].Add(1)
		if err != nil {
			return fmt.Errorf("attribute definitions: %w", err)
		}
		for i := range page {
			a := &page[i]
			x.defs[a.ID] = attrDef{name: a.Name, typ: a.Type}
			if err := set.add(attributeRow(a)); err != nil {
				return err
			}
		}
		x.steps[staging.EntityAttributes].Add(len(page))
		if opts.Page = resp.NextPage(); opts.Page == 0 || len(page) == 0 {
			break
		}
	}
	x.steps[staging.EntityAttributes].Done()
	if !x.want[staging.EntityAttributes] {
		return nil
	}
	return mergeEntity(ctx, x, set, x.out.Attributes, nil)
}
