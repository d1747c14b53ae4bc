package main

import (
	"bytes"
	"context"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// readmeRecipes are the README's shell blocks marked <!-- recipe: NAME -->.
func readmeRecipes(t *testing.T) map[string]string {
	t.Helper()
	b, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	rest := string(b)
	for {
		_, after, ok := strings.Cut(rest, "<!-- recipe: ")
		if !ok {
			return out
		}
		name, body, _ := strings.Cut(after, " -->\n")
		block, ok := strings.CutPrefix(body, "```sh\n")
		if !ok {
			t.Fatalf("recipe %s: no ```sh block right after its marker", name)
		}
		script, tail, ok := strings.Cut(block, "\n```\n")
		if !ok {
			t.Fatalf("recipe %s: unterminated block", name)
		}
		out[name], rest = script, tail
	}
}

// freePort is a loopback port nothing listens on (now).
func freePort(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return strconv.Itoa(ln.Addr().(*net.TCPAddr).Port)
}

// The README's recipe for each of the three users runs as written with
// the built bcetl on the PATH and its sandboxes on loopback: only the
// ports and the directory, which the recipes take from variables, are
// chosen here. Each must exit 0 and leave what it promises.
func TestREADMERecipes(t *testing.T) {
	bin := buildInstalled(t)
	recipes := readmeRecipes(t)
	for _, c := range []struct {
		name  string
		ports []string
		want  []string // in the output
		files []string // under DIR
	}{
		{"migration", []string{"SRC_PORT", "DST_PORT"}, []string{"Ledger (every record read", `"status":"loaded"`}, []string{"m/load-state.results.parquet", "dst.state"}},
		{"export", []string{"PORT"}, []string{"full export", "incremental export", "reconcile: 300 customers"}, []string{"export.state"}},
		{"webhooks-nightly", []string{"PORT", "HOOK_PORT"}, []string{"store/customer/created                     1",
			"customers fetched from store/customer/created events: 1"}, []string{"spool.db", "export.state", "warehouse/_manifests"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			script, ok := recipes[c.name]
			if !ok {
				t.Fatalf("the README has no recipe %q (has %d)", c.name, len(recipes))
			}
			dir := t.TempDir()
			ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
			defer cancel()
			cmd := exec.CommandContext(ctx, "bash", "-euo", "pipefail", "-c", script)
			cmd.Env = []string{"PATH=" + filepath.Dir(bin) + ":" + os.Getenv("PATH"), "HOME=" + dir, "DIR=" + dir}
			for _, p := range c.ports {
				cmd.Env = append(cmd.Env, p+"="+freePort(t))
			}
			// Its own process group: a recipe's background servers go
			// with it however it ends.
			cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
			cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
			var out bytes.Buffer
			cmd.Stdout, cmd.Stderr = &out, &out
			err := cmd.Run()
			_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
			if err != nil {
				t.Fatalf("recipe %s: %v\n%s", c.name, err, out.String())
			}
			for _, w := range c.want {
				if !strings.Contains(out.String(), w) {
					t.Errorf("recipe %s: no %q in its output:\n%s", c.name, w, out.String())
				}
			}
			for _, f := range c.files {
				if _, err := os.Stat(filepath.Join(dir, f)); err != nil {
					t.Errorf("recipe %s: %v", c.name, err)
				}
			}
		})
	}
}
