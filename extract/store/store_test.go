package store

import (
	"context"
	"encoding/json"
	"path/filepath"
	"reflect"
	"slices"
	"testing"

	"github.com/bcetl/bcetl/internal/bigcommerce"
	"github.com/bcetl/bcetl/internal/staging"
	"github.com/bcetl/bcetl/internal/stagingtest"
)

// fullRun is the store of a full-extract test and how the extractor is
// made to cut it.
type fullRun struct {
	customers int
	windows   int // date_created windows; 0: as planned (one, up to 75,000 customers)
	spillRows int // rows per sorted run: small, so the k-way merge has many runs
}

// A full extract of a generated store (about 1% of the customers with more
// than 10 addresses and 1% with more than 10 attribute values): every
// record of the store once, values as the API gives them, files
// well-formed, every overflow customer complete, and requests within 2% of
// the theoretical minimum (plus, when the store is cut into windows, a
// partial last page per window and the two requests that plan them).
//
// 20,000 customers with the default (recorded, stricter) answers, walked
// as the planner walks a store that size: what needs the size is the 2%
// bound and many spilled runs for the merge.
func TestExtractStoreFull(t *testing.T) {
	testExtractStoreFull(t, modes[0], fullRun{customers: 20000, spillRows: 3000})
}

// The same in every mode — whether or not the API sends address_count /
// attribute_count, whichever way it reads date bounds — on a smaller
// store cut into four windows: a full extract sends date bounds only
// when it walks several windows, so only then can their reading matter.
func TestExtractStoreFullModes(t *testing.T) {
	forModes(t, func(t *testing.T, md mode) {
		testExtractStoreFull(t, md, fullRun{customers: 3000, windows: 4, spillRows: 500})
	})
}

func testExtractStoreFull(t *testing.T, md mode, run fullRun) {
	e := newStoreEnvMode(t, run.customers, md)
	dir := t.TempDir()
	m, c := e.extract(dir, storeOptions{Windows: run.windows, SpillRows: run.spillRows})
	checkFiles(t, dir, m, DefaultEntities)

	customers := stagingtest.Read[staging.Customer](t, filepath.Join(dir, staging.FileName(staging.EntityCustomers)))
	addresses := stagingtest.Read[staging.Address](t, filepath.Join(dir, staging.FileName(staging.EntityAddresses)))
	values := stagingtest.Read[staging.AttributeValue](t, filepath.Join(dir, staging.FileName(staging.EntityAttributeValues)))
	forms := stagingtest.Read[staging.FormFieldValue](t, filepath.Join(dir, staging.FileName(staging.EntityFormFieldValues)))
	attrs := stagingtest.Read[staging.Attribute](t, filepath.Join(dir, staging.FileName(staging.EntityAttributes)))

	// Row counts equal the store's.
	nc, na, nv, nf := e.srv.Counts()
	if len(customers) != nc || len(addresses) != na || len(values) != nv || len(forms) != nf {
		t.Fatalf("rows: customers %d/%d addresses %d/%d values %d/%d form fields %d/%d",
			len(customers), nc, len(addresses), na, len(values), nv, len(forms), nf)
	}
	var apiAttrs []bigcommerce.Attribute
	for a, err := range c.Attributes.All(context.Background(), bigcommerce.AttributeListOptions{}) {
		if err != nil {
			t.Fatal(err)
		}
		apiAttrs = append(apiAttrs, a)
	}
	if len(attrs) != len(apiAttrs) || len(attrs) == 0 {
		t.Fatalf("attributes: %d rows, store has %d", len(attrs), len(apiAttrs))
	}
	for _, em := range m.Entities {
		want, ok := map[string]int64{"customers.parquet": int64(nc), "addresses.parquet": int64(na),
			"attribute_values.parquet": int64(nv), "form_field_values.parquet": int64(nf), "attributes.parquet": int64(len(apiAttrs))}[em.File]
		if ok && em.Rows != want {
			t.Errorf("manifest %s: %d rows", em.File, em.Rows)
		}
	}

	// Sorted by id, unique.
	sortedIDs(t, "customers", customers, func(r *staging.Customer) *int64 { return r.ID })
	sortedIDs(t, "addresses", addresses, func(r *staging.Address) *int64 { return r.ID })
	sortedIDs(t, "attribute_values", values, func(r *staging.AttributeValue) *int64 { return r.ID })
	sortedIDs(t, "attributes", attrs, func(r *staging.Attribute) *int64 { return r.ID })
	for i := 1; i < len(forms); i++ {
		if formFieldOrder.cmp(&forms[i-1], &forms[i]) >= 0 {
			t.Fatalf("form field values not sorted or duplicated at %d: %s, %s", i, forms[i-1].SourceKey, forms[i].SourceKey)
		}
	}

	// Requests: within 2% of the minimum, and the sandbox saw exactly
	// what the manifest reports (no hidden retries).
	made, minimum := int64(0), int64(0)
	for _, em := range m.Entities {
		made += em.Requests
		minimum += em.MinRequests
	}
	windowCost := int64(0)
	if run.windows > 1 {
		windowCost = int64(run.windows) + 2
	}
	t.Logf("requests %d, theoretical minimum %d (%.2f%%), %d allowed for the windows", made, minimum, 100*float64(made)/float64(minimum), windowCost)
	if float64(made-windowCost) > 1.02*float64(minimum) {
		t.Errorf("requests %d > 1.02 × minimum %d + %d for the windows", made, minimum, windowCost)
	}
	if got := e.n.Load(); got != made+1 { // +1: the test's own attribute listing
		t.Errorf("sandbox received %d requests, manifest reports %d", got-1, made)
	}
	if m.Entities[staging.EntityAddresses].MinRequests == 0 || m.Entities[staging.EntityAttributeValues].MinRequests == 0 {
		t.Fatalf("the generated store has no overflow customers; the test proves nothing about overflow")
	}

	// Spot checks against the API: overflow customers and ordinary ones.
	var overA, overV, plain []int64
	for _, r := range customers {
		switch {
		case r.AddressCount > 10 && len(overA) < 5:
			overA = append(overA, *r.ID)
		case r.AttributeCount > 10 && len(overV) < 5:
			overV = append(overV, *r.ID)
		case r.AddressCount > 0 && r.AttributeCount > 0 && len(plain) < 5:
			plain = append(plain, *r.ID)
		}
	}
	if len(overA) == 0 || len(overV) == 0 {
		t.Fatal("no overflow customers among the rows")
	}
	spot := append(append(append([]int64{}, overA...), overV...), plain...)
	spotCheck(t, c, spot, customers, addresses, values, forms, attrs)
	overflowComplete(t, c, customers, addresses, values)
}

