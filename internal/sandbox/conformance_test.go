package sandbox_test

// Conformance through the real client: the rules the sandbox enforces, seen
// from bcetl's own API client over HTTP on loopback. The sandbox's other
// tests check the wire format byte by byte; these check that client and
// sandbox agree on it, so neither can drift into a private dialect.

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/bcetl/bcetl/internal/bigcommerce"
	"github.com/bcetl/bcetl/internal/clocktest"
	"github.com/bcetl/bcetl/internal/sandbox"
	"github.com/bcetl/bcetl/internal/sandboxtest"
)

type conformance struct {
	srv    *sandbox.Server
	client *bigcommerce.Client
	clock  *clocktest.Fake
	url    string
}

func newConformance(t *testing.T, opts sandbox.Options) *conformance {
	t.Helper()
	clk := clocktest.New(time.Date(2026, 11, 25, 9, 0, 0, 0, time.UTC))
	opts.StoreHash, opts.Token, opts.Now = "conf", "conf-token", clk.Now
	if opts.Config == nil { // the address field the tests write
		opts.Config = &sandbox.StoreConfig{AddressFields: []sandbox.FormField{{Name: "floor", FieldType: "numbers"}}}
	}
	st := sandboxtest.Start(t, opts, sandboxtest.WithClient(bigcommerce.WithClock(clk)))
	return &conformance{srv: st.Server, client: st.Client, clock: clk, url: st.URL}
}

func customer(i int) bigcommerce.CustomerCreate {
	return bigcommerce.CustomerCreate{Email: fmt.Sprintf("c%d@example.com", i), FirstName: "Ada", LastName: fmt.Sprintf("L%d", i)}
}

func TestConformanceAuth(t *testing.T) {
	e := newConformance(t, sandbox.Options{})
	bad, _ := bigcommerce.NewClient(bigcommerce.Config{BaseURL: e.url, Token: "wrong"}, bigcommerce.WithClock(e.clock))
	_, _, err := bad.Customers.List(context.Background(), nil)
	var er *bigcommerce.ErrorResponse
	if !errors.As(err, &er) || er.StatusCode != 401 || er.Body.Status != 401 || er.Body.Title == "" {
		t.Fatalf("want a 401 in the documented error shape, got %v", err)
	}
}

func TestConformanceCreateIsAllOrNothing(t *testing.T) {
	e := newConformance(t, sandbox.Options{})
	ctx := context.Background()
	batch := []bigcommerce.CustomerCreate{customer(1), customer(2)}
	batch[0].Addresses = []bigcommerce.AddressInline{{FirstName: "Ada", LastName: "L", Address1: "1 Main St", City: "Austin",
		StateOrProvince: "Texas", PostalCode: "78701", CountryCode: "US",
		FormFields: []bigcommerce.FormField{{Name: "floor", Value: bigcommerce.NumberValue("12345678901234567890.5")}}}}
	got, _, err := e.client.Customers.Create(ctx, batch)
	if err != nil || len(got) != 2 || got[0].ID == 0 || len(got[0].Addresses) != 1 {
		t.Fatalf("create: %v %+v", err, got)
	}
	// One bad item (the email exists, in another case) fails the batch;
	// the other item is not written either. The recorded error names the
	// email, not the item.
	dup := []bigcommerce.CustomerCreate{customer(3), customer(1)}
	dup[1].Email = "C1@EXAMPLE.com"
	_, _, err = e.client.Customers.Create(ctx, dup)
	var er *bigcommerce.ErrorResponse
	if !errors.As(err, &er) || er.StatusCode != 422 || fmt.Sprint(er.FieldErrors()) != "[.customer_create: Error creating customers: email C1@EXAMPLE.com already in use]" {
		t.Fatalf("duplicate email: want a 422 naming the email, got %v", err)
	}
	if n, _, _, _ := e.srv.Counts(); n != 2 {
		t.Fatalf("%d customers after a failed batch, want 2", n)
	}
	// Inline addresses must carry the required fields.
	noCity := customer(4)
	noCity.Addresses = []bigcommerce.AddressInline{{FirstName: "A", LastName: "B", Address1: "x", CountryCode: "US"}}
	if _, _, err := e.client.Customers.Create(ctx, []bigcommerce.CustomerCreate{noCity}); !errors.As(err, &er) || er.StatusCode != 422 {
		t.Fatalf("address without city: %v", err)
	}
	// The number form field comes back digit for digit.
	list, _, err := e.client.Customers.List(ctx, &bigcommerce.CustomerListOptions{IDIn: []int64{got[0].ID},
		Include: []string{bigcommerce.IncludeAddresses, bigcommerce.IncludeFormFields}})
	if err != nil || len(list) != 1 || len(list[0].Addresses) != 1 || list[0].Addresses[0].FormFields[0].Value.Number != "12345678901234567890.5" {
		t.Fatalf("read back: %v %+v", err, list)
	}
}

