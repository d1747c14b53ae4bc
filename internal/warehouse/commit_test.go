package warehouse

import (
	"context"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"testing"

	"github.com/bcetl/bcetl/internal/staging"
)

func writeFile(t *testing.T, path, content string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
}

func readFile(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// Publish never replaces a file: a taken name is fs.ErrExist, and both
// files stay as they were.
func TestDiskPublishNeverReplaces(t *testing.T) {
	ctx := context.Background()
	d := Disk(t.TempDir())
	src := filepath.Join(d.StagingDir(), "run", "a.parquet")
	writeFile(t, src, "new")
	writeFile(t, d.Path("customers/extracted_on=2026-11-25/part-00000.parquet"), "old")
	err := d.Publish(ctx, src, "customers/extracted_on=2026-11-25/part-00000.parquet")
	if !errors.Is(err, fs.ErrExist) {
		t.Fatalf("publish onto a taken name: %v, want fs.ErrExist", err)
	}
	if got := readFile(t, d.Path("customers/extracted_on=2026-11-25/part-00000.parquet")); got != "old" {
		t.Errorf("the published file now holds %q", got)
	}
	if got := readFile(t, src); got != "new" {
		t.Errorf("the staged file now holds %q", got)
	}
	if err := d.Publish(ctx, src, "customers/extracted_on=2026-11-25/part-00001.parquet"); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(src); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("the staged file is still there after publishing: %v", err)
	}
	if fi, err := os.Stat(d.Path("customers/extracted_on=2026-11-25")); err != nil || fi.Mode().Perm() != 0o700 {
		t.Errorf("partition directory: %v %v", fi.Mode().Perm(), err)
	}
}

// staleList is Disk with a List that misses what another writer
// published after it was taken: the race between choosing a part number
// and publishing under it.
type staleList struct {
	Disk
	names []string
}

func (s staleList) List(context.Context, string) ([]string, error) { return s.names, nil }

// A numbered part takes the number after the highest, and one another
// writer took since is skipped: the other writer's part is never
// overwritten. Labelled parts and the part-created-…, part-cart-… names
// take no number.
func TestFileTakesTheNextFreeNumber(t *testing.T) {
	ctx := context.Background()
	d := Disk(t.TempDir())
	day := "customers/extracted_on=2026-11-25/"
	for _, name := range []string{"part-00003.parquet", "part-created-1-2-2.parquet", "notes.txt"} {
		writeFile(t, d.Path(day+name), name)
	}
	listed, _ := d.List(ctx, day)
	writeFile(t, d.Path(day+"part-00004.parquet"), "the other writer's")
	w := &Warehouse{b: staleList{d, listed}, storeHash: "h", has: map[string]bool{}}

	src := filepath.Join(d.StagingDir(), "run", "customers.parquet")
	writeFile(t, src, "mine")
	name, err := w.File(ctx, "customers", src, Part{Day: "2026-11-25"})
	if err != nil {
		t.Fatal(err)
	}
	if name != day+"part-00005.parquet" || readFile(t, d.Path(name)) != "mine" {
		t.Errorf("filed as %s", name)
	}
	if got := readFile(t, d.Path(day+"part-00004.parquet")); got != "the other writer's" {
		t.Errorf("the other writer's part now holds %q", got)
	}

	// Numbers past five digits still count: the next is after them.
	writeFile(t, d.Path("addresses/extracted_on=2026-11-25/part-100000.parquet"), "")
	writeFile(t, src, "mine")
	w.b = d
	if name, err := w.File(ctx, "addresses", src, Part{Day: "2026-11-25"}); err != nil || name != "addresses/extracted_on=2026-11-25/part-100001.parquet" {
		t.Errorf("after part-100000: %s %v", name, err)
	}
}

// Open writes nothing, also for an --out that does not exist yet.
func TestOpenWritesNothing(t *testing.T) {
	out := filepath.Join(t.TempDir(), "warehouse")
	if _, err := Open(context.Background(), Disk(out), "h"); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(out); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("Open created %s: %v", out, err)
	}
	if _, err := Open(context.Background(), Disk(out), ""); err == nil {
		t.Error("a warehouse without a store hash was opened")
	}
}

