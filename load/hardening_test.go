package load

import (
	"time"

	"errors"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/bcetl/bcetl/internal/lockfile"
	"github.com/bcetl/bcetl/internal/sandbox"
	"github.com/bcetl/bcetl/internal/sandboxtest"
	"github.com/bcetl/bcetl/internal/staging"
	"github.com/bcetl/bcetl/internal/stagingtest"
)

// gatedSandbox is a sandbox whose first POST /customers waits until
// release is closed; entered is closed when it arrives. posts counts the
// POST /customers requests.
type gatedSandbox struct {
	srv              *sandbox.Server
	base             string
	entered, release chan struct{}
	gated            atomic.Bool // only the first POST waits; later ones pass
	posts            atomic.Int64
}

func newGatedSandbox(t *testing.T, hash string) *gatedSandbox {
	t.Helper()
	g := &gatedSandbox{entered: make(chan struct{}), release: make(chan struct{})}
	st := sandboxtest.Start(t, sandbox.Options{StoreHash: hash, Token: testToken, Config: stagingtest.TargetConfig()},
		sandboxtest.Wrap(func(srv *sandbox.Server) http.Handler {
			return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if r.Method == http.MethodPost && strings.HasSuffix(r.URL.Path, "/customers") {
					g.posts.Add(1)
					if g.gated.CompareAndSwap(false, true) {
						close(g.entered)
						<-g.release
					}
				}
				srv.ServeHTTP(w, r)
			})
		}))
	g.srv, g.base = st.Server, st.URL
	return g
}

// Rule 1: while one load runs, a second one on the same state file is
// refused at once, naming the first (this process), and sends nothing;
// the first then finishes with every record loaded once.
func TestSecondLoadOnOneStateIsRefused(t *testing.T) {
	in, out := t.TempDir(), t.TempDir()
	spec := genSpec{customers: 30}
	want := writeStaging(t, in, spec)
	g := newGatedSandbox(t, testHash)
	c := newClient(t, g.base)
	statePath := filepath.Join(out, "load.db")
	first := make(chan error, 1)
	go func() {
		_, err := runLoad(t, c, in, statePath, nil)
		first <- err
	}()
	<-g.entered
	_, err := runLoad(t, newClient(t, g.base), in, statePath, nil)
	close(g.release)
	var held *lockfile.HeldError
	if !errors.As(err, &held) {
		t.Fatalf("second load: %v, want a refusal naming the first", err)
	}
	if held.Holder.PID != os.Getpid() || !strings.Contains(err.Error(), "bcetl load") {
		t.Errorf("refusal does not name the holder: %v", err)
	}
	if err := <-first; err != nil {
		t.Fatalf("first load: %v", err)
	}
	verifyTarget(t, c, spec, want)
	for k, r := range readResults(t, statePath) {
		if r.Status != staging.StatusLoaded {
			t.Errorf("%s: %s %s", k, r.Status, r.Message)
		}
	}
}

// Rule 2: a state file belongs to the store it first loaded into. Resumed
// against another store it refuses before any request (today it reports
// everything loaded while the other store has nothing). A dry run binds
// nothing: a state first used for a dry run against one store can load
// into another; once loaded, a dry run against another store is refused
// too.
func TestStateBelongsToItsTarget(t *testing.T) {
	in, out := t.TempDir(), t.TempDir()
	spec := genSpec{customers: 12, bigEvery: 4}
	want := writeStaging(t, in, spec)
	statePath := filepath.Join(out, "load.db")
	_, baseA := newSandbox(t, sandbox.Options{})
	srvB, baseB := newSandbox(t, sandbox.Options{})
	a, b := newClient(t, baseA), newClient(t, baseB)

	if _, err := runLoad(t, b, in, statePath, func(o *Options) { o.DryRun, o.StoreHash = true, testHash }); err != nil {
		t.Fatalf("dry run against B: %v", err)
	}
	if _, err := runLoad(t, a, in, statePath, func(o *Options) { o.StoreHash = testHash }); err != nil {
		t.Fatalf("load into A after a dry run against B: %v", err)
	}
	verifyTarget(t, a, spec, want)

	before := srvB.RequestCount()
	for _, dry := range []bool{false, true} {
		_, err := runLoad(t, b, in, statePath, func(o *Options) { o.DryRun, o.StoreHash = dry, testHash })
		var te *TargetError
		if !errors.As(err, &te) || !strings.Contains(err.Error(), "use a new --state") {
			t.Fatalf("dry run %v against B with A's state: %v, want a refusal", dry, err)
		}
	}
	if n := srvB.RequestCount() - before; n != 0 {
		t.Errorf("B received %d requests from refused runs", n)
	}
	if customers, _, _, _ := srvB.Counts(); customers != 0 {
		t.Errorf("B has %d customers", customers)
	}
	// Another store hash at the same URL is another target too.
	_, err := runLoad(t, a, in, statePath, func(o *Options) { o.StoreHash = "other" })
	var te *TargetError
	if !errors.As(err, &te) {
		t.Errorf("same URL, another store hash: %v", err)
	}
}

