package load

import (
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/bcetl/bcetl/internal/sandbox"
	"github.com/bcetl/bcetl/internal/staging"
)

// TestRequestFigures logs what a load costs against the sandbox in the
// situations of issue 11, for the README and reports (not run by default):
//
//	BCETL_FIGURES=5000 go test -count=1 -run TestRequestFigures -v ./load/
//
// BCETL_FIGURES_QUOTA=150 BCETL_FIGURES_WINDOW=3s adds a quota,
// BCETL_FIGURES_LATENCY=20ms latency per request.
func TestRequestFigures(t *testing.T) {
	n, _ := strconv.Atoi(os.Getenv("BCETL_FIGURES"))
	if n <= 0 {
		t.Skip("set BCETL_FIGURES=N to measure a load of N customers")
	}
	quota, _ := strconv.Atoi(os.Getenv("BCETL_FIGURES_QUOTA"))
	window, _ := time.ParseDuration(os.Getenv("BCETL_FIGURES_WINDOW"))
	if quota > 0 && window <= 0 {
		window = 30 * time.Second
	}
	latency, _ := time.ParseDuration(os.Getenv("BCETL_FIGURES_LATENCY"))
	in, out := t.TempDir(), t.TempDir()
	spec := genSpec{customers: n, bigEvery: 50}
	writeStaging(t, in, spec)
	report := func(what string, sum *Summary, log *requestLog) {
		t.Helper()
		t.Logf("%-34s requests %5d  minimum %5d  look-ups %4d  POST /customers %4d (422: %d)  429s %d  customers: %v",
			what, sum.HTTPRequests, sum.MinimumRequests, sum.Requests[epGetCustomers], log.n("POST /customers", 0),
			log.n("POST /customers", http.StatusUnprocessableEntity), log.status(http.StatusTooManyRequests), sum.Counts[staging.EntityCustomers])
	}
	opts := sandbox.Options{Quota: quota, Window: window, Latency: latency}

	// A fresh load, then the same input again with a new state (a re-run
	// of a finished migration from a new work directory).
	_, base, log := newLoggedSandbox(t, opts)
	c := newClient(t, base)
	sum, err := runLoad(t, c, in, filepath.Join(out, "fresh.db"), nil)
	if err != nil {
		t.Fatal(err)
	}
	report("fresh load", sum, log)
	*log = requestLog{counts: map[string]map[int]int{}}
	sum, err = runLoad(t, c, in, filepath.Join(out, "rerun.db"), nil)
	if err != nil {
		t.Fatal(err)
	}
	report("re-run of a finished migration", sum, log)

	// A delta: the target already has 20% of the customers.
	srv, base, log := newLoggedSandbox(t, opts)
	for i := 0; i < n; i += 5 {
		if _, err := srv.CreateCustomerDirect(sandbox.CustomerFields{Email: fmt.Sprintf("c%07d@example.com", i), FirstName: "A", LastName: "B"}); err != nil {
			t.Fatal(err)
		}
	}
	c = newClient(t, base)
	sum, err = runLoad(t, c, in, filepath.Join(out, "delta.db"), nil)
	if err != nil {
		t.Fatal(err)
	}
	report("delta, 20% already in the target", sum, log)

	// 30% of the customers carry one refused field (an address with a
	// state code, a name too long).
	bad := t.TempDir()
	writeStaging(t, bad, spec)
	editStaging(t, bad, staging.EntityAddresses, func(rows []staging.Address) []staging.Address {
		for i := range rows {
			var k int
			if _, err := fmt.Sscanf(rows[i].SourceKey, "c%d-a1", &k); err == nil && strings.HasSuffix(rows[i].SourceKey, "-a1") && k%10 < 2 {
				rows[i].PostalCode = strings.Repeat("9", 31) // refused by the API (the loader maps state codes to names)
			}
		}
		return rows
	})
	editStaging(t, bad, staging.EntityCustomers, func(rows []staging.Customer) []staging.Customer {
		for i := range rows {
			if i%10 == 7 {
				rows[i].FirstName = strings.Repeat("x", 101)
			}
		}
		return rows
	})
	_, base, log = newLoggedSandbox(t, opts)
	sum, err = runLoad(t, newClient(t, base), bad, filepath.Join(out, "refused.db"), nil)
	if err != nil {
		t.Fatal(err)
	}
	report("30% with one refused field", sum, log)
}
