package load

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/bcetl/bcetl/internal/bigcommerce"
	"github.com/bcetl/bcetl/internal/sandbox"
	"github.com/bcetl/bcetl/internal/sandboxtest"
	"github.com/bcetl/bcetl/internal/staging"
	"github.com/bcetl/bcetl/internal/stagingtest"
)

const (
	testHash  = "loadtest"
	testToken = "secret-token"
)

// genSpec describes a generated staging directory.
type genSpec struct {
	customers int
	// bigEvery: every bigEvery-th customer has 12 addresses and 12
	// attribute values (overflow for both); 0 = none.
	bigEvery int
	prefix   string // email prefix
}

type genCounts struct{ customers, addresses, values, forms, attributes int }

func (c genCounts) total() int { return c.customers + c.addresses + c.values + c.forms + c.attributes }

// genAttrs and usStates are stagingtest's: the definitions and states
// its clean directories use.
var (
	genAttrs = stagingtest.Attributes
	usStates = stagingtest.States
)

func ptr[T any](v T) *T { return &v }

// writeStaging is stagingtest.Write's clean directory in this package's
// terms: customers with two addresses (a form field on the first), two
// attribute values and a form field each; big ones with twelve of both.
func writeStaging(t testing.TB, dir string, spec genSpec) genCounts {
	t.Helper()
	n := stagingtest.Write(t, dir, stagingtest.Spec{Customers: spec.customers, BigEvery: spec.bigEvery, EmailPrefix: spec.prefix})
	return genCounts{customers: n.Customers, addresses: n.Addresses, values: n.AttributeValues, forms: n.FormFieldValues, attributes: n.Attributes}
}

// writeManifest describes the staging files in dir as a transform's
// output: load refuses a directory without a manifest that matches it.
func writeManifest(t testing.TB, dir string) {
	stagingtest.WriteManifest(t, dir, staging.StageTransform)
}

// newSandbox starts an in-process sandbox over real HTTP; without a
// configuration of its own the store is stagingtest.TargetConfig's (the
// form fields writeStaging's values name).
func newSandbox(t testing.TB, opts sandbox.Options) (*sandbox.Server, string) {
	t.Helper()
	opts.StoreHash, opts.Token = testHash, testToken
	if opts.Config == nil {
		opts.Config = stagingtest.TargetConfig()
	}
	st := sandboxtest.Start(t, opts)
	return st.Server, st.URL
}

var fastRetry = bigcommerce.RetryPolicy{MaxRetries: 8, MaxRateLimitRetries: 30, BaseDelay: 5 * time.Millisecond, MaxDelay: 100 * time.Millisecond}

