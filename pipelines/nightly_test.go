package pipelines

import (
	"bufio"
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/bcetl/bcetl/internal/accounting"
	"github.com/bcetl/bcetl/internal/bigcommerce"
	"github.com/bcetl/bcetl/internal/sandbox"
	"github.com/bcetl/bcetl/internal/staging"
	"github.com/bcetl/bcetl/internal/warehouse"
	"github.com/bcetl/bcetl/internal/webhooks"
	"github.com/bcetl/bcetl/transform"
)

// newSourceStore starts the source store of the nightly and export
// tests, n customers generated.
func newSourceStore(t *testing.T, n int) (*sandbox.Server, *bigcommerce.Client) {
	t.Helper()
	return newStore(t, "source", n, 5)
}

func spoolEvent(t *testing.T, sp *webhooks.Spool, provider, key, scope, payload string) {
	t.Helper()
	ok, err := sp.Insert(context.Background(), webhooks.Event{Provider: provider, DedupeKey: key, Scope: scope, Payload: []byte(payload)})
	if err != nil || !ok {
		t.Fatalf("insert %s: %v %v", key, ok, err)
	}
}

func customerCreated(id int64) string {
	return fmt.Sprintf(`{"created_at":1561482670,"store_id":"1025646","producer":"stores/source","scope":"store/customer/created","hash":"h%d","data":{"type":"customer","id":%d}}`, id, id)
}

func cartCreated(i int) string {
	return fmt.Sprintf(`{"created_at":%d,"store_id":"1025646","producer":"stores/source","scope":"store/cart/created","hash":"c%d","data":{"type":"cart","id":"09346904-4175-44fd-be53-%012d"}}`, 1764000000+i, i, i)
}

func pendingCount(t *testing.T, sp *webhooks.Spool) int {
	t.Helper()
	n := 0
	for _, p := range []string{webhooks.ProviderBigCommerce, webhooks.ProviderVoucherify} {
		ev, err := sp.Pending(context.Background(), p, "", 0)
		if err != nil {
			t.Fatal(err)
		}
		n += len(ev)
	}
	return n
}

