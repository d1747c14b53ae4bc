package parquet

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/bcetl/bcetl/extract/internal/sourcetest"
	_ "github.com/bcetl/bcetl/extract/voucherify" // the inputs are made from its sample
	"github.com/bcetl/bcetl/internal/staging"
)

// A staging directory re-extracted with parquet: holds the same rows, the
// extract rejects, and a manifest naming the directory as its source.
// voucherifySample is extracted to make the staging directories read here.
const voucherifySample = "../../samples/voucherify/customers.ndjson"

func TestParquetSourceRoundTrip(t *testing.T) {
	src := sourcetest.MustExtract(t, "voucherify:"+voucherifySample, "")
	// A transform reject in the input is not carried over.
	rejects := append(append([]staging.Reject{}, src.Rejects...), staging.Reject{Stage: "transform", Entity: "customers", SourceKey: "x", Rule: "no-email"})
	if _, err := staging.WriteAll(filepath.Join(src.Dir, staging.RejectsFile), rejects); err != nil {
		t.Fatal(err)
	}
	out := sourcetest.MustExtract(t, "parquet:"+src.Dir, "")
	if out.Counts() != src.Counts() {
		t.Fatalf("counts %v, want %v", out.Counts(), src.Counts())
	}
	for name, pair := range map[string][2]any{
		"customers":  {out.Customers, src.Customers},
		"addresses":  {out.Addresses, src.Addresses},
		"attributes": {out.AttributeValues, src.AttributeValues},
		"definition": {out.Attributes, src.Attributes},
		"rejects":    {out.Rejects, src.Rejects},
	} {
		if !reflect.DeepEqual(pair[0], pair[1]) {
			t.Errorf("%s differ", name)
		}
	}
	m := out.Manifest
	if m.Source != (staging.Source{Kind: "parquet", Path: src.Dir}) || m.Inputs["customers.parquet"].SHA256 != src.Manifest.Entities["customers"].SHA256 {
		t.Errorf("manifest %+v", m)
	}
	if *m.Entities["customers"].MaxDateModified != *src.Manifest.Entities["customers"].MaxDateModified {
		t.Errorf("date range not carried: %+v", m.Entities["customers"])
	}
}

func TestParquetSourceRejectsBadDirectories(t *testing.T) {
	fresh := func(t *testing.T) string {
		return sourcetest.MustExtract(t, "voucherify:"+voucherifySample, "").Dir
	}
	for _, c := range []struct {
		name  string
		spoil func(t *testing.T, dir string)
		want  string
	}{
		{"changed file", func(t *testing.T, dir string) {
			staging.WriteAll(filepath.Join(dir, "addresses.parquet"), []staging.Address{{SourceKey: "x"}})
		}, "the manifest does not match the files: addresses: addresses.parquet changed since it was written"},
		{"missing file", func(t *testing.T, dir string) {
			os.Remove(filepath.Join(dir, "form_field_values.parquet"))
			os.Remove(filepath.Join(dir, staging.ManifestFile))
		}, "form_field_values.parquet: open"},
		{"wrong schema", func(t *testing.T, dir string) {
			os.Remove(filepath.Join(dir, staging.ManifestFile))
			staging.WriteAll(filepath.Join(dir, "customers.parquet"), []staging.Address{{SourceKey: "x"}})
		}, "customers.parquet: column email is missing; the staging layout requires it, as STRING (UTF-8 text)"},
		{"not parquet", func(t *testing.T, dir string) {
			os.Remove(filepath.Join(dir, staging.ManifestFile))
			os.WriteFile(filepath.Join(dir, "attributes.parquet"), []byte("name,type\n"), 0o600)
		}, "attributes.parquet: not a readable Parquet file"},
		{"manifest of another version", func(t *testing.T, dir string) {
			os.WriteFile(filepath.Join(dir, staging.ManifestFile), []byte(`{"format_version": 99}`), 0o600)
		}, "staging format version 99"},
	} {
		t.Run(c.name, func(t *testing.T) {
			dir := fresh(t)
			c.spoil(t, dir)
			out := filepath.Join(t.TempDir(), "out")
			_, err := sourcetest.Extract("parquet:"+dir, out, "")
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("error\n got %v\nwant …%s", err, c.want)
			}
			if matches, _ := filepath.Glob(filepath.Join(out, "*")); len(matches) != 0 {
				t.Errorf("files left after a failed run: %v", matches)
			}
		})
	}
}
