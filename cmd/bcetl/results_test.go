package main

import (
	"bytes"
	"encoding/csv"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/bcetl/bcetl/internal/sandbox"
	"github.com/bcetl/bcetl/internal/sandboxtest"
	"github.com/bcetl/bcetl/internal/staging"
	"github.com/bcetl/bcetl/load"
)

const shopifySample = "shopify-csv:../../samples/shopify/customers_export.csv"

func targetFlags(st *sandboxtest.Store) []string {
	return []string{"--target-api-url", st.URL, "--target-store-hash", st.StoreHash, "--target-token", st.Token}
}

// migrate --dry-run prints the load's plan — requests per endpoint, the
// time at the target's quota — and writes nothing: no --work, no customer
// in the target.
func TestMigrateDryRunPrintsThePlan(t *testing.T) {
	t.Setenv("TMPDIR", t.TempDir())
	st := sandboxtest.Start(t, sandbox.Options{StoreHash: "dst", Token: "tok", Quota: 100, Window: time.Second})
	work := filepath.Join(t.TempDir(), "work")
	var out, errOut bytes.Buffer
	code := run(append([]string{"migrate", "--dry-run", "--from", shopifySample, "--work", work}, targetFlags(st)...), &out, &errOut)
	if code != exitOK {
		t.Fatalf("exit %d\n%s\n%s", code, out.String(), errOut.String())
	}
	for _, s := range []string{"dry run: nothing was written to the target", "requests (minimum):", "POST /customers", "quota 100 per 1s: at least",
		"Ledger", "pending"} {
		if !strings.Contains(out.String(), s) {
			t.Errorf("the output lacks %q:\n%s", s, out.String())
		}
	}
	if _, err := os.Stat(work); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("the dry run created --work (%v)", err)
	}
	if n, _, _, _ := st.Server.Counts(); n != 0 {
		t.Errorf("the dry run loaded %d customers", n)
	}
}

// --results-format: csv gives the pair instead of results.parquet, for
// migrate in --work and for load named after --state; parquet,csv both; a
// value it does not know is a usage error naming the flag.
func TestResultsFormatFlag(t *testing.T) {
	st := sandboxtest.Start(t, sandbox.Options{StoreHash: "dst", Token: "tok"})
	work := t.TempDir()
	var out, errOut bytes.Buffer
	code := run(append([]string{"migrate", "--from", shopifySample, "--work", work, "--results-format", "csv"}, targetFlags(st)...), &out, &errOut)
	if code != exitRejected {
		t.Fatalf("exit %d, want %d (the sample has rejects)\n%s\n%s", code, exitRejected, out.String(), errOut.String())
	}
	for _, f := range []string{"success.csv", "error.csv"} {
		if p := filepath.Join(work, f); !strings.Contains(out.String(), p) {
			t.Errorf("the output does not name %s:\n%s", p, out.String())
		} else if _, err := os.Stat(p); err != nil {
			t.Error(err)
		}
	}
	if _, err := os.Stat(filepath.Join(work, "load-state.results.parquet")); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("csv alone kept results.parquet (%v)", err)
	}

	// load, into a second store, both formats.
	st2 := sandboxtest.Start(t, sandbox.Options{StoreHash: "dst2", Token: "tok2"})
	state := filepath.Join(t.TempDir(), "load.db")
	out.Reset()
	code = run(append([]string{"load", "--in", filepath.Join(work, "transform"), "--state", state, "--results-format", "parquet,csv"},
		targetFlags(st2)...), &out, &errOut)
	if code != exitOK {
		t.Fatalf("load: exit %d\n%s\n%s", code, out.String(), errOut.String())
	}
	res, err := staging.ReadAll[load.Result](load.ResultsPath(state))
	if err != nil {
		t.Fatal(err)
	}
	lines := 0
	for _, f := range []string{"load.success.csv", "load.error.csv"} {
		b, err := os.ReadFile(filepath.Join(filepath.Dir(state), f))
		if err != nil {
			t.Fatal(err)
		}
		recs, err := csv.NewReader(bytes.NewReader(b)).ReadAll()
		if err != nil {
			t.Fatal(err)
		}
		lines += len(recs) - 1 // the header
	}
	if lines != len(res) || lines == 0 {
		t.Errorf("the pair has %d rows, results.parquet %d", lines, len(res))
	}

	errOut.Reset()
	code = run(append([]string{"load", "--in", filepath.Join(work, "transform"), "--state", state, "--results-format", "xlsx"},
		targetFlags(st2)...), &out, &errOut)
	if code != exitUsage || !strings.Contains(errOut.String(), "--results-format") {
		t.Errorf("--results-format xlsx: exit %d, %q", code, errOut.String())
	}
}
