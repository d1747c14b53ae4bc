package store

import (
	"fmt"
	"net/http"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/bcetl/bcetl/internal/bigcommerce"
	"github.com/bcetl/bcetl/internal/sandbox"
	"github.com/bcetl/bcetl/internal/staging"
	"github.com/bcetl/bcetl/internal/stagingtest"
)

// idList is the customer_id:in list of one overflow request.
type idList struct {
	path string
	ids  []int64
}

// customerIDLists records the customer_id:in lists of the overflow
// requests the sandbox receives.
func customerIDLists(e *storeEnv) func() []idList {
	var (
		mu    sync.Mutex
		lists []idList
	)
	f := func(_ int64, r *http.Request) {
		s := r.URL.Query().Get("customer_id:in")
		if s == "" {
			return
		}
		l := idList{path: r.URL.Path}
		for _, p := range strings.Split(s, ",") {
			id, _ := strconv.ParseInt(p, 10, 64)
			l.ids = append(l.ids, id)
		}
		mu.Lock()
		lists = append(lists, l)
		mu.Unlock()
	}
	e.onRequest.Store(&f)
	return func() []idList {
		mu.Lock()
		defer mu.Unlock()
		return slices.Clone(lists)
	}
}

// A customer that embeds exactly 10 addresses and 10 attribute values may
// have more: without counts it is fetched again, and its rows and counts
// are right either way; with counts it is not fetched, while one with 11
// is.
func TestExtractStoreExactlyTen(t *testing.T) {
	for _, md := range []mode{{sandbox.DateBoundsExclusive, false}, {sandbox.DateBoundsExclusive, true}} {
		t.Run(md.String(), func(t *testing.T) {
			e := newStoreEnvMode(t, 300, md)
			c := e.client()
			var defs []bigcommerce.Attribute
			for a, err := range c.Attributes.All(t.Context(), bigcommerce.AttributeListOptions{}) {
				if err != nil {
					t.Fatal(err)
				}
				defs = append(defs, a)
			}
			value := func(a bigcommerce.Attribute) string {
				switch a.Type {
				case "number":
					return "42"
				case "date":
					return "2001-02-03"
				}
				return "ten"
			}
			address := func(i int) bigcommerce.AddressInline {
				return bigcommerce.AddressInline{FirstName: "Ten", LastName: "Addresses", Address1: fmt.Sprintf("%d Kerkstraat", i+1),
					City: "Utrecht", PostalCode: "3511 AB", CountryCode: "NL"}
			}
			var create []bigcommerce.CustomerCreate
			for k, email := range []string{"exactly-ten@example.com", "eleven@example.com"} {
				cc := bigcommerce.CustomerCreate{Email: email, FirstName: "Ten", LastName: strconv.Itoa(10 + k)}
				for i := range 10 {
					cc.Addresses = append(cc.Addresses, address(i))
					cc.Attributes = append(cc.Attributes, bigcommerce.AttributeInline{AttributeID: defs[i].ID, AttributeValue: value(defs[i])})
				}
				create = append(create, cc)
			}
			made, _, err := c.Customers.Create(t.Context(), create)
			if err != nil {
				t.Fatal(err)
			}
			ten, eleven := made[0].ID, made[1].ID
			a := address(10)
			if _, _, err := c.Addresses.Create(t.Context(), []bigcommerce.AddressCreate{{CustomerID: eleven, FirstName: a.FirstName, LastName: a.LastName,
				Address1: a.Address1, City: a.City, PostalCode: a.PostalCode, CountryCode: a.CountryCode}}); err != nil {
				t.Fatal(err)
			}
			if _, _, err := c.AttributeValues.Upsert(t.Context(), []bigcommerce.AttributeValueUpsert{{CustomerID: eleven, AttributeID: defs[10].ID, Value: value(defs[10])}}); err != nil {
				t.Fatal(err)
			}

			lists := customerIDLists(e)
			dir := t.TempDir()
			m, _ := e.extract(dir, storeOptions{})
			e.onRequest.Store(nil)
			checkFiles(t, dir, m, DefaultEntities)
			asked := map[int64]int{}
			for _, l := range lists() {
				for _, id := range l.ids {
					asked[id]++
				}
			}
			if asked[eleven] != 2 { // one address request, one value request
				t.Errorf("the customer with 11 addresses and values was in %d overflow requests, want 2", asked[eleven])
			}
			if want := map[bool]int{false: 2, true: 0}[md.counts]; asked[ten] != want {
				t.Errorf("the customer with exactly 10 was in %d overflow requests, want %d", asked[ten], want)
			}
			customers := stagingtest.Read[staging.Customer](t, filepath.Join(dir, staging.FileName(staging.EntityCustomers)))
			addrs := stagingtest.Read[staging.Address](t, filepath.Join(dir, staging.FileName(staging.EntityAddresses)))
			vals := stagingtest.Read[staging.AttributeValue](t, filepath.Join(dir, staging.FileName(staging.EntityAttributeValues)))
			nc, na, nv, _ := e.srv.Counts()
			if len(customers) != nc || len(addrs) != na || len(vals) != nv {
				t.Fatalf("rows: customers %d/%d addresses %d/%d values %d/%d", len(customers), nc, len(addrs), na, len(vals), nv)
			}
			rows := subResources(t, e, &subRows{addrs, vals})
			for _, r := range customers {
				want := map[int64]int{ten: 10, eleven: 11}[*r.ID]
				if want == 0 {
					continue
				}
				if len(rows[*r.ID].addresses) != want || len(rows[*r.ID].values) != want || r.AddressCount != int32(want) || r.AttributeCount != int32(want) {
					t.Errorf("customer %d: %d addresses, %d values, counts %d and %d; want %d of each", *r.ID,
						len(rows[*r.ID].addresses), len(rows[*r.ID].values), r.AddressCount, r.AttributeCount, want)
				}
			}
		})
	}
}

