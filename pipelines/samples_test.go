package pipelines

import (
	"context"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"sort"
	"testing"

	"github.com/bcetl/bcetl/internal/bigcommerce"
	"github.com/bcetl/bcetl/internal/sandbox"
	"github.com/bcetl/bcetl/internal/sandboxtest"
	"github.com/bcetl/bcetl/internal/staging"
	"github.com/bcetl/bcetl/transform"
)

var updateSamples = flag.Bool("update-samples", false, "rewrite samples/*/expected.json from this run (review the diff!)")

// sampleOutcome is what samples/*/expected.json writes down: the joined
// ledger, every reject (stage, entity, key, rule) and every merge.
type sampleOutcome struct {
	Ledger  Ledger         `json:"ledger"`
	Rejects []sampleReject `json:"rejects"`
	Merges  []sampleMerge  `json:"merges"`
}

type sampleReject struct {
	Stage, Entity, SourceKey, Rule string
}

type sampleMerge struct {
	Entity, SourceKey, SurvivorKey string
}

// newTarget starts an empty target store.
func newTarget(t *testing.T, opts sandbox.Options) (*sandbox.Server, *bigcommerce.Client) {
	t.Helper()
	opts.StoreHash, opts.Token = "target", "target-token"
	st := sandboxtest.Start(t, opts)
	return st.Server, st.Client
}

// TestSamplesMigrateAsWrittenDown migrates each sample into a sandbox and
// compares the outcome with what samples/*/expected.json says, and the
// target store with the ledger.
func TestSamplesMigrateAsWrittenDown(t *testing.T) {
	// The CSV sample names target groups by id (2, 3, 5) and a sign-up form
	// field (preferred_contact): its target has them, as a store must
	// before such records can be written into it.
	csvTarget := &sandbox.StoreConfig{
		Groups:         []sandbox.Group{{ID: 2, Name: "Retail"}, {ID: 3, Name: "Wholesale"}, {ID: 5, Name: "Trade"}},
		CustomerFields: []sandbox.FormField{{Name: "preferred_contact", FieldType: "text"}},
	}
	samples := []struct {
		name, from, mapping string
		target              *sandbox.StoreConfig
	}{
		{"voucherify", "voucherify:../samples/voucherify/customers.ndjson", "", nil},
		{"shopify", "shopify-csv:../samples/shopify/customers_export.csv", "", nil},
		{"csv", "csv:../samples/csv/contacts.csv", "../samples/csv/mapping.json", csvTarget},
	}
	for _, s := range samples {
		t.Run(s.name, func(t *testing.T) {
			srv, target := newTarget(t, sandbox.Options{Config: s.target})
			work := t.TempDir()
			res, err := Migrate(context.Background(), MigrateOptions{From: s.from, Mapping: s.mapping, Work: work, Target: target,
				Transform: transform.Options{CustomerSurvivor: transform.SurvivorNewest}})
			if err != nil {
				t.Fatal(err)
			}
			if err := res.Ledger.Check(); err != nil {
				t.Fatal(err)
			}
			got := sampleOutcome{Ledger: res.Ledger}
			err = staging.Scan(res.RejectsPath, func(r staging.Reject) error {
				got.Rejects = append(got.Rejects, sampleReject{string(r.Stage), r.Entity, r.SourceKey, r.Rule})
				if r.Message == "" {
					t.Errorf("reject %s/%s has no message", r.Entity, r.SourceKey)
				}
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
			err = staging.Scan(res.MergesPath, func(m staging.Merge) error {
				if m.Field == "" { // one row per merged record; conflicts are detail
					got.Merges = append(got.Merges, sampleMerge{m.Entity, m.SourceKey, m.SurvivorKey})
				}
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
			sort.Slice(got.Rejects, func(i, j int) bool {
				return got.Rejects[i].SourceKey+got.Rejects[i].Rule < got.Rejects[j].SourceKey+got.Rejects[j].Rule
			})

			path := filepath.Join("..", "samples", s.name, "expected.json")
			if *updateSamples {
				b, _ := json.MarshalIndent(got, "", "  ")
				if err := os.WriteFile(path, append(b, '\n'), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			b, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			var want sampleOutcome
			if err := json.Unmarshal(b, &want); err != nil {
				t.Fatal(err)
			}
			gb, _ := json.Marshal(got)
			wb, _ := json.Marshal(want)
			if string(gb) != string(wb) {
				t.Errorf("outcome differs from %s:\n got %s\nwant %s", path, gb, wb)
			}
			// The store holds exactly what the ledger says was loaded.
			customers, addresses, values, _ := srv.Counts()
			l := res.Ledger
			if int64(customers) != l["customers"].Loaded || int64(addresses) != l["addresses"].Loaded || int64(values) != l["attribute_values"].Loaded {
				t.Errorf("store has %d customers, %d addresses, %d values; ledger loaded %d, %d, %d", customers, addresses, values,
					l["customers"].Loaded, l["addresses"].Loaded, l["attribute_values"].Loaded)
			}
		})
	}
}
