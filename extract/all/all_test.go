package all_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/bcetl/bcetl/extract"
	_ "github.com/bcetl/bcetl/extract/all"
	"github.com/bcetl/bcetl/extract/internal/sourcetest"
)

const voucherifySample = "../../samples/voucherify/customers.ndjson"

// Rule 5 for parquet: sources: the output may be neither the source
// directory nor inside it, by any spelling. Rule 16: what a killed extract
// left in its output directory (temporary files, spilled runs) is removed
// by the next run there, and nothing else is.
func TestExtractOutputDirectory(t *testing.T) {
	root := t.TempDir()
	in := filepath.Join(root, "in")
	if _, err := sourcetest.Extract("voucherify:"+voucherifySample, in, ""); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(in, filepath.Join(root, "alias")); err != nil {
		t.Fatal(err)
	}
	for _, out := range []string{filepath.Join(root, "alias"), filepath.Join(in, "again"), filepath.Join(root, "alias", "x")} {
		_, err := sourcetest.Extract("parquet:"+in, out, "")
		if err == nil || !strings.Contains(err.Error(), "the output directory must") {
			t.Errorf("parquet:%s into %s: %v", in, out, err)
		}
	}

	out := filepath.Join(root, "out")
	runs := filepath.Join(out, extract.ScratchPrefix+"123")
	tmp := filepath.Join(out, ".customers.parquet.bcetl-tmp-77")
	mine := filepath.Join(out, "notes.txt")
	if err := os.MkdirAll(runs, 0o700); err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{filepath.Join(runs, "customers-0.parquet"), tmp, mine} {
		if err := os.WriteFile(f, []byte("x"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := sourcetest.Extract("parquet:"+in, out, ""); err != nil {
		t.Fatal(err)
	}
	for _, gone := range []string{runs, tmp} {
		if _, err := os.Stat(gone); !os.IsNotExist(err) {
			t.Errorf("%s survived the next run: %v", gone, err)
		}
	}
	if _, err := os.Stat(mine); err != nil {
		t.Errorf("a file bcetl did not name was removed: %v", err)
	}
}

// A spec no source takes, or an option its source does not take, is
// refused before anything is read, naming what is wrong.
func TestSpecErrors(t *testing.T) {
	dir := t.TempDir()
	for _, c := range []struct{ spec, mapping, want string }{
		{"customers.json", "", "or KIND:PATH with KIND one of csv, parquet, shopify-csv, voucherify"},
		{"xml:" + voucherifySample, "", `unknown kind "xml"`},
		{"voucherify:/nonexistent/x.json", "", "/nonexistent/x.json does not exist"},
		{"csv:../../samples/csv/contacts.csv", "", "needs --mapping FILE"},
		{"voucherify:" + voucherifySample, "m.json", "--mapping applies to csv: sources only"},
		{"parquet:" + dir, "", "the output directory must differ from the input"},
	} {
		_, err := sourcetest.Extract(c.spec, dir, c.mapping)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: error %v, want %q", c.spec, err, c.want)
		}
	}
}

// Every file each source writes from its sample is checked (sourcetest.MustExtract
// calls AssertArrowAgrees); this test names that coverage and adds the
// empty files written for an empty input.
func TestArrowAgreesOnSourceOutputs(t *testing.T) {
	for _, c := range []struct{ spec, mapping string }{
		{"voucherify:../../samples/voucherify/customers.ndjson", ""},
		{"shopify-csv:../../samples/shopify/customers_export.csv", ""},
		{"csv:../../samples/csv/contacts.csv", "../../samples/csv/mapping.json"},
		{"voucherify:" + sourcetest.WriteInput(t, "empty.ndjson", ""), ""},
	} {
		t.Run(c.spec, func(t *testing.T) { sourcetest.MustExtract(t, c.spec, c.mapping) })
	}
}
