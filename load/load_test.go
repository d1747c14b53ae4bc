package load

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/bcetl/bcetl/internal/bigcommerce"
	"github.com/bcetl/bcetl/internal/sandbox"
	"github.com/bcetl/bcetl/internal/staging"
)

func runLoad(t *testing.T, c *bigcommerce.Client, in, statePath string, mod func(*Options)) (*Summary, error) {
	t.Helper()
	o := Options{In: in, StatePath: statePath, Client: c}
	if mod != nil {
		mod(&o)
	}
	return Run(context.Background(), o)
}

// A clean input loads completely with exactly the minimum number of
// requests (a tenth of a request per customer plus the overflow batches)
// and without a single 429, under a quota.
func TestLoadMinimumRequests(t *testing.T) {
	in, out := t.TempDir(), t.TempDir()
	spec := genSpec{customers: 95, bigEvery: 10}
	want := writeStaging(t, in, spec)
	_, base := newSandbox(t, sandbox.Options{Quota: 400, Window: 30e9})
	c := newClient(t, base)
	sum, err := runLoad(t, c, in, filepath.Join(out, "state.db"), nil)
	if err != nil {
		t.Fatal(err)
	}
	if !sum.Complete || sum.Rejected() != 0 {
		t.Fatalf("complete=%v rejected=%d\n%s", sum.Complete, sum.Rejected(), sum)
	}
	// 1 attribute list + 2 attribute creations + 10 customer batches +
	// 9 big customers × 2 overflow addresses = 18 → 2 batches, and
	// 9 × 2 overflow values = 18 → 2 batches, and the target's states of
	// the one country (its id, its list).
	if sum.MinimumRequests != 19 {
		t.Errorf("minimum requests %d, want 19", sum.MinimumRequests)
	}
	if sum.HTTPRequests != sum.MinimumRequests {
		t.Errorf("requests %d, minimum %d: %v", sum.HTTPRequests, sum.MinimumRequests, sum.Requests)
	}
	if sum.RateLimited != 0 {
		t.Errorf("%d 429s", sum.RateLimited)
	}
	res := readResults(t, filepath.Join(out, "state.db"))
	if len(res) != want.total() {
		t.Errorf("results rows %d, input records %d", len(res), want.total())
	}
	for k, r := range res {
		if r.Status != staging.StatusLoaded {
			t.Errorf("%s: %s %s", k, r.Status, r.Message)
		}
		if r.TargetID == nil || *r.TargetID == 0 {
			t.Errorf("%s: no target id", k)
		}
	}
	verifyTarget(t, c, spec, want)
	if _, err := os.Stat(SummaryPath(filepath.Join(out, "state.db"))); err != nil {
		t.Error(err)
	}
	// A second run sends nothing but the attribute list.
	sum2, err := runLoad(t, c, in, filepath.Join(out, "state.db"), nil)
	if err != nil {
		t.Fatal(err)
	}
	if sum2.HTTPRequests != 1 {
		t.Errorf("second run made %d requests: %v", sum2.HTTPRequests, sum2.Requests)
	}
}

// writeStagingWith writes a generated input, then lets mod change rows.
func editStaging[T any](t *testing.T, dir, entity string, mod func([]T) []T) {
	t.Helper()
	p := filepath.Join(dir, staging.FileName(entity))
	rows, err := staging.ReadAll[T](p)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := staging.WriteAll(p, mod(rows)); err != nil {
		t.Fatal(err)
	}
	writeManifest(t, dir)
}

// Refused records: an address with a state code (refused by the API, so
// the address alone is rejected and its customer loads), an over-long name
// (the customer is rejected, and with it its children), and an email the
// target already has (skipped). Everything else loads; results.parquet has
// one row per input record with the API's reasons.
func TestRefusedRecordsAreIsolated(t *testing.T) {
	in, out := t.TempDir(), t.TempDir()
	spec := genSpec{customers: 40}
	want := writeStaging(t, in, spec)
	editStaging(t, in, staging.EntityAddresses, func(rows []staging.Address) []staging.Address {
		for i := range rows {
			if rows[i].SourceKey == "c3-a1" {
				rows[i].PostalCode = strings.Repeat("9", 31) // refused by the API (the loader maps state codes to names)
			}
		}
		return rows
	})
	editStaging(t, in, staging.EntityCustomers, func(rows []staging.Customer) []staging.Customer {
		rows[7].FirstName = strings.Repeat("x", 101)
		return rows
	})
	srv, base := newSandbox(t, sandbox.Options{})
	if _, err := srv.CreateCustomerDirect(sandbox.CustomerFields{Email: "C0000012@example.com", FirstName: "Already", LastName: "There"}); err != nil {
		t.Fatal(err)
	}
	c := newClient(t, base)
	statePath := filepath.Join(out, "state.db")
	sum, err := runLoad(t, c, in, statePath, nil)
	if err != nil {
		t.Fatal(err)
	}
	res := readResults(t, statePath)
	if len(res) != want.total() {
		t.Fatalf("results rows %d, input records %d", len(res), want.total())
	}
	check := func(key string, status staging.Status, msgPart string) {
		t.Helper()
		r := res[key]
		if r.Status != status || !strings.Contains(r.Message, msgPart) {
			t.Errorf("%s: %s %q, want %s containing %q", key, r.Status, r.Message, status, msgPart)
		}
	}
	check("addresses/c3-a1", staging.StatusRejected, "postal_code")
	check("customers/c3", staging.StatusLoaded, "")
	check("addresses/c3-a0", staging.StatusLoaded, "")
	check("customers/c7", staging.StatusRejected, "first_name")
	check("addresses/c7-a0", staging.StatusRejected, "customer rejected: ")
	check("form_field_values/c7-a0-f", staging.StatusRejected, "customer rejected: ")
	check("customers/c12", staging.StatusSkipped, "already exists")
	check("attribute_values/c12-v0", staging.StatusSkipped, "customer already exists")
	var loaded int64
	for _, r := range res {
		if r.Entity == staging.EntityCustomers && r.Status == staging.StatusLoaded {
			loaded++
		}
	}
	if loaded != 38 {
		t.Errorf("%d customers loaded, want 38", loaded)
	}
	if got := sum.Counts[staging.EntityCustomers][staging.StatusRejected]; got != 1 {
		t.Errorf("summary: %d customers rejected", got)
	}
	if sum.Rejected() == 0 {
		t.Error("Rejected() is 0")
	}
}