func TestConformanceAddressUniquenessKey(t *testing.T) {
	e := newConformance(t, sandbox.Options{})
	ctx := context.Background()
	got, _, err := e.client.Customers.Create(ctx, []bigcommerce.CustomerCreate{customer(1)})
	if err != nil {
		t.Fatal(err)
	}
	a := bigcommerce.AddressCreate{CustomerID: got[0].ID, FirstName: "Ada", LastName: "L", Address1: "12 Main St", City: "Austin",
		StateOrProvince: "Texas", PostalCode: "78701", CountryCode: "US"}
	if out, _, err := e.client.Addresses.Create(ctx, []bigcommerce.AddressCreate{a}); err != nil || len(out) != 1 {
		t.Fatalf("first address: %v %v", err, out)
	}
	// The same address again: 200, absent from the answer, nothing stored.
	// A variant that differs only in spacing is another address to the API.
	variant := a
	variant.Address1 = "12  Main St"
	out, _, err := e.client.Addresses.Create(ctx, []bigcommerce.AddressCreate{a, variant})
	if err != nil || len(out) != 1 || out[0].Address1 != "12  Main St" {
		t.Fatalf("duplicate must be absent, variant created: %v %+v", err, out)
	}
	if _, n, _, _ := e.srv.Counts(); n != 2 {
		t.Fatalf("%d addresses, want 2", n)
	}
}

func TestConformanceAttributeValuesWriteValueReadAttributeValue(t *testing.T) {
	e := newConformance(t, sandbox.Options{})
	ctx := context.Background()
	cs, _, err := e.client.Customers.Create(ctx, []bigcommerce.CustomerCreate{customer(1)})
	if err != nil {
		t.Fatal(err)
	}
	attrs, _, err := e.client.Attributes.Create(ctx, []bigcommerce.AttributeCreate{{Name: "Shoe size", Type: "number"}})
	if err != nil || len(attrs) != 1 {
		t.Fatal(err)
	}
	vals, _, err := e.client.AttributeValues.Upsert(ctx, []bigcommerce.AttributeValueUpsert{{AttributeID: attrs[0].ID, Value: "42.5", CustomerID: cs[0].ID}})
	if err != nil || len(vals) != 1 || vals[0].AttributeValue != "42.5" {
		t.Fatalf("upsert: %v %+v", err, vals)
	}
	// Upsert on (customer, attribute): a second write updates in place.
	again, _, err := e.client.AttributeValues.Upsert(ctx, []bigcommerce.AttributeValueUpsert{vals[0].Upsert()})
	if err != nil || again[0].ID != vals[0].ID {
		t.Fatalf("upsert again: %v %+v", err, again)
	}
	// A value that does not fit the type is refused.
	_, _, err = e.client.AttributeValues.Upsert(ctx, []bigcommerce.AttributeValueUpsert{{AttributeID: attrs[0].ID, Value: "large", CustomerID: cs[0].ID}})
	var er *bigcommerce.ErrorResponse
	if !errors.As(err, &er) || er.StatusCode != 422 {
		t.Fatalf("non-number for a number attribute: %v", err)
	}
	// At most 50 definitions per store.
	for i := 0; i < 49; i += 10 {
		var batch []bigcommerce.AttributeCreate
		for j := i; j < min(i+10, 49); j++ {
			batch = append(batch, bigcommerce.AttributeCreate{Name: fmt.Sprint("a", j), Type: "string"})
		}
		if _, _, err := e.client.Attributes.Create(ctx, batch); err != nil {
			t.Fatalf("attribute %d: %v", i, err)
		}
	}
	if _, _, err := e.client.Attributes.Create(ctx, []bigcommerce.AttributeCreate{{Name: "51st", Type: "string"}}); !errors.As(err, &er) || er.StatusCode != 422 {
		t.Fatalf("51st attribute: %v", err)
	}
}

func TestConformancePagingWalksEveryCustomerOnce(t *testing.T) {
	e := newConformance(t, sandbox.Options{})
	e.srv.Generate(1234, 7)
	ctx := context.Background()
	seen := map[int64]bool{}
	for c, err := range e.client.Customers.All(ctx, bigcommerce.CustomerListOptions{ListOptions: bigcommerce.ListOptions{Limit: 250}}) {
		if err != nil {
			t.Fatal(err)
		}
		if seen[c.ID] {
			t.Fatalf("customer %d twice", c.ID)
		}
		seen[c.ID] = true
	}
	addrs := 0
	for page, err := range e.client.Addresses.Pages(ctx, bigcommerce.AddressListOptions{ListOptions: bigcommerce.ListOptions{Limit: 250}}) {
		if err != nil {
			t.Fatal(err)
		}
		addrs += len(page)
	}
	n, na, _, _ := e.srv.Counts()
	if len(seen) != n || addrs != na {
		t.Fatalf("walked %d customers and %d addresses, store has %d and %d", len(seen), addrs, n, na)
	}
	_, _, err := e.client.Customers.List(ctx, &bigcommerce.CustomerListOptions{ListOptions: bigcommerce.ListOptions{Limit: 251}})
	var er *bigcommerce.ErrorResponse
	if !errors.As(err, &er) || er.StatusCode != 413 {
		t.Fatalf("limit 251: %v", err)
	}
}

