package warehouse

import (
	"context"
	"errors"
	"path/filepath"
	"testing"

	"github.com/bcetl/bcetl/internal/s3test"
)

// Two runs read the same state; the first writes it back advanced, and
// the second's write is refused with ErrStateMoved, leaving the first's:
// two runs cannot both advance a watermark. For a state in S3 the guard is
// the conditional PutObject (If-None-Match: * to create, If-Match: ETag
// to replace), evaluated by the server; on a disk, the version compare
// under the state's lock.
func TestStateWriteIsConditional(t *testing.T) {
	ctx := context.Background()
	s := s3test.Start(t)
	for name, path := range map[string]string{
		"s3":   s.URL("states/export.state"),
		"disk": filepath.Join(t.TempDir(), "export.state"),
	} {
		t.Run(name, func(t *testing.T) {
			st, err := OpenState(ctx, path, BlobOptions{S3Endpoint: s.Endpoint})
			if err != nil {
				t.Fatal(err)
			}
			defer st.Close()
			data, v, err := st.Read(ctx)
			if data != nil || v != "" || err != nil {
				t.Fatalf("a state not written yet reads %q %q %v", data, v, err)
			}
			// Both runs find no state; one creates it.
			if err := st.Write(ctx, []byte(`{"run":"a"}`), ""); err != nil {
				t.Fatal(err)
			}
			if err := st.Write(ctx, []byte(`{"run":"b"}`), ""); !errors.Is(err, ErrStateMoved) {
				t.Fatalf("second create: %v, want ErrStateMoved", err)
			}
			data, v1, err := st.Read(ctx)
			if err != nil || string(data) != `{"run":"a"}` || v1 == "" {
				t.Fatalf("after the creates: %q %q %v", data, v1, err)
			}
			// Both runs read v1; one advances it.
			if err := st.Write(ctx, []byte(`{"run":"c"}`), v1); err != nil {
				t.Fatal(err)
			}
			if err := st.Write(ctx, []byte(`{"run":"d"}`), v1); !errors.Is(err, ErrStateMoved) {
				t.Fatalf("second advance from one version: %v, want ErrStateMoved", err)
			}
			data, v2, err := st.Read(ctx)
			if err != nil || string(data) != `{"run":"c"}` || v2 == v1 {
				t.Fatalf("after the advances: %q %q %v", data, v2, err)
			}
		})
	}
}

// --state and --out name a local path or an object store URL; anything
// else is refused with a message naming it.
func TestParseLocation(t *testing.T) {
	for in, want := range map[string]string{
		"./warehouse": "", "/data/wh": "", "s3://b/p/q": "s3 b p/q", "gs://b": "gs b ", "azblob://c/x/": "azblob c x",
	} {
		l, err := ParseLocation(in)
		got := l.Scheme
		if l.Remote() {
			got += " " + l.Bucket + " " + l.Key
		}
		if err != nil || got != want {
			t.Errorf("%s: %q %v, want %q", in, got, err, want)
		}
	}
	for _, bad := range []string{"ftp://host/x", "s3://", "s3://key:secret@b/p", "s3://b/p?endpoint=x"} {
		if _, err := ParseLocation(bad); err == nil {
			t.Errorf("%s accepted", bad)
		}
	}
	if _, err := OpenState(context.Background(), "gs://b/export.state", BlobOptions{}); err == nil {
		t.Error("a state in gs:// was accepted without a conditional write")
	}
}
