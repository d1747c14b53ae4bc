package main

import (
	"bytes"
	"encoding/json"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/bcetl/bcetl/internal/sandbox"
	"github.com/bcetl/bcetl/internal/sandboxtest"
	"github.com/bcetl/bcetl/internal/staging"
)

func TestExitCodes(t *testing.T) {
	var out, errOut bytes.Buffer
	for _, c := range []struct {
		args []string
		want int
	}{
		{nil, exitUsage},
		{[]string{"no-such-command"}, exitUsage},
		{[]string{"migrate"}, exitUsage}, // --from and --work missing
		{[]string{"migrate", "--from", "x", "--work", t.TempDir()}, exitUsage},               // no target credentials
		{[]string{"load", "--in", "x", "--state", "y", "--on-existing", "merge"}, exitUsage}, // not an --on-existing value
		{[]string{"show", "--log-format", "xml", "f"}, exitUsage},
		{[]string{"migrate", "--help"}, exitOK},
		{[]string{"show", filepath.Join(t.TempDir(), "missing.parquet")}, exitUsage}, // a path mistake
		{[]string{"show", "../../samples"}, exitUsage},
		{[]string{"show", "a.parquet", "b.parquet"}, exitUsage},
		{[]string{"webhooks"}, exitUsage},
		{[]string{"webhooks", "listen"}, exitUsage},
		{[]string{"help", "no-such-command"}, exitUsage},
		{[]string{"export", "-out", "x"}, exitUsage}, // one dash: a shorthand, which export has not
		{[]string{"--help"}, exitOK},
		{[]string{"help", "webhooks", "serve"}, exitOK},
	} {
		if got := run(c.args, &out, &errOut); got != c.want {
			t.Errorf("bcetl %s: exit %d, want %d\n%s", strings.Join(c.args, " "), got, c.want, errOut.String())
		}
	}
}

// Credentials and flags come from the environment; a run whose records
// were partly rejected exits 3; the token appears in no output.
func TestEnvironmentAndRejectedExit(t *testing.T) {
	const token = "env-t0ken-never-printed"
	st := sandboxtest.Start(t, sandbox.Options{StoreHash: "envstore", Token: token})
	srv, url := st.Server, st.URL
	t.Setenv("BIGCOMMERCE_TARGET_API_URL", url)
	t.Setenv("BIGCOMMERCE_TARGET_STORE_HASH", "envstore")
	t.Setenv("BIGCOMMERCE_TARGET_ACCESS_TOKEN", token)
	t.Setenv("BCETL_MIGRATE_WORK", t.TempDir())
	t.Setenv("BCETL_LOG_FORMAT", "json")
	var out, errOut bytes.Buffer
	code := run([]string{"migrate", "--from", "shopify-csv:../../samples/shopify/customers_export.csv", "--log-level", "debug"}, &out, &errOut)
	if code != exitRejected {
		t.Fatalf("exit %d, want %d (the sample has rejects)\n%s", code, exitRejected, errOut.String())
	}
	if n, _, _, _ := srv.Counts(); n != 10 {
		t.Fatalf("%d customers loaded, want 10", n)
	}
	if !strings.HasPrefix(errOut.String(), "{") {
		t.Errorf("BCETL_LOG_FORMAT=json ignored: %.80s", errOut.String())
	}
	if strings.Contains(out.String()+errOut.String(), token) {
		t.Fatal("the token appears in the output")
	}
}

