package transform

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/bcetl/bcetl/internal/staging"
	"github.com/bcetl/bcetl/internal/stagingtest"
)

func smallFixture() fixture {
	return fixture{
		customers: []staging.Customer{{SourceKey: "c", Email: "c@example.com", FirstName: "A", LastName: "B"}},
		addresses: []staging.Address{{SourceKey: "c/a", CustomerSourceKey: "c", FirstName: "A", LastName: "B", Address1: "1 Main St",
			City: "Springfield", CountryCode: "US", StateOrProvince: "Oregon", PostalCode: "97477"}},
	}
}

// An input that does not match its manifest is an error naming the file,
// never a run that quietly transforms what is left; nothing is written.
func TestRunVerifiesItsInputAgainstTheManifest(t *testing.T) {
	for _, c := range []struct {
		name, want string
		spoil      func(t *testing.T, dir string)
	}{
		{"entity file removed", "addresses.parquet is missing", func(_ *testing.T, dir string) { os.Remove(filepath.Join(dir, "addresses.parquet")) }},
		{"no manifest", "no manifest.json", func(_ *testing.T, dir string) { os.Remove(filepath.Join(dir, staging.ManifestFile)) }},
		{"file replaced", "customers.parquet changed", func(t *testing.T, dir string) {
			stagingtest.WriteRaw(t, filepath.Join(dir, "customers.parquet"), []staging.Customer{{SourceKey: "x", Email: "x@example.com"}})
		}},
	} {
		t.Run(c.name, func(t *testing.T) {
			in := smallFixture().write(t)
			c.spoil(t, in)
			out := filepath.Join(t.TempDir(), "clean")
			_, err := Run(t.Context(), in, out, Options{})
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("Run: %v, want an error containing %q", err, c.want)
			}
			if entries, _ := os.ReadDir(out); len(entries) > 0 {
				t.Errorf("output written for a refused input: %v", entries)
			}
		})
	}
}

// --out may be neither the input nor inside it, however it is spelled.
func TestRunRefusesItsInputAsOutputBySpelling(t *testing.T) {
	root := t.TempDir()
	in := filepath.Join(root, "in")
	if err := os.Rename(smallFixture().write(t), in); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(in, filepath.Join(root, "alias")); err != nil {
		t.Fatal(err)
	}
	t.Chdir(root)
	before, _ := os.ReadDir(in)
	for _, out := range []string{"in/../in", "./alias", "alias/", "in/clean", "alias/clean"} {
		if _, err := Run(t.Context(), "in", out, Options{}); err == nil {
			t.Errorf("--out %s for --in in: accepted", out)
		}
	}
	if after, _ := os.ReadDir(in); len(after) != len(before) {
		t.Errorf("the input directory changed: %d entries, was %d", len(after), len(before))
	}
	if _, err := Run(t.Context(), "in", "clean", Options{}); err != nil {
		t.Errorf("a sibling output: %v", err)
	}
}

// A transform killed mid-write leaves temporary files holding personal
// data; the next run into the same directory removes them.
func TestRunSweepsLeftoversOfAKilledRun(t *testing.T) {
	in, out := smallFixture().write(t), t.TempDir()
	left := filepath.Join(out, ".customers.parquet.bcetl-tmp-12345")
	if err := os.WriteFile(left, []byte("half a file of personal data"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := Run(t.Context(), in, out, Options{}); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(left); !os.IsNotExist(err) {
		t.Errorf("%s survived the next run: %v", left, err)
	}
}
