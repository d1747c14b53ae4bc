// Package archtest holds one test: the package map of the README
// ("who may import whom") checked against what the packages import, so a
// boundary that erodes fails CI instead of waiting for a reviewer.
package archtest

import (
	"encoding/json"
	"os/exec"
	"slices"
	"strings"
	"testing"
)

const module = "github.com/bcetl/bcetl/"

type pkg struct {
	ImportPath string
	Imports    []string // direct, non-test
	Deps       []string // transitive, non-test
}

func listPackages(t *testing.T) []pkg {
	t.Helper()
	out, err := exec.Command("go", "list", "-json=ImportPath,Imports,Deps", module+"...").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	dec := json.NewDecoder(strings.NewReader(string(out)))
	var ps []pkg
	for dec.More() {
		var p pkg
		if err := dec.Decode(&p); err != nil {
			t.Fatal(err)
		}
		p.ImportPath = strings.TrimPrefix(p.ImportPath, module)
		ps = append(ps, p)
	}
	return ps
}

func ours(paths []string) []string {
	var out []string
	for _, p := range paths {
		if strings.HasPrefix(p, module) {
			out = append(out, strings.TrimPrefix(p, module))
		}
	}
	return out
}

func under(p string, prefixes ...string) bool {
	for _, pre := range prefixes {
		if p == pre || strings.HasPrefix(p, pre+"/") {
			return true
		}
	}
	return false
}

// testOnly are helper packages for tests: no program code may import them.
var testOnly = []string{"internal/sandboxtest", "internal/stagingtest", "internal/memnet", "internal/clocktest",
	"internal/warehousetest", "internal/s3test", "extract/internal/sourcetest"}

// emulators are reached over HTTP only: just the commands that serve them
// (bcetl sandbox, voucherify-sandbox, demo, bench) import them.
var emulators = []string{"internal/sandbox", "internal/vsandbox"}

func TestPackageMap(t *testing.T) {
	ps := listPackages(t)
	imports := map[string][]string{} // our package → its direct imports
	for _, p := range ps {
		imports[p.ImportPath] = p.Imports
	}
	for _, p := range ps {
		direct, deps := ours(p.Imports), ours(p.Deps)
		refuse := func(why string, bad func(string) bool, list []string) {
			for _, d := range list {
				if bad(d) {
					t.Errorf("%s imports %s: %s", p.ImportPath, d, why)
				}
			}
		}
		if !under(p.ImportPath, testOnly...) {
			refuse("test helpers are for tests", func(d string) bool { return under(d, testOnly...) }, direct)
		}
		if p.ImportPath != "cmd/bcetl" && !under(p.ImportPath, testOnly...) {
			refuse("the emulators are reached over HTTP only", func(d string) bool { return under(d, emulators...) }, deps)
		}
		switch {
		case under(p.ImportPath, emulators...), p.ImportPath == "internal/pacer", p.ImportPath == "internal/atomicfile":
			// The oracle stands alone: an emulator sharing code with the
			// client would agree with it by construction.
			refuse("stands alone (standard library only)", func(string) bool { return true }, direct)
			for _, d := range p.Deps {
				if strings.Contains(strings.SplitN(d, "/", 2)[0], ".") && !strings.HasPrefix(d, module) {
					t.Errorf("%s depends on the module %s: it uses the standard library only", p.ImportPath, d)
				}
			}
		case p.ImportPath == "transform":
			// Pure functions over records: nothing that talks to a network.
			refuse("the transform talks to no API", func(d string) bool {
				return under(d, "internal/bigcommerce", "internal/voucherify", "load", "extract", "pipelines")
			}, deps)
			// Only our own packages: parquet-go's brotli codec imports
			// net/http for its content-encoding helpers.
			for _, d := range append([]string{p.ImportPath}, deps...) {
				if slices.Contains(imports[d], "net/http") {
					t.Errorf("transform depends on net/http through %s", d)
				}
			}
		case under(p.ImportPath, "extract"):
			refuse("stages never import each other", func(d string) bool { return under(d, "transform", "load", "pipelines") }, deps)
		case p.ImportPath == "load":
			refuse("stages never import each other", func(d string) bool { return under(d, "extract", "transform", "pipelines") }, deps)
		case under(p.ImportPath, "internal"):
			refuse("shared plumbing serves the stages, not the other way", func(d string) bool {
				return under(d, "extract", "transform", "load", "pipelines", "cmd")
			}, deps)
		}
	}
}
