package pipelines

import (
	"context"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/bcetl/bcetl/internal/sandbox"
	"github.com/bcetl/bcetl/internal/sandboxtest"
	"github.com/bcetl/bcetl/internal/webhooks"
	"github.com/bcetl/bcetl/transform"
)

func customerEvent(scope string, id int64) string {
	return fmt.Sprintf(`{"created_at":1561482670,"store_id":"1025646","producer":"stores/source","scope":%q,"hash":"u%d","data":{"type":"customer","id":%d}}`, scope, id, id)
}

// endpoint is "GET /customers" of a logged "GET /stores/source/v3/customers".
func endpoint(req string) string {
	method, path, _ := strings.Cut(req, " ")
	if i := strings.Index(path, "/v3/"); i >= 0 {
		path = path[i+3:]
	} else if i := strings.Index(path, "/v2/"); i >= 0 {
		path = path[i:]
	}
	return method + " " + path
}

// nightly --dry-run prints the plan as the load's dry run does: requests
// per endpoint and the time at the store's quota, for the exported store
// as for the Voucherify target (the load's own plan). It writes nothing —
// the spool, the state, the dataset and $TMPDIR are as they were, both
// stores got only GETs — and the run that follows makes what it planned:
// exactly, endpoint by endpoint, but for the overflow the plan says it
// leaves out. Both runs: the first (full) and the next (incremental).
func TestNightlyDryRunPlansTheRequests(t *testing.T) {
	tmp := t.TempDir()
	t.Setenv("TMPDIR", tmp)
	ctx := context.Background()
	var srcLog, tgtLog requestLog
	src := sandboxtest.Start(t, sandbox.Options{StoreHash: "source", Token: "source-token", Seed: 5, Quota: 500, Window: time.Second},
		sandboxtest.Wrap(srcLog.wrap))
	src.Server.Generate(600, 5)
	tgt := sandboxtest.Start(t, sandbox.Options{StoreHash: "target", Token: "target-token", Quota: 200, Window: time.Second},
		sandboxtest.Wrap(tgtLog.wrap))
	dir := t.TempDir()
	spoolPath := filepath.Join(dir, "spool", "spool.db")
	addEvents := func(round int) {
		sp, err := webhooks.Open(spoolPath)
		if err != nil {
			t.Fatal(err)
		}
		defer sp.Close()
		for _, id := range []int64{3, 7, 250} {
			spoolEvent(t, sp, webhooks.ProviderBigCommerce, fmt.Sprint(round, "created-", id), ScopeCustomerCreated, customerCreated(id))
		}
		for _, id := range []int64{11, 12} {
			spoolEvent(t, sp, webhooks.ProviderBigCommerce, fmt.Sprint(round, "updated-", id), ScopeCustomerUpdated, customerEvent(ScopeCustomerUpdated, id))
		}
		v := fmt.Sprintf(`{"id":"evcus_%d","type":"customer.created","data":{"customer":{"id":"cust_%d","email":"v%d@example.com","name":"Vera Voucher"}}}`, round, round, round)
		spoolEvent(t, sp, webhooks.ProviderVoucherify, fmt.Sprint(round, "v"), VoucherifyCustomerType, v)
	}
	out, state := filepath.Join(dir, "out"), filepath.Join(dir, "export.state")
	nightly := func(dry bool) *NightlyResult {
		t.Helper()
		open := webhooks.Open
		if dry {
			open = webhooks.OpenReadOnly
		}
		sp, err := open(spoolPath)
		if err != nil {
			t.Fatal(err)
		}
		defer sp.Close()
		res, err := Nightly(ctx, NightlyOptions{Spool: sp, StatePath: state, Out: out, Store: src.Client, StoreHash: "source",
			Target: tgt.Client, DryRun: dry, Transform: transform.Options{CustomerSurvivor: transform.SurvivorNewest}})
		if err != nil {
			t.Fatal(err)
		}
		return res
	}
	for round := range 2 {
		addEvents(round)
		srcLog.take()
		tgtLog.take()
		before := map[string]map[string]string{"spool": tree(t, filepath.Dir(spoolPath)), "out": tree(t, out), "state": tree(t, dir)}
		plan := nightly(true).Plan
		for what, b := range map[string]map[string]string{"spool": tree(t, filepath.Dir(spoolPath)), "out": tree(t, out), "state": tree(t, dir)} {
			if !sameTree(before[what], b) {
				t.Errorf("round %d: the dry run changed the %s:\nbefore %v\nafter  %v", round, what, before[what], b)
			}
		}
		if left, _ := os.ReadDir(tmp); len(left) != 0 {
			t.Errorf("round %d: the dry run left %s in $TMPDIR", round, left[0].Name())
		}
		for store, log := range map[string]*requestLog{"source": &srcLog, "target": &tgtLog} {
			for _, r := range log.take() {
				if !strings.HasPrefix(r, "GET ") {
					t.Errorf("round %d: the dry run sent %s to the %s store", round, r, store)
				}
			}
		}
		if plan == nil || plan.Quota != 500 || plan.WindowSeconds != 1 || plan.MinSeconds != float64(plan.TotalRequests)/500 {
			t.Fatalf("round %d: plan %+v", round, plan)
		}
		if v := plan.Voucherify; v == nil || v.Load == nil || v.Load.Quota != 200 || v.Load.Requests["POST /customers"] != 1 {
			t.Errorf("round %d: Voucherify plan %+v", round, v)
		}
		var b strings.Builder
		plan.Print(&b)
		for _, s := range []string{"GET /customers ", "quota 500 per 1s", "quota 200 per 1s", "POST /customers"} {
			if !strings.Contains(b.String(), s) {
				t.Errorf("round %d: the printed plan lacks %q:\n%s", round, s, b.String())
			}
		}

		// The real run makes what was planned.
		nightly(false)
		made := map[string]int64{}
		for _, r := range srcLog.take() {
			made[endpoint(r)]++
		}
		for ep, n := range plan.Requests {
			if made[ep] != n {
				t.Errorf("round %d: %s: planned %d, made %d", round, ep, n, made[ep])
			}
		}
		overflow := maps.Clone(made)
		for ep := range plan.Requests {
			delete(overflow, ep)
		}
		delete(overflow, "GET /customers/addresses")
		delete(overflow, "GET /customers/attribute-values")
		if len(overflow) != 0 {
			t.Errorf("round %d: the run made requests the plan does not name: %v", round, overflow)
		}
		if round == 1 && plan.Export.Incremental != true {
			t.Errorf("the second plan is not incremental")
		}
		tgtLog.take()
	}
}
