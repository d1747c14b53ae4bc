// Package samples embeds this directory's example sources (one per file
// format, each with its expected outcome written down) into the binary, so
// that `bcetl demo` runs from any directory after `go install`. The files
// beside this one stay the source of truth: tests read them in place, and
// the binary carries exactly them.
package samples

import (
	"embed"
	"io/fs"
	"path/filepath"

	"github.com/bcetl/bcetl/internal/atomicfile"
)

// FS holds the samples, by the same paths as in the repository
// (voucherify/customers.ndjson, shopify/customers_export.csv, csv/…).
//
//go:embed csv shopify voucherify
var FS embed.FS

// WriteTo writes every sample under dir (owner-only, as every file bcetl
// writes), so the file sources read them as they read a user's files.
func WriteTo(dir string) error {
	return fs.WalkDir(FS, ".", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := FS.ReadFile(path)
		if err != nil {
			return err
		}
		return atomicfile.WriteFile(filepath.Join(dir, filepath.FromSlash(path)), b)
	})
}
