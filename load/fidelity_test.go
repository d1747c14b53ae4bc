package load

import (
	"fmt"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/bcetl/bcetl/internal/bigcommerce"
	"github.com/bcetl/bcetl/internal/sandbox"
	"github.com/bcetl/bcetl/internal/staging"
)

// Issue 11: the loader depends on nothing the API does not promise. The
// sandbox answers as recorded BigCommerce answers do: item errors keyed
// `0.email` (not `[0].email`), a duplicate email as one `.customer_create`
// error naming it, 414 for URLs over 8 KB.

// Both spellings of an error key name the same item, child and field.
func TestErrorKeysInBothSpellings(t *testing.T) {
	type want struct {
		item        int
		child       string
		ci, form    int
		field, path string
	}
	for _, tc := range []struct {
		keys []string
		want want
	}{
		{[]string{"0.email", "[0].email"}, want{0, "", -1, -1, "email", "email"}},
		{[]string{"3.addresses.1.state_or_province", "[3].addresses[1].state_or_province", "[3].addresses.1.state_or_province"},
			want{3, childAddresses, 1, -1, "state_or_province", "addresses.1.state_or_province"}},
		{[]string{"0.form_fields.2.value", "[0].form_fields[2].value"}, want{0, childForms, 2, -1, "value", "form_fields.2.value"}},
		{[]string{"9.addresses.1.form_fields.0.name", "[9].addresses[1].form_fields[0].name"},
			want{9, childAddresses, 1, 0, "name", "addresses.1.form_fields.0.name"}},
		{[]string{"2.attributes.4.attribute_value", "[2].attributes[4].attribute_value"}, want{2, childAttributes, 4, -1, "attribute_value", "attributes.4.attribute_value"}},
		{[]string{"0.id"}, want{0, "", -1, -1, "id", "id"}},
		// Keys that name no item of a ten-item request.
		{[]string{".customer_create", "id", "body", "10.email", "[10].email", "x.0.email"}, want{-1, "", -1, -1, "", ""}},
	} {
		for _, k := range tc.keys {
			fe := parseKey(k, "msg", 10)
			got := want{fe.item, fe.child, fe.ci, fe.form, fe.field, fe.path}
			if tc.want.item < 0 {
				got.field, got.path = "", "" // unparsed: the key as it is
			}
			if got != tc.want {
				t.Errorf("%q: %+v, want %+v", k, got, tc.want)
			}
		}
	}
}

