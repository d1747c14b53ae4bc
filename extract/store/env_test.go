package store

import (
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/parquet-go/parquet-go"

	"github.com/bcetl/bcetl/extract"
	"github.com/bcetl/bcetl/extract/internal/sourcetest"
	"github.com/bcetl/bcetl/internal/accounting"
	"github.com/bcetl/bcetl/internal/bigcommerce"
	"github.com/bcetl/bcetl/internal/clocktest"
	"github.com/bcetl/bcetl/internal/sandbox"
	"github.com/bcetl/bcetl/internal/staging"
)

// Test environment for the store extractor: a sandbox store behind a real
// HTTP server on loopback, and a client for it. No mocks: everything the
// extractor reads goes over HTTP.

const (
	envStoreHash = "abc123"
	envToken     = "extract-test-token"
)

type storeEnv struct {
	t     testing.TB
	srv   *sandbox.Server
	http  *httptest.Server
	clock *clocktest.Fake
	url   string
	// onRequest, when set, runs before each request (the n-th) reaches
	// the sandbox (the mutation tests change the store from here).
	onRequest atomic.Pointer[func(n int64, r *http.Request)]
	n         atomic.Int64
}

// mode is how the sandbox answers where the document is silent and the
// extractor must not depend on either answer: whether date bounds are
// inclusive, and whether customer objects carry address_count and
// attribute_count.
type mode struct {
	bounds string // sandbox.DateBoundsExclusive or DateBoundsInclusive
	counts bool   // sandbox.Options.SendCounts
}

func (m mode) String() string {
	if m.counts {
		return m.bounds + "/counts"
	}
	return m.bounds + "/no-counts"
}

// modes are every combination; the first is the sandbox's default (the
// recorded, stricter answers).
var modes = []mode{
	{sandbox.DateBoundsExclusive, false}, {sandbox.DateBoundsInclusive, false},
	{sandbox.DateBoundsExclusive, true}, {sandbox.DateBoundsInclusive, true},
}

// forModes runs f as a subtest in every mode.
func forModes(t *testing.T, f func(t *testing.T, m mode)) {
	for _, m := range modes {
		t.Run(m.String(), func(t *testing.T) { f(t, m) })
	}
}

// newStoreEnv generates n customers in a sandbox with its default answers.
func newStoreEnv(t testing.TB, n int) *storeEnv { return newStoreEnvMode(t, n, modes[0]) }

// newStoreEnvMode generates n customers in a sandbox answering in mode m.
// The fake clock starts after the generated dates (which end 2025-12-31),
// so records the test changes are newer than every generated one.
func newStoreEnvMode(t testing.TB, n int, m mode) *storeEnv {
	t.Helper()
	clock := clocktest.New(time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC))
	srv, err := sandbox.New(sandbox.Options{StoreHash: envStoreHash, Token: envToken, Quota: 0, Seed: 7, Now: clock.Now,
		DateBounds: m.bounds, SendCounts: m.counts})
	if err != nil {
		t.Fatal(err)
	}
	if n > 0 {
		srv.Generate(n, 7)
	}
	e := &storeEnv{t: t, srv: srv, clock: clock}
	e.http = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		k := e.n.Add(1)
		if f := e.onRequest.Load(); f != nil {
			(*f)(k, r)
		}
		srv.ServeHTTP(w, r)
	}))
	e.url = e.http.URL + "/stores/{store_hash}/v3"
	t.Cleanup(func() { e.http.Close(); srv.Close() })
	return e
}

func (e *storeEnv) client() *bigcommerce.Client {
	e.t.Helper()
	c, err := bigcommerce.NewClient(bigcommerce.Config{BaseURL: e.url, StoreHash: envStoreHash, Token: envToken})
	if err != nil {
		e.t.Fatal(err)
	}
	return c
}

// storeOptions are a test's options of a store extract.
type storeOptions struct {
	Entities           []string
	Concurrency        int
	Since              *time.Time
	StatePath          string
	IDs                []int64
	Windows, SpillRows int
	// Accounting, when set, replaces the default: no progress lines.
	Accounting *accounting.Options
}

// extract runs the store extractor with the sandbox's clock.
func (e *storeEnv) extract(dir string, so storeOptions) (*staging.Manifest, *bigcommerce.Client) {
	e.t.Helper()
	c := e.client()
	o := extract.Options{Store: c, StoreHash: envStoreHash, Entities: so.Entities, Concurrency: so.Concurrency, Since: so.Since,
		StatePath: so.StatePath, IDs: so.IDs, Now: e.clock.Now, Options: accounting.Options{Every: -1}}
	if so.Accounting != nil {
		o.Options = *so.Accounting
	}
	src, err := newStoreSource(o)
	if err != nil {
		e.t.Fatal(err)
	}
	src.windows, src.spillRows = so.Windows, so.SpillRows
	m, err := extract.Run(context.Background(), src, dir, o)
	if err != nil {
		e.t.Fatalf("extract: %v", err)
	}
	if n := e.srv.Stats().URITooLong; n > 0 {
		e.t.Fatalf("%d requests refused with 414: a list filter was not chunked by URL length", n)
	}
	return m, c
}

