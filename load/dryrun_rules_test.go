package load

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/bcetl/bcetl/internal/bcrules"
	"github.com/bcetl/bcetl/internal/sandbox"
	"github.com/bcetl/bcetl/internal/staging"
)

// The dry run checks what the transform checks (internal/bcrules): its
// limits (notes and form field values ≤ bcrules.MaxLongText, address2),
// email syntax, country codes the API takes, and attribute values as the
// API takes them (no NaN, no exponent). Each planted value is one problem,
// named by its record.
func TestDryRunChecksTheTransformsRules(t *testing.T) {
	in, out := t.TempDir(), t.TempDir()
	writeStaging(t, in, genSpec{customers: 10})
	long := strings.Repeat("n", bcrules.MaxLongText+1)
	editStaging(t, in, staging.EntityCustomers, func(rows []staging.Customer) []staging.Customer {
		rows[1].Notes, rows[7].Email = long, "ann@exa_mple.com"
		return rows
	})
	editStaging(t, in, staging.EntityAddresses, func(rows []staging.Address) []staging.Address {
		for i := range rows {
			switch rows[i].SourceKey {
			case "c2-a0":
				rows[i].CountryCode = "XK"
			case "c2-a1":
				rows[i].Address2 = strings.Repeat("a", 256)
			}
		}
		return rows
	})
	editStaging(t, in, staging.EntityAttributeValues, func(rows []staging.AttributeValue) []staging.AttributeValue {
		for i := range rows {
			switch rows[i].SourceKey {
			case "c3-v1":
				rows[i].AttributeValue = "NaN"
			case "c4-v1":
				rows[i].AttributeValue = "1e3"
			}
		}
		return rows
	})
	editStaging(t, in, staging.EntityFormFieldValues, func(rows []staging.FormFieldValue) []staging.FormFieldValue {
		for i := range rows {
			if rows[i].SourceKey == "c6-f" {
				rows[i].ValueString, rows[i].ValueJSON = &long, `"`+long+`"`
			}
		}
		return rows
	})
	_, base := newSandbox(t, sandbox.Options{})
	sum, err := runLoad(t, newClient(t, base), in, filepath.Join(out, "state.db"), func(o *Options) { o.DryRun = true })
	if err != nil {
		t.Fatal(err)
	}
	p := sum.Plan
	if p.ProblemCount != 7 {
		t.Errorf("%d problems, want 7: %q", p.ProblemCount, p.Problems)
	}
	all := strings.Join(p.Problems, "\n")
	for _, want := range []string{"customer c1: notes must be at most", "customer c7: invalid email", "address c2-a0: country_code \"XK\"",
		"address c2-a1: address2 must be at most 255", "attribute value c3-v1: score: \"NaN\"", "attribute value c4-v1: score: \"1e3\"",
		"form field value c6-f: value_string must be at most"} {
		if !strings.Contains(all, want) {
			t.Errorf("problems\n%s\nwant one with %q", all, want)
		}
	}
}