// Overflow addresses are read by page number. When a customer of the
// chunk loses its addresses between page 1 and page 2 (here: deleted),
// the rows after them move up a page, onto the page already read; the
// extractor sees the total change and reads the chunk again, so every
// other customer's addresses are all there.
func TestExtractStoreOverflowChangesWhileRead(t *testing.T) {
	e := newStoreEnv(t, 3000)
	before := subResources(t, e, nil)
	var (
		once    sync.Once
		deleted int64
	)
	f := func(_ int64, r *http.Request) {
		q := r.URL.Query()
		if !strings.HasSuffix(r.URL.Path, "/customers/addresses") || q.Get("page") != "2" {
			return
		}
		once.Do(func() {
			// The lowest customer id of the chunk: its addresses, the
			// oldest, are on page 1.
			ids := strings.Split(q.Get("customer_id:in"), ",")
			deleted, _ = strconv.ParseInt(ids[0], 10, 64)
			e.srv.DeleteCustomers([]int64{deleted})
		})
	}
	e.onRequest.Store(&f)
	dir := t.TempDir()
	m, _ := e.extract(dir, storeOptions{})
	e.onRequest.Store(nil)
	checkFiles(t, dir, m, DefaultEntities)
	if deleted == 0 {
		t.Fatal("no overflow chunk had a second page: the test proves nothing")
	}
	after := subResources(t, e, &subRows{stagingtest.Read[staging.Address](t, filepath.Join(dir, staging.FileName(staging.EntityAddresses))),
		stagingtest.Read[staging.AttributeValue](t, filepath.Join(dir, staging.FileName(staging.EntityAttributeValues)))})
	for id, b := range before {
		if id == deleted {
			continue
		}
		if a := after[id]; !slices.Equal(a.addresses, b.addresses) {
			t.Errorf("customer %d: addresses %v, before the run %v", id, a.addresses, b.addresses)
		}
	}
}

