package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/bcetl/bcetl/internal/sandbox"
	"github.com/bcetl/bcetl/internal/sandboxtest"
	"github.com/bcetl/bcetl/internal/stagingtest"
)

// clearStoreEnv unsets every variable that names a store or sets a flag
// these tests give, so the machine's environment decides nothing.
func clearStoreEnv(t *testing.T) {
	t.Helper()
	for _, v := range append(storeVariables, "BCETL_STATE", "BCETL_LOAD_STATE", "BCETL_EXPORT_STATE", "BCETL_LOAD_IN",
		"BCETL_LOAD_CONCURRENCY", "BCETL_CONCURRENCY", "BCETL_LOG_FORMAT") {
		t.Setenv(v, "")
	}
}

// A stray word no longer ends the flags: those after it are read, and the
// word itself is refused (exit 2) naming it, before any request. Go's
// flag package stopped at it and dropped --source-token silently.
func TestStrayArgumentsAreRefused(t *testing.T) {
	clearStoreEnv(t)
	st := sandboxtest.Start(t, sandbox.Options{StoreHash: "stray", Token: "tok"})
	var out, errOut bytes.Buffer
	code := run([]string{"export", "--out", t.TempDir(), "--source-api-url", st.URL, "--source-store-hash", "stray", "stray",
		"--source-token", "tok"}, &out, &errOut)
	if code != exitUsage || !strings.Contains(errOut.String(), `unexpected argument "stray"`) {
		t.Errorf("export … stray --source-token T: exit %d\n%s", code, errOut.String())
	}
	if n := st.Server.RequestCount(); n != 0 {
		t.Errorf("%d requests sent", n)
	}
	// Every command without positional arguments refuses one.
	for path, cmd := range commandTree(t) {
		if cmd.Runnable() && cmd.Use == cmd.Name() && path != "help" {
			errOut.Reset()
			if code := run(runArgs(path, "stray"), &out, &errOut); code != exitUsage || !strings.Contains(errOut.String(), `"stray"`) {
				t.Errorf("bcetl %s stray: exit %d\n%s", path, code, errOut.String())
			}
		}
	}
}

// The renamed flags and the variables they read still work for a
// release: load with --store-hash, --token, --api-url and
// --max-concurrency, its token in BIGCOMMERCE_ACCESS_TOKEN, loads into the
// store they name, and the JSON log has a warn line for each old name.
func TestDeprecatedNamesWorkAndWarn(t *testing.T) {
	clearStoreEnv(t)
	st := sandboxtest.Start(t, sandbox.Options{StoreHash: "old", Token: "old-token", Config: stagingtest.TargetConfig()})
	in := t.TempDir()
	stagingtest.Write(t, in, stagingtest.Spec{Customers: 3})
	t.Setenv("BIGCOMMERCE_ACCESS_TOKEN", "old-token")
	var out, errOut bytes.Buffer
	code := run([]string{"load", "--in", in, "--state", filepath.Join(t.TempDir(), "load.db"), "--api-url", st.URL, "--store-hash", "old",
		"--max-concurrency", "2", "--log-format", "json"}, &out, &errOut)
	if code != exitOK {
		t.Fatalf("exit %d\n%s", code, errOut.String())
	}
	if n, _, _, _ := st.Server.Counts(); n != 3 {
		t.Errorf("%d customers loaded, want 3", n)
	}
	warned := map[string]string{}
	for _, l := range jsonLines(t, errOut.String()) {
		if l["level"] == "WARN" && l["deprecated"] != nil {
			warned[l["deprecated"].(string)] = l["use"].(string)
		}
	}
	for old, use := range map[string]string{"--api-url": "--target-api-url", "--store-hash": "--target-store-hash",
		"--max-concurrency": "--concurrency", "BIGCOMMERCE_ACCESS_TOKEN": "BIGCOMMERCE_TARGET_ACCESS_TOKEN"} {
		if warned[old] != use {
			t.Errorf("no warning for %s (use %s): %v", old, use, warned)
		}
	}
	if strings.Contains(out.String()+errOut.String(), "old-token") {
		t.Error("the token is in the output")
	}
}

// BCETL_LOAD_STATE sets load's --state and no other command's; the old
// unscoped BCETL_STATE still sets export's, with a warning.
func TestScopedVariableBindsOnlyItsCommand(t *testing.T) {
	clearStoreEnv(t)
	st := sandboxtest.Start(t, sandbox.Options{StoreHash: "scoped", Token: "tok", Config: stagingtest.TargetConfig()})
	st.Server.Generate(5, 1)
	dir := t.TempDir()
	loadState, oldState := filepath.Join(dir, "load.db"), filepath.Join(dir, "export.state")
	t.Setenv("BCETL_LOAD_STATE", loadState)
	t.Setenv("BIGCOMMERCE_SOURCE_ACCESS_TOKEN", "tok")
	var out, errOut bytes.Buffer
	if code := run([]string{"export", "--out", filepath.Join(dir, "w"), "--source-api-url", st.URL, "--source-store-hash", "scoped"}, &out, &errOut); code != exitOK {
		t.Fatalf("export: exit %d\n%s", code, errOut.String())
	}
	if _, err := os.Stat(loadState); !os.IsNotExist(err) {
		t.Fatalf("export used load's state: %v", err)
	}
	t.Setenv("BCETL_STATE", oldState)
	errOut.Reset()
	if code := run([]string{"export", "--out", filepath.Join(dir, "w2"), "--source-api-url", st.URL, "--source-store-hash", "scoped"}, &out, &errOut); code != exitOK {
		t.Fatalf("export with BCETL_STATE: exit %d\n%s", code, errOut.String())
	}
	if _, err := os.Stat(oldState); err != nil || !strings.Contains(errOut.String(), "deprecated=BCETL_STATE use=BCETL_EXPORT_STATE") {
		t.Errorf("BCETL_STATE: state %v, log:\n%s", err, errOut.String())
	}
	in := t.TempDir()
	stagingtest.Write(t, in, stagingtest.Spec{Customers: 2})
	t.Setenv("BIGCOMMERCE_TARGET_ACCESS_TOKEN", "tok")
	if code := run([]string{"load", "--in", in, "--target-api-url", st.URL, "--target-store-hash", "scoped"}, &out, &errOut); code != exitOK {
		t.Fatalf("load with BCETL_LOAD_STATE: exit %d\n%s", code, errOut.String())
	}
	if _, err := os.Stat(loadState); err != nil {
		t.Errorf("load did not write BCETL_LOAD_STATE's file: %v", err)
	}
}