// A migration into a store that already holds some of the input's
// customers (a delta before cut-over, a re-run): the first refused batch
// shows the target has them, and from then on the emails are looked up
// before they are sent, so the run costs at most the minimum plus one
// look-up per chunk, refuses no further batch, bisects nothing, gets no
// 429 at a quota, and names each existing customer in the results. A
// re-run of a finished migration with a new state costs one POST and the
// look-ups.
func TestPopulatedTargetIsLookedUpFirst(t *testing.T) {
	errorKeyStyles(t, func(t *testing.T, keys string) {
		in, out := t.TempDir(), t.TempDir()
		const n = 300
		spec := genSpec{customers: n}
		want := writeStaging(t, in, spec)
		srv, base, log := newLoggedSandbox(t, sandbox.Options{ErrorKeys: keys, Quota: 25, Window: 250 * time.Millisecond})
		existing := map[string]int64{}
		for i := 0; i < n; i += 5 { // 20%, one in every batch
			id, err := srv.CreateCustomerDirect(sandbox.CustomerFields{Email: fmt.Sprintf("c%07d@example.com", i), FirstName: "Already", LastName: "There"})
			if err != nil {
				t.Fatal(err)
			}
			existing[fmt.Sprintf("c%d", i)] = id
		}
		c := newClient(t, base)
		statePath := filepath.Join(out, "delta.db")
		sum, err := runLoad(t, c, in, statePath, nil)
		if err != nil || !sum.Complete {
			t.Fatalf("%v\n%v", err, sum)
		}
		lookups := sum.Requests[epGetCustomers]
		if sum.HTTPRequests > sum.MinimumRequests+lookups {
			t.Errorf("%d requests, more than the minimum %d + %d look-ups: %v", sum.HTTPRequests, sum.MinimumRequests, lookups, sum.Requests)
		}
		// The first batch alone is refused (it holds existing customers);
		// its new customers are sent again, and the 240 new ones of the
		// other batches go in full batches after their look-up.
		if refused := log.n("POST /customers", http.StatusUnprocessableEntity); refused != 1 {
			t.Errorf("%d POST /customers refused, want 1 (no bisection, no batch refused after the first)", refused)
		}
		if posts := log.n("POST /customers", 0); posts > (n-len(existing))/10+2 {
			t.Errorf("%d POST /customers for %d new customers", posts, n-len(existing))
		}
		if sum.RateLimited != 0 || log.status(http.StatusTooManyRequests) != 0 {
			t.Errorf("429s: client %d, sandbox %d", sum.RateLimited, log.status(http.StatusTooManyRequests))
		}
		res := readResults(t, statePath)
		for i := range n {
			k := fmt.Sprintf("c%d", i)
			r := res["customers/"+k]
			if id, ok := existing[k]; ok {
				if r.Status != staging.StatusSkipped || r.TargetID == nil || *r.TargetID != id || !strings.Contains(r.Message, "already exists") {
					t.Errorf("existing %s: %s %v %q, want skipped-existing → %d", k, r.Status, r.TargetID, r.Message, id)
				}
			} else if r.Status != staging.StatusLoaded {
				t.Errorf("new %s: %s %q", k, r.Status, r.Message)
			}
		}
		if custs, _, _, _ := srv.Counts(); custs != n {
			t.Errorf("target has %d customers, want %d", custs, n)
		}
		if len(res) != want.total() {
			t.Errorf("results: %d rows, want %d", len(res), want.total())
		}

		// Again with a new state: the target has every customer.
		sum, err = runLoad(t, c, in, filepath.Join(out, "rerun.db"), nil)
		if err != nil || !sum.Complete {
			t.Fatalf("re-run: %v\n%v", err, sum)
		}
		o := emailLookup
		cs, err := bigcommerce.ChunkByURL(c, &o, "email:in", make([]string, n-10), bigcommerce.MaxPageSize)
		if err != nil {
			t.Fatal(err)
		}
		chunks := int64(len(cs))
		if posts, gets := sum.Requests[epPostCustomers], sum.Requests[epGetCustomers]; posts != 1 || gets > 1+max(chunks, (n-10+249)/250) {
			t.Errorf("re-run: %d POST /customers, %d look-ups: want 1 and one per chunk (%v)", posts, gets, sum.Requests)
		}
		if sum.HTTPRequests != 1+sum.Requests[epPostCustomers]+sum.Requests[epGetCustomers]+sum.Requests[epGetGeography] {
			t.Errorf("re-run: %d requests (%d retries, %d 429s): %v", sum.HTTPRequests, sum.Retries, sum.RateLimited, sum.Requests)
		}
		if custs, _, _, _ := srv.Counts(); custs != n {
			t.Errorf("re-run: target has %d customers, want %d", custs, n)
		}
	})
}

