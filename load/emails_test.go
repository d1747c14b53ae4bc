package load

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/bcetl/bcetl/internal/bigcommerce"
	"github.com/bcetl/bcetl/internal/sandbox"
	"github.com/bcetl/bcetl/internal/staging"
)

// Against a target that compares emails more loosely than plain
// lower-casing (the worst case the sandbox can be asked for: ß = ss,
// ﬁ = fi), an input customer straße@ is refused as "already in use" when
// strasse@ exists, and an email:in look-up for straße@ answers with
// strasse@. The loader must not take that answer for the same customer —
// with --on-existing=update it would overwrite another person's account
// and add this one's addresses to it — but reject the record with the
// API's reason; the other customers load.
func TestLooseEmailAnswersAreNotMatched(t *testing.T) {
	in, out := t.TempDir(), t.TempDir()
	spec := genSpec{customers: 12}
	writeStaging(t, in, spec)
	editStaging(t, in, staging.EntityCustomers, func(rows []staging.Customer) []staging.Customer {
		rows[3].Email = "straße@example.de"
		rows[8].Email = "ﬁnn@example.com"
		return rows
	})
	srv, base := newSandbox(t, sandbox.Options{LooseEmails: true})
	var others []int64
	for _, e := range []string{"strasse@example.de", "finn@example.com"} {
		id, err := srv.CreateCustomerDirect(sandbox.CustomerFields{Email: e, FirstName: "Other", LastName: "Person"})
		if err != nil {
			t.Fatal(err)
		}
		others = append(others, id)
	}
	c := newClient(t, base)
	statePath := filepath.Join(out, "state.db")
	if _, err := runLoad(t, c, in, statePath, func(o *Options) { o.OnExisting = OnExistingUpdate }); err != nil {
		t.Fatal(err)
	}
	res := readResults(t, statePath)
	for _, k := range []string{"c3", "c8"} {
		r := res["customers/"+k]
		if r.Status != staging.StatusRejected || !strings.Contains(r.Message, "already in use") {
			t.Errorf("customers/%s: %s %q (target %v), want rejected with the API's duplicate message", k, r.Status, r.Message, r.TargetID)
		}
		if a := res["addresses/"+k+"-a0"]; a.Status != staging.StatusRejected {
			t.Errorf("addresses/%s-a0: %s, want rejected with its customer", k, a.Status)
		}
	}
	for _, k := range []string{"c0", "c4", "c11"} {
		if r := res["customers/"+k]; r.Status != staging.StatusLoaded {
			t.Errorf("customers/%s: %s %q, want loaded", k, r.Status, r.Message)
		}
	}
	for _, id := range others {
		got, _ := srv.Customer(id)
		if got.FirstName != "Other" {
			t.Errorf("customer %d (%s) was changed to %q: another person's record was written into it", id, got.Email, got.FirstName)
		}
	}
	for a, err := range c.Addresses.All(t.Context(), bigcommerce.AddressListOptions{CustomerIDIn: others}) {
		if err != nil {
			t.Fatal(err)
		}
		t.Errorf("address %d was added to customer %d, another person", a.ID, a.CustomerID)
	}
}
