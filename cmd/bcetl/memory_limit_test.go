package main

import (
	"bytes"
	"math"
	"os"
	"path/filepath"
	"runtime/debug"
	"strings"
	"testing"

	"github.com/bcetl/bcetl/internal/stagingtest"
)

func TestParseSize(t *testing.T) {
	for in, want := range map[string]int64{"1GiB": 1 << 30, "512MiB": 512 << 20, "512m": 512 << 20, "2G": 2 << 30, "1048576": 1 << 20, " 64 MiB ": 64 << 20, "100B": 100} {
		if got, err := parseSize(in); err != nil || got != want {
			t.Errorf("parseSize(%q) = %d, %v; want %d", in, got, err, want)
		}
	}
	for _, bad := range []string{"", "lots", "-1GiB", "0", "1.5GiB", "99999999999G"} {
		if _, err := parseSize(bad); err == nil {
			t.Errorf("parseSize(%q) accepted", bad)
		}
	}
}

// --memory-limit is the transform's budget (transform and migrate share
// the flag): a bad or too small one is a usage error; a small one works
// (spilling) and sets the runtime's soft limit.
func TestTransformMemoryLimitFlag(t *testing.T) {
	t.Cleanup(func() { debug.SetMemoryLimit(math.MaxInt64); debug.SetGCPercent(100) })
	in := t.TempDir()
	stagingtest.Write(t, in, stagingtest.Spec{Messy: true, Customers: 200, AddressesPer: 2, Seed: 1})
	var out, errOut bytes.Buffer
	for _, c := range []struct {
		limit string
		want  int
	}{{"lots", exitUsage}, {"1MiB", exitUsage}, {"64MiB", exitRejected}} {
		args := []string{"transform", "--in", in, "--out", filepath.Join(t.TempDir(), "out"), "--memory-limit", c.limit}
		if got := run(args, &out, &errOut); got != c.want {
			t.Errorf("--memory-limit %s: exit %d, want %d\n%s", c.limit, got, c.want, errOut.String())
		}
	}
	if got := debug.SetMemoryLimit(-1); got != 64<<20/10*9 {
		t.Errorf("runtime memory limit %d, want 90%% of 64 MiB", got)
	}
	errOut.Reset()
	t.Setenv("BIGCOMMERCE_TARGET_STORE_HASH", "h")
	t.Setenv("BIGCOMMERCE_TARGET_ACCESS_TOKEN", "t0ken-for-nothing")
	csvFile := filepath.Join(t.TempDir(), "x.csv")
	if err := os.WriteFile(csvFile, []byte("email\na@example.com\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if got := run([]string{"migrate", "--from", "csv:" + csvFile, "--work", t.TempDir(), "--memory-limit", "1KiB"}, &out, &errOut); got != exitUsage ||
		!strings.Contains(errOut.String(), "--memory-limit") {
		t.Errorf("migrate --memory-limit 1KiB: exit %d, want %d naming the flag\n%s", got, exitUsage, errOut.String())
	}
}
