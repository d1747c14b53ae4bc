package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/bcetl/bcetl/extract"
	"github.com/bcetl/bcetl/internal/sandbox"
	"github.com/bcetl/bcetl/internal/sandboxtest"
)

// A --from spec no source takes, or a flag its source does not take, is a
// usage error (exit 2) naming it, decided from what the sources declare:
// before any request, before the work or output directory is made.
func TestSourceUsageErrors(t *testing.T) {
	for _, v := range append(storeVariables, "VOUCHERIFY_APP_ID", "VOUCHERIFY_SECRET_KEY") {
		t.Setenv(v, "")
	}
	st := sandboxtest.Start(t, sandbox.Options{StoreHash: "dst", Token: "tok"})
	srv, url := st.Server, st.URL
	const (
		vouch = "voucherify:../../samples/voucherify/customers.ndjson"
		crm   = "csv:../../samples/csv/contacts.csv"
	)
	dir := t.TempDir()
	out := filepath.Join(dir, "out")
	target := []string{"--target-api-url", url, "--target-store-hash", "dst", "--target-token", "tok"}
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"extract", "--out", out, "--from", "xml:f.xml"}, `unknown kind "xml"`},
		{[]string{"extract", "--out", out, "--from", "voucherify-api"}, "set VOUCHERIFY_APP_ID (the Application ID) and VOUCHERIFY_SECRET_KEY"},
		{[]string{"extract", "--out", out, "--from", vouch, "--voucherify-api-url", "https://us1.api.voucherify.io"}, "an API URL applies to voucherify-api only"},
		{[]string{"extract", "--out", out, "--from", "bigcommerce:x"}, "bigcommerce takes no path"},
		{[]string{"extract", "--out", out, "--from", crm}, "a csv: source needs --mapping FILE"},
		{[]string{"extract", "--out", out, "--from", vouch, "--mapping", "m.json"}, "--mapping applies to csv: sources only"},
		{[]string{"extract", "--out", out, "--from", vouch, "--state", filepath.Join(dir, "s")}, "--state and --since apply"},
		{[]string{"extract", "--out", out, "--from", vouch, "--entities", "customers"}, "--entities applies to bigcommerce"},
		{[]string{"extract", "--out", out, "--entities", "customers,orders", "--source-api-url", url, "--source-store-hash", "dst", "--source-token", "tok"}, `unknown entity "orders"`},
		{append([]string{"migrate", "--work", filepath.Join(dir, "w1"), "--from", "xml:f.xml"}, target...), `unknown kind "xml"`},
		{append([]string{"migrate", "--work", filepath.Join(dir, "w2"), "--from", crm}, target...), "a csv: source needs --mapping FILE"},
		{append([]string{"migrate", "--work", filepath.Join(dir, "w3"), "--from", vouch, "--mapping", "m.json"}, target...), "--mapping applies to csv: sources only"},
	} {
		var stdout, stderr bytes.Buffer
		if code := run(c.args, &stdout, &stderr); code != exitUsage || !strings.Contains(stderr.String(), c.want) {
			t.Errorf("bcetl %s: exit %d, want %d with %q\n%s", strings.Join(c.args, " "), code, exitUsage, c.want, stderr.String())
		}
	}
	if n := srv.RequestCount(); n != 0 {
		t.Errorf("%d requests sent by commands refused for usage", n)
	}
	for _, d := range []string{out, filepath.Join(dir, "w1"), filepath.Join(dir, "w2"), filepath.Join(dir, "w3")} {
		if _, err := os.Stat(d); !os.IsNotExist(err) {
			t.Errorf("%s was created: %v", d, err)
		}
	}
}

// extract --help and migrate --help list every registered source.
func TestHelpListsSources(t *testing.T) {
	for _, cmd := range []string{"extract", "migrate"} {
		var stdout, stderr bytes.Buffer
		if code := run([]string{cmd, "--help"}, &stdout, &stderr); code != exitOK {
			t.Fatalf("%s --help: exit %d", cmd, code)
		}
		for _, r := range extract.Registered() {
			if !strings.Contains(stdout.String(), r.Spec()) || !strings.Contains(stdout.String(), r.Summary) {
				t.Errorf("%s --help lacks %s: %s", cmd, r.Spec(), r.Summary)
			}
		}
	}
}
