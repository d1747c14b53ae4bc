package main

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/bcetl/bcetl/internal/s3test"
	"github.com/bcetl/bcetl/internal/sandbox"
	"github.com/bcetl/bcetl/internal/sandboxtest"
	"github.com/bcetl/bcetl/internal/warehouse"
	"github.com/bcetl/bcetl/internal/warehousetest"
	"github.com/bcetl/bcetl/internal/webhooks"
)

// TestDoneWhenChangeCaptureMatchesTheStore is issue 15's "done when": a
// store of 5,000 customers is exported; then 50 customers are deleted, 100
// get an address added, changed or removed, 50 an attribute value changed
// (none touching date_modified), each change's webhook delivered to the
// receiver twice; nightly runs, is SIGKILLed once in the middle of its
// change capture and run again; the README's latest-version query over
// the warehouse equals a fresh full export of the store, row for row, for
// every entity. The same with --out and --state in S3 (an S3-compatible
// server in-process, reached over HTTP by the real SDK), the result read
// back through gocloud and checked on a local copy. export --reconcile
// finds the 50 deletions in a warehouse that never saw a webhook.
//
// bcetl is the real binary, built without -race so the test stays quick
// under go test -race.
func TestDoneWhenChangeCaptureMatchesTheStore(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	bin := filepath.Join(t.TempDir(), "bcetl")
	if b, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("build: %v\n%s", err, b)
	}
	for _, where := range []string{"disk", "s3"} {
		t.Run(where, func(t *testing.T) { changeCaptureRun(t, bin, where) })
	}
}

