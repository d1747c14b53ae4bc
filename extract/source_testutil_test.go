package extract

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/bcetl/bcetl/internal/staging"
)

// extracted is a staging directory written by a test, read back whole.
type fileOutput struct {
	dir        string
	manifest   *staging.Manifest
	customers  []staging.Customer
	addresses  []staging.Address
	attrValues []staging.AttributeValue
	formValues []staging.FormFieldValue
	attributes []staging.Attribute
	rejects    []staging.Reject
}

// extractFile opens the source spec (with a mapping file, if any) and
// extracts it into dir.
func extractFile(spec, dir, mapping string) (*staging.Manifest, error) {
	j, err := Open(spec, Options{Mapping: mapping})
	if err != nil {
		return nil, err
	}
	return j.Extract(context.Background(), dir)
}

// mustExtractFile extracts a file source into a fresh directory, checks that all
// five entity files, rejects.parquet and manifest.json exist and that
// Arrow reads every file as parquet-go does, and returns the rows.
func mustExtractFile(t *testing.T, spec, mapping string) *fileOutput {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "out")
	m, err := extractFile(spec, dir, mapping)
	if err != nil {
		t.Fatalf("extract %s: %v", spec, err)
	}
	return readFileOutput(t, dir, m)
}

func readFileOutput(t *testing.T, dir string, m *staging.Manifest) *fileOutput {
	t.Helper()
	for _, e := range staging.Entities {
		assertArrowAgrees(t, filepath.Join(dir, staging.FileName(e)))
	}
	assertArrowAgrees(t, filepath.Join(dir, staging.RejectsFile))
	if _, err := os.Stat(filepath.Join(dir, staging.ManifestFile)); err != nil {
		t.Fatal(err)
	}
	if err := m.Verify(dir); err != nil {
		t.Fatalf("manifest does not verify: %v", err)
	}
	x := &fileOutput{dir: dir, manifest: m}
	x.customers = readStagingRows[staging.Customer](t, dir, staging.FileName(staging.EntityCustomers))
	x.addresses = readStagingRows[staging.Address](t, dir, staging.FileName(staging.EntityAddresses))
	x.attrValues = readStagingRows[staging.AttributeValue](t, dir, staging.FileName(staging.EntityAttributeValues))
	x.formValues = readStagingRows[staging.FormFieldValue](t, dir, staging.FileName(staging.EntityFormFieldValues))
	x.attributes = readStagingRows[staging.Attribute](t, dir, staging.FileName(staging.EntityAttributes))
	x.rejects = readStagingRows[staging.Reject](t, dir, staging.RejectsFile)
	for name, want := range map[string]int{
		staging.EntityCustomers: len(x.customers), staging.EntityAddresses: len(x.addresses),
		staging.EntityAttributeValues: len(x.attrValues), staging.EntityFormFieldValues: len(x.formValues),
		staging.EntityAttributes: len(x.attributes),
	} {
		if got := m.Entities[name].Rows; got != int64(want) {
			t.Errorf("manifest says %d %s, the file has %d", got, name, want)
		}
	}
	if m.Stage != "extract" || m.FormatVersion != staging.FormatVersion {
		t.Errorf("manifest stage %q version %d", m.Stage, m.FormatVersion)
	}
	return x
}

func readStagingRows[T any](t *testing.T, dir, name string) []T {
	t.Helper()
	rows, err := staging.ReadAll[T](filepath.Join(dir, name))
	if err != nil {
		t.Fatal(err)
	}
	return rows
}

func (x *fileOutput) counts() [6]int {
	return [6]int{len(x.customers), len(x.addresses), len(x.attrValues), len(x.formValues), len(x.attributes), len(x.rejects)}
}

func (x *fileOutput) customer(t *testing.T, key string) staging.Customer {
	t.Helper()
	for _, c := range x.customers {
		if c.SourceKey == key {
			return c
		}
	}
	t.Fatalf("no customer %q", key)
	return staging.Customer{}
}

func (x *fileOutput) address(t *testing.T, customerKey string) staging.Address {
	t.Helper()
	for _, a := range x.addresses {
		if a.CustomerSourceKey == customerKey {
			return a
		}
	}
	t.Fatalf("no address for %q", customerKey)
	return staging.Address{}
}

// attrs returns a customer's attribute values by name.
func (x *fileOutput) attrs(customerKey string) map[string]string {
	out := map[string]string{}
	for _, a := range x.attrValues {
		if a.CustomerSourceKey == customerKey {
			out[a.AttributeName] = a.AttributeValue
		}
	}
	return out
}

// rejectSummary is the part of a Reject a test pins exactly.
type rejectSummary struct{ Key, Field, Rule, Message string }

func (x *fileOutput) rejectSummaries() []rejectSummary {
	var out []rejectSummary
	for _, r := range x.rejects {
		out = append(out, rejectSummary{r.SourceKey, r.Field, r.Rule, r.Message})
	}
	return out
}

func writeInput(t *testing.T, name, content string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func refOf[T any](v T) *T { return &v }
