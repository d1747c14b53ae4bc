package transform

import (
	"testing"

	"github.com/bcetl/bcetl/internal/staging"
)

// Customers whose emails are equal only under Unicode case folding are
// different people: both are written, nothing is merged, and each keeps
// its own address. (Folding would merge straße@ into strasse@ and move
// its address into the other account.)
func TestCustomerDedupeNeverFoldsEmails(t *testing.T) {
	r := runFixture(t, fixture{
		customers: []staging.Customer{
			{SourceKey: "c1", Email: "strasse@example.de", FirstName: "Jan", LastName: "Strasse", DateModified: at(1)},
			{SourceKey: "c2", Email: "straße@example.de", FirstName: "Jana", LastName: "Straße", DateModified: at(2)},
			{SourceKey: "c3", Email: "finn@example.com", FirstName: "Finn", LastName: "A", DateModified: at(1)},
			{SourceKey: "c4", Email: "ﬁnn@example.com", FirstName: "Finn", LastName: "B", DateModified: at(2)},
			{SourceKey: "c5", Email: "STRASSE@example.de", FirstName: "Jan", LastName: "Strasse", DateModified: at(3)},
		},
		addresses: []staging.Address{addr("a1", "c1", "1 Main St"), addr("a2", "c2", "2 Main St")},
	}, Options{})
	if len(r.customers) != 4 {
		t.Fatalf("%d customers written, want 4 (only c1 and c5 are one email): %+v", len(r.customers), r.customers)
	}
	for _, m := range r.merges {
		if m.Entity == staging.EntityCustomers && (m.SourceKey != "c1" || m.SurvivorKey != "c5") {
			t.Errorf("merge %+v: only c1 into c5 is one email", m)
		}
	}
	if r.merge(staging.EntityCustomers, "c1", "") == nil {
		t.Error("c1 (strasse@) was not merged into c5 (STRASSE@)")
	}
	owner := map[string]string{}
	for _, a := range r.addresses {
		owner[a.SourceKey] = a.CustomerSourceKey
	}
	if owner["a1"] != "c5" || owner["a2"] != "c2" {
		t.Errorf("address owners %v, want a1 → c5 (merged), a2 → c2 (its own)", owner)
	}
}
