package pipelines

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"sync"
	"time"

	"github.com/bcetl/bcetl/extract"
	"github.com/bcetl/bcetl/extract/store"
	"github.com/bcetl/bcetl/internal/accounting"
	"github.com/bcetl/bcetl/internal/atomicfile"
	"github.com/bcetl/bcetl/internal/bigcommerce"
	"github.com/bcetl/bcetl/internal/staging"
	"github.com/bcetl/bcetl/internal/warehouse"
	"github.com/bcetl/bcetl/internal/webhooks"
	"github.com/bcetl/bcetl/load"
	"github.com/bcetl/bcetl/transform"
)

// Spooled event scopes the nightly job consumes.
const (
	ScopeCustomerCreated   = "store/customer/created"
	ScopeCustomerUpdated   = "store/customer/updated"
	ScopeCustomerDeleted   = "store/customer/deleted"
	ScopeAddressCreated    = "store/customer/address/created"
	ScopeAddressUpdated    = "store/customer/address/updated"
	ScopeAddressDeleted    = "store/customer/address/deleted"
	ScopeCartCreated       = "store/cart/created"
	VoucherifyCustomerType = "customer.created"
	nightlyDir             = "_nightly"
)

// changedScopes name a customer whose current addresses, attribute values
// and form field values are re-read (nightlyChanged): the changes that do
// not touch its date_modified, which an incremental export misses.
// webhooks.ScopeAddressUpdatedExample is the spelling of the official
// example payload, taken too in case a store sends it.
var changedScopes = []string{ScopeCustomerUpdated, ScopeAddressCreated, ScopeAddressUpdated, ScopeAddressDeleted,
	webhooks.ScopeAddressUpdatedExample}

// NightlyOptions configures the nightly job.
type NightlyOptions struct {
	Spool     *webhooks.Spool
	StatePath string // the export's watermark (a file or s3://bucket/key)
	Out       string // the export dataset (a directory or an object store URL)
	Blob      warehouse.BlobOptions

	Store *bigcommerce.Client // the store that is exported
	// StoreHash names the store (default: from Store's API URL). Only
	// events whose producer is stores/{StoreHash} are fetched from it.
	StoreHash string
	// Target receives the Voucherify customers; nil leaves their events
	// pending.
	Target    *bigcommerce.Client
	Transform transform.Options
	Load      load.Options
	// DryRun reads the spool, the state and the stores and returns the
	// plan in NightlyResult.Plan: it writes no file, moves no watermark,
	// and claims and marks no event. The spool may be opened read-only.
	DryRun bool

	// Options are the logger and the progress bars' terminal, for every
	// phase.
	accounting.Options
	Now func() time.Time
}

// NightlyResult says what a nightly run did.
type NightlyResult struct {
	Export          *ExportResult
	CreatedFetched  int // customers fetched by id from store/customer/created events
	CartEvents      int
	VoucherifyRuns  int
	Voucherify      Ledger // joined ledger of the Voucherify customers loaded
	VoucherifyLeft  int    // events left pending (no target given)
	VoucherifyWorks []string
	// CreatedMissing are the customers named by store/customer/created
	// events that the store no longer has (deleted since): their events
	// are done, and they are counted and logged.
	CreatedMissing []int64
	// ChangedFetched are the customers named by store/customer/updated
	// and address events, re-read with all their sub-resources;
	// ChangedMissing those of them the store no longer has.
	ChangedFetched int
	ChangedMissing []int64
	// Deletions are the customer_deletions rows written from
	// store/customer/deleted events.
	Deletions int
	// Failed are the events given up on this run, marked failed in the
	// spool with these reasons; the rest of their claims went through.
	Failed []webhooks.Failure
	// Plan is what a dry run would do.
	Plan *NightlyPlan
}