func TestNightlyConsumesEveryEventOnce(t *testing.T) {
	ctx := context.Background()
	_, store := newSourceStore(t, 300)
	target, tgt := newTarget(t, sandbox.Options{})
	dir := t.TempDir()
	sp, err := webhooks.Open(filepath.Join(dir, "spool.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer sp.Close()

	for _, id := range []int64{3, 7, 250} {
		spoolEvent(t, sp, webhooks.ProviderBigCommerce, fmt.Sprint("created-", id), ScopeCustomerCreated, customerCreated(id))
	}
	for i := 0; i < 5; i++ {
		spoolEvent(t, sp, webhooks.ProviderBigCommerce, fmt.Sprint("cart-", i), ScopeCartCreated, cartCreated(i))
	}
	// The Voucherify sample's customer.created envelopes (the seed's among them).
	f, err := os.Open("../samples/voucherify/customers.ndjson")
	if err != nil {
		t.Fatal(err)
	}
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<20)
	vouch := 0
	for i := 0; sc.Scan() && vouch < 4; i++ {
		line := sc.Text()
		if len(line) > 0 && line[0] == '{' && strings.Contains(line, `"type":"customer.created"`) && strings.Contains(line, `"email":"`) {
			spoolEvent(t, sp, webhooks.ProviderVoucherify, fmt.Sprint("v", i), VoucherifyCustomerType, line)
			vouch++
		}
	}
	f.Close()

	clock := func() time.Time { return time.Date(2026, 11, 25, 2, 15, 0, 0, time.UTC) }
	o := NightlyOptions{Spool: sp, StatePath: filepath.Join(dir, "export.state"), Out: filepath.Join(dir, "out"),
		Store: store, StoreHash: "source", Target: tgt, Now: clock, Transform: transform.Options{CustomerSurvivor: transform.SurvivorNewest}}
	res, err := Nightly(ctx, o)
	if err != nil {
		t.Fatal(err)
	}
	if res.CreatedFetched != 3 || res.CartEvents != 5 || res.VoucherifyRuns != 1 {
		t.Fatalf("first run: %+v", res)
	}
	if l := res.Voucherify["customers"]; l.Loaded == 0 || l.Loaded+l.Merged+l.Rejected() != int64(vouch) {
		t.Fatalf("voucherify ledger %+v for %d events", l, vouch)
	}
	loaded, _, _, _ := target.Counts()
	if int64(loaded) != res.Voucherify["customers"].Loaded {
		t.Fatalf("target has %d customers, ledger says %d", loaded, res.Voucherify["customers"].Loaded)
	}
	if n := pendingCount(t, sp); n != 0 {
		t.Fatalf("%d events still pending", n)
	}
	day := filepath.Join(o.Out, "%s", warehouse.PartitionKey+"=2026-11-25")
	carts, err := filepath.Glob(filepath.Join(fmt.Sprintf(day, warehouse.CartEvents), "*.parquet"))
	if err != nil || len(carts) != 1 {
		t.Fatalf("cart parts %v %v", carts, err)
	}
	rows, err := staging.ReadAll[warehouse.CartEvent](carts[0])
	if err != nil || len(rows) != 5 || rows[0].CartID == "" || rows[0].CreatedAt.Unix() != 1764000000 {
		t.Fatalf("cart rows %+v %v", rows, err)
	}
	created, _ := filepath.Glob(filepath.Join(fmt.Sprintf(day, "customers"), "part-created-*.parquet"))
	if len(created) != 1 {
		t.Fatalf("created parts %v", created)
	}
	cs, err := staging.ReadAll[staging.Customer](created[0])
	if err != nil || len(cs) != 3 || *cs[0].ID != 3 || *cs[2].ID != 250 {
		t.Fatalf("created customers %v", err)
	}

	// A second run finds nothing to do: no event is worked on twice.
	res2, err := Nightly(ctx, o)
	if err != nil {
		t.Fatal(err)
	}
	if res2.CreatedFetched != 0 || res2.CartEvents != 0 || res2.VoucherifyRuns != 0 {
		t.Fatalf("second run did work again: %+v", res2)
	}
	if after, _, _, _ := target.Counts(); after != loaded {
		t.Fatalf("target went from %d to %d customers", loaded, after)
	}
	carts2, _ := filepath.Glob(filepath.Join(fmt.Sprintf(day, warehouse.CartEvents), "*.parquet"))
	if len(carts2) != 1 {
		t.Fatalf("cart parts after rerun: %v", carts2)
	}
}

// A crash after a phase committed its output but before its events were
// marked done: the next run finds the claim, sees the output, marks the
// events done and writes nothing again, even if new events arrived.
func TestNightlyClaimSurvivesACrash(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	sp, err := webhooks.Open(filepath.Join(dir, "spool.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer sp.Close()
	for i := 0; i < 3; i++ {
		spoolEvent(t, sp, webhooks.ProviderBigCommerce, fmt.Sprint("cart-", i), ScopeCartCreated, cartCreated(i))
	}
	o := NightlyOptions{Spool: sp, Out: filepath.Join(dir, "out"), StoreHash: "source", Options: accounting.Options{Log: slog.New(slog.DiscardHandler)},
		Now: func() time.Time { return time.Date(2026, 11, 25, 23, 59, 0, 0, time.UTC) }}
	work := filepath.Join(o.Out, nightlyDir)
	wh, err := warehouse.Open(ctx, warehouse.Disk(o.Out), o.StoreHash)
	if err != nil {
		t.Fatal(err)
	}
	// The crashed run: it claimed the three events and wrote its part file.
	c, events, err := claimEvents(ctx, sp, work, "cart-created", webhooks.ProviderBigCommerce, o.Now, ScopeCartCreated)
	if err != nil || len(events) != 3 {
		t.Fatal(err, len(events))
	}
	part := filepath.Join(o.Out, warehouse.CartEvents, warehouse.PartitionKey+"="+c.Day, "part-cart-"+c.ID+".parquet")
	if _, err := staging.WriteAll(part, []warehouse.CartEvent{{EventID: 1}, {EventID: 2}, {EventID: 3}}); err != nil {
		t.Fatal(err)
	}
	// New events arrive; the clock passes midnight.
	spoolEvent(t, sp, webhooks.ProviderBigCommerce, "cart-9", ScopeCartCreated, cartCreated(9))
	o.Now = func() time.Time { return time.Date(2026, 11, 26, 0, 30, 0, 0, time.UTC) }

	res := &NightlyResult{}
	if err := nightlyCarts(ctx, o, wh, work, res); err != nil || res.CartEvents != 0 {
		t.Fatalf("resumed claim: wrote %d rows, %v; the output was already committed", res.CartEvents, err)
	}
	if left, _ := sp.Pending(ctx, webhooks.ProviderBigCommerce, ScopeCartCreated, 0); len(left) != 1 {
		t.Fatalf("want only the new event pending, got %d", len(left))
	}
	// The next run takes the new event, into today's partition.
	res = &NightlyResult{}
	if err := nightlyCarts(ctx, o, wh, work, res); err != nil || res.CartEvents != 1 {
		t.Fatalf("new event: %d %v", res.CartEvents, err)
	}
	parts, _ := filepath.Glob(filepath.Join(o.Out, warehouse.CartEvents, "*", "*.parquet"))
	if len(parts) != 2 {
		t.Fatalf("parts %v", parts)
	}
}
