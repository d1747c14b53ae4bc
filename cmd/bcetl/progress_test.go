package main

import (
	"bytes"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"

	"github.com/bcetl/bcetl/internal/sandbox"
	"github.com/bcetl/bcetl/internal/sandboxtest"
)

// Without a terminal, every command that shows progress logs it as lines
// whose figures are JSON numbers, at --progress-every (the same flag on
// each); --progress-every 0 turns them off.
func TestProgressLinesAndFlag(t *testing.T) {
	st := sandboxtest.Start(t, sandbox.Options{StoreHash: "progress", Token: "tok"})
	st.Server.Generate(30, 3)
	url := st.URL
	dir := t.TempDir()
	steps := func(args ...string) map[string]map[string]any {
		t.Helper()
		var out, errOut bytes.Buffer
		args = append(args, "--source-api-url", url, "--source-store-hash", "progress", "--source-token", "tok", "--log-format", "json")
		if code := run(args, &out, &errOut); code != exitOK {
			t.Fatalf("bcetl %s: exit %d\n%s", strings.Join(args, " "), code, errOut.String())
		}
		got := map[string]map[string]any{}
		for _, line := range strings.Split(strings.TrimSpace(errOut.String()), "\n") {
			var l map[string]any
			if err := json.Unmarshal([]byte(line), &l); err != nil {
				t.Fatalf("%q: %v", line, err)
			}
			if l["msg"] == "step finished" || l["msg"] == "progress" {
				got[l["step"].(string)] = l
			}
		}
		return got
	}

	for _, cmd := range []string{"export", "extract"} {
		got := steps(cmd, "--out", filepath.Join(dir, cmd))
		l := got["customers"]
		if l == nil {
			t.Fatalf("%s: no step line for customers: %v", cmd, got)
		}
		if l["stage"] != "extract" || l["done"] != float64(30) || l["total"] != float64(30) {
			t.Errorf("%s: customers line %v", cmd, l)
		}
		for _, k := range []string{"took_ms", "requests", "retries", "rate_limited"} {
			if _, ok := l[k].(float64); !ok {
				t.Errorf("%s: %s = %#v, want a JSON number", cmd, k, l[k])
			}
		}
		if got := steps(cmd, "--out", filepath.Join(dir, cmd+"-quiet"), "--progress-every", "0"); len(got) > 0 {
			t.Errorf("%s --progress-every 0 logged progress: %v", cmd, got)
		}
	}
}
