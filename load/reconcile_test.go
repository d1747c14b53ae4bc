package load

import (
	"errors"
	"io"
	"net/http"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/bcetl/bcetl/internal/bigcommerce"
	"github.com/bcetl/bcetl/internal/sandbox"
	"github.com/bcetl/bcetl/internal/staging"
)

// lostAnswer is the network failing at the worst moment: the first request
// it matches reaches the store and is applied (or refused), the answer is
// lost, and from then on nothing gets through — so the run cannot look the
// batch up and ends with it in-flight, as a killed loader leaves it. The
// next run, with a working network, must find out what really happened.
type lostAnswer struct {
	method, path string // path relative to /v3
	down         atomic.Bool
}

func (c *lostAnswer) RoundTrip(r *http.Request) (*http.Response, error) {
	if c.down.Load() {
		return nil, errors.New("network down")
	}
	res, err := http.DefaultTransport.RoundTrip(r)
	if err == nil && r.Method == c.method && strings.HasSuffix(r.URL.Path, "/v3"+c.path) && c.down.CompareAndSwap(false, true) {
		res.Body.Close()
		return nil, errors.New("connection reset after the request was sent")
	}
	return res, err
}

// crashThenResume runs a load whose answer to method path is lost (it must
// fail), then the same load again on a healthy client, and returns that
// run's results.
func crashThenResume(t *testing.T, base, in, method, path string, mod func(*Options)) map[string]Result {
	t.Helper()
	statePath := filepath.Join(t.TempDir(), "state.db")
	cut := &lostAnswer{method: method, path: path}
	if _, err := runLoad(t, newClient(t, base, bigcommerce.WithHTTPClient(&http.Client{Transport: cut})), in, statePath, mod); err == nil {
		t.Fatal("the first run succeeded: the answer was not lost")
	}
	if !cut.down.Load() {
		t.Fatalf("no %s %s was sent", method, path)
	}
	st, err := openState(statePath)
	if err != nil {
		t.Fatal(err)
	}
	var inflight int
	st.db.QueryRow(`SELECT count(*) FROM batches WHERE status = ?`, batchInFlight).Scan(&inflight)
	st.Close()
	if inflight == 0 {
		t.Fatal("the first run left no batch in-flight")
	}
	if _, err := runLoad(t, newClient(t, base), in, statePath, mod); err != nil {
		t.Fatalf("resumed run: %v", err)
	}
	if st, err = openState(statePath); err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	st.db.QueryRow(`SELECT count(*) FROM batches WHERE status = ?`, batchInFlight).Scan(&inflight)
	if inflight != 0 {
		t.Errorf("%d batches still in-flight after the resumed run", inflight)
	}
	return readResults(t, statePath)
}

var longAgo = time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)

// A POST /customers whose answer was lost is reconciled by looking the
// emails up — and a customer found is not taken for one the batch created:
// one the target created before the batch was sent existed already, so the
// batch (all or nothing) was refused and its customers are skipped-existing
// with the existing ids. One whose customers were all created by it is
// loaded. Either way nothing is created twice.
func TestUnconfirmedCustomerBatchIsReconciled(t *testing.T) {
	for _, existed := range []bool{true, false} {
		name := map[bool]string{true: "all existed", false: "all created"}[existed]
		t.Run(name, func(t *testing.T) {
			in := t.TempDir()
			spec := genSpec{customers: 3}
			want := writeStaging(t, in, spec)
			srv, base := newSandbox(t, sandbox.Options{})
			ids := map[string]int64{}
			if existed {
				for i := 0; i < spec.customers; i++ {
					email := "c000000" + string(rune('0'+i)) + "@example.com"
					id, err := srv.CreateCustomerDirect(sandbox.CustomerFields{Email: email, FirstName: "Had", LastName: "Account", DateCreated: longAgo})
					if err != nil {
						t.Fatal(err)
					}
					ids["c"+string(rune('0'+i))] = id
				}
			}
			res := crashThenResume(t, base, in, http.MethodPost, "/customers", nil)
			if n, _, _, _ := srv.Counts(); n != spec.customers {
				t.Errorf("the target has %d customers, want %d: one was created twice", n, spec.customers)
			}
			for i := 0; i < spec.customers; i++ {
				k := "c" + string(rune('0'+i))
				r := res["customers/"+k]
				if existed {
					if r.Status != staging.StatusSkipped || r.TargetID == nil || *r.TargetID != ids[k] {
						t.Errorf("customers/%s: %s %v %q, want skipped-existing as customer %d", k, r.Status, r.TargetID, r.Message, ids[k])
					}
					if a := res["addresses/"+k+"-a0"]; a.Status != staging.StatusSkipped {
						t.Errorf("addresses/%s-a0: %s %q, want skipped with its customer", k, a.Status, a.Message)
					}
				} else if r.Status != staging.StatusLoaded || r.TargetID == nil {
					t.Errorf("customers/%s: %s %q, want loaded", k, r.Status, r.Message)
				}
			}
			if !existed {
				verifyTarget(t, newClient(t, base), spec, want)
			}
		})
	}
}

