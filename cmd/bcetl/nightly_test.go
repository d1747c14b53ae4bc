package main

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/bcetl/bcetl/internal/sandbox"
	"github.com/bcetl/bcetl/internal/sandboxtest"
	"github.com/bcetl/bcetl/internal/webhooks"
)

// nightlyFixture is a store, a target, a spool with events of every scope
// the nightly job reads, and the flags that name them.
type nightlyFixture struct {
	store, target *sandbox.Server
	dir, spool    string
	out, state    string
	flags         []string
}

func newNightlyFixture(t *testing.T) *nightlyFixture {
	t.Helper()
	f := &nightlyFixture{dir: t.TempDir()}
	store := sandboxtest.Start(t, sandbox.Options{StoreHash: "night", Token: "night-token", Seed: 2})
	target := sandboxtest.Start(t, sandbox.Options{StoreHash: "tgt", Token: "tgt-token"})
	f.store, f.target = store.Server, target.Server
	storeURL, targetURL := store.URL, target.URL
	f.store.Generate(30, 2)
	f.spool = filepath.Join(f.dir, "spool.db")
	f.out = filepath.Join(f.dir, "warehouse")
	f.state = filepath.Join(f.dir, "export.state")
	f.flags = []string{"--spool", f.spool, "--state", f.state, "--out", f.out,
		"--source-api-url", storeURL, "--source-store-hash", "night", "--source-token", "night-token",
		"--target-api-url", targetURL, "--target-store-hash", "tgt", "--target-token", "tgt-token"}
	return f
}

// addEvents spools two store/customer/created events, one cart and the
// Voucherify sample's first customer.created envelope.
func (f *nightlyFixture) addEvents(t *testing.T, producer string, ids ...int64) {
	t.Helper()
	sp, err := webhooks.Open(f.spool)
	if err != nil {
		t.Fatal(err)
	}
	defer sp.Close()
	ctx := context.Background()
	insert := func(provider, key, scope, payload string) {
		if ok, err := sp.Insert(ctx, webhooks.Event{Provider: provider, DedupeKey: key, Scope: scope, Payload: []byte(payload)}); err != nil || !ok {
			t.Fatalf("insert %s: %v %v", key, ok, err)
		}
	}
	for _, id := range ids {
		insert(webhooks.ProviderBigCommerce, fmt.Sprint(producer, "created-", id), "store/customer/created",
			fmt.Sprintf(`{"created_at":1764000000,"store_id":"1","producer":%q,"scope":"store/customer/created","hash":"h%d","data":{"type":"customer","id":%d}}`, producer, id, id))
	}
	insert(webhooks.ProviderBigCommerce, producer+"cart-1", "store/cart/created",
		fmt.Sprintf(`{"created_at":1764000001,"store_id":"1","producer":%q,"scope":"store/cart/created","hash":"c1","data":{"type":"cart","id":"09346904-4175-44fd-be53-000000000001"}}`, producer))
	vf, err := os.Open("../../samples/voucherify/customers.ndjson")
	if err != nil {
		t.Fatal(err)
	}
	defer vf.Close()
	sc := bufio.NewScanner(vf)
	sc.Buffer(nil, 1<<20)
	if !sc.Scan() {
		t.Fatal("empty Voucherify sample")
	}
	insert(webhooks.ProviderVoucherify, producer+"evcus_01", webhooks.VoucherifyCustomerCreated, sc.Text())
}

func (f *nightlyFixture) pending(t *testing.T) map[string]int {
	t.Helper()
	sp, err := webhooks.Open(f.spool)
	if err != nil {
		t.Fatal(err)
	}
	defer sp.Close()
	n := map[string]int{}
	for _, p := range []string{webhooks.ProviderBigCommerce, webhooks.ProviderVoucherify} {
		ev, err := sp.Pending(context.Background(), p, "", 0)
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range ev {
			n[e.Scope]++
		}
	}
	return n
}

// snapshot names every file under the directories with its content hash.
func snapshot(t *testing.T, paths ...string) string {
	t.Helper()
	var lines []string
	for _, root := range paths {
		filepath.WalkDir(root, func(p string, d os.DirEntry, err error) error {
			if err != nil {
				lines = append(lines, p+" "+err.Error())
				return nil
			}
			if d.IsDir() {
				lines = append(lines, p+"/")
				return nil
			}
			b, err := os.ReadFile(p)
			if err != nil {
				t.Fatal(err)
			}
			h := sha256.Sum256(b)
			lines = append(lines, p+" "+hex.EncodeToString(h[:8]))
			return nil
		})
	}
	sort.Strings(lines)
	return strings.Join(lines, "\n")
}

// nightly --dry-run after a real run: it prints what it would do and
// changes nothing — no export file, the same watermark, every event still
// pending and unclaimed, nothing loaded into the target.
func TestNightlyDryRunWritesNothing(t *testing.T) {
	f := newNightlyFixture(t)
	var out, errOut bytes.Buffer
	if code := run(append([]string{"nightly"}, f.flags...), &out, &errOut); code != exitOK {
		t.Fatalf("first nightly: exit %d\n%s", code, errOut.String())
	}
	f.addEvents(t, "stores/night", 3, 7)
	before := snapshot(t, f.out, f.state)
	out.Reset()
	errOut.Reset()
	if code := run(append([]string{"nightly", "--dry-run"}, f.flags...), &out, &errOut); code != exitOK {
		t.Fatalf("dry run: exit %d\n%s\n%s", code, out.String(), errOut.String())
	}
	if after := snapshot(t, f.out, f.state); after != before {
		t.Errorf("the dry run changed the warehouse or the state:\nbefore:\n%s\nafter:\n%s", before, after)
	}
	want := map[string]int{"store/customer/created": 2, "store/cart/created": 1, webhooks.VoucherifyCustomerCreated: 1}
	if got := f.pending(t); fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("pending after the dry run %v, want %v", got, want)
	}
	if n, _, _, _ := f.target.Counts(); n != 0 {
		t.Errorf("the dry run loaded %d customers into the target", n)
	}
	t.Log(out.String())
	for _, s := range []string{"store/customer/created", "store/cart/created", "since", "requests"} {
		if !strings.Contains(out.String(), s) {
			t.Errorf("the plan does not mention %q:\n%s", s, out.String())
		}
	}
}

// Events the job cannot process (here: produced by another store) are
// marked failed, listed in the summary and make the exit code 3; the rest
// goes through, and the next run does not take them up again.
func TestNightlyFailedEventsExitThree(t *testing.T) {
	f := newNightlyFixture(t)
	f.addEvents(t, "stores/elsewhere", 3)
	var out, errOut bytes.Buffer
	if code := run(append([]string{"nightly"}, f.flags...), &out, &errOut); code != exitRejected {
		t.Fatalf("exit %d, want %d\n%s\n%s", code, exitRejected, out.String(), errOut.String())
	}
	if !strings.Contains(out.String(), "events failed: 2") || !strings.Contains(out.String(), `"stores/elsewhere"`) {
		t.Errorf("the summary does not list the failed events:\n%s", out.String())
	}
	if n, _, _, _ := f.target.Counts(); n != 1 {
		t.Errorf("the Voucherify customer was not loaded beside the failed events: target has %d", n)
	}
	if p := f.pending(t); len(p) != 0 {
		t.Errorf("pending after the run: %v", p)
	}
	out.Reset()
	if code := run(append([]string{"nightly"}, f.flags...), &out, &errOut); code != exitOK {
		t.Fatalf("second run: exit %d\n%s", code, out.String())
	}
}
