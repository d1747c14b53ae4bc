package sandbox_test

import (
	"bufio"
	"crypto/sha256"
	"encoding/hex"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// referenceDir holds the official documents the tests read, copied into
// the repository (testdata/reference/SOURCE.md says from where).
const referenceDir = "../../testdata/reference"

// The copies are the official bytes: every file of the tree has its sum in
// SHA256SUMS and matches it, and every file listed is there. An edited
// copy would let the sandbox drift from the document it claims to follow.
func TestReferenceCopiesAreByteForByte(t *testing.T) {
	f, err := os.Open(filepath.Join(referenceDir, "SHA256SUMS"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	listed := map[string]string{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		sum, name, ok := strings.Cut(sc.Text(), "  ")
		if !ok {
			t.Fatalf("SHA256SUMS: bad line %q", sc.Text())
		}
		listed[name] = sum
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	for _, top := range []string{"bigcommerce", "voucherify"} {
		err := filepath.WalkDir(filepath.Join(referenceDir, top), func(path string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() {
				return err
			}
			rel, _ := filepath.Rel(referenceDir, path)
			rel = filepath.ToSlash(rel)
			b, err := os.ReadFile(path)
			if err != nil {
				return err
			}
			got := sha256.Sum256(b)
			switch want, ok := listed[rel]; {
			case !ok:
				t.Errorf("%s has no sum in SHA256SUMS", rel)
			case hex.EncodeToString(got[:]) != want:
				t.Errorf("%s differs from the official copy (sha256 %x, want %s)", rel, got, want)
			}
			delete(listed, rel)
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	for name := range listed {
		t.Errorf("%s is listed in SHA256SUMS but missing", name)
	}
}
