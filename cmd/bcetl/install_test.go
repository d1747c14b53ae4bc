package main

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/mod/semver"

	"github.com/bcetl/bcetl/internal/staging"
	"github.com/bcetl/bcetl/internal/voucherify"
)

// demoArgs keep the demo small: the point here is where it runs, not how
// fast it loads.
var demoArgs = []string{"demo", "--customers", "150", "--voucherify-customers", "120", "--quota", "1000", "--window", "1s", "--latency", "0s"}

// buildInstalled builds bcetl the way go install does, with VCS stamping
// on whatever GOFLAGS this machine sets (a clone stamps the revision).
func buildInstalled(t *testing.T) string {
	t.Helper()
	if testing.Short() {
		t.Skip("builds the binary")
	}
	bin := filepath.Join(t.TempDir(), "bcetl")
	cmd := exec.Command("go", "build", "-o", bin, ".")
	cmd.Env = append(os.Environ(), "GOFLAGS=-buildvcs=auto")
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("build: %v\n%s", err, b)
	}
	return bin
}

// go install, then bcetl demo from a directory with no repository around
// it: the samples come from the binary, and are the repository's files
// byte for byte. bcetl --version and bcetl version print the build's
// module version, and its revision when it was built from a clone.
func TestInstalledBinaryRunsAnywhere(t *testing.T) {
	bin := buildInstalled(t)
	empty := t.TempDir()
	var out, errOut bytes.Buffer
	cmd := exec.Command(bin, append(demoArgs, "--work", "w")...)
	cmd.Dir, cmd.Stdout, cmd.Stderr = empty, &out, &errOut
	if err := cmd.Run(); err != nil {
		t.Fatalf("bcetl demo in an empty directory: %v\n%s\n%s", err, out.String(), errOut.String())
	}
	if !strings.Contains(out.String(), "== All sources together") {
		t.Fatalf("the demo did not finish:\n%s", out.String())
	}
	for _, f := range demoSampleFiles {
		got, err := os.ReadFile(filepath.Join(empty, "w", "samples", f))
		if err != nil {
			t.Fatal(err)
		}
		want, err := os.ReadFile(filepath.Join("..", "..", "samples", f))
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, want) {
			t.Errorf("the built-in %s differs from samples/%s", f, f)
		}
	}

	rev := ""
	if st, err := os.Stat(filepath.Join("..", "..", ".git")); err == nil && st.IsDir() {
		// A clone: go build stamps the revision (a git worktree, whose
		// .git is a file, is not stamped by the go command).
		b, err := exec.Command("git", "rev-parse", "HEAD").Output()
		if err == nil {
			rev = strings.TrimSpace(string(b))
		}
	}
	for _, args := range [][]string{{"--version"}, {"version"}} {
		b, err := exec.Command(bin, args...).Output()
		line := strings.TrimSpace(string(b))
		// A clone's build is versioned from its commit (a pseudo-version,
		// +dirty when modified); a tree without VCS says (devel).
		f := strings.Fields(line)
		if err != nil || len(f) < 3 || f[0] != "bcetl" || (f[1] != "(devel)" && !semver.IsValid(f[1])) || !strings.Contains(line, " go1.") {
			t.Errorf("bcetl %s: %q, %v; want bcetl VERSION … go1.…", args[0], line, err)
		}
		if rev != "" && !strings.Contains(line, "(revision "+rev) {
			t.Errorf("bcetl %s: %q does not name the revision %s", args[0], line, rev)
		}
	}
}

// --samples still points the demo at a directory of one's own; one
// without the files is a usage error naming the flag.
func TestDemoSamplesFlag(t *testing.T) {
	t.Setenv(voucherify.EnvAppID, "")
	t.Setenv(voucherify.EnvSecretKey, "")
	var out, errOut bytes.Buffer
	if code := run(append(demoArgs, "--samples", t.TempDir()), &out, &errOut); code != exitUsage || !strings.Contains(errOut.String(), "--samples") {
		t.Fatalf("--samples of an empty directory: exit %d\n%s", code, errOut.String())
	}
	work := t.TempDir()
	mine, err := filepath.Abs(filepath.Join("..", "..", "samples"))
	if err != nil {
		t.Fatal(err)
	}
	out.Reset()
	errOut.Reset()
	if code := run(append(demoArgs, "--samples", mine, "--work", work), &out, &errOut); code != exitOK {
		t.Fatalf("--samples %s: exit %d\n%s", mine, code, errOut.String())
	}
	m, err := staging.ReadManifest(filepath.Join(work, "shopify", "extract"))
	if err != nil {
		t.Fatal(err)
	}
	if want := filepath.Join(mine, "shopify", "customers_export.csv"); m.Source.Path != want {
		t.Errorf("the shopify run read %s, want %s", m.Source.Path, want)
	}
	if _, err := os.Stat(filepath.Join(work, "samples")); !os.IsNotExist(err) {
		t.Errorf("the built-in samples were written although --samples was given (%v)", err)
	}
}
