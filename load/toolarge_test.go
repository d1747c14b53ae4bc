package load

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/bcetl/bcetl/internal/bigcommerce"
	"github.com/bcetl/bcetl/internal/sandbox"
	"github.com/bcetl/bcetl/internal/staging"
)

// A record too large for the API (the sandbox answers 413 beyond 1 MiB, as
// a front proxy may) is that record's reject, not the run's death: the
// batch is split like a 422 until the record stands alone, and its
// neighbours load. A customer too large only with its children inline is
// sent alone and its children follow in their own batches; a child too
// large on its own is rejected in its step, and an address too large only
// with its form fields likewise loads without them.
func TestTooLargeRecordsAreRejectedAlone(t *testing.T) {
	in, out := t.TempDir(), t.TempDir()
	spec := genSpec{customers: 14}
	want := writeStaging(t, in, spec)
	const kb = 1 << 10
	editStaging(t, in, staging.EntityCustomers, func(rows []staging.Customer) []staging.Customer {
		rows[2].Notes = strings.Repeat("n", 2<<20) // too large on its own
		return rows
	})
	editStaging(t, in, staging.EntityFormFieldValues, func(rows []staging.FormFieldValue) []staging.FormFieldValue {
		for i := range rows {
			var n int
			switch rows[i].SourceKey {
			case "c5-f", "c5-a0-f": // fine alone, too large inline together
				n = 600 * kb
			case "c7-a0-f": // too large on its own
				n = 1100 * kb
			default:
				continue
			}
			v := strings.Repeat("v", n)
			rows[i].ValueType, rows[i].ValueString, rows[i].ValueNumber, rows[i].ValueJSON = "string", &v, nil, `"`+v+`"`
		}
		return rows
	})
	_, base := newSandbox(t, sandbox.Options{})
	c := newClient(t, base)
	statePath := filepath.Join(out, "state.db")
	sum, err := runLoad(t, c, in, statePath, nil)
	if err != nil {
		t.Fatalf("the run died: %v", err)
	}
	res := readResults(t, statePath)
	if len(res) != want.total() {
		t.Fatalf("results rows %d, input records %d", len(res), want.total())
	}
	for k, r := range res {
		switch {
		case k == "customers/c2", k == "form_field_values/c7-a0-f":
			if r.Status != staging.StatusRejected || r.HTTPStatus != 413 || !strings.Contains(r.Message, "larger than the API accepts") {
				t.Errorf("%s: %s %d %q, want rejected with the 413", k, r.Status, r.HTTPStatus, r.Message)
			}
		case strings.Contains(k, "/c2-"):
			if r.Status != staging.StatusRejected || !strings.Contains(r.Message, "customer rejected") {
				t.Errorf("%s: %s %q, want rejected with its customer", k, r.Status, r.Message)
			}
		default:
			if r.Status != staging.StatusLoaded {
				t.Errorf("%s: %s %q, want loaded", k, r.Status, r.Message)
			}
		}
	}
	if sum.Rejected() == 0 {
		t.Error("summary counts no rejects")
	}
	var c5 int64
	for cu, err := range c.Customers.All(t.Context(), bigcommerce.CustomerListOptions{EmailIn: []string{"c0000005@example.com"}}) {
		if err != nil {
			t.Fatal(err)
		}
		c5 = cu.ID
	}
	owned := map[int64]bool{}
	for a, err := range c.Addresses.All(t.Context(), bigcommerce.AddressListOptions{CustomerIDIn: []int64{c5}}) {
		if err != nil {
			t.Fatal(err)
		}
		owned[a.ID] = true
	}
	forms := map[string]int{}
	for f, err := range c.FormFieldValues.All(t.Context(), bigcommerce.FormFieldValueListOptions{}) {
		if err != nil {
			t.Fatal(err)
		}
		if f.CustomerID == c5 && f.AddressID == 0 || owned[f.AddressID] {
			forms[f.Name] = len(f.Value.String)
		}
	}
	if forms["newsletter"] != 600*kb || forms["gate_code"] != 600*kb {
		t.Errorf("c5's form field values on the target: %v, want both of %d bytes", forms, 600*kb)
	}
}