// overflowComplete checks every customer that embeds the maximum (10 or
// more addresses or values, as the rows say) against the API: its rows in
// the files are exactly the API's, and its address_count /
// attribute_count is their number.
func overflowComplete(t *testing.T, c *bigcommerce.Client, customers []staging.Customer, addresses []staging.Address, values []staging.AttributeValue) {
	t.Helper()
	ctx := context.Background()
	gotA, gotV := map[int64][]int64{}, map[int64][]int64{}
	for _, r := range addresses {
		gotA[*r.CustomerID] = append(gotA[*r.CustomerID], *r.ID)
	}
	for _, r := range values {
		gotV[*r.CustomerID] = append(gotV[*r.CustomerID], *r.ID)
	}
	var ids []int64
	for _, r := range customers {
		if int(r.AddressCount) != len(gotA[*r.ID]) || int(r.AttributeCount) != len(gotV[*r.ID]) {
			t.Errorf("customer %d: address_count %d attribute_count %d, files hold %d and %d", *r.ID, r.AddressCount, r.AttributeCount, len(gotA[*r.ID]), len(gotV[*r.ID]))
		}
		if r.AddressCount >= 10 || r.AttributeCount >= 10 {
			ids = append(ids, *r.ID)
		}
	}
	wantA, wantV := map[int64][]int64{}, map[int64][]int64{}
	chunks, err := bigcommerce.ChunkByURL(c, &bigcommerce.AddressListOptions{}, "customer_id:in", ids, 0)
	if err != nil {
		t.Fatal(err)
	}
	for _, chunk := range chunks {
		for a, err := range c.Addresses.All(ctx, bigcommerce.AddressListOptions{CustomerIDIn: chunk, ListOptions: bigcommerce.ListOptions{Limit: 250}}) {
			if err != nil {
				t.Fatal(err)
			}
			wantA[a.CustomerID] = append(wantA[a.CustomerID], a.ID)
		}
		for v, err := range c.AttributeValues.All(ctx, bigcommerce.AttributeValueListOptions{CustomerIDIn: chunk, ListOptions: bigcommerce.ListOptions{Limit: 250}}) {
			if err != nil {
				t.Fatal(err)
			}
			wantV[v.CustomerID] = append(wantV[v.CustomerID], v.ID)
		}
	}
	over := 0
	for _, id := range ids {
		slices.Sort(wantA[id])
		slices.Sort(wantV[id])
		if !slices.Equal(gotA[id], wantA[id]) || !slices.Equal(gotV[id], wantV[id]) {
			t.Errorf("customer %d: addresses %v values %v, API %v and %v", id, gotA[id], gotV[id], wantA[id], wantV[id])
		}
		if len(wantA[id]) > 10 || len(wantV[id]) > 10 {
			over++
		}
	}
	if over == 0 {
		t.Fatal("no customer with more than 10 addresses or values: the check proves nothing")
	}
	t.Logf("%d customers embedding the maximum checked, %d with more", len(ids), over)
}