// A POST /customers/attributes whose answer was lost: on the next run the
// attributes it created are found by name and reported loaded (not
// "already exists"), none is created twice, one that existed before is
// skipped-existing, and the batch is closed.
func TestUnconfirmedAttributeBatchIsReconciled(t *testing.T) {
	in := t.TempDir()
	writeStaging(t, in, genSpec{customers: 2})
	var clock atomic.Pointer[time.Time]
	clock.Store(&longAgo)
	now := func() time.Time {
		if t := clock.Load(); t != nil {
			return *t
		}
		return time.Now()
	}
	_, base := newSandbox(t, sandbox.Options{Now: now})
	old, _, err := newClient(t, base).Attributes.Create(t.Context(), []bigcommerce.AttributeCreate{{Name: "tier", Type: "string"}})
	if err != nil {
		t.Fatal(err)
	}
	clock.Store(nil)
	res := crashThenResume(t, base, in, http.MethodPost, "/customers/attributes", nil)
	names := map[string]int{}
	for a, err := range newClient(t, base).Attributes.All(t.Context(), bigcommerce.AttributeListOptions{}) {
		if err != nil {
			t.Fatal(err)
		}
		names[a.Name]++
	}
	for _, a := range genAttrs {
		if names[a.Name] != 1 {
			t.Errorf("attribute %s is on the target %d times", a.Name, names[a.Name])
		}
		r := res["attributes/"+a.SourceKey]
		switch {
		case a.Name == "tier":
			if r.Status != staging.StatusSkipped || r.TargetID == nil || *r.TargetID != old[0].ID {
				t.Errorf("%s: %s %v, want skipped-existing as %d", a.Name, r.Status, r.TargetID, old[0].ID)
			}
		case r.Status != staging.StatusLoaded || r.TargetID == nil:
			t.Errorf("%s: %s %q, want loaded (created by the lost request or after)", a.Name, r.Status, r.Message)
		}
	}
	for k, r := range res {
		if strings.HasPrefix(k, "attribute_values/") && r.Status != staging.StatusLoaded {
			t.Errorf("%s: %s %q", k, r.Status, r.Message)
		}
	}
}

// With --on-existing=update, an address the updated customer already had
// is reported as existing, and an address batch whose answer was lost is
// reconciled to what it created: the batch never carried the address that
// was already there, so "found" means "created by it".
func TestUnconfirmedAddressBatchOfUpdatedCustomer(t *testing.T) {
	in := t.TempDir()
	writeStaging(t, in, genSpec{customers: 1})
	srv, base := newSandbox(t, sandbox.Options{})
	id, err := srv.CreateCustomerDirect(sandbox.CustomerFields{Email: "c0000000@example.com", FirstName: "Had", LastName: "Account", DateCreated: longAgo})
	if err != nil {
		t.Fatal(err)
	}
	c := newClient(t, base)
	had, _, err := c.Addresses.Create(t.Context(), []bigcommerce.AddressCreate{{CustomerID: id, FirstName: "First", LastName: "Last",
		Address1: "1 Main St", City: "Springfield", StateOrProvince: usStates[0], PostalCode: "90000", CountryCode: "US"}})
	if err != nil || len(had) != 1 {
		t.Fatalf("%v %v", had, err)
	}
	res := crashThenResume(t, base, in, http.MethodPost, "/customers/addresses", func(o *Options) { o.OnExisting = OnExistingUpdate })
	if r := res["customers/c0"]; r.Status != staging.StatusUpdated {
		t.Errorf("customers/c0: %s %q, want updated", r.Status, r.Message)
	}
	if r := res["addresses/c0-a0"]; r.Status != staging.StatusSkipped || r.TargetID == nil || *r.TargetID != had[0].ID {
		t.Errorf("addresses/c0-a0: %s %v %q, want skipped-existing as address %d", r.Status, r.TargetID, r.Message, had[0].ID)
	}
	if r := res["addresses/c0-a1"]; r.Status != staging.StatusLoaded || r.TargetID == nil {
		t.Errorf("addresses/c0-a1: %s %q, want loaded", r.Status, r.Message)
	}
	if r := res["form_field_values/c0-a0-f"]; r.Status != staging.StatusLoaded {
		t.Errorf("form_field_values/c0-a0-f: %s %q, want loaded onto the existing address", r.Status, r.Message)
	}
	n := 0
	for _, err := range c.Addresses.All(t.Context(), bigcommerce.AddressListOptions{CustomerIDIn: []int64{id}}) {
		if err != nil {
			t.Fatal(err)
		}
		n++
	}
	if n != 2 {
		t.Errorf("customer %d has %d addresses, want 2", id, n)
	}
}