// --on-existing: skip maps to the existing id, update PUTs it and adds its
// sub-records, fail rejects it.
func TestOnExisting(t *testing.T) {
	for _, mode := range []string{OnExistingSkip, OnExistingUpdate, OnExistingFail} {
		t.Run(mode, func(t *testing.T) {
			in, out := t.TempDir(), t.TempDir()
			spec := genSpec{customers: 12}
			writeStaging(t, in, spec)
			srv, base := newSandbox(t, sandbox.Options{})
			id, err := srv.CreateCustomerDirect(sandbox.CustomerFields{Email: "c0000005@EXAMPLE.com", FirstName: "Old", LastName: "Name"})
			if err != nil {
				t.Fatal(err)
			}
			c := newClient(t, base)
			statePath := filepath.Join(out, "state.db")
			if _, err := runLoad(t, c, in, statePath, func(o *Options) { o.OnExisting = mode }); err != nil {
				t.Fatal(err)
			}
			res := readResults(t, statePath)
			r := res["customers/c5"]
			got, _ := srv.Customer(id)
			custs, _, _, _ := srv.Counts()
			if custs != 12 {
				t.Errorf("target has %d customers, want 12", custs)
			}
			switch mode {
			case OnExistingSkip:
				if r.Status != staging.StatusSkipped || r.TargetID == nil || *r.TargetID != id || got.FirstName != "Old" {
					t.Errorf("skip: %+v, target first name %q", r, got.FirstName)
				}
			case OnExistingUpdate:
				if r.Status != staging.StatusUpdated || *r.TargetID != id || got.FirstName != "First5" {
					t.Errorf("update: %+v, target first name %q", r, got.FirstName)
				}
				for _, k := range []string{"addresses/c5-a0", "addresses/c5-a1", "attribute_values/c5-v0", "form_field_values/c5-f", "form_field_values/c5-a0-f"} {
					if res[k].Status != staging.StatusLoaded {
						t.Errorf("update: %s %s %s", k, res[k].Status, res[k].Message)
					}
				}
			case OnExistingFail:
				if r.Status != staging.StatusRejected || !strings.Contains(r.Message, "already exists") || got.FirstName != "Old" {
					t.Errorf("fail: %+v", r)
				}
			}
		})
	}
}

// An attribute whose type differs in the target rejects that attribute
// and its values only.
func TestAttributeTypeConflict(t *testing.T) {
	in, out := t.TempDir(), t.TempDir()
	spec := genSpec{customers: 15}
	want := writeStaging(t, in, spec)
	_, base := newSandbox(t, sandbox.Options{})
	c := newClient(t, base)
	if _, _, err := c.Attributes.Create(context.Background(), []bigcommerce.AttributeCreate{{Name: "score", Type: "string"}}); err != nil {
		t.Fatal(err)
	}
	statePath := filepath.Join(out, "state.db")
	if _, err := runLoad(t, c, in, statePath, nil); err != nil {
		t.Fatal(err)
	}
	res := readResults(t, statePath)
	if len(res) != want.total() {
		t.Fatalf("results rows %d, want %d", len(res), want.total())
	}
	for k, r := range res {
		conflict := k == "attributes/attr-score" || (r.Entity == staging.EntityAttributeValues && strings.HasSuffix(k, "-v1"))
		switch {
		case conflict && (r.Status != staging.StatusRejected || !strings.Contains(r.Message, "type")):
			t.Errorf("%s: %s %q, want rejected for the type conflict", k, r.Status, r.Message)
		case !conflict && r.Status == staging.StatusRejected:
			t.Errorf("%s: rejected: %s", k, r.Message)
		}
	}
}

