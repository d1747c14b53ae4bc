package staging

import (
	"os"
	"path/filepath"
	"testing"
)

// The output may not be the input nor inside it, by any spelling; a
// sibling, the parent or an unrelated new directory is fine.
func TestCheckOutputDirBySpelling(t *testing.T) {
	root := t.TempDir()
	in := filepath.Join(root, "in")
	other := filepath.Join(root, "other")
	for _, d := range []string{filepath.Join(in, "sub"), other} {
		if err := os.MkdirAll(d, 0o700); err != nil {
			t.Fatal(err)
		}
	}
	link := filepath.Join(root, "link") // → in
	if err := os.Symlink(in, link); err != nil {
		t.Fatal(err)
	}
	deep := filepath.Join(other, "deep") // → in/sub, so deep/.. is in itself
	if err := os.Symlink(filepath.Join(in, "sub"), deep); err != nil {
		t.Fatal(err)
	}
	t.Chdir(root)
	for _, c := range []struct {
		out  string
		fail bool
	}{
		{in, true},
		{"in", true},
		{"./in/", true},
		{"in/sub/..", true},
		{"other/../in", true},
		{link, true},
		{"link/", true},
		{deep + "/..", true}, // physically in, lexically other
		{"in/clean", true},   // inside, not there yet
		{"in/sub", true},
		{"link/clean/x", true},
		{"other", false},
		{"other/clean", false},
		{root, false},
		{filepath.Join(root, "new", "clean"), false},
	} {
		err := CheckOutputDir("in", c.out)
		if (err != nil) != c.fail {
			t.Errorf("CheckOutputDir(in, %q) = %v, want refused %v", c.out, err, c.fail)
		}
	}
	if err := CheckOutputDir(filepath.Join(root, "missing"), other); err == nil {
		t.Error("a missing input must be an error")
	}
}