// 30% of the records carry one field the target refuses: an address with
// a state code (the address is rejected, its customer loads without it)
// or a customer name too long (the customer is rejected). Each refused
// batch costs one extra request — the refused records are set apart by
// the indices the errors name, in either spelling — never a bisection and
// never a look-up, and each reason names the field.
func TestRefusedFieldsCostOneExtraRequest(t *testing.T) {
	errorKeyStyles(t, func(t *testing.T, keys string) {
		in, out := t.TempDir(), t.TempDir()
		const n = 200
		writeStaging(t, in, genSpec{customers: n})
		badAddr, badName := map[string]bool{}, map[string]bool{}
		for i := range n {
			switch i % 10 {
			case 1, 4:
				badAddr[fmt.Sprintf("c%d-a1", i)] = true
			case 7:
				badName[fmt.Sprintf("c%d", i)] = true
			}
		}
		editStaging(t, in, staging.EntityAddresses, func(rows []staging.Address) []staging.Address {
			for i := range rows {
				if badAddr[rows[i].SourceKey] {
					rows[i].PostalCode = strings.Repeat("9", 31) // refused by the API (the loader maps state codes to names)
				}
			}
			return rows
		})
		editStaging(t, in, staging.EntityCustomers, func(rows []staging.Customer) []staging.Customer {
			for i := range rows {
				if badName[rows[i].SourceKey] {
					rows[i].FirstName = strings.Repeat("x", 101)
				}
			}
			return rows
		})
		_, base, log := newLoggedSandbox(t, sandbox.Options{ErrorKeys: keys})
		c := newClient(t, base)
		statePath := filepath.Join(out, "state.db")
		sum, err := runLoad(t, c, in, statePath, nil)
		if err != nil {
			t.Fatal(err)
		}
		refusedRecords := int64(len(badAddr) + len(badName))
		if sum.HTTPRequests > sum.MinimumRequests+refusedRecords {
			t.Errorf("%d requests for a minimum of %d and %d refused records: %v", sum.HTTPRequests, sum.MinimumRequests, refusedRecords, sum.Requests)
		}
		if posts, batches := log.n("POST /customers", 0), n/10; posts > 2*batches {
			t.Errorf("%d POST /customers for %d batches, each with refused records: want at most one extra per batch", posts, batches)
		}
		if got := sum.Requests[epGetCustomers]; got != 0 {
			t.Errorf("%d email look-ups for refusals that are not about emails", got)
		}
		res := readResults(t, statePath)
		for i := range n {
			k := fmt.Sprintf("c%d", i)
			r := res["customers/"+k]
			switch {
			case badName[k]:
				if r.Status != staging.StatusRejected || !strings.Contains(r.Message, "first_name") {
					t.Errorf("%s: %s %q, want rejected naming first_name", k, r.Status, r.Message)
				}
			case r.Status != staging.StatusLoaded:
				t.Errorf("%s: %s %q, want loaded", k, r.Status, r.Message)
			}
			a := res["addresses/"+k+"-a1"]
			switch {
			case badAddr[k+"-a1"]:
				if a.Status != staging.StatusRejected || !strings.Contains(a.Message, "postal_code") {
					t.Errorf("%s-a1: %s %q, want rejected naming postal_code", k, a.Status, a.Message)
				}
				if f := res["addresses/"+k+"-a0"]; f.Status != staging.StatusLoaded {
					t.Errorf("%s-a0, the other address of a customer with a refused one: %s %q", k, f.Status, f.Message)
				}
			case !badName[k] && a.Status != staging.StatusLoaded:
				t.Errorf("%s-a1: %s %q", k, a.Status, a.Message)
			}
		}
	})
}

// Look-ups of long emails are split by the URL's length, not by a count:
// as many as fit, no request refused with 414 (sandbox limit 8192
// bytes), and every customer the target has is found.
func TestLongEmailLookupsStayUnderTheURLLimit(t *testing.T) {
	in, out := t.TempDir(), t.TempDir()
	const n = 120
	writeStaging(t, in, genSpec{customers: n})
	long := func(i int) string { return fmt.Sprintf("c%07d.%s@example.com", i, strings.Repeat("x", 200)) }
	editStaging(t, in, staging.EntityCustomers, func(rows []staging.Customer) []staging.Customer {
		for i := range rows {
			rows[i].Email = long(i)
		}
		return rows
	})
	srv, base, log := newLoggedSandbox(t, sandbox.Options{})
	for i := range n {
		if _, err := srv.CreateCustomerDirect(sandbox.CustomerFields{Email: long(i), FirstName: "Already", LastName: "There"}); err != nil {
			t.Fatal(err)
		}
	}
	c := newClient(t, base)
	statePath := filepath.Join(out, "state.db")
	sum, err := runLoad(t, c, in, statePath, nil)
	if err != nil || !sum.Complete {
		t.Fatalf("%v\n%v", err, sum)
	}
	if got := srv.Stats().URITooLong; got != 0 || log.maxURI > 8192 {
		t.Errorf("%d requests refused with 414; longest request URI %d bytes", got, log.maxURI)
	}
	// About 34 such emails fit a URL: after the first batch's look-up (10
	// emails), the other 110 take four. Fewer would pass the limit; more
	// is splitting by count.
	if got := sum.Requests[epGetCustomers]; got < 4 || got > 6 {
		t.Errorf("%d look-ups for %d emails of 220 bytes: want 5, split by length", got, n)
	}
	for k, r := range readResults(t, statePath) {
		if strings.HasPrefix(k, "customers/") && r.Status != staging.StatusSkipped {
			t.Errorf("%s: %s %q", k, r.Status, r.Message)
		}
	}
}

