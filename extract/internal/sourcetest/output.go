package sourcetest

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/bcetl/bcetl/extract"
	"github.com/bcetl/bcetl/internal/staging"
	"github.com/bcetl/bcetl/internal/stagingtest"
)

// Output is a staging directory written by a test, read back whole.
type Output struct {
	Dir             string
	Manifest        *staging.Manifest
	Customers       []staging.Customer
	Addresses       []staging.Address
	AttributeValues []staging.AttributeValue
	FormFieldValues []staging.FormFieldValue
	Attributes      []staging.Attribute
	CustomerGroups  []staging.CustomerGroup
	Subscribers     []staging.Subscriber
	Rejects         []staging.Reject
}

// Extract opens the source spec (with a mapping file, if any) and
// extracts it into dir. The source must be registered: the test's own
// package, or one it imports.
func Extract(spec, dir, mapping string) (*staging.Manifest, error) {
	j, err := extract.Open(spec, extract.Options{Mapping: mapping})
	if err != nil {
		return nil, err
	}
	return j.Extract(context.Background(), dir)
}

// MustExtract extracts a file source into a fresh directory, checks that
// every entity file, rejects.parquet and manifest.json exist and that
// Arrow reads every file as parquet-go does, and returns the rows.
func MustExtract(t *testing.T, spec, mapping string) *Output {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "out")
	m, err := Extract(spec, dir, mapping)
	if err != nil {
		t.Fatalf("extract %s: %v", spec, err)
	}
	return Read(t, dir, m)
}

// Read reads the staging directory dir, written with manifest m.
func Read(t *testing.T, dir string, m *staging.Manifest) *Output {
	t.Helper()
	for _, e := range staging.Entities {
		AssertArrowAgrees(t, filepath.Join(dir, staging.FileName(e)))
	}
	AssertArrowAgrees(t, filepath.Join(dir, staging.RejectsFile))
	if _, err := os.Stat(filepath.Join(dir, staging.ManifestFile)); err != nil {
		t.Fatal(err)
	}
	if err := m.Verify(dir); err != nil {
		t.Fatalf("manifest does not verify: %v", err)
	}
	x := &Output{Dir: dir, Manifest: m}
	x.Customers = stagingtest.Read[staging.Customer](t, filepath.Join(dir, staging.FileName(staging.EntityCustomers)))
	x.Addresses = stagingtest.Read[staging.Address](t, filepath.Join(dir, staging.FileName(staging.EntityAddresses)))
	x.AttributeValues = stagingtest.Read[staging.AttributeValue](t, filepath.Join(dir, staging.FileName(staging.EntityAttributeValues)))
	x.FormFieldValues = stagingtest.Read[staging.FormFieldValue](t, filepath.Join(dir, staging.FileName(staging.EntityFormFieldValues)))
	x.Attributes = stagingtest.Read[staging.Attribute](t, filepath.Join(dir, staging.FileName(staging.EntityAttributes)))
	x.CustomerGroups = stagingtest.Read[staging.CustomerGroup](t, filepath.Join(dir, staging.FileName(staging.EntityCustomerGroups)))
	x.Subscribers = stagingtest.Read[staging.Subscriber](t, filepath.Join(dir, staging.FileName(staging.EntitySubscribers)))
	x.Rejects = stagingtest.Read[staging.Reject](t, filepath.Join(dir, staging.RejectsFile))
	for name, want := range map[string]int{
		staging.EntityCustomers: len(x.Customers), staging.EntityAddresses: len(x.Addresses),
		staging.EntityAttributeValues: len(x.AttributeValues), staging.EntityFormFieldValues: len(x.FormFieldValues),
		staging.EntityAttributes: len(x.Attributes), staging.EntityCustomerGroups: len(x.CustomerGroups),
		staging.EntitySubscribers: len(x.Subscribers),
	} {
		if got := m.Entities[name].Rows; got != int64(want) {
			t.Errorf("manifest says %d %s, the file has %d", got, name, want)
		}
	}
	if m.Stage != staging.StageExtract || m.FormatVersion != staging.FormatVersion {
		t.Errorf("manifest stage %q version %d", m.Stage, m.FormatVersion)
	}
	return x
}

// Counts are the rows of the five entities and the rejects.
func (x *Output) Counts() [6]int {
	return [6]int{len(x.Customers), len(x.Addresses), len(x.AttributeValues), len(x.FormFieldValues), len(x.Attributes), len(x.Rejects)}
}

// Customer is the customer with source key key.
func (x *Output) Customer(t *testing.T, key string) staging.Customer {
	t.Helper()
	for _, c := range x.Customers {
		if c.SourceKey == key {
			return c
		}
	}
	t.Fatalf("no customer %q", key)
	return staging.Customer{}
}

// Subscriber is the subscription of the customer with source key
// customerKey, nil when there is none.
func (x *Output) Subscriber(customerKey string) *staging.Subscriber {
	for i, s := range x.Subscribers {
		if s.CustomerSourceKey != nil && *s.CustomerSourceKey == customerKey {
			return &x.Subscribers[i]
		}
	}
	return nil
}

// Address is the address of the customer with source key customerKey.
func (x *Output) Address(t *testing.T, customerKey string) staging.Address {
	t.Helper()
	for _, a := range x.Addresses {
		if a.CustomerSourceKey == customerKey {
			return a
		}
	}
	t.Fatalf("no address for %q", customerKey)
	return staging.Address{}
}

// Attrs returns a customer's attribute values by name.
func (x *Output) Attrs(customerKey string) map[string]string {
	out := map[string]string{}
	for _, a := range x.AttributeValues {
		if a.CustomerSourceKey == customerKey {
			out[a.AttributeName] = a.AttributeValue
		}
	}
	return out
}

// RejectSummary is the part of a Reject a test pins exactly: source key,
// field, rule and message.
type RejectSummary [4]string

// RejectSummaries summarises the rejects, in file order.
func (x *Output) RejectSummaries() []RejectSummary {
	var out []RejectSummary
	for _, r := range x.Rejects {
		out = append(out, RejectSummary{r.SourceKey, r.Field, r.Rule, r.Message})
	}
	return out
}

// WriteInput writes content to a new file name in a temporary directory.
func WriteInput(t *testing.T, name, content string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}
