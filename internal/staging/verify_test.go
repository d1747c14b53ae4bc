package staging

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func verifiedDir(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	if _, err := WriteAll(filepath.Join(dir, FileName(EntityCustomers)), []Customer{{SourceKey: "a", Email: "a@example.com"}, {SourceKey: "b", Email: "b@example.com"}}); err != nil {
		t.Fatal(err)
	}
	if _, err := WriteAll(filepath.Join(dir, FileName(EntityAddresses)), []Address{{SourceKey: "a/1", CustomerSourceKey: "a"}}); err != nil {
		t.Fatal(err)
	}
	m, err := ManifestFor(dir, "transform")
	if err != nil {
		t.Fatal(err)
	}
	if err := WriteManifest(dir, m); err != nil {
		t.Fatal(err)
	}
	return dir
}

// Every way a staging directory can disagree with its manifest is an
// error that names the file; a directory that agrees verifies.
func TestVerifyInputNamesTheFile(t *testing.T) {
	if _, err := VerifyInput(verifiedDir(t)); err != nil {
		t.Fatalf("a complete directory: %v", err)
	}
	for _, c := range []struct {
		name, want string
		spoil      func(dir string)
	}{
		{"missing file", "addresses.parquet is missing", func(dir string) { os.Remove(filepath.Join(dir, "addresses.parquet")) }},
		{"no manifest", "no manifest.json", func(dir string) { os.Remove(filepath.Join(dir, ManifestFile)) }},
		{"changed file", "customers.parquet changed", func(dir string) {
			WriteAll(filepath.Join(dir, FileName(EntityCustomers)), []Customer{{SourceKey: "a", Email: "a@example.com"}})
		}},
		{"row count", "customers.parquet has 2 rows, manifest.json says 3", func(dir string) {
			m, _ := ReadManifest(dir)
			e := m.Entities[EntityCustomers]
			e.Rows = 3
			m.Entities[EntityCustomers] = e
			WriteManifest(dir, m)
		}},
		{"unlisted file", "form_field_values.parquet is not listed", func(dir string) {
			WriteAll(filepath.Join(dir, FileName(EntityFormFieldValues)), []FormFieldValue{{SourceKey: "f"}})
		}},
	} {
		dir := verifiedDir(t)
		c.spoil(dir)
		_, err := VerifyInput(dir)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v, want an error containing %q", c.name, err, c.want)
		}
	}
	if _, err := VerifyInput(filepath.Join(t.TempDir(), "nope")); err == nil || !strings.Contains(err.Error(), "no such directory") {
		t.Errorf("missing directory: %v", err)
	}
}