// --on-existing=update writes every field the loader owns, an empty one
// included: a company, phone and notes the source does not have are
// blanked at the target. And an address a changed input altered is
// written into the target address it was loaded as (its address2 and
// company blanked), not added as a second one.
func TestUpdateBlanksFieldsTheSourceDoesNotHave(t *testing.T) {
	in, out := t.TempDir(), t.TempDir()
	writeStaging(t, in, genSpec{customers: 5})
	editStaging(t, in, staging.EntityAddresses, func(rows []staging.Address) []staging.Address {
		for i := range rows {
			if rows[i].SourceKey == "c1-a0" {
				rows[i].Address2, rows[i].Company = "Apt 4", "Acme Ltd"
			}
		}
		return rows
	})
	srv, base := newSandbox(t, sandbox.Options{})
	id, err := srv.CreateCustomerDirect(sandbox.CustomerFields{Email: "c0000002@example.com", FirstName: "Old", LastName: "Name",
		Company: "Acme", Phone: "555-0100", Notes: "a note the source no longer has"})
	if err != nil {
		t.Fatal(err)
	}
	c := newClient(t, base)
	statePath := filepath.Join(out, "state.db")
	update := func(o *Options) { o.OnExisting = OnExistingUpdate }
	if _, err := runLoad(t, c, in, statePath, update); err != nil {
		t.Fatal(err)
	}
	got, _ := srv.Customer(id)
	if got.FirstName != "First2" || got.Company != "" || got.Phone != "" || got.Notes != "" {
		t.Errorf("updated customer: first %q company %q phone %q notes %q; want First2 and the rest blank", got.FirstName, got.Company, got.Phone, got.Notes)
	}
	if r := readResults(t, statePath)["customers/c2"]; r.Status != staging.StatusUpdated {
		t.Errorf("customers/c2: %+v", r)
	}
	first := readResults(t, statePath)["addresses/c1-a0"]
	if first.Status != staging.StatusLoaded || first.TargetID == nil {
		t.Fatalf("addresses/c1-a0: %+v", first)
	}

	// The source drops address2 and the company of c1's first address.
	editStaging(t, in, staging.EntityAddresses, func(rows []staging.Address) []staging.Address {
		for i := range rows {
			if rows[i].SourceKey == "c1-a0" {
				rows[i].Address2, rows[i].Company = "", ""
			}
		}
		return rows
	})
	if _, err := runLoad(t, c, in, statePath, update); err != nil {
		t.Fatal(err)
	}
	res := readResults(t, statePath)
	if r := res["addresses/c1-a0"]; r.Status != staging.StatusUpdated || r.TargetID == nil || *r.TargetID != *first.TargetID {
		t.Errorf("changed address: %+v, want updated in place (%d)", r, *first.TargetID)
	}
	if r := res["form_field_values/c1-a0-f"]; r.Status != staging.StatusLoaded {
		t.Errorf("its form field: %+v", r)
	}
	var addrs []bigcommerce.Address
	owner := *res["customers/c1"].TargetID
	for a, err := range c.Addresses.All(t.Context(), bigcommerce.AddressListOptions{CustomerIDIn: []int64{owner}}) {
		if err != nil {
			t.Fatal(err)
		}
		addrs = append(addrs, a)
	}
	if len(addrs) != 2 {
		t.Fatalf("customer has %d addresses, want 2: %+v", len(addrs), addrs)
	}
	for _, a := range addrs {
		if a.ID == *first.TargetID && (a.Address2 != "" || a.Company != "") {
			t.Errorf("address %d: address2 %q company %q, want both blank", a.ID, a.Address2, a.Company)
		}
	}
}

