package atomicfile

import (
	"os"
	"path/filepath"
	"testing"
)

func TestCommitIsOwnerOnlyAndAtomic(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "sub")
	path := filepath.Join(dir, "out.parquet")
	f, err := Create(path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.WriteString("hello"); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(path); !os.IsNotExist(err) {
		t.Fatalf("final path exists before commit: %v", err)
	}
	if err := f.Commit(); err != nil {
		t.Fatal(err)
	}
	f.Abort() // no-op after commit
	st, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if st.Mode().Perm() != FileMode {
		t.Errorf("file mode %v, want %v", st.Mode().Perm(), FileMode)
	}
	dst, _ := os.Stat(dir)
	if dst.Mode().Perm() != DirMode {
		t.Errorf("dir mode %v, want %v", dst.Mode().Perm(), DirMode)
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 {
		t.Errorf("temporary files left behind: %v", entries)
	}
}

func TestAbortLeavesPreviousVersion(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state.json")
	if err := WriteFile(path, []byte("v1")); err != nil {
		t.Fatal(err)
	}
	f, err := Create(path)
	if err != nil {
		t.Fatal(err)
	}
	f.WriteString("v2-partial")
	f.Abort()
	b, _ := os.ReadFile(path)
	if string(b) != "v1" {
		t.Fatalf("got %q, want v1", b)
	}
	entries, _ := os.ReadDir(filepath.Dir(path))
	if len(entries) != 1 {
		t.Errorf("temporary files left behind: %v", entries)
	}
}

// A writer killed mid-write leaves its temporary file; Sweep removes it,
// and only it: not the committed file, not another file's temporary, not
// a user's file that merely looks similar.
func TestSweepRemovesOnlyLeftoversOfThePaths(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "customers.parquet")
	if err := WriteFile(path, []byte("v1")); err != nil {
		t.Fatal(err)
	}
	f, err := Create(path) // never committed nor aborted: a killed writer
	if err != nil {
		t.Fatal(err)
	}
	f.WriteString("personal data")
	f.File.Close()
	other, err := Create(filepath.Join(dir, "addresses.parquet"))
	if err != nil {
		t.Fatal(err)
	}
	defer other.Abort()
	user := filepath.Join(dir, ".customers.parquet.tmp-1")
	if err := os.WriteFile(user, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := Sweep(path, filepath.Join(t.TempDir(), "missing", "x.json")); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(f.File.Name()); !os.IsNotExist(err) {
		t.Errorf("leftover %s not removed: %v", f.File.Name(), err)
	}
	for _, keep := range []string{path, other.File.Name(), user} {
		if _, err := os.Stat(keep); err != nil {
			t.Errorf("%s removed: %v", keep, err)
		}
	}
}