// Rule 4: the input is checked against its manifest before any request; a
// missing entity file is an error naming it, never "0 addresses".
func TestLoadVerifiesItsInput(t *testing.T) {
	in, out := t.TempDir(), t.TempDir()
	writeStaging(t, in, genSpec{customers: 5})
	srv, base := newSandbox(t, sandbox.Options{})
	c := newClient(t, base)
	for _, c2 := range []struct {
		spoil func()
		want  string
	}{
		{func() { os.Remove(filepath.Join(in, "addresses.parquet")) }, "addresses.parquet is missing"},
		{func() { os.Remove(filepath.Join(in, staging.ManifestFile)) }, "no manifest.json"},
	} {
		c2.spoil()
		_, err := runLoad(t, c, in, filepath.Join(out, "load.db"), nil)
		if err == nil || !strings.Contains(err.Error(), c2.want) {
			t.Errorf("load: %v, want an error containing %q", err, c2.want)
		}
	}
	if n := srv.RequestCount(); n != 0 {
		t.Errorf("%d requests sent for a refused input", n)
	}
}

// Rule 6: the results and the summary are named after the state file, so
// two loads in one directory keep their own; leftovers of a killed
// writer of them are removed by the next run.
func TestResultsAreNamedAfterTheStateFile(t *testing.T) {
	inA, inB, out := t.TempDir(), t.TempDir(), t.TempDir()
	wantA := writeStaging(t, inA, genSpec{customers: 7, prefix: "a"})
	wantB := writeStaging(t, inB, genSpec{customers: 3, prefix: "b"})
	_, base := newSandbox(t, sandbox.Options{})
	c := newClient(t, base)
	stateA, stateB := filepath.Join(out, "a.db"), filepath.Join(out, "b.db")
	left := filepath.Join(out, ".a.results.parquet"+".bcetl-tmp-99")
	if err := os.WriteFile(left, []byte("personal data"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, r := range []struct{ in, state string }{{inA, stateA}, {inB, stateB}} {
		sum, err := runLoad(t, c, r.in, r.state, nil)
		if err != nil {
			t.Fatal(err)
		}
		if stem := strings.TrimSuffix(r.state, ".db"); sum.ResultsPath != stem+".results.parquet" || sum.SummaryPath != stem+".summary.json" {
			t.Errorf("results %s, summary %s for state %s", sum.ResultsPath, sum.SummaryPath, r.state)
		}
	}
	if n := len(readResults(t, stateA)); n != wantA.total() {
		t.Errorf("a's results: %d rows, want %d", n, wantA.total())
	}
	if n := len(readResults(t, stateB)); n != wantB.total() {
		t.Errorf("b's results: %d rows, want %d", n, wantB.total())
	}
	if _, err := os.Stat(left); !os.IsNotExist(err) {
		t.Errorf("leftover of a killed writer survived: %v", err)
	}
}

// Rule 3, in the loader: a finished state given a changed input loads the
// delta. Unchanged records keep their outcome and are not sent again; new
// ones are loaded; a changed customer is found by email and handled per
// --on-existing; a new address of an unchanged customer is added to it.
// Nothing is doubled.
func TestChangedInputLoadsTheDelta(t *testing.T) {
	in, out := t.TempDir(), t.TempDir()
	spec := genSpec{customers: 20, bigEvery: 5}
	writeStaging(t, in, spec)
	srv, base := newSandbox(t, sandbox.Options{})
	c := newClient(t, base)
	statePath := filepath.Join(out, "load.db")
	if _, err := runLoad(t, c, in, statePath, nil); err != nil {
		t.Fatal(err)
	}
	first := readResults(t, statePath)

	// The same input grown by two customers, with customer 3's name
	// changed and an address added to customer 5.
	spec.customers = 22
	want := writeStaging(t, in, spec)
	editStaging(t, in, staging.EntityCustomers, func(rows []staging.Customer) []staging.Customer {
		rows[3].FirstName = "Renamed"
		return rows
	})
	editStaging(t, in, staging.EntityAddresses, func(rows []staging.Address) []staging.Address {
		return append(rows, staging.Address{SourceKey: "c5-new", CustomerSourceKey: "c5", FirstName: "First", LastName: "Last",
			Address1: "99 New St", City: "Springfield", StateOrProvince: "Ohio", PostalCode: "90005", CountryCode: "US"})
	})
	before, _, _, _ := srv.Counts()
	sum, err := runLoad(t, c, in, statePath, nil)
	if err != nil {
		t.Fatal(err)
	}
	if !sum.Complete {
		t.Fatalf("delta run incomplete:\n%s", sum)
	}
	// The dropped outcome of c3, a customer the target has, makes the run
	// look the three customers without an outcome up first (one GET), and
	// POST only the two new ones: no refused POST.
	if sent, looked := sum.Requests[epPostCustomers], sum.Requests[epGetCustomers]; sent != 1 || looked != 1 {
		t.Errorf("POST /customers sent %d times, GET /customers %d, want 1 and 1: %v", sent, looked, sum.Requests)
	}
	customers, _, _, _ := srv.Counts()
	if before != 20 || customers != 22 {
		t.Errorf("target customers %d → %d, want 20 → 22", before, customers)
	}
	res := readResults(t, statePath)
	for _, k := range []string{"customers/c20", "customers/c21", "addresses/c5-new", "addresses/c21-a1"} {
		if r := res[k]; r.Status != staging.StatusLoaded {
			t.Errorf("%s: %s %s, want loaded", k, r.Status, r.Message)
		}
	}
	if r := res["customers/c3"]; r.Status != staging.StatusSkipped || r.TargetID == nil || *r.TargetID != *first["customers/c3"].TargetID {
		t.Errorf("changed customer c3: %+v, want skipped-existing as the customer loaded first", r)
	}
	for _, k := range []string{"customers/c4", "addresses/c4-a0", "attribute_values/c9-v11"} {
		if r := res[k]; r.Status != staging.StatusLoaded || *r.TargetID != *first[k].TargetID {
			t.Errorf("unchanged %s: %+v, was %+v", k, r, first[k])
		}
	}
	// Every record of the grown input is in the target once (c3 under its
	// old name: skip keeps the target's customer as it is).
	want.addresses++ // c5-new, which verifyTarget does not look for
	verifyTarget(t, c, spec, want)
	if len(res) != want.total() {
		t.Errorf("results: %d rows, want %d", len(res), want.total())
	}
}

// A write the previous run left unconfirmed names the previous input's
// keys: it is settled against the target before the switch, so customers
// it created are mapped as loaded (not found again as "existing"). And a
// switch interrupted after the previous input was set aside is finished by
// the next run, with the same carry-over.
//
// The switch may also have been begun by a bcetl of layout 2 (outcomes in
// idmap, the previous input's rows in src_prev): the upgrade puts the
// outcomes into src_prev's rows, and the switch carries them over alike.
func TestChangedInputSettlesUnconfirmedWritesAndResumesTheSwitch(t *testing.T) {
	t.Run("this layout", func(t *testing.T) { testSettleAndResumeSwitch(t, nil) })
	t.Run("switch begun by layout 2", func(t *testing.T) { testSettleAndResumeSwitch(t, downgradeToV2) })
}

func testSettleAndResumeSwitch(t *testing.T, downgrade func(*testing.T, string)) {
	in, out := t.TempDir(), t.TempDir()
	spec := genSpec{customers: 10}
	writeStaging(t, in, spec)
	srv, base := newSandbox(t, sandbox.Options{})
	c := newClient(t, base)
	statePath := filepath.Join(out, "load.db")
	// The batch below claims to have been sent before the first run
	// created c8 and c9, so reconciling takes them for its own.
	sent := time.Now().Add(-time.Minute).UTC().Format(time.RFC3339Nano)
	if _, err := runLoad(t, c, in, statePath, nil); err != nil {
		t.Fatal(err)
	}
	// As if the run had been killed after POSTing c8 and c9, before the
	// answer was recorded.
	st, err := openState(statePath)
	if err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{
		`UPDATE src SET status = NULL, target_id = NULL, http_status = NULL, message = NULL, batch = NULL WHERE key IN ('c8', 'c9') OR key LIKE 'c8-%' OR key LIKE 'c9-%'`,
		`INSERT INTO batches(step, status, keys, emails, started) VALUES('customers', 'in-flight', '["c8","c9"]', '["c0000008@example.com","c0000009@example.com"]', '` + sent + `')`,
	} {
		if _, err := st.db.Exec(q); err != nil {
			t.Fatal(err)
		}
	}
	st.Close()

	spec.customers = 12
	want := writeStaging(t, in, spec)
	sum, err := runLoad(t, c, in, statePath, nil)
	if err != nil || !sum.Complete {
		t.Fatalf("delta run: %v\n%v", err, sum)
	}
	res := readResults(t, statePath)
	for _, k := range []string{"customers/c8", "customers/c9", "addresses/c8-a1", "customers/c11"} {
		if r := res[k]; r.Status != staging.StatusLoaded {
			t.Errorf("%s: %s %s, want loaded", k, r.Status, r.Message)
		}
	}
	verifyTarget(t, c, spec, want)

	// Interrupted switch: the previous input set aside, the new one not
	// imported yet.
	st, err = openState(statePath)
	if err != nil {
		t.Fatal(err)
	}
	if err := st.keepPrevious(t.Context()); err != nil {
		t.Fatal(err)
	}
	st.Close()
	if downgrade != nil {
		downgrade(t, statePath)
	}
	spec.customers = 13
	want = writeStaging(t, in, spec)
	before := srv.RequestCount()
	sum, err = runLoad(t, c, in, statePath, nil)
	if err != nil || !sum.Complete {
		t.Fatalf("after an interrupted switch: %v\n%v", err, sum)
	}
	if sent := sum.Requests[epPostCustomers]; sent != 1 {
		t.Errorf("POST /customers sent %d times, want 1 (c12 only): %d requests in all", sent, srv.RequestCount()-before)
	}
	if r := readResults(t, statePath)["customers/c4"]; r.Status != staging.StatusLoaded {
		t.Errorf("c4 after the resumed switch: %+v", r)
	}
	verifyTarget(t, c, spec, want)
}
