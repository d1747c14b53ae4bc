package results

import (
	"bytes"
	"encoding/csv"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/bcetl/bcetl/internal/staging"
)

// Whatever a source or the API put in a cell, the file reads back as the
// same row of cells with encoding/csv, and no cell starts as a formula.
func FuzzCellRoundTrip(f *testing.F) {
	for _, s := range []string{"=1+1", "a,b", "\"q\"", "line\nbreak", "@x", "-", "\t", "", "ok@example.com", "\xff"} {
		f.Add(s)
	}
	dir := f.TempDir()
	f.Fuzz(func(t *testing.T, s string) {
		sp, ep := filepath.Join(dir, "s.csv"), filepath.Join(dir, "e.csv")
		w, err := Create(sp, ep)
		if err != nil {
			t.Fatal(err)
		}
		if err := w.Write(&Row{Entity: "customers", SourceKey: s, Email: s, Status: staging.StatusRejected, Message: s}); err != nil {
			t.Fatal(err)
		}
		if err := w.Commit(); err != nil {
			t.Fatal(err)
		}
		b, err := os.ReadFile(ep)
		if err != nil {
			t.Fatal(err)
		}
		recs, err := csv.NewReader(bytes.NewReader(bytes.TrimPrefix(b, []byte(bom)))).ReadAll()
		if err != nil || len(recs) != 2 {
			t.Fatalf("%q: %d records, %v", s, len(recs), err)
		}
		// With CRLF line ends encoding/csv drops a carriage return inside a
		// cell (a line feed stays, written as CRLF, read back as LF).
		want := strings.ReplaceAll(Cell(s), "\r", "")
		for _, i := range []int{1, 3, 10} {
			if got := recs[1][i]; got != want {
				t.Errorf("cell %d: wrote %q, read %q", i, want, got)
			}
			if c := recs[1][i]; c != "" && strings.ContainsRune("=+-@\t\r", rune(c[0])) {
				t.Errorf("cell %d starts as a formula: %q", i, c)
			}
		}
	})
}
