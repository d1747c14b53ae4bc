package pipelines

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/bcetl/bcetl/internal/bigcommerce"
	"github.com/bcetl/bcetl/internal/lockfile"
	"github.com/bcetl/bcetl/internal/sandbox"
	"github.com/bcetl/bcetl/load"
	"github.com/bcetl/bcetl/transform"
)

type csvRow struct{ email, name, street string }

func writeCSV(t *testing.T, path string, rows []csvRow) {
	t.Helper()
	var b strings.Builder
	b.WriteString("Name,Email,Street,City,Region,Country,Zip\n")
	for _, r := range rows {
		fmt.Fprintf(&b, "%s,%s,%s,Springfield,Oregon,US,97477\n", r.name, r.email, r.street)
	}
	if err := os.WriteFile(path, []byte(b.String()), 0o600); err != nil {
		t.Fatal(err)
	}
}

// targetAddresses returns, per customer email, the address1 of each of its
// addresses in the target, read through the API.
func targetAddresses(t *testing.T, c *bigcommerce.Client) map[string][]string {
	t.Helper()
	ctx := context.Background()
	emails := map[int64]string{}
	out := map[string][]string{}
	for cu, err := range c.Customers.All(ctx, bigcommerce.CustomerListOptions{ListOptions: bigcommerce.ListOptions{Limit: 250}}) {
		if err != nil {
			t.Fatal(err)
		}
		if _, dup := out[cu.Email]; dup {
			t.Errorf("customer %s is in the target twice", cu.Email)
		}
		emails[cu.ID] = cu.Email
		out[cu.Email] = nil
	}
	for a, err := range c.Addresses.All(ctx, bigcommerce.AddressListOptions{ListOptions: bigcommerce.ListOptions{Limit: 250}}) {
		if err != nil {
			t.Fatal(err)
		}
		out[emails[a.CustomerID]] = append(out[emails[a.CustomerID]], a.Address1)
	}
	return out
}

// Rule 3: a stage is skipped only if its inputs are unchanged. After a
// finished migration a row is inserted in the middle of the CSV, whose
// records have no id column (their source keys are line numbers, so every
// later row's key shifts): the next run extracts and transforms again and
// loads the added customer, and every customer keeps exactly its own
// address — none is attached to the customer that used to have its line.
// A changed mapping redoes the extract, changed transform options redo the
// transform, and an unchanged rerun redoes nothing.
func TestMigrateRerunAfterTheSourceChanged(t *testing.T) {
	dir := t.TempDir()
	csvPath, mapping := filepath.Join(dir, "crm.csv"), filepath.Join(dir, "mapping.json")
	const mappingJSON = `{"fields": {"name": "Name", "email": "Email", "address.address1": "Street", "address.city": "City",
		"address.state_or_province": "Region", "address.country": "Country", "address.postal_code": "Zip"%s}}`
	if err := os.WriteFile(mapping, fmt.Appendf(nil, mappingJSON, ""), 0o600); err != nil {
		t.Fatal(err)
	}
	rows := []csvRow{{"ann@example.com", "Ann Lee", "1 First St"}, {"bob@example.com", "Bob Roe", "2 Second St"},
		{"cy@example.com", "Cy Poe", "3 Third St"}, {"di@example.com", "Di Moe", "4 Fourth St"}}
	writeCSV(t, csvPath, rows)
	_, target := newTarget(t, sandbox.Options{})
	work := filepath.Join(dir, "work")
	migrate := func(to transform.Options) *MigrateResult {
		t.Helper()
		res, err := Migrate(context.Background(), MigrateOptions{From: "csv:" + csvPath, Mapping: mapping, Work: work, Target: target, Transform: to})
		if err != nil {
			t.Fatal(err)
		}
		if !res.Load.Complete || res.Ledger.Rejected() != 0 {
			t.Fatalf("incomplete or rejects: %+v", res.Ledger)
		}
		return res
	}
	check := func(rows []csvRow) {
		t.Helper()
		got := targetAddresses(t, target)
		if len(got) != len(rows) {
			t.Errorf("target has %d customers, the CSV %d", len(got), len(rows))
		}
		for _, r := range rows {
			if a := got[r.email]; len(a) != 1 || a[0] != r.street {
				t.Errorf("%s has addresses %q, want [%s]", r.email, a, r.street)
			}
		}
	}
	migrate(transform.Options{})
	check(rows)

	rows = append(rows[:1:1], append([]csvRow{{"new@example.com", "Nia New", "9 Added St"}}, rows[1:]...)...)
	writeCSV(t, csvPath, rows)
	res := migrate(transform.Options{})
	if res.ExtractSkipped || res.TransformSkipped {
		t.Fatalf("the CSV changed, yet extract skipped %v, transform skipped %v", res.ExtractSkipped, res.TransformSkipped)
	}
	check(rows)
	if l := res.Ledger["customers"]; l.Loaded+l.Skipped+l.Updated != int64(len(rows)) {
		t.Errorf("customers ledger %+v for %d rows", l, len(rows))
	}
	if _, err := os.Stat(load.ResultsPath(filepath.Join(work, StateFile))); err != nil || res.ResultsPath != load.ResultsPath(filepath.Join(work, StateFile)) {
		t.Errorf("results %s: %v", res.ResultsPath, err)
	}

	res = migrate(transform.Options{})
	if !res.ExtractSkipped || !res.TransformSkipped || res.Load.HTTPRequests != 1 {
		t.Errorf("unchanged rerun: extract skipped %v, transform skipped %v, %d requests", res.ExtractSkipped, res.TransformSkipped, res.Load.HTTPRequests)
	}
	if err := os.WriteFile(mapping, fmt.Appendf(nil, mappingJSON, `, "notes": "Name"`), 0o600); err != nil {
		t.Fatal(err)
	}
	if res = migrate(transform.Options{}); res.ExtractSkipped {
		t.Error("the mapping changed, yet the extract was skipped")
	}
	res = migrate(transform.Options{Disabled: map[string]bool{"postal": true}})
	if !res.ExtractSkipped || res.TransformSkipped {
		t.Errorf("transform options changed: extract skipped %v (want true), transform skipped %v (want false)", res.ExtractSkipped, res.TransformSkipped)
	}
	check(rows)
}

// Rule 1 for migrate: a second migration on the same work directory is
// refused while the first holds it.
func TestMigrateRefusesABusyWorkDirectory(t *testing.T) {
	work := t.TempDir()
	lock, err := lockfile.Acquire(work, "bcetl migrate")
	if err != nil {
		t.Fatal(err)
	}
	defer lock.Release()
	srv, target := newTarget(t, sandbox.Options{})
	_, err = Migrate(context.Background(), MigrateOptions{From: "shopify-csv:../samples/shopify/customers_export.csv", Work: work, Target: target})
	var held *lockfile.HeldError
	if !errors.As(err, &held) || held.Holder.PID != os.Getpid() {
		t.Fatalf("Migrate on a busy work directory: %v", err)
	}
	if n := srv.RequestCount(); n != 0 {
		t.Errorf("%d requests sent", n)
	}
}