// A run whose files cannot all be rewritten publishes none of them: no
// part without its run manifest.
func TestCommitPublishesNothingWhenARewriteFails(t *testing.T) {
	ctx := context.Background()
	d := Disk(t.TempDir())
	w, err := Open(ctx, d, "h")
	if err != nil {
		t.Fatal(err)
	}
	dir := w.Stage("run")
	m := &staging.Manifest{Entities: map[string]staging.EntityManifest{}}
	for _, entity := range []string{staging.EntityAttributes, staging.EntityCustomers} {
		st, err := staging.WriteAll(filepath.Join(dir, staging.FileName(entity)), []staging.Customer{{SourceKey: "k"}})
		if err != nil {
			t.Fatal(err)
		}
		m.Entities[entity] = staging.EntityManifest{File: staging.FileName(entity), FileStats: st}
	}
	// Customers and attributes come before addresses: they would be
	// filed first.
	writeFile(t, filepath.Join(dir, "addresses.parquet"), "not parquet")
	m.Entities[staging.EntityAddresses] = staging.EntityManifest{File: "addresses.parquet"}
	if _, _, err := w.Commit(ctx, "run", dir, m, Part{Day: "2026-11-25"}); err == nil {
		t.Fatal("a run with an unreadable file was committed")
	}
	entries, _ := os.ReadDir(string(d))
	for _, e := range entries {
		if e.Name() != stagingDir {
			t.Errorf("published despite the failure: %s", e.Name())
		}
	}
}

// Every entity a run extracted is filed into its dataset: a run with
// customer groups, metafields, subscribers and consents must not publish a
// manifest that names files it never filed.
func TestCommitFilesEveryEntity(t *testing.T) {
	ctx := context.Background()
	d := Disk(t.TempDir())
	w, err := Open(ctx, d, "h")
	if err != nil {
		t.Fatal(err)
	}
	dir := w.Stage("run")
	m := &staging.Manifest{Entities: map[string]staging.EntityManifest{}}
	write := func(entity string, st staging.FileStats, err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		m.Entities[entity] = staging.EntityManifest{File: staging.FileName(entity), FileStats: st}
	}
	path := func(entity string) string { return filepath.Join(dir, staging.FileName(entity)) }
	id := int64(7)
	st, err := staging.WriteAll(path(staging.EntityCustomers), []staging.Customer{{SourceKey: "c", ID: &id, Email: "a@example.com"}})
	write(staging.EntityCustomers, st, err)
	st, err = staging.WriteAll(path(staging.EntityAddresses), []staging.Address{{SourceKey: "a", CustomerSourceKey: "c"}})
	write(staging.EntityAddresses, st, err)
	st, err = staging.WriteAll(path(staging.EntityAttributes), []staging.Attribute{{Name: "tier"}})
	write(staging.EntityAttributes, st, err)
	st, err = staging.WriteAll(path(staging.EntityAttributeValues), []staging.AttributeValue{{CustomerSourceKey: "c"}})
	write(staging.EntityAttributeValues, st, err)
	st, err = staging.WriteAll(path(staging.EntityFormFieldValues), []staging.FormFieldValue{{CustomerSourceKey: "c", Name: "f"}})
	write(staging.EntityFormFieldValues, st, err)
	st, err = staging.WriteAll(path(staging.EntityCustomerGroups), []staging.CustomerGroup{{Name: "Wholesale"}})
	write(staging.EntityCustomerGroups, st, err)
	st, err = staging.WriteAll(path(staging.EntityMetafields), []staging.Metafield{{CustomerSourceKey: "c", Namespace: "n", Key: "k"}})
	write(staging.EntityMetafields, st, err)
	st, err = staging.WriteAll(path(staging.EntitySubscribers), []staging.Subscriber{{Email: "a@example.com"}})
	write(staging.EntitySubscribers, st, err)
	st, err = staging.WriteAll(path(staging.EntityConsents), []staging.Consent{{CustomerSourceKey: "c"}})
	write(staging.EntityConsents, st, err)
	if len(m.Entities) != len(staging.Entities) {
		t.Fatalf("the test writes %d entities, staging has %d: add the new one", len(m.Entities), len(staging.Entities))
	}
	parts, _, err := w.Commit(ctx, "run", dir, m, Part{Day: "2026-11-25"})
	if err != nil {
		t.Fatal(err)
	}
	for _, entity := range staging.Entities {
		p, ok := parts[entity]
		if !ok {
			t.Errorf("%s: not filed", entity)
			continue
		}
		if rel, err := filepath.Rel(dir, p); err == nil && filepath.IsLocal(rel) {
			t.Errorf("%s: left in the staging directory (%s), never filed into its dataset", entity, p)
		} else if _, err := os.Stat(p); err != nil {
			t.Errorf("%s: filed as %s, which does not exist: %v", entity, p, err)
		}
	}
}