// Without counts, 3,000 customers that embed the maximum (every 7th has
// 11 addresses, the others exactly 10) are more than one URL of
// customer_id:in holds: the chunks are filled up to the 8 KB URL (never
// over: no 414), not cut at a count, and read in full pages, so the
// requests stay within one partial page per chunk of the minimum.
func TestExtractStoreOverflowFillsURLs(t *testing.T) {
	e := newStoreEnv(t, 0)
	c := e.client()
	const n = 3000
	address := func(i int) bigcommerce.AddressInline {
		return bigcommerce.AddressInline{FirstName: "Ten", LastName: "Addresses", Address1: fmt.Sprintf("%d Kerkstraat", i+1),
			City: "Utrecht", PostalCode: "3511 AB", CountryCode: "NL"}
	}
	var ids []int64
	for k := 0; k < n; k += bigcommerce.MaxCustomersPerCall {
		var batch []bigcommerce.CustomerCreate
		for j := k; j < k+bigcommerce.MaxCustomersPerCall; j++ {
			cc := bigcommerce.CustomerCreate{Email: fmt.Sprintf("ten-%d@example.com", j), FirstName: "Ten", LastName: "Addresses"}
			for i := range 10 {
				cc.Addresses = append(cc.Addresses, address(i))
			}
			batch = append(batch, cc)
		}
		made, _, err := c.Customers.Create(t.Context(), batch)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range made {
			ids = append(ids, m.ID)
		}
	}
	var extra []bigcommerce.AddressCreate
	for i := 0; i < len(ids); i += 7 {
		a := address(10)
		extra = append(extra, bigcommerce.AddressCreate{CustomerID: ids[i], FirstName: a.FirstName, LastName: a.LastName,
			Address1: a.Address1, City: a.City, PostalCode: a.PostalCode, CountryCode: a.CountryCode})
	}
	for chunk := range slices.Chunk(extra, bigcommerce.MaxAddressesPerCall) {
		if _, _, err := c.Addresses.Create(t.Context(), chunk); err != nil {
			t.Fatal(err)
		}
	}

	var (
		mu      sync.Mutex
		longest int
		perList []int
	)
	f := func(_ int64, r *http.Request) {
		if !strings.HasSuffix(r.URL.Path, "/customers/addresses") {
			return
		}
		mu.Lock()
		defer mu.Unlock()
		longest = max(longest, len(r.RequestURI))
		if r.URL.Query().Get("page") == "1" {
			perList = append(perList, len(strings.Split(r.URL.Query().Get("customer_id:in"), ",")))
		}
	}
	e.onRequest.Store(&f)
	dir := t.TempDir()
	m, _ := e.extract(dir, storeOptions{Entities: []string{staging.EntityCustomers, staging.EntityAddresses}})
	e.onRequest.Store(nil)

	_, na, _, _ := e.srv.Counts()
	if got := m.Entities[staging.EntityAddresses].Rows; got != int64(na) || na != 10*n+len(extra) {
		t.Fatalf("%d addresses written, the store has %d (%d expected)", got, na, 10*n+len(extra))
	}
	if len(perList) < 2 || longest > sandbox.DefaultMaxURLBytes || longest < sandbox.DefaultMaxURLBytes-200 {
		t.Errorf("%d overflow chunks %v, longest request URI %d bytes: want at least 2 chunks filling the %d-byte URL", len(perList), perList, longest, sandbox.DefaultMaxURLBytes)
	}
	em := m.Entities[staging.EntityAddresses]
	if em.MinRequests != int64((na+pageSize-1)/pageSize) || em.Requests > em.MinRequests+int64(len(perList)) {
		t.Errorf("addresses: %d requests, minimum %d, %d chunks", em.Requests, em.MinRequests, len(perList))
	}
	t.Logf("%d chunks of %v customers, longest URI %d bytes; %d requests for a minimum of %d", len(perList), perList, longest, em.Requests, em.MinRequests)
}
