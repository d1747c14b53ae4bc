package pipelines

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/bcetl/bcetl/internal/staging"
	"github.com/bcetl/bcetl/internal/webhooks"
)

// The export reads its watermark the way the extractor does: a state
// written for another store is refused, also when it names the store only
// by its API URL, before any request, by export and nightly --dry-run.
func TestExportRefusesAStateOfAnotherAPIURL(t *testing.T) {
	ctx := context.Background()
	src, store := newSourceStore(t, 20)
	dir := t.TempDir()
	state := filepath.Join(dir, "export.state")
	other := "https://api.bigcommerce.com/stores/other/v3"
	wm := time.Date(2026, 11, 24, 2, 15, 0, 0, time.UTC).Format(time.RFC3339)
	if err := os.WriteFile(state, fmt.Appendf(nil, `{"version":1,"api_url":%q,"watermark":%q,"finished_at":%q}`, other, wm, wm), 0o600); err != nil {
		t.Fatal(err)
	}
	sp, err := webhooks.Open(filepath.Join(dir, "spool.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer sp.Close()
	out := filepath.Join(dir, "warehouse")
	before := src.RequestCount()
	_, exportErr := Export(ctx, ExportOptions{Out: out, StatePath: state, Client: store, StoreHash: "source"})
	_, planErr := Nightly(ctx, NightlyOptions{Spool: sp, StatePath: state, Out: out, Store: store, StoreHash: "source", DryRun: true})
	for what, err := range map[string]error{"export": exportErr, "nightly --dry-run": planErr} {
		if err == nil || !strings.Contains(err.Error(), state) || !strings.Contains(err.Error(), other) {
			t.Errorf("%s with another store's state: %v, want a refusal naming %s and %s", what, err, state, other)
		}
	}
	if n := src.RequestCount() - before; n != 0 {
		t.Errorf("%d requests sent before the refusal", n)
	}
	if files := listFiles(t, out); len(files) != 0 {
		t.Errorf("refused runs wrote %v", files)
	}
}

// Two runs that start in the same millisecond share a run name: each keeps
// its own run manifest, naming its own parts.
func TestExportRunsOfOneNameKeepTheirManifests(t *testing.T) {
	ctx := context.Background()
	_, store := newSourceStore(t, 30)
	out := filepath.Join(t.TempDir(), "warehouse")
	clock := func() time.Time { return time.Date(2026, 11, 25, 2, 15, 0, 0, time.UTC) }
	seen := map[string]bool{}
	for range 2 {
		res, err := Export(ctx, ExportOptions{Out: out, Client: store, StoreHash: "source", Now: clock})
		if err != nil {
			t.Fatal(err)
		}
		if seen[res.ManifestPath] {
			t.Fatalf("second run wrote its manifest over the first's: %s", res.ManifestPath)
		}
		seen[res.ManifestPath] = true
	}
	manifests, _ := filepath.Glob(filepath.Join(out, "_manifests", "*.json"))
	if len(manifests) != 2 {
		t.Fatalf("run manifests %v, want one per run", manifests)
	}
	parts := map[string]bool{}
	for _, path := range manifests {
		b, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		var m staging.Manifest
		if err := json.Unmarshal(b, &m); err != nil {
			t.Fatal(err)
		}
		for entity, e := range m.Entities {
			if parts[e.File] {
				t.Errorf("%s: part %s is named by both manifests", entity, e.File)
			}
			parts[e.File] = true
			if st, err := staging.FileHash(filepath.Join(out, e.File)); err != nil || st.SHA256 != e.SHA256 {
				t.Errorf("%s: %s does not match its manifest (%v)", path, e.File, err)
			}
		}
	}
}

// A nightly run killed while it filed a store/customer/created claim's
// parts, before the claim's run manifest: the rerun files the claim again
// under the same names, replacing what the killed run left, and commits.
func TestNightlyCreatedRefilesAnInterruptedClaim(t *testing.T) {
	ctx := context.Background()
	_, store := newSourceStore(t, 50)
	dir := t.TempDir()
	sp, err := webhooks.Open(filepath.Join(dir, "spool.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer sp.Close()
	for _, id := range []int64{4, 8} {
		spoolEvent(t, sp, webhooks.ProviderBigCommerce, fmt.Sprint("created-", id), ScopeCustomerCreated, customerCreated(id))
	}
	o := NightlyOptions{Spool: sp, StatePath: filepath.Join(dir, "export.state"), Out: filepath.Join(dir, "out"), Store: store,
		StoreHash: "source", Now: func() time.Time { return time.Date(2026, 11, 25, 2, 15, 0, 0, time.UTC) }}
	c, _, err := claimEvents(ctx, sp, filepath.Join(o.Out, nightlyDir), "customer-created", webhooks.ProviderBigCommerce, o.Now, ScopeCustomerCreated)
	if err != nil || c == nil {
		t.Fatal(c, err)
	}
	left := filepath.Join(o.Out, "customers", "extracted_on="+c.Day, "part-created-"+c.ID+".parquet")
	if _, err := staging.WriteAll(left, []staging.Customer{{SourceKey: "half-filed"}}); err != nil {
		t.Fatal(err)
	}

	res, err := Nightly(ctx, o)
	if err != nil {
		t.Fatal(err)
	}
	if res.CreatedFetched != 2 {
		t.Errorf("fetched %d customers, want 2", res.CreatedFetched)
	}
	cs, err := staging.ReadAll[staging.Customer](left)
	if err != nil || len(cs) != 2 || cs[0].ID == nil || *cs[0].ID != 4 || *cs[1].ID != 8 {
		t.Errorf("the claim's part holds %+v (%v), want customers 4 and 8", cs, err)
	}
	if _, err := os.Stat(filepath.Join(o.Out, "_manifests", "created-"+c.ID+".json")); err != nil {
		t.Errorf("the claim's run manifest: %v", err)
	}
	if n := pendingCount(t, sp); n != 0 {
		t.Errorf("%d events still pending", n)
	}
}
