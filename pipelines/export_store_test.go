package pipelines

import (
	"context"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/apache/arrow/go/v17/arrow/array"
	"github.com/apache/arrow/go/v17/arrow/memory"
	"github.com/apache/arrow/go/v17/parquet/file"
	"github.com/apache/arrow/go/v17/parquet/pqarrow"

	storeextract "github.com/bcetl/bcetl/extract/store"
	"github.com/bcetl/bcetl/internal/bigcommerce"
	"github.com/bcetl/bcetl/internal/sandbox"
	"github.com/bcetl/bcetl/internal/staging"
	"github.com/bcetl/bcetl/internal/warehouse"
)

// newStore starts a generated store with the given hash on loopback.
func newStore(t *testing.T, hash string, n int, seed int64) (*sandbox.Server, *bigcommerce.Client) {
	t.Helper()
	srv, err := sandbox.New(sandbox.Options{StoreHash: hash, Token: hash + "-token", Seed: seed})
	if err != nil {
		t.Fatal(err)
	}
	srv.Generate(n, seed)
	hs := httptest.NewServer(srv)
	t.Cleanup(func() { hs.Close(); srv.Close() })
	c, err := bigcommerce.NewClient(bigcommerce.Config{BaseURL: hs.URL + "/stores/" + hash + "/v3", Token: hash + "-token"})
	if err != nil {
		t.Fatal(err)
	}
	return srv, c
}

// arrowStrings reads one string column of a Parquet file through Arrow's
// own Parquet reader (what DuckDB, Spark and pandas see), or reports that
// the file has no such column.
func arrowStrings(t *testing.T, path, column string) ([]string, bool) {
	t.Helper()
	pf, err := file.OpenParquetFile(path, false)
	if err != nil {
		t.Fatalf("arrow: open %s: %v", path, err)
	}
	defer pf.Close()
	fr, err := pqarrow.NewFileReader(pf, pqarrow.ArrowReadProperties{}, memory.DefaultAllocator)
	if err != nil {
		t.Fatalf("arrow: %s: %v", path, err)
	}
	tbl, err := fr.ReadTable(context.Background())
	if err != nil {
		t.Fatalf("arrow: read %s: %v", path, err)
	}
	defer tbl.Release()
	idx := tbl.Schema().FieldIndices(column)
	if len(idx) != 1 {
		return nil, false
	}
	var out []string
	for _, chunk := range tbl.Column(idx[0]).Data().Chunks() {
		s, ok := chunk.(*array.String)
		if !ok {
			t.Fatalf("%s: column %s is %s, want string", path, column, chunk.DataType())
		}
		for i := 0; i < s.Len(); i++ {
			out = append(out, s.Value(i))
		}
	}
	return out, true
}

// Every row of every exported entity carries the store's hash, so two
// stores' warehouses can be read as one table; the staging columns are
// all still there.
func TestExportRowsCarryStoreHash(t *testing.T) {
	_, store := newStore(t, "alpha", 40, 3)
	out := filepath.Join(t.TempDir(), "warehouse")
	res, err := Export(context.Background(), ExportOptions{Out: out, Client: store, StoreHash: "alpha"})
	if err != nil {
		t.Fatal(err)
	}
	for _, entity := range storeextract.DefaultEntities { // what a store export writes (consents only when asked for)
		path := res.Files[entity]
		if path == "" {
			t.Fatalf("%s: not exported", entity)
		}
		hashes, ok := arrowStrings(t, path, "store_hash")
		if !ok {
			t.Fatalf("%s: no store_hash column", path)
		}
		if rows := res.Manifest.Entities[entity].Rows; int64(len(hashes)) != rows || rows == 0 {
			t.Fatalf("%s: %d store_hash values for %d rows", path, len(hashes), rows)
		}
		for i, h := range hashes {
			if h != "alpha" {
				t.Fatalf("%s row %d: store_hash %q", path, i, h)
			}
		}
		// The staging columns are unchanged: source_key reads the same.
		keys, ok := arrowStrings(t, path, "source_key")
		if !ok || len(keys) != len(hashes) || keys[0] == "" {
			t.Fatalf("%s: source_key column %v %v", path, ok, len(keys))
		}
		// The manifest describes the file as written.
		if st, err := staging.FileHash(path); err != nil || st.SHA256 != res.Manifest.Entities[entity].SHA256 {
			t.Errorf("%s: manifest sha256 does not match the file (%v)", path, err)
		}
	}
}

// An --out that holds another store's export is refused before anything
// is written: its manifests name the store.
func TestExportRefusesAnotherStoresOut(t *testing.T) {
	ctx := context.Background()
	_, alpha := newStore(t, "alpha", 20, 3)
	_, beta := newStore(t, "beta", 20, 4)
	out := filepath.Join(t.TempDir(), "warehouse")
	if _, err := Export(ctx, ExportOptions{Out: out, Client: alpha, StoreHash: "alpha"}); err != nil {
		t.Fatal(err)
	}
	before := listFiles(t, out)
	_, err := Export(ctx, ExportOptions{Out: out, Client: beta, StoreHash: "beta"})
	if err == nil {
		t.Fatal("store beta was exported into store alpha's --out")
	}
	for _, want := range []string{`"alpha"`, `"beta"`, warehouse.ManifestsDir} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not mention %s", err, want)
		}
	}
	if after := listFiles(t, out); strings.Join(after, "\n") != strings.Join(before, "\n") {
		t.Errorf("the refused export changed --out:\nbefore %v\nafter  %v", before, after)
	}
	// The same store goes on exporting there.
	if _, err := Export(ctx, ExportOptions{Out: out, Client: alpha, StoreHash: "alpha"}); err != nil {
		t.Fatalf("alpha's second export: %v", err)
	}
}

// listFiles lists every file under dir, relative and sorted.
func listFiles(t *testing.T, dir string) []string {
	t.Helper()
	var out []string
	err := filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.IsDir() {
			rel, _ := filepath.Rel(dir, p)
			out = append(out, rel)
		}
		return nil
	})
	if err != nil && !os.IsNotExist(err) {
		t.Fatal(err)
	}
	return out
}
