package pipelines

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"time"

	"github.com/bcetl/bcetl/extract"
	"github.com/bcetl/bcetl/internal/atomicfile"
	"github.com/bcetl/bcetl/internal/bigcommerce"
	"github.com/bcetl/bcetl/internal/staging"
	"github.com/bcetl/bcetl/internal/webhooks"
	"github.com/bcetl/bcetl/load"
	"github.com/bcetl/bcetl/transform"
)

// Spooled event scopes the nightly job consumes.
const (
	ScopeCustomerCreated   = "store/customer/created"
	ScopeCartCreated       = "store/cart/created"
	VoucherifyCustomerType = "customer.created"
	// CartEventsDataset is the dataset of cart events beside the entities.
	CartEventsDataset = "cart_events"
	nightlyDir        = "_nightly"
)

// NightlyOptions configures the nightly job.
type NightlyOptions struct {
	Spool     *webhooks.Spool
	StatePath string // the export's watermark
	Out       string // the export dataset

	Store     *bigcommerce.Client // the store that is exported
	StoreHash string
	// Target receives the Voucherify customers; nil leaves their events
	// pending.
	Target    *bigcommerce.Client
	Transform transform.Options
	Load      load.Options

	Log      *slog.Logger
	Terminal io.Writer
	Now      func() time.Time
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
}