// Ctrl-C in the middle of a migration stops it cleanly; the same command
// run again finishes it, with every customer in the target exactly once.
func TestMigrateInterruptedAndResumed(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	bin := filepath.Join(t.TempDir(), "bcetl")
	if b, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("build: %v\n%s", err, b)
	}
	srcStore := sandboxtest.Start(t, sandbox.Options{StoreHash: "src", Token: "src-token", Seed: 1})
	src, srcURL := srcStore.Server, srcStore.URL
	src.Generate(800, 1)
	// loaded is closed when the target holds 100 customers: the moment to
	// interrupt, known from the store, not guessed from the clock.
	loaded := make(chan struct{})
	closeLoaded := sync.OnceFunc(func() { close(loaded) })
	// The target has the source's channels and form fields (a store must
	// before records naming them can be written); its groups are created
	// by the migration.
	cfg := src.Config()
	cfg.Groups = nil
	dstStore := sandboxtest.Start(t, sandbox.Options{StoreHash: "dst", Token: "dst-token", Quota: 20, Window: time.Second, Latency: 10 * time.Millisecond,
		Config: &cfg},
		sandboxtest.Wrap(func(srv *sandbox.Server) http.Handler {
			return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				srv.ServeHTTP(w, r)
				if n, _, _, _ := srv.Counts(); n >= 100 {
					closeLoaded()
				}
			})
		}))
	dst, dstURL := dstStore.Server, dstStore.URL
	work := t.TempDir()
	migrate := func() *exec.Cmd {
		cmd := exec.Command(bin, "migrate", "--from", "bigcommerce", "--work", work, "--target-api-url", dstURL, "--target-store-hash", "dst",
			"--source-api-url", srcURL, "--source-store-hash", "src")
		cmd.Env = append(os.Environ(), "BIGCOMMERCE_TARGET_ACCESS_TOKEN=dst-token", "BIGCOMMERCE_SOURCE_ACCESS_TOKEN=src-token")
		return cmd
	}
	first := migrate()
	var firstErr bytes.Buffer
	first.Stderr = &firstErr
	if err := first.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- first.Wait() }()
	var err error
	select {
	case <-loaded:
		first.Process.Signal(syscall.SIGINT)
		err = <-exited
	case err = <-exited:
		t.Fatalf("the migration ended (%v) before 100 customers were loaded\n%s", err, firstErr.String())
	}
	interrupted, _, _, _ := dst.Counts()
	if err == nil || interrupted >= 800 {
		t.Fatalf("interrupt: err %v with %d of 800 customers loaded; want a stop part-way", err, interrupted)
	}
	if !strings.Contains(firstErr.String(), "interrupted") {
		t.Errorf("no word of the interruption on stderr:\n%s", firstErr.String())
	}
	second := migrate()
	if b, err := second.CombinedOutput(); err != nil {
		t.Fatalf("resume: %v\n%s", err, b)
	}
	customers, _, _, _ := dst.Counts()
	srcCustomers, srcAddrs, srcValues, srcForms := src.Counts()
	if customers != srcCustomers {
		t.Fatalf("target has %d customers, source %d", customers, srcCustomers)
	}
	for id := int64(1); id <= int64(srcCustomers); id++ {
		c, ok := src.Customer(id)
		if !ok {
			continue
		}
		if _, ok := dst.CustomerByEmail(c.Email); !ok {
			t.Fatalf("customer %s missing from the target", c.Email)
		}
	}
	_, addrs, values, forms := dst.Counts()
	// Near-duplicate addresses merge in the transform; nothing is doubled.
	if addrs > srcAddrs || values != srcValues || forms > srcForms || addrs == 0 {
		t.Fatalf("target %d addresses %d values %d form fields; source %d, %d, %d", addrs, values, forms, srcAddrs, srcValues, srcForms)
	}
}

// bcetl show reads what parquet-go wrote through Arrow, one JSON object a row.
func TestShowPrintsRowsAsJSONLines(t *testing.T) {
	path := filepath.Join(t.TempDir(), "rejects.parquet")
	rows := []staging.Reject{{Stage: "transform", Entity: "customers", SourceKey: "k1", Rule: "email", Message: "bad"},
		{Stage: "extract", Entity: "customers", SourceKey: "k2", Rule: "invalid-json", Message: "broken"}}
	if _, err := staging.WriteAll(path, rows); err != nil {
		t.Fatal(err)
	}
	var out, errOut bytes.Buffer
	if code := run([]string{"show", path}, &out, &errOut); code != exitOK {
		t.Fatalf("exit %d: %s", code, errOut.String())
	}
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	if len(lines) != 2 {
		t.Fatalf("%d lines: %q", len(lines), out.String())
	}
	for i, l := range lines {
		var got staging.Reject
		if err := json.Unmarshal([]byte(l), &struct {
			SourceKey *string `json:"source_key"`
			Rule      *string `json:"rule"`
		}{&got.SourceKey, &got.Rule}); err != nil || got.SourceKey != rows[i].SourceKey || got.Rule != rows[i].Rule {
			t.Errorf("line %d = %s (%v)", i, l, err)
		}
	}
	out.Reset()
	if code := run([]string{"show", "--limit", "1", path}, &out, &errOut); code != exitOK || strings.Count(out.String(), "\n") != 1 {
		t.Fatalf("--limit 1: exit %d, %q", code, out.String())
	}
}

// storeVariables are every variable that sets a store flag, the
// deprecated ones too: a test that wants a store named only by its flags
// clears them.
var storeVariables = []string{
	"BIGCOMMERCE_STORE_HASH", "BIGCOMMERCE_ACCESS_TOKEN", "BIGCOMMERCE_API_URL",
	"BIGCOMMERCE_SOURCE_STORE_HASH", "BIGCOMMERCE_SOURCE_ACCESS_TOKEN", "BIGCOMMERCE_SOURCE_API_URL",
	"BIGCOMMERCE_TARGET_STORE_HASH", "BIGCOMMERCE_TARGET_ACCESS_TOKEN", "BIGCOMMERCE_TARGET_API_URL",
}
