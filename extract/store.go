package extract

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/bcetl/bcetl/internal/bigcommerce"
	"github.com/bcetl/bcetl/internal/staging"
)

// The store extractor: see STORE.md for the design (windows, cursors,
// overflow, merge, watermark) and store_walk.go, store_overflow.go and
// merge.go for its parts.

// StoreEntities are the entities ExtractStore can write, in the order the
// manifest and progress show them.
var StoreEntities = []string{
	staging.EntityCustomers, staging.EntityAddresses, staging.EntityAttributeValues,
	staging.EntityFormFieldValues, staging.EntityAttributes,
}

// DefaultConcurrency is the default cap on requests in flight.
const DefaultConcurrency = 4

// pageSize is the API's maximum page size: every list request asks for it.
const pageSize = bigcommerce.MaxPageSize

// pageConverters turn customer pages into rows while the walkers fetch.
const pageConverters = 2

// StoreOptions configures ExtractStore.
type StoreOptions struct {
	// StoreHash and APIURL are recorded in the manifest and the state
	// file (never the token, which only the client holds).
	StoreHash string
	APIURL    string

	// Entities to write; nil means all of StoreEntities.
	Entities []string
	// Concurrency caps the requests in flight (default 4). The client's
	// pacer keeps them within the store's quota whatever this is.
	Concurrency int

	// Since, when set, makes the run incremental: the customers modified
	// at or after this second (--since), whichever way the API reads
	// date_modified:min. Otherwise the state file's watermark minus
	// StateOverlap is used, and without either the run is full.
	Since *time.Time
	// StatePath is the --state file: read for the watermark, written
	// after a successful run.
	StatePath string

	// Log receives progress lines and the summary; nil discards them.
	Log *slog.Logger
	// Terminal, when set, gets live progress bars instead of periodic
	// progress log lines.
	Terminal io.Writer
	// ProgressEvery is the interval of progress log lines (default 10 s;
	// negative: none).
	ProgressEvery time.Duration

	// IDs, when set, restricts the run to these customers (e.g. those a
	// store/customer/created webhook named): they are read with id:in,
	// 250 per request, in parallel. Such a run covers no time range, so
	// its manifest has no watermark and it cannot use StatePath.
	IDs []int64
	// RejectedID, when set, takes each id of IDs that the API refuses
	// with a 422 (see fetchIDs) instead of failing the run; the other ids
	// are read. It is called from several goroutines.
	RejectedID func(id int64, err error)

	// Now is the clock that stamps the run (its start is the next
	// watermark); nil means time.Now. Tests pass the sandbox's clock.
	Now func() time.Time
	// Windows overrides the number of date_created windows (0: chosen
	// from the store's size, see planWindows).
	Windows int
	// SpillRows overrides the rows buffered per entity before a sorted
	// run is spilled to disk (0: defaultSpillRows).
	SpillRows int
}

// ExtractStore reads a BigCommerce store through c and writes the staging
// files of the selected entities and manifest.json into outDir. Each file
// is completed in a temporary directory inside outDir and renamed into
// place only when every file is complete, the manifest last; on error
// outDir keeps what it held before.
func ExtractStore(ctx context.Context, c *bigcommerce.Client, outDir string, opts StoreOptions) (*staging.Manifest, error) {
	x, err := newStoreRun(c, outDir, opts)
	if err != nil {
		return nil, err
	}
	defer x.cleanup()
	return x.run(ctx)
}

