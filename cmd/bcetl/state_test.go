package main

import (
	"bytes"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/bcetl/bcetl/internal/sandbox"
	"github.com/bcetl/bcetl/internal/sandboxtest"
	"github.com/bcetl/bcetl/internal/stagingtest"
)

// Rule 1 with two real processes: while one `bcetl load` runs (held at
// its first POST), a second on the same state exits 1 at once with a
// message naming the first one's pid; the first then finishes.
func TestSecondLoadProcessIsRefused(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	bin := filepath.Join(t.TempDir(), "bcetl")
	if b, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("build: %v\n%s", err, b)
	}
	entered, release := make(chan struct{}), make(chan struct{})
	var gated atomic.Bool // only the first POST waits; later ones (a second loader's) pass
	st := sandboxtest.Start(t, sandbox.Options{StoreHash: "dst", Token: "tok", Config: stagingtest.TargetConfig()}, sandboxtest.Wrap(func(srv *sandbox.Server) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.Method == http.MethodPost && gated.CompareAndSwap(false, true) {
				close(entered)
				<-release
			}
			srv.ServeHTTP(w, r)
		})
	}))
	srv := st.Server
	in, state := t.TempDir(), filepath.Join(t.TempDir(), "load.db")
	stagingtest.Write(t, in, stagingtest.Spec{Customers: 25})
	load := func() *exec.Cmd {
		cmd := exec.Command(bin, "load", "--in", in, "--state", state, "--target-api-url", st.URL, "--target-store-hash", "dst")
		cmd.Env = append(os.Environ(), "BIGCOMMERCE_TARGET_ACCESS_TOKEN=tok")
		return cmd
	}
	first := load()
	var firstOut bytes.Buffer
	first.Stdout, first.Stderr = &firstOut, &firstOut
	if err := first.Start(); err != nil {
		t.Fatal(err)
	}
	<-entered
	out, err := load().CombinedOutput()
	close(release)
	ee, ok := err.(*exec.ExitError)
	if !ok || ee.ExitCode() != exitFailed {
		t.Errorf("second load: %v, want exit %d\n%s", err, exitFailed, out)
	}
	if want := fmt.Sprintf("pid %d", first.Process.Pid); !strings.Contains(string(out), want) || !strings.Contains(string(out), "refused") {
		t.Errorf("the refusal does not name %s:\n%s", want, out)
	}
	if err := first.Wait(); err != nil {
		t.Fatalf("first load: %v\n%s", err, firstOut.String())
	}
	if n, _, _, _ := srv.Counts(); n != 25 {
		t.Errorf("target has %d customers, want 25", n)
	}
}

// Rule 17 (load part): a load of a directory that does not exist, or one
// without a store hash or a token, is a usage error before any request —
// as is any command that needs a store and is not told which.
func TestMissingInputOrStoreIsAUsageError(t *testing.T) {
	for _, v := range storeVariables {
		t.Setenv(v, "")
	}
	st := sandboxtest.Start(t, sandbox.Options{StoreHash: "dst", Token: "tok", Config: stagingtest.TargetConfig()})
	srv, url := st.Server, st.URL
	in, dir := t.TempDir(), t.TempDir()
	stagingtest.Write(t, in, stagingtest.Spec{Customers: 3})
	state := filepath.Join(dir, "load.db")
	for _, args := range [][]string{
		{"load", "--in", filepath.Join(dir, "missing"), "--state", state, "--target-api-url", url, "--target-store-hash", "dst", "--target-token", "tok"},
		{"load", "--in", in, "--state", filepath.Join(dir, "missing", "load.db"), "--target-api-url", url, "--target-store-hash", "dst", "--target-token", "tok"},
		{"load", "--in", in, "--state", state, "--target-api-url", url, "--target-token", "tok"},
		{"load", "--in", in, "--state", state, "--target-api-url", url, "--target-store-hash", "dst"},
		{"migrate", "--from", "shopify-csv:../../samples/shopify/customers_export.csv", "--work", dir, "--target-api-url", url, "--target-token", "tok"},
		{"migrate", "--from", "shopify-csv:" + filepath.Join(dir, "missing.csv"), "--work", dir, "--target-api-url", url, "--target-store-hash", "dst", "--target-token", "tok"},
		{"migrate", "--from", "bigcommerce", "--work", dir, "--target-api-url", url, "--target-store-hash", "dst", "--target-token", "tok", "--source-api-url", url, "--source-token", "tok"},
		{"extract", "--out", filepath.Join(dir, "x"), "--source-api-url", url, "--source-token", "tok"},
		{"export", "--out", filepath.Join(dir, "w"), "--source-api-url", url, "--source-token", "tok"},
		{"export", "--out", filepath.Join(dir, "w"), "--state", filepath.Join(dir, "missing", "e.state"), "--source-api-url", url, "--source-store-hash", "dst", "--source-token", "tok"},
		{"nightly", "--spool", filepath.Join(dir, "s.db"), "--state", filepath.Join(dir, "e.state"), "--out", filepath.Join(dir, "w"), "--source-api-url", url, "--source-token", "tok"},
		{"nightly", "--spool", filepath.Join(dir, "missing", "s.db"), "--state", filepath.Join(dir, "e.state"), "--out", filepath.Join(dir, "w"), "--source-api-url", url, "--source-store-hash", "dst", "--source-token", "tok"},
	} {
		var out, errOut bytes.Buffer
		if code := run(args, &out, &errOut); code != exitUsage {
			t.Errorf("bcetl %s: exit %d, want %d\n%s", strings.Join(args, " "), code, exitUsage, errOut.String())
		}
	}
	if n := srv.RequestCount(); n != 0 {
		t.Errorf("%d requests sent by commands refused for usage", n)
	}
	if _, err := os.Stat(state); !os.IsNotExist(err) {
		t.Errorf("a state file was created: %v", err)
	}
}
