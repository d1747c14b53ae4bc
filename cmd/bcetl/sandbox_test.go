package main

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/spf13/pflag"

	"github.com/bcetl/bcetl/internal/sandbox"
	"github.com/bcetl/bcetl/internal/sandboxtest"
)

// The fidelity flags reach the sandbox: with every flag at its other value
// the sandbox answers as it did before (bracketed keys, counts, links, no
// URL limit); a value outside the choices is a usage error naming the flag.
func TestSandboxFidelityFlags(t *testing.T) {
	fs := pflag.NewFlagSet("sandbox", pflag.ContinueOnError)
	ff := addFidelityFlags(fs)
	if err := fs.Parse([]string{"--error-keys", "bracketed", "--shapes", "documented", "--date-bounds", "inclusive",
		"--send-counts", "--max-url-bytes", "-1"}); err != nil {
		t.Fatal(err)
	}
	opts, err := ff.apply(sandbox.Options{StoreHash: "flags", Token: "flags-token"})
	if err != nil {
		t.Fatal(err)
	}
	base := sandboxtest.Start(t, opts).URL
	do := func(method, path, body string) (int, map[string]any) {
		t.Helper()
		req, _ := http.NewRequest(method, base+path, strings.NewReader(body))
		req.Header.Set("X-Auth-Token", "flags-token")
		req.Header.Set("Content-Type", "application/json")
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		raw, _ := io.ReadAll(res.Body)
		var m map[string]any
		_ = json.Unmarshal(raw, &m)
		return res.StatusCode, m
	}
	if code, m := do("POST", "/customers", `[{"email":"bad","first_name":"A","last_name":"B"}]`); code != 422 || m["errors"].(map[string]any)["[0].email"] == nil {
		t.Errorf("--error-keys bracketed: %d %v", code, m)
	}
	code, m := do("POST", "/customers", `[{"email":"a@example.com","first_name":"A","last_name":"B"}]`)
	if code != 200 {
		t.Fatalf("create: %d %v", code, m)
	}
	created := m["data"].([]any)[0].(map[string]any)["date_created"].(string)
	// A bound equal to date_created matches only when inclusive; the URI
	// is over 8 KB.
	code, m = do("GET", "/customers?date_created:min="+url.QueryEscape(created)+"&email:in=a@example.com"+strings.Repeat(",x@example.com", 1000), "")
	if code != 200 || len(m["data"].([]any)) != 1 {
		t.Fatalf("--date-bounds inclusive, --max-url-bytes -1: %d %v", code, m)
	}
	c := m["data"].([]any)[0].(map[string]any)
	if _, ok := c["address_count"]; !ok {
		t.Errorf("--send-counts: %v", c)
	}
	if _, ok := c["channel_ids"]; ok {
		t.Errorf("--shapes documented: channel_ids sent: %v", c)
	}
	if _, ok := m["meta"].(map[string]any)["pagination"].(map[string]any)["links"]; !ok {
		t.Errorf("--shapes documented: no pagination links: %v", m["meta"])
	}
	for _, args := range [][]string{
		{"--error-keys", "brackets"}, {"--shapes", "doc"}, {"--date-bounds", "open"}, {"--max-url-bytes", "0"},
	} {
		var out, errOut bytes.Buffer
		if code := run(append([]string{"sandbox", "--token", "t", "--listen", "127.0.0.1:0"}, args...), &out, &errOut); code != exitUsage || !strings.Contains(errOut.String(), args[0]) {
			t.Errorf("bcetl sandbox %v: exit %d, want %d naming the flag: %s", args, code, exitUsage, errOut.String())
		}
	}
}

// --config gives a new store its groups, channels and form fields; a file
// that is not a configuration, or a configuration the sandbox refuses,
// stops the command with an error naming it.
func TestSandboxConfigFlag(t *testing.T) {
	dir := t.TempDir()
	good := filepath.Join(dir, "target.json")
	os.WriteFile(good, []byte(`{"customer_groups":[{"id":41,"name":"Wholesale"}],"channels":[{"id":7,"name":"B2B","type":"storefront"}],
		"customer_fields":[{"name":"Licence ID","field_type":"text"}]}`), 0o600)
	cfg, err := readStoreConfig(good)
	if err != nil {
		t.Fatal(err)
	}
	base := sandboxtest.Start(t, sandbox.Options{StoreHash: "cfg", Token: "cfg-token", Config: cfg}).URL
	post := `[{"email":"a@example.com","first_name":"A","last_name":"B","customer_group_id":41,"channel_ids":[7],` +
		`"form_fields":[{"name":"Licence ID","value":"L-1"}]}]`
	req, _ := http.NewRequest("POST", base+"/customers", strings.NewReader(post))
	req.Header.Set("X-Auth-Token", "cfg-token")
	req.Header.Set("Content-Type", "application/json")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != 200 {
		t.Fatalf("a customer of the configured group, channel and field: %d", res.StatusCode)
	}
	unknown := filepath.Join(dir, "unknown.json")
	os.WriteFile(unknown, []byte(`{"groups":[]}`), 0o600)
	dup := filepath.Join(dir, "dup.json")
	os.WriteFile(dup, []byte(`{"customer_groups":[{"name":"A"},{"name":"a"}]}`), 0o600)
	// A file that is not there or not a configuration is a mistake in
	// the flag (exit 2); one the sandbox refuses fails its start (exit 1).
	for file, c := range map[string]struct {
		want string
		code int
	}{unknown: {unknown, exitUsage}, dup: {"Config.Groups[1]", exitFailed}, filepath.Join(dir, "missing.json"): {"missing.json", exitUsage}} {
		var out, errOut bytes.Buffer
		if code := run([]string{"sandbox", "--token", "t", "--listen", "127.0.0.1:0", "--config", file}, &out, &errOut); code != c.code ||
			!strings.Contains(errOut.String(), c.want) {
			t.Errorf("--config %s: exit %d, want %d naming %s: %s", file, code, c.code, c.want, errOut.String())
		}
	}
}