func changeCaptureRun(t *testing.T, bin, where string) {
	t0 := time.Now()
	dir := t.TempDir()
	// killAt is armed before the nightly run: the first id:in request
	// (the change capture's re-read) is then held until the test has
	// killed the process — a moment known from the store, not the clock.
	var armed sync.Once
	armedCh := make(chan struct{})
	var mu sync.Mutex
	var killNow chan struct{}
	st := sandboxtest.Start(t, sandbox.Options{StoreHash: "cc", Token: "cc-token", Seed: 15},
		sandboxtest.Wrap(func(srv *sandbox.Server) http.Handler {
			return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				mu.Lock()
				k := killNow
				mu.Unlock()
				if k != nil && r.URL.Query().Has("id:in") {
					armed.Do(func() { close(armedCh) })
					<-r.Context().Done() // the killed process hangs up
					return
				}
				srv.ServeHTTP(w, r)
			})
		}))
	st.Server.Generate(5000, 15)

	env := append(os.Environ(), "BIGCOMMERCE_SOURCE_ACCESS_TOKEN=cc-token")
	out, state, plain := filepath.Join(dir, "warehouse"), filepath.Join(dir, "export.state"), filepath.Join(dir, "plain")
	var blobFlags []string
	var s3 *s3test.Server
	if where == "s3" {
		s3 = s3test.Start(t)
		env = append(env, s3test.Env(dir)...)
		out, state, plain = s3.URL("warehouse"), s3.URL("state/export.state"), s3.URL("plain")
		blobFlags = []string{"--s3-endpoint", s3.Endpoint}
	}
	env = append(env, "XDG_CACHE_HOME="+filepath.Join(dir, "cache"), "HOME="+dir)
	bcetl := func(args ...string) *exec.Cmd {
		cmd := exec.Command(bin, append(args, "--source-api-url", st.URL, "--source-store-hash", "cc", "--log-format", "json")...)
		cmd.Env = env
		return cmd
	}
	runOK := func(args ...string) string {
		t.Helper()
		var stdout, stderr bytes.Buffer
		cmd := bcetl(args...)
		cmd.Stdout, cmd.Stderr = &stdout, &stderr
		if err := cmd.Run(); err != nil {
			t.Fatalf("bcetl %s: %v\n%s\n%s", strings.Join(args, " "), err, stdout.String(), tailOf(stderr.String(), 3000))
		}
		return stdout.String()
	}

	// The first export, and a second warehouse that will never see a
	// webhook (for --reconcile).
	runOK(append([]string{"export", "--out", out, "--state", state}, blobFlags...)...)
	runOK(append([]string{"export", "--out", plain}, blobFlags...)...)

	// The receiver, with the spool nightly reads.
	spoolPath := filepath.Join(dir, "spool.db")
	sp, err := webhooks.Open(spoolPath)
	if err != nil {
		t.Fatal(err)
	}
	srv, err := webhooks.NewServer(webhooks.Config{Spool: sp, StoreHash: "cc",
		BigCommerceHeaders: []webhooks.HeaderAuth{{Name: "X-Bcetl-Auth", Value: "hook-secret"}}})
	if err != nil {
		t.Fatal(err)
	}
	hooks := httptest.NewServer(srv.Handler())
	defer hooks.Close()

	ch := warehousetest.Change(t, st.Client, "cc", warehousetest.ChangeSpec{Delete: 50, Addresses: 100, Values: 50, Seed: 15})
	for round := range 2 { // every delivery, then a duplicate of each
		for _, body := range ch.Deliveries {
			req, _ := http.NewRequest(http.MethodPost, hooks.URL+"/webhooks/bigcommerce", bytes.NewReader(body))
			req.Header.Set("Content-Type", "application/json")
			req.Header.Set("X-Bcetl-Auth", "hook-secret")
			resp, err := hooks.Client().Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != http.StatusOK {
				t.Fatalf("round %d: the receiver answered %d to %s", round, resp.StatusCode, body)
			}
		}
	}
	if c := srv.Counts(); c.Accepted != 200 || c.Duplicate != 200 {
		t.Fatalf("receiver counts %+v, want 200 accepted and 200 duplicates", c)
	}
	hooks.Close()
	sp.Close()

	// nightly, killed while its change capture waits for the store, then
	// run again.
	mu.Lock()
	killNow = make(chan struct{})
	mu.Unlock()
	nightly := append([]string{"nightly", "--spool", spoolPath, "--state", state, "--out", out}, blobFlags...)
	killed := bcetl(nightly...)
	var killedErr bytes.Buffer
	killed.Stderr = &killedErr
	if err := killed.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- killed.Wait() }()
	select {
	case <-armedCh:
		killed.Process.Signal(syscall.SIGKILL)
		<-done
	case err := <-done:
		t.Fatalf("nightly ended before its change capture was reached: %v\n%s", err, tailOf(killedErr.String(), 3000))
	}
	mu.Lock()
	killNow = nil
	mu.Unlock()
	summary := runOK(nightly...)
	for _, want := range []string{"customers re-read from store/customer/updated and address events: 150", "deletions from store/customer/deleted events: 50"} {
		if !strings.Contains(summary, want) {
			t.Errorf("the rerun's summary lacks %q:\n%s", want, summary)
		}
	}
	sp, err = webhooks.Open(spoolPath)
	if err != nil {
		t.Fatal(err)
	}
	stats, err := sp.Stats(context.Background())
	sp.Close()
	if err != nil || stats.Done != 200 || stats.Pending != 0 || stats.Failed != 0 {
		t.Errorf("spool after the runs: %+v %v, want 200 done", stats, err)
	}

	// The warehouse, as a reader sees it, against a fresh full export.
	fresh := filepath.Join(dir, "fresh")
	runOK("export", "--out", fresh)
	local := out
	if where == "s3" {
		local = copyWarehouse(t, s3, "warehouse", filepath.Join(dir, "copy"))
	}
	want := warehousetest.Fresh(t, fresh)
	warehousetest.Equal(t, "latest version (Go)", warehousetest.Latest(t, local), want)
	if duckdb := warehousetest.DuckDB(); duckdb != "" {
		warehousetest.Equal(t, "latest version (DuckDB, the README's query)", warehousetest.RunDuckDB(t, duckdb, "../../README.md", local), want)
	} else {
		t.Log("no DuckDB (BCETL_DUCKDB or duckdb on PATH): the README's query was evaluated in Go only")
	}

	// --reconcile finds the deletions in the warehouse that had no webhook.
	rec := runOK(append([]string{"export", "--reconcile", "--out", plain}, blobFlags...)...)
	if !strings.Contains(rec, "tombstoned in customer_deletions: 50") {
		t.Errorf("reconcile:\n%s", rec)
	}
	plainLocal := plain
	if where == "s3" {
		plainLocal = copyWarehouse(t, s3, "plain", filepath.Join(dir, "plain-copy"))
	}
	var tomb []int64
	for _, r := range warehousetest.ReadDataset(t, plainLocal, warehouse.CustomerDeletions) {
		var id int64
		fmt.Sscan(fmt.Sprint(r["customer_id"]), &id)
		tomb = append(tomb, id)
	}
	slices.Sort(tomb)
	if !slices.Equal(tomb, ch.Deleted) {
		t.Errorf("reconcile tombstoned %v, want %v", tomb, ch.Deleted)
	}
	t.Logf("%s: %s", where, time.Since(t0).Round(time.Millisecond))
}

// copyWarehouse downloads every object of the warehouse under prefix
// through gocloud (the library the export wrote it with) into dir.
func copyWarehouse(t *testing.T, s *s3test.Server, prefix, dir string) string {
	t.Helper()
	ctx := context.Background()
	b, err := warehouse.OpenBackend(ctx, s.URL(prefix), warehouse.BlobOptions{S3Endpoint: s.Endpoint})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	names, err := b.ListTree(ctx, "")
	if err != nil || len(names) == 0 {
		t.Fatalf("%s: %v %v", s.URL(prefix), names, err)
	}
	for _, name := range names {
		data, err := b.ReadFile(ctx, name)
		if err != nil {
			t.Fatal(err)
		}
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o700); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, data, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func tailOf(s string, n int) string {
	if len(s) > n {
		return s[len(s)-n:]
	}
	return s
}