// Nightly runs the scheduled job: an incremental export; the customers
// announced by store/customer/created events, fetched by id even where the
// watermark would miss them; the cart events appended to their dataset;
// and the Voucherify customers transformed and loaded into the target. Each
// phase marks its events done only after its output is committed.
func Nightly(ctx context.Context, o NightlyOptions) (*NightlyResult, error) {
	if o.Log == nil {
		o.Log = slog.New(slog.DiscardHandler)
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	release, err := lockExportState(o.StatePath, o.Out, "bcetl nightly")
	if err != nil {
		return nil, err
	}
	defer release()
	work := filepath.Join(o.Out, nightlyDir)
	res := &NightlyResult{Voucherify: Ledger{}}
	if res.Export, err = export(ctx, ExportOptions{Out: o.Out, StatePath: o.StatePath, Client: o.Store, StoreHash: o.StoreHash,
		Log: o.Log, Terminal: o.Terminal, Now: o.Now}); err != nil {
		return res, fmt.Errorf("export: %w", err)
	}
	if res.CreatedFetched, err = nightlyCreated(ctx, o, work); err != nil {
		return res, fmt.Errorf("customers from store/customer/created: %w", err)
	}
	if res.CartEvents, err = nightlyCarts(ctx, o, work); err != nil {
		return res, fmt.Errorf("cart events: %w", err)
	}
	if err := nightlyVoucherify(ctx, o, work, res); err != nil {
		return res, fmt.Errorf("voucherify customers: %w", err)
	}
	return res, nil
}

// nightlyCreated fetches the customers named by store/customer/created
// events into the dataset, as part files named after the claim.
func nightlyCreated(ctx context.Context, o NightlyOptions, work string) (int, error) {
	c, events, err := claimEvents(ctx, o.Spool, work, "customer-created", webhooks.ProviderBigCommerce, ScopeCustomerCreated, o.Now)
	if err != nil || c == nil {
		return 0, err
	}
	seen := map[int64]bool{}
	var ids []int64
	for _, e := range events {
		var cb struct {
			Data struct {
				ID int64 `json:"id"`
			} `json:"data"`
		}
		if err := json.Unmarshal(e.Payload, &cb); err != nil || cb.Data.ID <= 0 {
			o.Log.Warn("store/customer/created event without a customer id; skipped", "event", e.ID)
			continue
		}
		if !seen[cb.Data.ID] {
			seen[cb.Data.ID] = true
			ids = append(ids, cb.Data.ID)
		}
	}
	manifestPath := filepath.Join(o.Out, ManifestsDir, "created-"+c.ID+".json")
	if _, err := os.Stat(manifestPath); err == nil || len(ids) == 0 {
		return 0, c.finish(ctx, o.Spool, work) // output already committed, or nothing to fetch
	}
	tmp := filepath.Join(o.Out, stagingDir, "created-"+c.ID)
	defer os.RemoveAll(tmp)
	m, err := extract.ExtractStore(ctx, o.Store, tmp, extract.StoreOptions{StoreHash: o.StoreHash, APIURL: o.Store.BaseURL(),
		IDs: ids, Log: o.Log, Now: o.Now})
	if err != nil {
		return 0, err
	}
	for _, entity := range staging.Entities {
		e, ok := m.Entities[entity]
		if !ok {
			continue
		}
		dst := filepath.Join(o.Out, entity, PartitionKey+"="+c.Day, "part-created-"+c.ID+".parquet")
		if err := moveInto(filepath.Join(tmp, e.File), dst); err != nil {
			return 0, err
		}
		e.File, _ = filepath.Rel(o.Out, dst)
		m.Entities[entity] = e
	}
	if err := atomicfile.WriteJSON(manifestPath, m); err != nil {
		return 0, err
	}
	return int(m.Entities[staging.EntityCustomers].Rows), c.finish(ctx, o.Spool, work)
}

// CartEvent is one row of the cart_events dataset.
type CartEvent struct {
	EventID    int64     `parquet:"event_id"`
	Hash       string    `parquet:"hash"`
	StoreID    string    `parquet:"store_id"`
	Producer   string    `parquet:"producer"`
	Scope      string    `parquet:"scope"`
	CreatedAt  time.Time `parquet:"created_at,timestamp(millisecond)"`
	ReceivedAt time.Time `parquet:"received_at,timestamp(millisecond)"`
	CartID     string    `parquet:"cart_id"`
	Type       string    `parquet:"type"`
}

func nightlyCarts(ctx context.Context, o NightlyOptions, work string) (int, error) {
	c, events, err := claimEvents(ctx, o.Spool, work, "cart-created", webhooks.ProviderBigCommerce, ScopeCartCreated, o.Now)
	if err != nil || c == nil {
		return 0, err
	}
	dst := filepath.Join(o.Out, CartEventsDataset, PartitionKey+"="+c.Day, "part-cart-"+c.ID+".parquet")
	if _, err := os.Stat(dst); err == nil {
		return 0, c.finish(ctx, o.Spool, work)
	}
	rows := make([]CartEvent, 0, len(events))
	for _, e := range events {
		var cb struct {
			CreatedAt int64  `json:"created_at"`
			StoreID   string `json:"store_id"`
			Producer  string `json:"producer"`
			Scope     string `json:"scope"`
			Hash      string `json:"hash"`
			Data      struct {
				Type string `json:"type"`
				ID   string `json:"id"`
			} `json:"data"`
		}
		if err := json.Unmarshal(e.Payload, &cb); err != nil {
			return 0, fmt.Errorf("spooled event %d: %w", e.ID, err)
		}
		rows = append(rows, CartEvent{EventID: e.ID, Hash: cb.Hash, StoreID: cb.StoreID, Producer: cb.Producer, Scope: cb.Scope,
			CreatedAt: time.Unix(cb.CreatedAt, 0).UTC(), ReceivedAt: e.ReceivedAt.UTC(), CartID: cb.Data.ID, Type: cb.Data.Type})
	}
	if len(rows) > 0 {
		if _, err := staging.WriteAll(dst, rows); err != nil {
			return 0, err
		}
	}
	return len(rows), c.finish(ctx, o.Spool, work)
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
	c, events, err := claimEvents(ctx, o.Spool, work, "voucherify", webhooks.ProviderVoucherify, VoucherifyCustomerType, o.Now)
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
		Transform: o.Transform, Load: o.Load, Log: o.Log, Terminal: o.Terminal})
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
	return c.finish(ctx, o.Spool, work)
}

// moveInto renames src to dst, creating dst's directory owner-only.
func moveInto(src, dst string) error {
	if err := os.MkdirAll(filepath.Dir(dst), atomicfile.DirMode); err != nil {
		return err
	}
	return os.Rename(src, dst)
}