// An address the customer already has in the target is mapped to it, not
// doubled (here: a customer updated in place whose address exists).
func TestExistingAddressIsMapped(t *testing.T) {
	in, out := t.TempDir(), t.TempDir()
	writeStaging(t, in, genSpec{customers: 3})
	_, base := newSandbox(t, sandbox.Options{})
	c := newClient(t, base)
	ctx := context.Background()
	got, _, err := c.Customers.Create(ctx, []bigcommerce.CustomerCreate{{Email: "c0000001@example.com", FirstName: "X", LastName: "Y",
		Addresses: []bigcommerce.AddressInline{{FirstName: "First", LastName: "Last", Address1: "1 Main St", City: "Springfield",
			StateOrProvince: usStates[1], PostalCode: "90001", CountryCode: "US"}}}})
	if err != nil {
		t.Fatal(err)
	}
	existing := got[0].Addresses[0].ID
	statePath := filepath.Join(out, "state.db")
	if _, err := runLoad(t, c, in, statePath, func(o *Options) { o.OnExisting = OnExistingUpdate }); err != nil {
		t.Fatal(err)
	}
	res := readResults(t, statePath)
	r := res["addresses/c1-a0"]
	if r.Status != staging.StatusSkipped || r.TargetID == nil || *r.TargetID != existing {
		t.Errorf("existing address: %+v, want skipped-existing → %d", r, existing)
	}
	if f := res["form_field_values/c1-a0-f"]; f.Status != staging.StatusLoaded || *f.TargetID != existing {
		t.Errorf("its form field: %+v", f)
	}
	var n int
	for a, err := range c.Addresses.All(ctx, bigcommerce.AddressListOptions{CustomerIDIn: []int64{got[0].ID}}) {
		if err != nil {
			t.Fatal(err)
		}
		n++
		if a.ID == existing && len(a.FormFields) > 0 {
			break
		}
	}
	if n != 2 {
		t.Errorf("customer has %d addresses, want 2", n)
	}
}

// Faults after commits (OutcomeUnknownError) are reconciled by looking the
// records up: nothing is doubled, and runs resumed after failures finish
// the load.
func TestResumeAfterOutcomeUnknown(t *testing.T) {
	in, out := t.TempDir(), t.TempDir()
	spec := genSpec{customers: 300, bigEvery: 7}
	want := writeStaging(t, in, spec)
	srv, base := newSandbox(t, sandbox.Options{FaultRate: 0.3, Seed: 7})
	c := newClient(t, base)
	statePath := filepath.Join(out, "state.db")
	var sum *Summary
	var err error
	for run := 0; run < 20; run++ {
		if sum, err = runLoad(t, c, in, statePath, nil); err == nil && sum.Complete {
			break
		}
	}
	if err != nil || !sum.Complete {
		t.Fatalf("not complete after 20 runs: %v", err)
	}
	srv.SetFaultRate(0)
	res := readResults(t, statePath)
	for k, r := range res {
		if r.Status != staging.StatusLoaded {
			t.Errorf("%s: %s %s", k, r.Status, r.Message)
		}
	}
	verifyTarget(t, c, spec, want)
}

func TestDryRun(t *testing.T) {
	in, out := t.TempDir(), t.TempDir()
	writeStaging(t, in, genSpec{customers: 25, bigEvery: 5})
	srv, base := newSandbox(t, sandbox.Options{Quota: 150, Window: 30e9})
	c := newClient(t, base)
	sum, err := runLoad(t, c, in, filepath.Join(out, "state.db"), func(o *Options) { o.DryRun = true })
	if err != nil {
		t.Fatal(err)
	}
	p := sum.Plan
	// 1 + 2 + 3 customer batches + 5×2 overflow addresses (1) + 5×2 values (1)
	// + the target's states of the one country (2)
	if p == nil || p.TotalRequests != 10 || p.Quota != 150 || p.MinSeconds != 10.0/150*30 || p.ProblemCount != 0 {
		t.Fatalf("plan %+v", p)
	}
	if custs, _, _, _ := srv.Counts(); custs != 0 {
		t.Errorf("dry run wrote %d customers", custs)
	}
	if !strings.Contains(sum.String(), "dry run") {
		t.Error(sum.String())
	}
}

// The state file holds the input's personal data: it, and the WAL beside
// it, are owner-only whatever the umask.
func TestStateFileIsOwnerOnly(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state.db")
	os.WriteFile(path, nil, 0o644) // an existing, too open file is tightened
	st, err := openState(path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := st.db.Exec(`CREATE TABLE IF NOT EXISTS probe(x)`); err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{path, path + "-wal"} {
		fi, err := os.Stat(p)
		if err != nil {
			t.Fatal(err)
		}
		if fi.Mode().Perm() != 0o600 {
			t.Errorf("%s: mode %v", p, fi.Mode().Perm())
		}
	}
	st.Close()
}
