package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/parquet-go/parquet-go"

	"github.com/bcetl/bcetl/internal/staging"
)

// A customer with a 10 MB note: bcetl show prints both rows, the note
// whole (the file bcetl writes has no page header Arrow refuses).
func TestShowPrintsARowWithA10MBValue(t *testing.T) {
	path := filepath.Join(t.TempDir(), "customers.parquet")
	note := strings.Repeat("0123456789", 1<<20)
	if _, err := staging.WriteAll(path, []staging.Customer{{SourceKey: "k1", Email: "a@b.co", Notes: note}, {SourceKey: "k2", Email: "b@b.co"}}); err != nil {
		t.Fatal(err)
	}
	var out, errOut bytes.Buffer
	if code := run([]string{"show", path}, &out, &errOut); code != exitOK {
		t.Fatalf("exit %d: %s", code, errOut.String())
	}
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	if len(lines) != 2 {
		t.Fatalf("%d lines (%d bytes) for 2 rows", len(lines), out.Len())
	}
	var row struct {
		SourceKey string `json:"source_key"`
		Notes     string `json:"notes"`
	}
	if err := json.Unmarshal([]byte(lines[0]), &row); err != nil || row.SourceKey != "k1" || row.Notes != note {
		t.Fatalf("first row: key %q, note of %d bytes, %v", row.SourceKey, len(row.Notes), err)
	}
}

// A file Arrow cannot read whole (per-page statistics of a 10 MB value, as
// bcetl wrote them before and other writers still do) is an error that
// names the file and the column, never empty output with exit 0.
func TestShowFailsOnAFileArrowCannotReadWhole(t *testing.T) {
	path := filepath.Join(t.TempDir(), "customers.parquet")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	w := parquet.NewGenericWriter[staging.Customer](f, parquet.DataPageStatistics(true))
	if _, err := w.Write([]staging.Customer{{SourceKey: "k1", Notes: strings.Repeat("x", 10<<20)}, {SourceKey: "k2"}}); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	f.Close()
	var out, errOut bytes.Buffer
	code := run([]string{"show", path}, &out, &errOut)
	if code != exitFailed || !strings.Contains(errOut.String(), path) || !strings.Contains(errOut.String(), "column notes") ||
		!strings.Contains(errOut.String(), "of the file's 2 rows") {
		t.Fatalf("exit %d, %d bytes out, stderr:\n%s", code, out.Len(), errOut.String())
	}
}