// Nightly runs the scheduled job: an incremental export; the customers
// announced by store/customer/created events, fetched by id even where the
// watermark would miss them; those named by store/customer/updated and
// address events re-read with every sub-resource; the deletions announced
// by store/customer/deleted events written as tombstones; the cart events
// appended to their dataset; and the Voucherify customers transformed and
// loaded into the target. Each phase marks its events done only after its
// output is committed.
func Nightly(ctx context.Context, o NightlyOptions) (*NightlyResult, error) {
	if o.Log == nil {
		o.Log = slog.New(slog.DiscardHandler)
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Store == nil {
		return nil, errors.New("nightly: no store client")
	}
	var err error
	if o.StoreHash, err = warehouse.StoreHashOf(o.StoreHash, o.Store.BaseURL()); err != nil {
		return nil, err
	}
	work, err := nightlyWork(o)
	if err != nil {
		return nil, err
	}
	res := &NightlyResult{Voucherify: Ledger{}}
	if o.DryRun {
		// A dry run reads the state and the spool and writes nothing, so
		// it needs no lock: it may look while a real run goes on.
		res.Plan, err = planNightly(ctx, o, work)
		return res, err
	}
	wh, err := openWarehouse(ctx, o.Out, o.StatePath, o.StoreHash, "bcetl nightly", o.Blob)
	if err != nil {
		return nil, err
	}
	defer wh.close()
	if res.Export, err = export(ctx, ExportOptions{Out: o.Out, StatePath: o.StatePath, Client: o.Store, StoreHash: o.StoreHash,
		Options: o.Options, Now: o.Now}, wh); err != nil {
		return res, fmt.Errorf("export: %w", err)
	}
	if err := nightlyCreated(ctx, o, wh.Warehouse, work, res); err != nil {
		return res, fmt.Errorf("customers from store/customer/created: %w", err)
	}
	if err := nightlyChanged(ctx, o, wh.Warehouse, work, res); err != nil {
		return res, fmt.Errorf("customers from store/customer/updated and address events: %w", err)
	}
	if err := nightlyDeleted(ctx, o, wh.Warehouse, work, res); err != nil {
		return res, fmt.Errorf("deletions from store/customer/deleted: %w", err)
	}
	if err := nightlyCarts(ctx, o, wh.Warehouse, work, res); err != nil {
		return res, fmt.Errorf("cart events: %w", err)
	}
	if err := nightlyVoucherify(ctx, o, work, res); err != nil {
		return res, fmt.Errorf("voucherify customers: %w", err)
	}
	return res, nil
}

// nightlyWork is the local directory of the nightly job's claims and of
// its Voucherify loads: OUT/_nightly for a warehouse on a disk; beside
// the spool (SPOOL.nightly) for one in an object store — claims name the
// spool's events, and the loads' state files are SQLite.
func nightlyWork(o NightlyOptions) (string, error) {
	l, err := warehouse.ParseLocation(o.Out)
	if err != nil {
		return "", fmt.Errorf("--out %w", err)
	}
	if !l.Remote() {
		return filepath.Join(o.Out, nightlyDir), nil
	}
	return o.Spool.Path() + ".nightly", nil
}

// nightlyCreated fetches the customers named by store/customer/created
// events into the dataset, as part files named after the claim.
func nightlyCreated(ctx context.Context, o NightlyOptions, wh *warehouse.Warehouse, work string, res *NightlyResult) error {
	c, events, err := claimEvents(ctx, o.Spool, work, "customer-created", webhooks.ProviderBigCommerce, o.Now, ScopeCustomerCreated)
	if err != nil || c == nil {
		return err
	}
	fetched, missing, err := fetchClaimed(ctx, o, wh, work, c, "created-"+c.ID, createdIDs(c, events, o.StoreHash))
	if err != nil {
		return err
	}
	res.CreatedFetched += fetched
	if res.CreatedMissing = append(res.CreatedMissing, missing...); len(missing) > 0 {
		o.Log.Warn("customers named by store/customer/created events are no longer in the store (deleted since?); their events are done",
			"count", len(missing), "customer_ids", missing)
	}
	return c.finish(ctx, o, work, res)
}

// fetchClaimed reads the customers of byID (customer id → the claim's
// events naming it) by id:in, with every sub-resource, and commits them as
// the run of that name, labelled parts named after it in the claim's
// partition. An id the API refuses fails its events. It returns the
// customers read and those the store no longer has. A run committed
// before a crash is not read again (its counts are then 0): the caller
// finishes the claim.
func fetchClaimed(ctx context.Context, o NightlyOptions, wh *warehouse.Warehouse, work string, c *claim, run string, byID map[int64][]int64) (int, []int64, error) {
	done, err := wh.Committed(ctx, run)
	if err != nil || done {
		return 0, nil, err // output already committed
	}
	ids := slices.Sorted(maps.Keys(byID))
	if len(ids) == 0 {
		return 0, nil, c.save(work)
	}
	tmp := wh.Stage(run)
	defer os.RemoveAll(tmp)
	var mu sync.Mutex
	rejected := map[int64]string{}
	src, err := extract.Open(store.Scheme, extract.Options{Store: o.Store, StoreHash: o.StoreHash, IDs: ids, Options: o.Options, Now: o.Now,
		RejectedID: func(id int64, err error) { mu.Lock(); rejected[id] = err.Error(); mu.Unlock() }})
	if err != nil {
		return 0, nil, err
	}
	m, err := src.Extract(ctx, tmp)
	if err != nil {
		return 0, nil, err
	}
	for id, reason := range rejected {
		for _, ev := range byID[id] {
			c.fail(ev, "the store refused customer id "+strconv.FormatInt(id, 10)+": "+reason)
		}
	}
	found, err := customerIDs(tmp, m)
	if err != nil {
		return 0, nil, err
	}
	var missing []int64
	for _, id := range ids {
		if _, refused := rejected[id]; !refused && !found[id] {
			missing = append(missing, id)
		}
	}
	// The failures are saved with the claim before the output is
	// committed: a rerun that finds the output still knows them.
	if err := c.save(work); err != nil {
		return 0, nil, err
	}
	if _, _, err := wh.Commit(ctx, run, tmp, m, warehouse.Part{Day: c.Day, Label: run}); err != nil {
		return 0, nil, err
	}
	return int(m.Entities[staging.EntityCustomers].Rows), missing, nil
}

// createdIDs maps the customer ids of the claim's events to the events that
// name them; an event that names none this store can have is failed.
func createdIDs(c *claim, events []webhooks.Event, storeHash string) map[int64][]int64 {
	byID := map[int64][]int64{}
	for _, e := range events {
		if _, reason := checkCallback(e, storeHash); reason != "" {
			c.fail(e.ID, reason)
			continue
		}
		var cb struct {
			Data struct {
				ID int64 `json:"id"`
			} `json:"data"`
		}
		json.Unmarshal(e.Payload, &cb) // checkCallback validated data.id
		byID[cb.Data.ID] = append(byID[cb.Data.ID], e.ID)
	}
	return byID
}

// checkCallback re-validates a spooled callback as the receiver does now
// (an older receiver was laxer) and checks that this store produced it.
// It returns why the event cannot be processed, or "".
func checkCallback(e webhooks.Event, storeHash string) (webhooks.Callback, string) {
	cb, err := webhooks.ParseBigCommerce(e.Payload)
	if err != nil {
		return cb, "invalid callback: " + err.Error()
	}
	if want := webhooks.Producer(storeHash); cb.Producer != want {
		return cb, fmt.Sprintf("producer %q is not the exported store %q: not processed for this store", cb.Producer, want)
	}
	return cb, ""
}

// customerIDs is the set of customer ids in an extract.
func customerIDs(dir string, m *staging.Manifest) (map[int64]bool, error) {
	found := map[int64]bool{}
	e, ok := m.Entities[staging.EntityCustomers]
	if !ok {
		return found, nil
	}
	err := staging.Scan(filepath.Join(dir, e.File), func(c staging.Customer) error {
		if c.ID != nil {
			found[*c.ID] = true
		}
		return nil
	})
	return found, err
}

func nightlyCarts(ctx context.Context, o NightlyOptions, wh *warehouse.Warehouse, work string, res *NightlyResult) error {
	n, err := fileCallbacks(ctx, o, wh, work, res, "cart-created", ScopeCartCreated, warehouse.CartEvents, "cart-",
		func(e webhooks.Event, cb webhooks.Callback, started time.Time) warehouse.CartEvent {
			var d struct {
				Data struct {
					Type string `json:"type"`
					ID   string `json:"id"`
				} `json:"data"`
			}
			json.Unmarshal(e.Payload, &d) // checkCallback validated data
			return warehouse.CartEvent{EventID: e.ID, Hash: cb.Hash, StoreID: cb.StoreID, Producer: cb.Producer, Scope: cb.Scope,
				CreatedAt: time.Unix(cb.CreatedAt, 0).UTC(), ReceivedAt: e.ReceivedAt.UTC(), CartID: d.Data.ID, Type: d.Data.Type,
				StoreHash: wh.StoreHash(), ExtractedAt: started}
		})
	res.CartEvents += n
	return err
}

// fileCallbacks is a phase that turns the spooled BigCommerce callbacks
// of one scope into rows of a warehouse dataset: it claims the events,
// files their rows (one per valid callback; an invalid one fails) as a
// part labelled after the claim, then saves and finishes the claim. A
// rerun whose part is already filed only finishes the claim. It returns
// the rows filed.
func fileCallbacks[T any](ctx context.Context, o NightlyOptions, wh *warehouse.Warehouse, work string, res *NightlyResult,
	phase, scope, dataset, label string, row func(webhooks.Event, webhooks.Callback, time.Time) T) (int, error) {
	c, events, err := claimEvents(ctx, o.Spool, work, phase, webhooks.ProviderBigCommerce, o.Now, scope)
	if err != nil || c == nil {
		return 0, err
	}
	part := warehouse.Part{Day: c.Day, Label: label + c.ID}
	done, err := wh.Has(ctx, dataset, part)
	if err != nil {
		return 0, err
	}
	if done {
		return 0, c.finish(ctx, o, work, res) // output already committed
	}
	rows := make([]T, 0, len(events))
	started := o.Now().UTC().Truncate(time.Millisecond)
	for _, e := range events {
		cb, reason := checkCallback(e, o.StoreHash)
		if reason != "" {
			c.fail(e.ID, reason)
			continue
		}
		rows = append(rows, row(e, cb, started))
	}
	if err := c.save(work); err != nil {
		return 0, err
	}
	if len(rows) > 0 {
		tmp := wh.Stage(part.Label)
		defer os.RemoveAll(tmp)
		src := filepath.Join(tmp, dataset+".parquet")
		if _, err := staging.WriteAll(src, rows); err != nil {
			return 0, err
		}
		if _, err := wh.File(ctx, dataset, src, part); err != nil {
			return 0, err
		}
	}
	return len(rows), c.finish(ctx, o, work, res)
}

// nightlyVoucherify loads the spooled Voucherify customers into the target
// through the same extract → transform → load as migrate. The claim's work
// directory holds the load's state, so a rerun resumes that load.
func nightlyVoucherify(ctx context.Context, o NightlyOptions, work string, res *NightlyResult) error {
	if o.Target == nil {
		pending, err := o.Spool.Pending(ctx, webhooks.ProviderVoucherify, VoucherifyCustomerType, 0)
		if err != nil {
			return err
		}
		if res.VoucherifyLeft = len(pending); res.VoucherifyLeft > 0 {
			o.Log.Warn("Voucherify customers left pending: no target store given", "events", res.VoucherifyLeft)
		}
		return nil
	}
	c, events, err := claimEvents(ctx, o.Spool, work, "voucherify", webhooks.ProviderVoucherify, o.Now, VoucherifyCustomerType)
	if err != nil || c == nil {
		return err
	}
	dir := filepath.Join(work, "voucherify", c.ID)
	input := filepath.Join(dir, "events.ndjson")
	if _, err := os.Stat(input); errors.Is(err, os.ErrNotExist) {
		var buf []byte
		for _, e := range events {
			buf = append(append(buf, e.Payload...), '\n')
		}
		if err := atomicfile.WriteFile(input, buf); err != nil {
			return err
		}
	}
	mr, err := Migrate(ctx, MigrateOptions{From: "voucherify:" + input, Work: filepath.Join(dir, "migration"), Target: o.Target,
		Transform: o.Transform, Load: o.Load, Options: o.Options})
	if mr != nil && mr.Ledger != nil {
		res.Voucherify.Add(mr.Ledger)
	}
	if err != nil {
		return err
	}
	res.VoucherifyRuns++
	res.VoucherifyWorks = append(res.VoucherifyWorks, dir)
	if mr.Load == nil || !mr.Load.Complete || o.Load.DryRun {
		return nil // not committed: the events stay claimed for the next run
	}
	return c.finish(ctx, o, work, res)
}