// A missing credential is named in the command's words: the flag of the
// store it belongs to and that flag's variable, never another command's
// pair (migrate's source token is not --token/BIGCOMMERCE_ACCESS_TOKEN).
func TestMissingCredentialNamesTheCommandsFlagAndVariable(t *testing.T) {
	clearStoreEnv(t)
	st := sandboxtest.Start(t, sandbox.Options{StoreHash: "dst", Token: "tok"})
	dir := t.TempDir()
	in := t.TempDir()
	stagingtest.Write(t, in, stagingtest.Spec{Customers: 1})
	for _, c := range []struct {
		args      []string
		flag, env string
	}{
		{[]string{"migrate", "--from", "bigcommerce", "--work", filepath.Join(dir, "m"), "--target-api-url", st.URL, "--target-store-hash", "dst",
			"--target-token", "tok", "--source-store-hash", "src"}, "--source-token", "BIGCOMMERCE_SOURCE_ACCESS_TOKEN"},
		{[]string{"migrate", "--from", "bigcommerce", "--work", filepath.Join(dir, "m"), "--target-api-url", st.URL, "--target-store-hash", "dst",
			"--target-token", "tok", "--source-token", "s"}, "--source-store-hash", "BIGCOMMERCE_SOURCE_STORE_HASH"},
		{[]string{"load", "--in", in, "--state", filepath.Join(dir, "l.db"), "--target-store-hash", "dst"}, "--target-token", "BIGCOMMERCE_TARGET_ACCESS_TOKEN"},
		{[]string{"export", "--out", filepath.Join(dir, "w"), "--source-store-hash", "dst"}, "--source-token", "BIGCOMMERCE_SOURCE_ACCESS_TOKEN"},
		{[]string{"export", "--out", filepath.Join(dir, "w"), "--source-store-hash", "dst", "--source-token", "t", "--source-api-url", "ftp://x"},
			"--source-api-url", ""},
	} {
		var out, errOut bytes.Buffer
		code := run(c.args, &out, &errOut)
		msg := errOut.String()
		if code != exitUsage || !regexp.MustCompile(regexp.QuoteMeta(c.flag)+`[^a-z-]`).MatchString(msg) || !strings.Contains(msg, c.env) ||
			strings.Contains(msg, "BIGCOMMERCE_ACCESS_TOKEN") || strings.Contains(msg, "--token") || strings.Contains(msg, "BIGCOMMERCE_STORE_HASH") {
			t.Errorf("bcetl %s: exit %d, want %d naming %s and %s only:\n%s", strings.Join(c.args, " "), code, exitUsage, c.flag, c.env, msg)
		}
	}
	if n := st.Server.RequestCount(); n != 0 {
		t.Errorf("%d requests", n)
	}
}

// A mistake in a value the environment gave is exit 2 naming the flag and
// the variable.
func TestMistakeFromTheEnvironmentNamesTheVariable(t *testing.T) {
	clearStoreEnv(t)
	dir := t.TempDir()
	for _, c := range []struct {
		env, value string
		args       []string
	}{
		{"BCETL_LOAD_IN", filepath.Join(dir, "missing"), []string{"load", "--state", filepath.Join(dir, "l.db")}},
		{"BCETL_LOAD_CONCURRENCY", "many", []string{"load", "--in", dir, "--state", filepath.Join(dir, "l.db")}},
		{"BCETL_CONCURRENCY", "-1", []string{"load", "--in", dir, "--state", filepath.Join(dir, "l.db"), "--target-store-hash", "h", "--target-token", "t"}},
		{"BCETL_LOG_FORMAT", "xml", []string{"version"}},
	} {
		t.Run(c.env, func(t *testing.T) {
			t.Setenv(c.env, c.value)
			var out, errOut bytes.Buffer
			code := run(c.args, &out, &errOut)
			if code != exitUsage || !strings.Contains(errOut.String(), c.env) {
				t.Errorf("%s=%s bcetl %s: exit %d, want %d naming %s:\n%s", c.env, c.value, strings.Join(c.args, " "), code, exitUsage, c.env, errOut.String())
			}
		})
	}
}

func jsonLines(t *testing.T, s string) []map[string]any {
	t.Helper()
	var out []map[string]any
	for _, line := range strings.Split(strings.TrimSpace(s), "\n") {
		var l map[string]any
		if err := json.Unmarshal([]byte(line), &l); err != nil {
			t.Fatalf("not a JSON line: %q: %v", line, err)
		}
		out = append(out, l)
	}
	return out
}
