package webhooks

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"
)

func TestSpoolFilesAreOwnerOnly(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "sub", "spool.db")
	sp, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := sp.Insert(t.Context(), Event{Provider: "p", DedupeKey: "k", Scope: "s", Payload: []byte(`{}`)}); err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{path, path + "-wal", path + "-shm"} {
		fi, err := os.Stat(f)
		if err != nil {
			t.Fatal(err)
		}
		if m := fi.Mode().Perm(); m != 0o600 {
			t.Errorf("%s: mode %v, want 0600", filepath.Base(f), m)
		}
	}
	sp.Close()

	// A spool created with looser permissions by something else is tightened.
	loose := filepath.Join(dir, "loose.db")
	if err := os.WriteFile(loose, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	sp, err = Open(loose)
	if err != nil {
		t.Fatal(err)
	}
	defer sp.Close()
	if fi, _ := os.Stat(loose); fi.Mode().Perm() != 0o600 {
		t.Errorf("existing spool left at %v", fi.Mode().Perm())
	}
	if _, err := Open(filepath.Join(dir, "a?b.db")); err == nil {
		t.Error("a path with '?' was accepted")
	}
}

// TestSpoolLifecycle covers the API the nightly job uses: Insert with
// dedupe, Pending filtered and ordered, MarkDone all-or-nothing, Stats, and
// durability across a reopen.
func TestSpoolLifecycle(t *testing.T) {
	ctx := t.Context()
	path := filepath.Join(t.TempDir(), "spool.db")
	sp, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	t0 := time.Date(2026, 1, 2, 3, 4, 5, 6_000_000, time.UTC)
	in := []Event{
		{Provider: ProviderBigCommerce, DedupeKey: "a", Scope: "store/customer/created", ReceivedAt: t0, Payload: []byte(`{"n":1}`)},
		{Provider: ProviderBigCommerce, DedupeKey: "b", Scope: "store/customer/updated", ReceivedAt: t0.Add(time.Second), Payload: []byte(`{"n":2}`)},
		{Provider: ProviderVoucherify, DedupeKey: "a", Scope: VoucherifyCustomerCreated, ReceivedAt: t0, Payload: []byte(`{"n":3}`)},
		{Provider: ProviderBigCommerce, DedupeKey: "c", Scope: "store/customer/created", ReceivedAt: t0.Add(2 * time.Second), Payload: []byte(`{"n":4}`)},
	}
	for _, e := range in {
		if ok, err := sp.Insert(ctx, e); err != nil || !ok {
			t.Fatalf("insert %s/%s: %v %v", e.Provider, e.DedupeKey, ok, err)
		}
	}
	// Same provider and key: a duplicate, whatever the payload says.
	if ok, err := sp.Insert(ctx, Event{Provider: ProviderBigCommerce, DedupeKey: "a", Scope: "x", Payload: []byte(`{"n":9}`)}); err != nil || ok {
		t.Fatalf("duplicate insert: inserted=%v err=%v", ok, err)
	}
	if _, err := sp.Insert(ctx, Event{Provider: ProviderBigCommerce, Payload: []byte(`{}`)}); err == nil {
		t.Error("an event without a dedupe key was accepted")
	}

	created, err := sp.Pending(ctx, ProviderBigCommerce, "store/customer/created", 0)
	if err != nil || len(created) != 2 || string(created[0].Payload) != `{"n":1}` || string(created[1].Payload) != `{"n":4}` {
		t.Fatalf("pending created = %+v, %v", created, err)
	}
	if !created[0].ReceivedAt.Equal(t0) || created[0].Status != StatusPending {
		t.Errorf("event read back as %+v", created[0])
	}
	all, _ := sp.Pending(ctx, ProviderBigCommerce, "", 0)
	one, _ := sp.Pending(ctx, ProviderBigCommerce, "", 1)
	if len(all) != 3 || len(one) != 1 || one[0].ID != all[0].ID {
		t.Fatalf("pending all=%d limited=%d", len(all), len(one))
	}

	// One unknown id: nothing is marked.
	if err := sp.MarkDone(ctx, []int64{created[0].ID, 999_999}); err == nil {
		t.Fatal("MarkDone with an unknown id succeeded")
	}
	if p, _ := sp.Pending(ctx, ProviderBigCommerce, "store/customer/created", 0); len(p) != 2 {
		t.Fatalf("a failed MarkDone marked %d events", 2-len(p))
	}
	if err := sp.MarkDone(ctx, []int64{created[0].ID, created[1].ID}); err != nil {
		t.Fatal(err)
	}
	if err := sp.MarkDone(ctx, []int64{created[0].ID}); err != nil {
		t.Fatalf("marking a done event again: %v", err)
	}
	if p, _ := sp.Pending(ctx, ProviderBigCommerce, "store/customer/created", 0); len(p) != 0 {
		t.Fatalf("still pending after MarkDone: %v", p)
	}
	st, err := sp.Stats(ctx)
	if err != nil || st.Pending != 2 || st.Done != 2 || !st.OldestPending.Equal(t0) {
		t.Fatalf("stats = %+v, %v", st, err)
	}
	sp.Close()
	if _, err := sp.Insert(ctx, in[0]); !errors.Is(err, ErrClosed) {
		t.Errorf("insert after close: %v, want ErrClosed", err)
	}

	sp, err = Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer sp.Close()
	if st2, _ := sp.Stats(ctx); st2 != st {
		t.Errorf("after reopen stats = %+v, want %+v", st2, st)
	}
	if ok, _ := sp.Insert(ctx, in[1]); ok {
		t.Error("dedupe forgotten across a reopen")
	}
}