// Against a target that compares emails loosely, an unconfirmed batch
// whose look-up answers with another person's customer (strasse@ for
// straße@) is not mapped to it: the record is sent again and rejected with
// the API's reason.
func TestUnconfirmedBatchNeverMapsALooseMatch(t *testing.T) {
	in := t.TempDir()
	writeStaging(t, in, genSpec{customers: 1})
	editStaging(t, in, staging.EntityCustomers, func(rows []staging.Customer) []staging.Customer {
		rows[0].Email = "straße@example.de"
		return rows
	})
	srv, base := newSandbox(t, sandbox.Options{LooseEmails: true})
	other, err := srv.CreateCustomerDirect(sandbox.CustomerFields{Email: "strasse@example.de", FirstName: "Other", LastName: "Person"})
	if err != nil {
		t.Fatal(err)
	}
	res := crashThenResume(t, base, in, http.MethodPost, "/customers", nil)
	if r := res["customers/c0"]; r.Status != staging.StatusRejected || (r.TargetID != nil && *r.TargetID == other) || !strings.Contains(r.Message, "already in use") {
		t.Errorf("customers/c0: %s %v %q, want rejected with the API's reason, never mapped to customer %d", r.Status, r.TargetID, r.Message, other)
	}
}

// garbledAnswer lets the first request it matches reach the store and be
// applied, then replaces the answer's body with one that cannot be read:
// the write happened, the loader cannot tell what it created.
type garbledAnswer struct {
	method, path string
	done         atomic.Bool
}

func (g *garbledAnswer) RoundTrip(r *http.Request) (*http.Response, error) {
	res, err := http.DefaultTransport.RoundTrip(r)
	if err == nil && r.Method == g.method && strings.HasSuffix(r.URL.Path, "/v3"+g.path) && g.done.CompareAndSwap(false, true) {
		res.Body.Close()
		res.Body = io.NopCloser(strings.NewReader("<html>gateway</html>"))
		res.ContentLength = -1
	}
	return res, err
}

// Every create follows one protocol: a batch answered with something that
// is neither a confirmation nor a refusal (a body that cannot be read)
// stays in-flight, and the next run reconciles it. Attribute creations
// did not: their batch was marked failed, and the next run reported the
// attributes it had created as already existing.
func TestUnreadableAttributeAnswerIsReconciled(t *testing.T) {
	in := t.TempDir()
	writeStaging(t, in, genSpec{customers: 2})
	_, base := newSandbox(t, sandbox.Options{})
	statePath := filepath.Join(t.TempDir(), "state.db")
	g := &garbledAnswer{method: http.MethodPost, path: "/customers/attributes"}
	if _, err := runLoad(t, newClient(t, base, bigcommerce.WithHTTPClient(&http.Client{Transport: g})), in, statePath, nil); err == nil {
		t.Fatal("the first run succeeded: the answer was readable")
	}
	st, err := openState(statePath)
	if err != nil {
		t.Fatal(err)
	}
	var inflight int
	st.db.QueryRow(`SELECT count(*) FROM batches WHERE step = ? AND status = ?`, staging.EntityAttributes, batchInFlight).Scan(&inflight)
	st.Close()
	if inflight != 1 {
		t.Errorf("%d attribute batches in-flight after the unreadable answer, want 1", inflight)
	}
	sum, err := runLoad(t, newClient(t, base), in, statePath, nil)
	if err != nil || !sum.Complete {
		t.Fatalf("resumed run: %v\n%v", err, sum)
	}
	names := map[string]int{}
	for a, err := range newClient(t, base).Attributes.All(t.Context(), bigcommerce.AttributeListOptions{}) {
		if err != nil {
			t.Fatal(err)
		}
		names[a.Name]++
	}
	for k, r := range readResults(t, statePath) {
		if r.Status != staging.StatusLoaded {
			t.Errorf("%s: %s %q, want loaded", k, r.Status, r.Message)
		}
	}
	for _, a := range genAttrs {
		if names[a.Name] != 1 {
			t.Errorf("attribute %s is on the target %d times", a.Name, names[a.Name])
		}
	}
}
