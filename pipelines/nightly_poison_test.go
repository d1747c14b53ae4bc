package pipelines

import (
	"context"
	"fmt"
	"net/http"
	"path/filepath"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/bcetl/bcetl/internal/bigcommerce"
	"github.com/bcetl/bcetl/internal/sandbox"
	"github.com/bcetl/bcetl/internal/sandboxtest"
	"github.com/bcetl/bcetl/internal/staging"
	"github.com/bcetl/bcetl/internal/warehouse"
	"github.com/bcetl/bcetl/internal/webhooks"
)

// refusingStore serves a generated store whose GET /customers answers a
// 422 for any id:in that names the refused id, as the API does for the
// whole request when one id is wrong. Everything else reaches the sandbox
// over HTTP.
func refusingStore(t *testing.T, n int, refused string) (*sandbox.Server, *bigcommerce.Client, *atomic.Int64) {
	t.Helper()
	refusals := new(atomic.Int64)
	st := sandboxtest.Start(t, sandbox.Options{StoreHash: "source", Token: "source-token", Seed: 5}, sandboxtest.Wrap(func(srv *sandbox.Server) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if ids := r.URL.Query().Get("id:in"); ids != "" && slices.Contains(strings.Split(ids, ","), refused) {
				refusals.Add(1)
				w.Header().Set("Content-Type", "application/json")
				w.WriteHeader(http.StatusUnprocessableEntity)
				fmt.Fprint(w, `{"status":422,"title":"Query parameter \"id:in\" value may contain only integer values","type":"/api-docs/getting-started/api-status-codes","errors":{}}`)
				return
			}
			srv.ServeHTTP(w, r)
		})
	}))
	st.Server.Generate(n, 5)
	return st.Server, st.Client, refusals
}

// Poison events never block the others: an id the API cannot have, an id
// the store refuses with a 422, another store's events and an unreadable
// payload are each marked failed with their reason, and the rest of their
// claims goes through; a customer the store no longer has is reported.
func TestNightlyPoisonEventsDoNotBlockTheClaim(t *testing.T) {
	ctx := context.Background()
	src, store, refusals := refusingStore(t, 300, "9")
	if n := src.DeleteCustomers([]int64{250}); n != 1 {
		t.Fatalf("deleted %d customers", n)
	}
	dir := t.TempDir()
	sp, err := webhooks.Open(filepath.Join(dir, "spool.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer sp.Close()
	// Spooled by an older receiver that let every int64 through.
	created := []struct {
		key     string
		payload string
		fails   string // part of the failure reason; "" = processed
	}{
		{"a", customerCreated(3), ""},
		{"b", customerCreated(1 << 31), "2147483647"},
		{"c", customerCreated(9), "refused customer id 9"},
		{"d", customerCreated(7), ""},
		{"e", customerCreated(0), "2147483647"},
		{"f", customerCreated(250), ""}, // deleted since: reported, not failed
		{"g", strings.Replace(customerCreated(5), "stores/source", "stores/other", 1), `"stores/other"`},
		{"h", strings.Replace(customerCreated(3), `"h3"`, `"h3-again"`, 1), ""},
	}
	for _, c := range created {
		spoolEvent(t, sp, webhooks.ProviderBigCommerce, c.key, ScopeCustomerCreated, c.payload)
	}
	carts := []struct{ payload, fails string }{
		{cartCreated(1), ""},
		{strings.Replace(cartCreated(2), "stores/source", "stores/other", 1), `"stores/other"`},
		{`{"scope":"store/cart/created"}`, "invalid callback"},
	}
	for i, c := range carts {
		spoolEvent(t, sp, webhooks.ProviderBigCommerce, fmt.Sprint("cart", i), ScopeCartCreated, c.payload)
	}
	o := NightlyOptions{Spool: sp, StatePath: filepath.Join(dir, "export.state"), Out: filepath.Join(dir, "out"), Store: store,
		Now: func() time.Time { return time.Date(2026, 11, 25, 2, 15, 0, 0, time.UTC) }}
	res, err := Nightly(ctx, o)
	if err != nil {
		t.Fatalf("a poison event failed the run: %v", err)
	}
	if res.CreatedFetched != 2 || res.CartEvents != 1 {
		t.Errorf("fetched %d customers, %d cart events; want 2 and 1", res.CreatedFetched, res.CartEvents)
	}
	if !slices.Equal(res.CreatedMissing, []int64{250}) {
		t.Errorf("missing customers %v, want [250]", res.CreatedMissing)
	}
	if refusals.Load() == 0 {
		t.Error("the store never refused id 9: the test did not exercise a 422")
	}

	// Each poison event failed with its reason; nothing else failed.
	reasons := map[int64]string{}
	for _, f := range res.Failed {
		reasons[f.ID] = f.Reason
	}
	for i, c := range created {
		if got := reasons[int64(i+1)]; (c.fails == "") != (got == "") || !strings.Contains(got, c.fails) {
			t.Errorf("created event %s: failure %q, want one mentioning %q", c.key, got, c.fails)
		}
	}
	for i, c := range carts {
		if got := reasons[int64(len(created)+i+1)]; (c.fails == "") != (got == "") || !strings.Contains(got, c.fails) {
			t.Errorf("cart event %d: failure %q, want one mentioning %q", i, got, c.fails)
		}
	}
	st, err := sp.Stats(ctx)
	if err != nil || st.Pending != 0 || st.Failed != int64(len(res.Failed)) || st.Failed != 6 {
		t.Errorf("spool %+v (%v): want nothing pending and the 6 poison events failed", st, err)
	}

	// The good customers are in the dataset, with their store.
	parts, _ := filepath.Glob(filepath.Join(o.Out, "customers", "*", "part-created-*.parquet"))
	if len(parts) != 1 {
		t.Fatalf("created parts %v", parts)
	}
	cs, err := staging.ReadAll[staging.Customer](parts[0])
	if err != nil || len(cs) != 2 || *cs[0].ID != 3 || *cs[1].ID != 7 {
		t.Fatalf("created customers %d %v", len(cs), err)
	}
	if h, ok := arrowStrings(t, parts[0], "store_hash"); !ok || len(h) != 2 || h[0] != "source" {
		t.Errorf("created part store_hash %v %v", h, ok)
	}
	cartParts, _ := filepath.Glob(filepath.Join(o.Out, warehouse.CartEvents, "*", "*.parquet"))
	if len(cartParts) != 1 {
		t.Fatalf("cart parts %v", cartParts)
	}
	if h, ok := arrowStrings(t, cartParts[0], "store_hash"); !ok || len(h) != 1 || h[0] != "source" {
		t.Errorf("cart part store_hash %v %v", h, ok)
	}

	// The next run does not take the failed events up again.
	res2, err := Nightly(ctx, o)
	if err != nil || len(res2.Failed) != 0 || res2.CreatedFetched != 0 || res2.CartEvents != 0 {
		t.Fatalf("second run: %+v %v", res2, err)
	}
}