// Form field values whose owner already exists go as form_fields of PUT
// /customers and PUT /customers/addresses, never through the deprecated
// PUT /customers/form-field-values, and arrive.
func TestFormFieldValuesGoThroughTheirOwners(t *testing.T) {
	in, out := t.TempDir(), t.TempDir()
	writeStaging(t, in, genSpec{customers: 4})
	_, base, log := newLoggedSandbox(t, sandbox.Options{})
	c := newClient(t, base)
	ctx := t.Context()
	// c1 exists with an identical first address: that address is mapped,
	// and its form field must be written into it.
	got, _, err := c.Customers.Create(ctx, []bigcommerce.CustomerCreate{{Email: "c0000001@example.com", FirstName: "X", LastName: "Y",
		Addresses: []bigcommerce.AddressInline{{FirstName: "First", LastName: "Last", Address1: "1 Main St", City: "Springfield",
			StateOrProvince: usStates[1], PostalCode: "90001", CountryCode: "US"}}}})
	if err != nil {
		t.Fatal(err)
	}
	addr := got[0].Addresses[0].ID
	statePath := filepath.Join(out, "state.db")
	if _, err := runLoad(t, c, in, statePath, func(o *Options) { o.OnExisting = OnExistingUpdate }); err != nil {
		t.Fatal(err)
	}
	if n := log.n("PUT /customers/form-field-values", 0); n != 0 {
		t.Errorf("%d requests to the deprecated PUT /customers/form-field-values", n)
	}
	if n := log.n("PUT /customers/addresses", http.StatusOK); n != 1 {
		t.Errorf("%d PUT /customers/addresses, want 1 (the existing address's form field)", n)
	}
	res := readResults(t, statePath)
	for _, k := range []string{"form_field_values/c1-f", "form_field_values/c1-a0-f"} {
		if r := res[k]; r.Status != staging.StatusLoaded {
			t.Errorf("%s: %+v", k, r)
		}
	}
	var found bool
	for f, err := range c.FormFieldValues.All(ctx, bigcommerce.FormFieldValueListOptions{AddressID: addr}) {
		if err != nil {
			t.Fatal(err)
		}
		found = found || (f.Name == "gate_code" && string(f.Value.Number) == "1000")
	}
	if !found {
		t.Error("the existing address has no gate_code form field value")
	}
}

