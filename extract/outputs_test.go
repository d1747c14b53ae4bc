package extract

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// Rule 5 for parquet: sources: the output may be neither the source
// directory nor inside it, by any spelling. Rule 16: what a killed extract
// left in its output directory (temporary files, spilled runs) is removed
// by the next run there, and nothing else is.
func TestExtractOutputDirectory(t *testing.T) {
	root := t.TempDir()
	in := filepath.Join(root, "in")
	if _, err := extractFile("voucherify:"+voucherifySample, in, ""); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(in, filepath.Join(root, "alias")); err != nil {
		t.Fatal(err)
	}
	for _, out := range []string{filepath.Join(root, "alias"), filepath.Join(in, "again"), filepath.Join(root, "alias", "x")} {
		_, err := extractFile("parquet:"+in, out, "")
		if err == nil || !strings.Contains(err.Error(), "the output directory must") {
			t.Errorf("parquet:%s into %s: %v", in, out, err)
		}
	}

	out := filepath.Join(root, "out")
	runs := filepath.Join(out, scratchPrefix+"123")
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
	if _, err := extractFile("parquet:"+in, out, ""); err != nil {
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