// spotCheck compares the rows of the given customers with what the API
// returns for them, one endpoint per sub-resource.
func spotCheck(t *testing.T, c *bigcommerce.Client, ids []int64, customers []staging.Customer,
	addresses []staging.Address, values []staging.AttributeValue, forms []staging.FormFieldValue, attrs []staging.Attribute) {
	t.Helper()
	ctx := context.Background()
	defs := map[int64]attrDef{}
	for _, a := range attrs {
		defs[*a.ID] = attrDef{a.Name, a.Type}
	}
	want := map[int64]bool{}
	for _, id := range ids {
		want[id] = true
	}
	apiCust, _, err := c.Customers.List(ctx, &bigcommerce.CustomerListOptions{IDIn: ids, ListOptions: bigcommerce.ListOptions{Limit: 250},
		Include: []string{bigcommerce.IncludeFormFields, bigcommerce.IncludeStoreCredit}})
	if err != nil {
		t.Fatal(err)
	}
	if len(apiCust) != len(ids) {
		t.Fatalf("API returned %d of %d customers", len(apiCust), len(ids))
	}
	gotCust := map[int64]staging.Customer{}
	for _, r := range customers {
		if want[*r.ID] {
			gotCust[*r.ID] = r
		}
	}
	wantForms := map[string]staging.FormFieldValue{}
	for i := range apiCust {
		a := &apiCust[i]
		// address_count / attribute_count: checked by overflowComplete.
		w, err := customerRow(a)
		if err != nil {
			t.Fatal(err)
		}
		g := gotCust[a.ID]
		w.CustomerGroupName = g.CustomerGroupName // checked in TestExtractStoreGroupsMetafieldsSubscribersConsents
		g.AddressCount, g.AttributeCount, w.AddressCount, w.AttributeCount = 0, 0, 0, 0
		if !reflect.DeepEqual(normCustomer(g), normCustomer(w)) {
			t.Errorf("customer %d:\n got %+v\nwant %+v", a.ID, g, w)
		}
		if gotCust[a.ID].Email != a.Email {
			t.Errorf("customer %d: email %q, API %q", a.ID, gotCust[a.ID].Email, a.Email)
		}
		for j := range a.FormFields {
			r := formFieldRow(&a.FormFields[j], a.ID, 0)
			wantForms[r.SourceKey] = normForm(r)
		}
	}
	apiAddr, _, err := c.Addresses.List(ctx, &bigcommerce.AddressListOptions{CustomerIDIn: ids, IncludeFormFields: true,
		ListOptions: bigcommerce.ListOptions{Limit: 250}})
	if err != nil {
		t.Fatal(err)
	}
	wantAddr := map[int64]staging.Address{}
	for i := range apiAddr {
		a := &apiAddr[i]
		wantAddr[a.ID] = addressRow(a)
		for k := range a.FormFields {
			r := formFieldRow(&a.FormFields[k], a.CustomerID, a.ID)
			wantForms[r.SourceKey] = normForm(r)
		}
	}
	gotAddr := map[int64]staging.Address{}
	for _, r := range addresses {
		if want[*r.CustomerID] {
			gotAddr[*r.ID] = r
		}
	}
	if !reflect.DeepEqual(gotAddr, wantAddr) {
		t.Errorf("addresses of %v differ from the API: got %d, want %d", ids, len(gotAddr), len(wantAddr))
	}
	apiVals, _, err := c.AttributeValues.List(ctx, &bigcommerce.AttributeValueListOptions{CustomerIDIn: ids,
		ListOptions: bigcommerce.ListOptions{Limit: 250}})
	if err != nil {
		t.Fatal(err)
	}
	wantVals := map[int64]staging.AttributeValue{}
	for i := range apiVals {
		wantVals[apiVals[i].ID] = attributeValueRow(&apiVals[i], defs)
		if wantVals[apiVals[i].ID].AttributeName == "" {
			t.Errorf("value %d: no attribute name", apiVals[i].ID)
		}
	}
	gotVals := map[int64]staging.AttributeValue{}
	for _, r := range values {
		if want[*r.CustomerID] {
			gotVals[*r.ID] = r
		}
	}
	if !reflect.DeepEqual(gotVals, wantVals) {
		t.Errorf("attribute values of %v differ from the API: got %d, want %d", ids, len(gotVals), len(wantVals))
	}
	gotForms := map[string]staging.FormFieldValue{}
	for _, r := range forms {
		if want[*r.CustomerID] {
			gotForms[r.SourceKey] = normForm(r)
		}
	}
	if !reflect.DeepEqual(gotForms, wantForms) {
		t.Errorf("form field values of %v differ from the API: got %d, want %d", ids, len(gotForms), len(wantForms))
		for k, g := range gotForms {
			if w := wantForms[k]; !reflect.DeepEqual(g, w) {
				t.Logf("%s:\n got %+v\nwant %+v", k, g, w)
			}
		}
	}
	// The typed columns agree with the exact literal.
	for _, r := range gotForms {
		var v bigcommerce.FormValue
		if err := json.Unmarshal([]byte(r.ValueJSON), &v); err != nil || v.Kind.String() != r.ValueType {
			t.Errorf("form field %s: value_json %q does not match value_type %s", r.SourceKey, r.ValueJSON, r.ValueType)
		}
		if (r.ValueType == staging.ValueTypeString) != (r.ValueString != nil) || (r.ValueType == staging.ValueTypeNumber) != (r.ValueNumber != nil) {
			t.Errorf("form field %s: typed column not filled for %s", r.SourceKey, r.ValueType)
		}
	}
}