func readRows[T any](t testing.TB, dir, entity string) []T {
	t.Helper()
	rows, err := staging.ReadAll[T](filepath.Join(dir, staging.FileName(entity)))
	if err != nil {
		t.Fatal(err)
	}
	return rows
}

// ids returns the ids of rows, checking they are strictly increasing
// (sorted, no duplicates).
func sortedIDs[T any](t testing.TB, entity string, rows []T, id func(*T) *int64) []int64 {
	t.Helper()
	out := make([]int64, 0, len(rows))
	for i := range rows {
		p := id(&rows[i])
		if p == nil {
			t.Fatalf("%s row %d has no id", entity, i)
		}
		if len(out) > 0 && *p <= out[len(out)-1] {
			t.Fatalf("%s: id %d after %d: not sorted by id or duplicated", entity, *p, out[len(out)-1])
		}
		out = append(out, *p)
	}
	return out
}

// checkFiles checks what every extract must satisfy: owner-only files, a
// manifest whose stats match the files, timestamps typed TIMESTAMP, no
// temporary files left, and Arrow reading each file as parquet-go does.
func checkFiles(t *testing.T, dir string, m *staging.Manifest, wantEntities []string) {
	t.Helper()
	if m.FormatVersion != staging.FormatVersion || m.Stage != "extract" || m.Source.Kind != "bigcommerce" ||
		m.Source.StoreHash != envStoreHash || m.Source.APIURL == "" || m.StartedAt.IsZero() ||
		m.FinishedAt.Before(m.StartedAt) || m.Watermark == nil || !m.Watermark.Equal(m.StartedAt) {
		t.Errorf("manifest header incomplete: %+v", m)
	}
	read, err := staging.ReadManifest(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(read.Entities) != len(wantEntities) {
		t.Errorf("manifest lists %d entities, want %d", len(read.Entities), len(wantEntities))
	}
	if err := read.Verify(dir); err != nil {
		t.Errorf("manifest does not verify: %v", err)
	}
	for _, e := range wantEntities {
		em, ok := read.Entities[e]
		if !ok {
			t.Errorf("manifest lacks %s", e)
			continue
		}
		path := filepath.Join(dir, em.File)
		st, err := staging.FileHash(path)
		if err != nil {
			t.Fatal(err)
		}
		if st.SHA256 != em.SHA256 || st.Bytes != em.Bytes || em.Rows < 0 {
			t.Errorf("%s: manifest %+v, file %+v", e, em.FileStats, st)
		}
		fi, _ := os.Stat(path)
		if fi.Mode().Perm() != 0o600 {
			t.Errorf("%s: mode %v, want 0600", e, fi.Mode().Perm())
		}
		if em.Requests == 0 && e != staging.EntityFormFieldValues && em.MinRequests > 0 {
			t.Errorf("%s: no requests recorded", e)
		}
		switch e {
		case staging.EntityCustomers, staging.EntityAttributeValues, staging.EntityAttributes:
			if em.Rows > 0 && (em.MinDateModified == nil || em.MaxDateModified == nil) {
				t.Errorf("%s: no date_modified range in the manifest", e)
			}
			checkTimestampColumn(t, path, "date_modified")
		}
		sourcetest.AssertArrowAgrees(t, path)
	}
	entries, _ := os.ReadDir(dir)
	for _, de := range entries {
		if n := de.Name(); n != staging.ManifestFile && !slices.Contains(wantEntities, n[:len(n)-len(".parquet")]) {
			t.Errorf("left behind in the output directory: %s", n)
		}
	}
}

func checkTimestampColumn(t *testing.T, path, column string) {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	fi, _ := f.Stat()
	pf, err := parquet.OpenFile(f, fi.Size())
	if err != nil {
		t.Fatal(err)
	}
	col, ok := pf.Schema().Lookup(column)
	if !ok {
		t.Fatalf("%s: no column %s", path, column)
	}
	if lt := col.Node.Type().LogicalType(); lt == nil || !strings.HasPrefix(lt.String(), "TIMESTAMP") {
		t.Errorf("%s: %s is not a Parquet TIMESTAMP (%v)", path, column, col.Node.Type())
	}
}