// The pacer keeps a client inside the quota: no 429 at all, and the waits
// are the windows the headers announced (on the fake clock: no real sleep).
func TestConformancePacerStaysWithinQuota(t *testing.T) {
	e := newConformance(t, sandbox.Options{Quota: 5, Window: 30 * time.Second})
	ctx := context.Background()
	for i := 0; i < 12; i++ {
		if _, _, err := e.client.Customers.List(ctx, nil); err != nil {
			t.Fatal(err)
		}
	}
	if st := e.srv.Stats(); st.RateLimited != 0 {
		t.Fatalf("%d 429s", st.RateLimited)
	}
	if s := e.clock.Slept(); s < 60*time.Second || s > 61*time.Second {
		t.Fatalf("12 requests at 5 per 30 s waited %v, want two windows", s)
	}
}

// Over a per-endpoint concurrency cap the sandbox answers 429, and the
// client waits and retries: every update lands. (Real clock: the backoff
// must really let the other requests finish; on the fake clock the retries
// would all fire at once.)
func TestConformanceConcurrencyCapIsSurvived(t *testing.T) {
	e := newConformance(t, sandbox.Options{Latency: 5 * time.Millisecond})
	ctx := context.Background()
	rc, err := bigcommerce.NewClient(bigcommerce.Config{BaseURL: e.url, Token: "conf-token"})
	if err != nil {
		t.Fatal(err)
	}
	e.client = rc
	var ids []int64
	for i := 0; i < 3; i++ {
		var batch []bigcommerce.CustomerCreate
		for j := 0; j < 10; j++ {
			batch = append(batch, customer(i*10+j))
		}
		got, _, err := e.client.Customers.Create(ctx, batch)
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range got {
			ids = append(ids, c.ID)
		}
	}
	var wg sync.WaitGroup
	errs := make(chan error, len(ids))
	for _, id := range ids {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, _, err := e.client.Customers.Update(ctx, []bigcommerce.CustomerUpdate{{ID: id, Company: new("Acme")}})
			errs <- err
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	if e.srv.Stats().ConcurrencyLimited == 0 {
		t.Fatal("30 concurrent PUT /customers never hit the cap of 3")
	}
	for _, id := range ids {
		if c, _ := e.srv.Customer(id); c.Company != "Acme" {
			t.Fatalf("customer %d not updated", id)
		}
	}
}

// With faults on, reads always complete (retried), and a write either
// succeeds or says its outcome is unknown: never a silent loss.
func TestConformanceFaultsAreRetriedOrReported(t *testing.T) {
	e := newConformance(t, sandbox.Options{FaultRate: 0.3, Seed: 3})
	e.srv.SetFaultRate(0)
	e.srv.Generate(300, 1)
	e.srv.SetFaultRate(0.3)
	ctx := context.Background()
	n := 0
	for _, err := range e.client.Customers.All(ctx, bigcommerce.CustomerListOptions{ListOptions: bigcommerce.ListOptions{Limit: 50}}) {
		if err != nil {
			t.Fatal(err)
		}
		n++
	}
	if n != 300 {
		t.Fatalf("walked %d of 300 customers", n)
	}
	unknown := 0
	for i := 0; i < 30; i++ {
		_, _, err := e.client.Customers.Create(ctx, []bigcommerce.CustomerCreate{customer(1000 + i)})
		switch {
		case err == nil:
		case bigcommerce.IsOutcomeUnknown(err):
			unknown++
		default:
			t.Fatalf("create %d: %v", i, err)
		}
	}
	if unknown == 0 || e.srv.Stats().Faults == 0 {
		t.Fatalf("no fault reached the client (%d unknown, %d faults)", unknown, e.srv.Stats().Faults)
	}
}

// Eight workers sharing one client against a real-time quota: the pacer
// must never let the store answer 429. (The sandbox opens a window when
// the first request after the last one arrives, like a fixed window that
// BigCommerce "refreshes"; a pacer that guesses the refresh a moment early
// runs into it.)
func TestConformanceConcurrentWorkersGetNo429(t *testing.T) {
	// In a synctest bubble over memnet: the windows pass in fake time, so
	// a loaded machine's scheduling delays cannot fake or hide a 429.
	synctest.Test(t, func(t *testing.T) {
		st := sandboxtest.Start(t, sandbox.Options{Quota: 20, Window: 300 * time.Millisecond, Latency: 10 * time.Millisecond},
			sandboxtest.InMemory())
		srv, c := st.Server, st.Client
		var wg sync.WaitGroup
		for w := 0; w < 8; w++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := 0; i < 15; i++ {
					if _, _, err := c.Customers.List(context.Background(), nil); err != nil {
						t.Error(err)
						return
					}
				}
			}()
		}
		wg.Wait()
		if st := srv.Stats(); st.RateLimited != 0 || st.Requests != 120 {
			t.Fatalf("sandbox saw %+v; want 120 requests and no 429", st)
		}
	})
}
