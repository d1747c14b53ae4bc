package staging

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// CheckOutputDir refuses an output directory that is the input directory,
// or inside it, however either is spelled: relative or absolute, through
// "..", through a symbolic link. Directories are compared as the operating
// system sees them (os.SameFile), not by name. out need not exist yet.
func CheckOutputDir(in, out string) error {
	inInfo, err := os.Stat(in)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("%s: no such directory", in)
		}
		return err
	}
	phys, err := resolve(out)
	if err != nil {
		return err
	}
	for p := phys; ; p = filepath.Dir(p) {
		if fi, err := os.Stat(p); err == nil && os.SameFile(inInfo, fi) {
			if p == phys {
				return fmt.Errorf("the output directory must differ from the input: %s is the input directory %s (a stage never rewrites its input)", out, in)
			}
			return fmt.Errorf("the output directory must not be inside the input: %s is inside the input directory %s (a stage never writes into its input)", out, in)
		}
		if filepath.Dir(p) == p {
			return nil
		}
	}
}

// resolve returns the absolute physical path of p: its longest existing
// prefix with symbolic links and ".." resolved as the operating system
// does (filepath.Abs would clean "link/.." away by name first), followed by
// the components that do not exist yet.
func resolve(p string) (string, error) {
	if !filepath.IsAbs(p) {
		wd, err := os.Getwd()
		if err != nil {
			return "", err
		}
		p = wd + string(filepath.Separator) + p
	}
	var rest []string
	for {
		r, err := filepath.EvalSymlinks(p)
		if err == nil {
			return filepath.Join(append([]string{r}, rest...)...), nil
		}
		if !errors.Is(err, fs.ErrNotExist) {
			return "", err
		}
		i := strings.LastIndexByte(p, filepath.Separator)
		if i <= 0 {
			return filepath.Clean(filepath.Join(append([]string{p}, rest...)...)), nil
		}
		rest = append([]string{p[i+1:]}, rest...)
		p = p[:i]
	}
}
