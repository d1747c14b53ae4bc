package warehouse

import (
	"context"
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"testing"

	"github.com/bcetl/bcetl/internal/s3test"
)

func openS3(t *testing.T, s *s3test.Server, prefix string) *Blob {
	t.Helper()
	l, err := ParseLocation(s.URL(prefix))
	if err != nil {
		t.Fatal(err)
	}
	b, err := OpenBlob(context.Background(), l, BlobOptions{S3Endpoint: s.Endpoint})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { b.Close() })
	return b
}

// On an object store, as on a disk, Publish never replaces a file: the
// upload is conditional (If-None-Match: *), a taken key is fs.ErrExist
// and both objects stay as they were. Through the real AWS SDK, over
// HTTP, against an S3-compatible server.
func TestBlobPublishNeverReplaces(t *testing.T) {
	ctx := context.Background()
	s := s3test.Start(t)
	b := openS3(t, s, "wh")
	name := "customers/extracted_on=2026-11-25/part-00000.parquet"
	first := filepath.Join(t.TempDir(), "first")
	writeFile(t, first, "old")
	if err := b.Publish(ctx, first, name); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(first); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("the staged file is still there after publishing: %v", err)
	}
	second := filepath.Join(t.TempDir(), "second")
	writeFile(t, second, "new")
	if err := b.Publish(ctx, second, name); !errors.Is(err, fs.ErrExist) {
		t.Fatalf("publish onto a taken key: %v, want fs.ErrExist", err)
	}
	if got, err := b.ReadFile(ctx, name); err != nil || string(got) != "old" {
		t.Errorf("the published object now holds %q (%v)", got, err)
	}
	if got := readFile(t, second); got != "new" {
		t.Errorf("the staged file now holds %q", got)
	}
	// The object is under the prefix, where another client finds it.
	if obj, err := s.Backend.HeadObject(s3test.Bucket, "wh/"+name); err != nil || obj.Size != 3 {
		t.Errorf("s3://%s/wh/%s: %+v %v", s3test.Bucket, name, obj, err)
	}
	if got := b.Path(name); got != "s3://"+s3test.Bucket+"/wh/"+name {
		t.Errorf("Path %s", got)
	}
}

// List names the files directly under a directory, sorted, and nothing
// of its subdirectories or of a sibling sharing the name's prefix.
func TestBlobListAndRead(t *testing.T) {
	ctx := context.Background()
	s := s3test.Start(t)
	b := openS3(t, s, "wh")
	for _, name := range []string{"_manifests/b.json", "_manifests/a.json", "_manifests/old/c.json", "_manifests2/d.json"} {
		src := filepath.Join(t.TempDir(), "f")
		writeFile(t, src, "0123456789")
		if err := b.Publish(ctx, src, name); err != nil {
			t.Fatal(err)
		}
	}
	names, err := b.List(ctx, ManifestsDir)
	if err != nil || len(names) != 2 || names[0] != "_manifests/a.json" || names[1] != "_manifests/b.json" {
		t.Errorf("List %v %v", names, err)
	}
	if names, err := b.List(ctx, "customers"); err != nil || len(names) != 0 {
		t.Errorf("List of a missing dir: %v %v", names, err)
	}
	if ok, err := b.Exists(ctx, "_manifests/a.json"); !ok || err != nil {
		t.Errorf("Exists: %v %v", ok, err)
	}
	if _, err := b.ReadFile(ctx, "_manifests/none.json"); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("ReadFile of a missing key: %v", err)
	}
	r, err := b.Open(ctx, "_manifests/a.json")
	if err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 4)
	if n, err := r.ReadAt(buf, 3); n != 4 || err != nil || string(buf) != "3456" {
		t.Errorf("ReadAt: %d %v %q", n, err, buf)
	}
	if n, err := r.ReadAt(buf, 8); n != 2 || err != io.EOF {
		t.Errorf("ReadAt past the end: %d %v", n, err)
	}
	if err := b.Remove(ctx, "_manifests/a.json"); err != nil {
		t.Fatal(err)
	}
	if err := b.Remove(ctx, "_manifests/a.json"); err != nil {
		t.Errorf("removing a missing key: %v", err)
	}
}