// Parquet does not tell a nil list from an empty one: compare both as empty.
func normCustomer(r staging.Customer) staging.Customer {
	if r.ChannelIDs == nil {
		r.ChannelIDs = []int64{}
	}
	if r.StoreCreditAmounts == nil {
		r.StoreCreditAmounts = []staging.Money{}
	}
	return r
}

func normForm(r staging.FormFieldValue) staging.FormFieldValue {
	if r.ValueArray == nil {
		r.ValueArray = []string{}
	}
	return r
}

// --entities writes only what was asked for, and a form-field-only run
// still reads the overflow addresses, whose form fields it needs.
func TestExtractStoreSomeEntities(t *testing.T) {
	forModes(t, testExtractStoreSomeEntities)
}

func testExtractStoreSomeEntities(t *testing.T, md mode) {
	e := newStoreEnvMode(t, 1500, md)
	dir := t.TempDir()
	m, _ := e.extract(dir, storeOptions{Entities: []string{staging.EntityCustomers, staging.EntityAttributes}})
	checkFiles(t, dir, m, []string{staging.EntityCustomers, staging.EntityAttributes})
	if got := e.n.Load(); got != m.Entities[staging.EntityCustomers].Requests+m.Entities[staging.EntityAttributes].Requests {
		t.Errorf("%d requests for customers and definitions only", got)
	}
	dir = t.TempDir()
	m, _ = e.extract(dir, storeOptions{Entities: []string{staging.EntityFormFieldValues}})
	checkFiles(t, dir, m, []string{staging.EntityFormFieldValues})
	_, _, _, nf := e.srv.Counts()
	if got := m.Entities[staging.EntityFormFieldValues].Rows; got != int64(nf) {
		t.Errorf("%d form field values, the store has %d", got, nf)
	}
}