// storeRun is one extraction.
type storeRun struct {
	c      *bigcommerce.Client
	opts   StoreOptions
	outDir string
	tmpDir string
	log    *slog.Logger
	want   map[string]bool
	conc   int

	since       *time.Time // date_modified:min, nil for a full run
	incremental bool
	started     time.Time

	sem  chan struct{} // one token per request in flight
	prog *progress
	defs map[int64]attrDef

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

func newStoreRun(c *bigcommerce.Client, outDir string, opts StoreOptions) (*storeRun, error) {
	if c == nil {
		return nil, errors.New("extract: no client")
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Log == nil {
		opts.Log = slog.New(slog.DiscardHandler)
	}
	if opts.ProgressEvery == 0 {
		opts.ProgressEvery = 10 * time.Second
	}
	x := &storeRun{c: c, opts: opts, outDir: outDir, log: opts.Log, want: map[string]bool{}, conc: opts.Concurrency}
	if x.conc <= 0 {
		x.conc = DefaultConcurrency
	}
	ents := opts.Entities
	if len(ents) == 0 {
		ents = StoreEntities
	}
	if len(opts.IDs) > 0 && opts.StatePath != "" {
		return nil, errors.New("extract: a run restricted to ids cannot move a state file's watermark")
	}
	for _, e := range ents {
		if !slices.Contains(StoreEntities, e) {
			return nil, fmt.Errorf("extract: unknown entity %q (want %s)", e, strings.Join(StoreEntities, ", "))
		}
		x.want[e] = true
	}
	x.requests = map[string]*atomic.Int64{}
	for _, e := range StoreEntities {
		x.requests[e] = new(atomic.Int64)
	}
	return x, nil
}

// needCustomers reports whether the customer walk is needed: every entity
// but the attribute definitions comes from it.
func (x *storeRun) needCustomers() bool {
	return x.want[staging.EntityCustomers] || x.want[staging.EntityAddresses] ||
		x.want[staging.EntityAttributeValues] || x.want[staging.EntityFormFieldValues]
}

// runsDirPrefix names the directory of a run's spilled sorted runs in the
// output directory. It is removed when the run ends, and by the next run
// in the same directory when a killed one left it (sweepOutputs).
const runsDirPrefix = ".extract-runs-"

func (x *storeRun) run(ctx context.Context) (*staging.Manifest, error) {
	// The watermark is the start time, taken before the first request:
	// see STORE.md "Watermark" for why not the newest date_modified seen.
	x.started = x.opts.Now().UTC()
	if err := x.resolveSince(); err != nil {
		return nil, err
	}
	if err := os.MkdirAll(x.outDir, 0o700); err != nil {
		return nil, err
	}
	// Runs spilled by a killed extract hold personal data.
	if err := sweepOutputs(x.outDir); err != nil {
		return nil, err
	}
	tmp, err := os.MkdirTemp(x.outDir, runsDirPrefix) // created 0700
	if err != nil {
		return nil, err
	}
	x.tmpDir = tmp
	x.sem = make(chan struct{}, x.conc)
	x.customers = newRunSet(tmp, staging.EntityCustomers, customerOrder, x.opts.SpillRows)
	x.addresses = newRunSet(tmp, staging.EntityAddresses, addressOrder, x.opts.SpillRows)
	x.values = newRunSet(tmp, staging.EntityAttributeValues, attributeValueOrder, x.opts.SpillRows)
	x.formFields = newRunSet(tmp, staging.EntityFormFieldValues, formFieldOrder, x.opts.SpillRows)

	var shown []string
	for _, e := range StoreEntities {
		if x.want[e] {
			shown = append(shown, e)
		}
	}
	x.prog = newProgress(shown, x.opts.Terminal, x.log, x.opts.ProgressEvery)
	defer x.prog.close()
	x.log.Info("extract started", "store_hash", x.opts.StoreHash, "api_url", x.opts.APIURL,
		"entities", strings.Join(shown, ","), "concurrency", x.conc, "incremental", x.incremental, "since", x.since)

	man := &staging.Manifest{
		FormatVersion: staging.FormatVersion,
		Stage:         "extract",
		Source:        staging.Source{Kind: "bigcommerce", StoreHash: x.opts.StoreHash, APIURL: x.opts.APIURL},
		StartedAt:     x.started,
		Entities:      map[string]staging.EntityManifest{},
		Incremental:   x.incremental,
		Since:         x.since,
	}
	// Definitions first: value rows carry their attribute's name and type.
	if x.want[staging.EntityAttributes] || x.want[staging.EntityAttributeValues] {
		em, err := x.fetchAttributes(ctx)
		if err != nil {
			return nil, err
		}
		if em != nil {
			man.Entities[staging.EntityAttributes] = *em
		}
	}
	if x.needCustomers() {
		if err := x.fetchCustomers(ctx); err != nil {
			return nil, err
		}
	}
	x.prog.close()
	if err := x.mergeAll(ctx, man); err != nil {
		return nil, err
	}
	man.FinishedAt = x.opts.Now().UTC()
	wm := x.started
	if len(x.opts.IDs) == 0 {
		man.Watermark = &wm
	}
	if err := staging.WriteManifest(x.outDir, man); err != nil {
		return nil, err
	}
	// The state moves forward only after the files and manifest are in
	// place: a crash before this line means the next run re-reads this
	// run's changes, never skips them.
	if x.opts.StatePath != "" {
		st := &State{StoreHash: x.opts.StoreHash, APIURL: x.opts.APIURL, Watermark: wm, LastOutput: x.outDir, FinishedAt: man.FinishedAt}
		if err := SaveState(x.opts.StatePath, st); err != nil {
			return nil, fmt.Errorf("files written, but saving the state failed (the next run repeats this one's window): %w", err)
		}
	}
	x.logSummary(man)
	return man, nil
}

// resolveSince picks the lower date_modified bound: --since as given, else
// the state's watermark minus the overlap, else none (full run).
func (x *storeRun) resolveSince() error {
	if x.opts.Since != nil {
		s := x.opts.Since.UTC()
		x.since, x.incremental = &s, true
		return nil
	}
	if x.opts.StatePath == "" {
		return nil
	}
	st, err := LoadState(x.opts.StatePath)
	if err != nil {
		return err
	}
	if err := st.checkStore(x.opts.StoreHash, x.opts.APIURL); err != nil {
		return err
	}
	if st != nil {
		s := st.Watermark.Add(-StateOverlap).UTC()
		x.since, x.incremental = &s, true
	}
	return nil
}

// fetchCustomers walks the customers (store_walk.go) while the overflow
// workers (store_overflow.go) fetch the sub-resources that did not fit in
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
func (x *storeRun) fetchAttributes(ctx context.Context) (*staging.EntityManifest, error) {
	x.defs = map[int64]attrDef{}
	set := newRunSet(x.tmpDir, staging.EntityAttributes, attributeOrder, 0)
	opts := bigcommerce.AttributeListOptions{ListOptions: bigcommerce.ListOptions{Limit: pageSize}}
	for {
		if err := x.acquire(ctx); err != nil {
			return nil, err
		}
		page, resp, err := x.c.Attributes.List(ctx, &opts)
		x.release()
		x.requests[staging.EntityAttributes].Add(1)
		if err != nil {
			return nil, fmt.Errorf("attribute definitions: %w", err)
		}
		for i := range page {
			a := &page[i]
			x.defs[a.ID] = attrDef{name: a.Name, typ: a.Type}
			if err := set.add(attributeRow(a)); err != nil {
				return nil, err
			}
		}
		x.prog.add(staging.EntityAttributes, len(page))
		if opts.Page = resp.NextPage(); opts.Page == 0 || len(page) == 0 {
			break
		}
	}
	if !x.want[staging.EntityAttributes] {
		return nil, nil
	}
	em, err := mergeEntity(ctx, x, set, staging.EntityAttributes, func(a *staging.Attribute) *time.Time { return a.DateModified })
	if err != nil {
		return nil, err
	}
	return &em, nil
}

// cleanup removes the temporary runs, whatever happened.
func (x *storeRun) cleanup() {
	if x.prog != nil {
		x.prog.close()
	}
	if x.tmpDir != "" {
		os.RemoveAll(x.tmpDir)
	}
}