// TestSpoolTwoProcesses runs the receiver's inserts and the nightly job's
// Pending/MarkDone through two separate Spool handles on one file, as two
// processes would: neither side may fail with SQLITE_BUSY.
func TestSpoolTwoProcesses(t *testing.T) {
	path := filepath.Join(t.TempDir(), "spool.db")
	server, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer server.Close()
	nightly, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer nightly.Close()

	const writers, each = 8, 150
	ctx := context.Background()
	var wg sync.WaitGroup
	errs := make(chan error, writers+1)
	for w := range writers {
		wg.Go(func() {
			for i := range each {
				if _, err := server.Insert(ctx, Event{Provider: "p", DedupeKey: fmt.Sprintf("%d-%d", w, i), Scope: "s", Payload: []byte(`{}`)}); err != nil {
					errs <- err
					return
				}
			}
		})
	}
	stop := make(chan struct{})
	var done sync.WaitGroup
	marked := 0
	drain := func() error {
		p, err := nightly.Pending(ctx, "p", "s", 100)
		if err != nil {
			return err
		}
		ids := make([]int64, len(p))
		for i, e := range p {
			ids[i] = e.ID
		}
		if err := nightly.MarkDone(ctx, ids); err != nil {
			return err
		}
		marked += len(ids)
		return nil
	}
	done.Go(func() {
		for {
			select {
			case <-stop:
				return
			default:
			}
			if err := drain(); err != nil {
				errs <- err
				return
			}
		}
	})
	wg.Wait()
	close(stop)
	done.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	for {
		before := marked
		if err := drain(); err != nil {
			t.Fatal(err)
		}
		if marked == before {
			break
		}
	}
	if marked != writers*each {
		t.Fatalf("marked %d events done, want %d", marked, writers*each)
	}
}

// TestSpoolPayloadIsQueryableJSON: payloads are stored as text, so the
// sqlite3 shell's json_extract works on them directly (a BLOB would be read
// as binary JSONB and fail).
func TestSpoolPayloadIsQueryableJSON(t *testing.T) {
	sp := openTestSpool(t)
	if _, err := sp.Insert(t.Context(), Event{Provider: ProviderBigCommerce, DedupeKey: "k", Scope: "store/customer/created", Payload: []byte(seedCustomerCreated)}); err != nil {
		t.Fatal(err)
	}
	var id int64
	var typ string
	err := sp.r.QueryRowContext(t.Context(),
		`SELECT json_extract(payload, '$.data.id'), typeof(payload) FROM events`).Scan(&id, &typ)
	if err != nil || id != 32 || typ != "text" {
		t.Fatalf("json_extract = %d, typeof = %q, err %v", id, typ, err)
	}
}