func newClient(t testing.TB, base string, opts ...bigcommerce.Option) *bigcommerce.Client {
	t.Helper()
	c, err := bigcommerce.NewClient(bigcommerce.Config{BaseURL: base, StoreHash: testHash, Token: testToken},
		append([]bigcommerce.Option{bigcommerce.WithRetryPolicy(fastRetry)}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// results reads the results file of a state file.
func readResults(t testing.TB, statePath string) map[string]Result {
	t.Helper()
	rows, err := staging.ReadAll[Result](ResultsPath(statePath))
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]Result{}
	for _, r := range rows {
		k := r.Entity + "/" + r.SourceKey
		if _, dup := out[k]; dup {
			t.Errorf("results: %s appears twice", k)
		}
		out[k] = r
	}
	if len(out) != len(rows) {
		t.Errorf("results: %d rows, %d distinct", len(rows), len(out))
	}
	return out
}

// verifyTarget compares the target with a generated input through the
// API: every customer once by email, every address, value and form field
// value present once.
func verifyTarget(t testing.TB, c *bigcommerce.Client, spec genSpec, want genCounts) {
	t.Helper()
	ctx := context.Background()
	if spec.prefix == "" {
		spec.prefix = "c"
	}
	emails := map[string]int64{}
	for cu, err := range c.Customers.All(ctx, bigcommerce.CustomerListOptions{ListOptions: bigcommerce.ListOptions{Limit: 250}}) {
		if err != nil {
			t.Fatal(err)
		}
		e := strings.ToLower(cu.Email)
		if !strings.HasPrefix(e, spec.prefix) {
			continue
		}
		if _, dup := emails[e]; dup {
			t.Errorf("customer %s is in the target twice", e)
		}
		emails[e] = cu.ID
	}
	if len(emails) != want.customers {
		t.Errorf("target has %d customers, want %d", len(emails), want.customers)
	}
	addrs := map[string]int{}
	for a, err := range c.Addresses.All(ctx, bigcommerce.AddressListOptions{ListOptions: bigcommerce.ListOptions{Limit: 250}}) {
		if err != nil {
			t.Fatal(err)
		}
		addrs[fmt.Sprint(a.CustomerID)+tgtAddrKey(a)]++
	}
	vals := map[string]int{}
	for v, err := range c.AttributeValues.All(ctx, bigcommerce.AttributeValueListOptions{ListOptions: bigcommerce.ListOptions{Limit: 250}}) {
		if err != nil {
			t.Fatal(err)
		}
		vals[fmt.Sprint(v.CustomerID, "/", v.AttributeID, "/", v.AttributeValue)]++
	}
	forms := map[string]int{}
	for f, err := range c.FormFieldValues.All(ctx, bigcommerce.FormFieldValueListOptions{ListOptions: bigcommerce.ListOptions{Limit: 250}}) {
		if err != nil {
			t.Fatal(err)
		}
		forms[fmt.Sprint(f.CustomerID, "/", f.AddressID, "/", f.Name)]++
	}
	attrs := map[string]int64{}
	for a, err := range c.Attributes.All(ctx, bigcommerce.AttributeListOptions{}) {
		if err != nil {
			t.Fatal(err)
		}
		attrs[a.Name] = a.ID
	}
	var missingA, missingV, doubled int
	for i := 0; i < spec.customers; i++ {
		id := emails[fmt.Sprintf("%s%07d@example.com", spec.prefix, i)]
		big := spec.bigEvery > 0 && i%spec.bigEvery == spec.bigEvery-1
		na, nv := 2, 2
		if big {
			na, nv = 12, 12
		}
		for j := 0; j < na; j++ {
			k := fmt.Sprint(id) + addrKey("First", "Last", "", "", "", fmt.Sprintf("%d Main St", j+1), "", "Springfield", "US", usStates[(i+j)%len(usStates)], fmt.Sprintf("9%04d", i%10000))
			switch addrs[k] {
			case 0:
				missingA++
			case 1:
			default:
				doubled++
			}
		}
		for j := 0; j < nv; j++ {
			a := genAttrs[j]
			val := fmt.Sprintf("v%d", i)
			if a.Type == "number" {
				val = fmt.Sprint(i)
			}
			if vals[fmt.Sprint(id, "/", attrs[a.Name], "/", val)] != 1 {
				missingV++
			}
		}
		if forms[fmt.Sprint(id, "/0/newsletter")] != 1 {
			t.Errorf("customer %d: form field newsletter missing", i)
		}
	}
	var addrForms int
	for k, n := range forms {
		if strings.HasSuffix(k, "/gate_code") {
			addrForms += n
		}
	}
	wantAddrForms := want.forms - want.customers
	if addrForms != wantAddrForms {
		t.Errorf("address form field values: %d, want %d", addrForms, wantAddrForms)
	}
	if missingA > 0 || missingV > 0 || doubled > 0 {
		t.Errorf("addresses missing %d, doubled %d; attribute values missing or doubled %d", missingA, doubled, missingV)
	}
}

// TestWriteStaging writes a generated staging directory for runs by hand
// (benchmarks of the binary, the million-customer memory check):
//
//	BCETL_GEN_DIR=/tmp/stage BCETL_GEN_N=1000000 go test -run TestWriteStaging ./load/
func TestWriteStaging(t *testing.T) {
	dir := os.Getenv("BCETL_GEN_DIR")
	if dir == "" {
		t.Skip("set BCETL_GEN_DIR (and BCETL_GEN_N) to write a staging directory")
	}
	n, _ := strconv.Atoi(os.Getenv("BCETL_GEN_N"))
	if n <= 0 {
		n = 20000
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	c := writeStaging(t, dir, genSpec{customers: n, bigEvery: 50})
	t.Logf("wrote %+v to %s", c, dir)
}