// A dry run against a target that holds customers says how many of the
// input's it has and plans for it: look-ups, POSTs only for the others,
// PUTs for the existing ones under --on-existing=update. It writes
// nothing.
func TestDryRunCountsExistingCustomers(t *testing.T) {
	in, out := t.TempDir(), t.TempDir()
	writeStaging(t, in, genSpec{customers: 50})
	srv, base := newSandbox(t, sandbox.Options{})
	for i := 0; i < 50; i += 5 {
		if _, err := srv.CreateCustomerDirect(sandbox.CustomerFields{Email: fmt.Sprintf("c%07d@example.com", i), FirstName: "A", LastName: "B"}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := srv.CreateCustomerDirect(sandbox.CustomerFields{Email: "someone.else@example.com", FirstName: "C", LastName: "D"}); err != nil {
		t.Fatal(err)
	}
	c := newClient(t, base)
	sum, err := runLoad(t, c, in, filepath.Join(out, "state.db"), func(o *Options) { o.DryRun, o.OnExisting = true, OnExistingUpdate })
	if err != nil {
		t.Fatal(err)
	}
	p := sum.Plan
	if p.TargetCustomers != 11 || p.ExistingCustomers != 10 {
		t.Errorf("target customers %d, existing %d; want 11 and 10", p.TargetCustomers, p.ExistingCustomers)
	}
	if p.Requests[epPostCustomers] != 4 || p.Requests[epPutCustomers] != 1 || p.Requests[epGetCustomers] != 1 {
		t.Errorf("plan %v: want 4 POST, 1 PUT, 1 look-up", p.Requests)
	}
	if s := p.String(); !strings.Contains(s, "10 of the input's") {
		t.Errorf("plan does not say how many exist:\n%s", s)
	}
	if custs, _, _, _ := srv.Counts(); custs != 11 {
		t.Errorf("dry run changed the target: %d customers", custs)
	}
}

// A form field the target refuses (here a name longer than 255) is
// rejected on its own wherever it rides: inline in a new customer, inline
// in a new customer's address, in the PUT of a customer updated in place.
// Its owner loads, and its reason names the field.
func TestRefusedFormFieldsAreSetApart(t *testing.T) {
	errorKeyStyles(t, func(t *testing.T, keys string) {
		in, out := t.TempDir(), t.TempDir()
		writeStaging(t, in, genSpec{customers: 12})
		long := strings.Repeat("n", 300)
		editStaging(t, in, staging.EntityFormFieldValues, func(rows []staging.FormFieldValue) []staging.FormFieldValue {
			return append(rows,
				staging.FormFieldValue{SourceKey: "c11-bad", CustomerSourceKey: "c11", Name: long, ValueType: "string", ValueJSON: `"x"`},
				staging.FormFieldValue{SourceKey: "c2-bad", CustomerSourceKey: "c2", Name: long, ValueType: "string", ValueJSON: `"x"`},
				staging.FormFieldValue{SourceKey: "c3-a0-bad", CustomerSourceKey: "c3", AddressSourceKey: ptr("c3-a0"), Name: long, ValueType: "string", ValueJSON: `"x"`})
		})
		srv, base, log := newLoggedSandbox(t, sandbox.Options{ErrorKeys: keys})
		// c0 (in the first batch) shows that the target has customers of
		// the input; c11 is then found by a look-up before any POST, and
		// updated with PUT /customers, which carries its form fields.
		for _, e := range []string{"c0000000@example.com", "c0000011@example.com"} {
			if _, err := srv.CreateCustomerDirect(sandbox.CustomerFields{Email: e, FirstName: "Old", LastName: "Name"}); err != nil {
				t.Fatal(err)
			}
		}
		c := newClient(t, base)
		statePath := filepath.Join(out, "state.db")
		if _, err := runLoad(t, c, in, statePath, func(o *Options) { o.OnExisting = OnExistingUpdate }); err != nil {
			t.Fatal(err)
		}
		res := readResults(t, statePath)
		for _, k := range []string{"c11-bad", "c2-bad", "c3-a0-bad"} {
			if r := res["form_field_values/"+k]; r.Status != staging.StatusRejected || !strings.Contains(r.Message, "name") {
				t.Errorf("%s: %s %q, want rejected naming the field", k, r.Status, r.Message)
			}
		}
		for _, k := range []string{"customers/c2", "customers/c3", "addresses/c3-a0", "form_field_values/c11-f", "form_field_values/c2-f", "form_field_values/c3-a0-f"} {
			if r := res[k]; r.Status != staging.StatusLoaded {
				t.Errorf("%s: %s %q, want loaded", k, r.Status, r.Message)
			}
		}
		for _, k := range []string{"customers/c0", "customers/c11"} {
			if r := res[k]; r.Status != staging.StatusUpdated {
				t.Errorf("%s: %s %q, want updated", k, r.Status, r.Message)
			}
		}
		if got, _ := srv.CustomerByEmail("c0000011@example.com"); got.FirstName != "First11" {
			t.Errorf("c11 not updated: %q", got.FirstName)
		}
		// c11's PUT is refused once, then sent without the form field.
		if refused := log.n("PUT /customers", http.StatusUnprocessableEntity); refused != 1 {
			t.Errorf("%d refused PUT /customers, want 1", refused)
		}
		if refused := log.n("POST /customers", http.StatusUnprocessableEntity); refused > 2 {
			t.Errorf("%d refused POST /customers, want at most 2 (the form fields, the duplicate email)", refused)
		}
	})
}

// Overflow attribute values (PUT /customers/attribute-values) are set
// apart the same way: the refused one is rejected naming its field, the
// nine others of its request load with one more request.
func TestRefusedAttributeValueCostsOneRequest(t *testing.T) {
	errorKeyStyles(t, func(t *testing.T, keys string) {
		in, out := t.TempDir(), t.TempDir()
		writeStaging(t, in, genSpec{customers: 25, bigEvery: 5}) // 5 big customers: 10 overflow values
		editStaging(t, in, staging.EntityAttributeValues, func(rows []staging.AttributeValue) []staging.AttributeValue {
			for i := range rows {
				if rows[i].SourceKey == "c9-v10" {
					rows[i].AttributeValue = strings.Repeat("v", 300)
				}
			}
			return rows
		})
		_, base, log := newLoggedSandbox(t, sandbox.Options{ErrorKeys: keys})
		c := newClient(t, base)
		statePath := filepath.Join(out, "state.db")
		if _, err := runLoad(t, c, in, statePath, nil); err != nil {
			t.Fatal(err)
		}
		res := readResults(t, statePath)
		if r := res["attribute_values/c9-v10"]; r.Status != staging.StatusRejected || !strings.Contains(r.Message, "value") {
			t.Errorf("c9-v10: %s %q, want rejected naming value", r.Status, r.Message)
		}
		for _, k := range []string{"c4-v10", "c4-v11", "c9-v11", "c24-v11"} {
			if r := res["attribute_values/"+k]; r.Status != staging.StatusLoaded {
				t.Errorf("%s: %s %q", k, r.Status, r.Message)
			}
		}
		if n, refused := log.n("PUT /customers/attribute-values", 0), log.n("PUT /customers/attribute-values", http.StatusUnprocessableEntity); n != 2 || refused != 1 {
			t.Errorf("PUT /customers/attribute-values: %d requests, %d refused; want 2 and 1", n, refused)
		}
	})
}
