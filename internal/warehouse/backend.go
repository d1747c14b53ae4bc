package warehouse

import (
	"context"
	"errors"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"slices"

	"github.com/bcetl/bcetl/internal/atomicfile"
)

// Backend holds a warehouse's files. Names are slash-separated and
// relative to the warehouse's root ("_manifests/20261125T103000.000Z.json").
// Disk is the local implementation, Blob the object store one
// (gocloud.dev/blob: s3://, gs://, azblob://): List by prefix and
// delimiter, Publish as an upload conditional on the key being absent
// (If-None-Match: *, ifGenerationMatch=0), so that a reader never sees a
// key half-written and no writer ever replaces another's.
type Backend interface {
	// List returns the names of the files directly under dir, sorted. A
	// dir that does not exist holds none.
	List(ctx context.Context, dir string) ([]string, error)
	// ListTree returns the names of every file under dir, at any depth,
	// sorted.
	ListTree(ctx context.Context, dir string) ([]string, error)
	// ReadFile returns the content of the file name.
	ReadFile(ctx context.Context, name string) ([]byte, error)
	// Exists reports whether the file name is published.
	Exists(ctx context.Context, name string) (bool, error)
	// Publish makes the complete local file src the file name, whole at
	// once, and only if there is no file name yet: otherwise it returns an
	// error that is fs.ErrExist and changes nothing. src is gone after a
	// successful Publish.
	Publish(ctx context.Context, src, name string) error
	// Remove deletes the file name; one that does not exist is no error.
	Remove(ctx context.Context, name string) error
	// StagingDir is the local directory in which runs write their files
	// before they are published.
	StagingDir() string
	// Path is where a person or a reader finds name: a local path or a URL.
	Path(name string) string
	// Open opens the file name for reading at offsets (a Parquet reader
	// reads only the footer and the columns it needs).
	Open(ctx context.Context, name string) (ReaderAt, error)
	// Close releases the backend's connections.
	Close() error
}

// ReaderAt is an open file of a Backend.
type ReaderAt interface {
	io.ReaderAt
	io.Closer
	Size() int64
}

// Disk is a warehouse in a local directory, its root.
type Disk string

var _ Backend = Disk("")

func (d Disk) Path(name string) string { return filepath.Join(string(d), filepath.FromSlash(name)) }

// StagingDir is inside the root, on the same filesystem as the dataset, so
// Publish is a link and never a copy.
func (d Disk) StagingDir() string { return d.Path(stagingDir) }

func (d Disk) List(_ context.Context, dir string) ([]string, error) {
	entries, err := os.ReadDir(d.Path(dir))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	var names []string
	for _, e := range entries {
		if e.Type().IsRegular() {
			names = append(names, path.Join(dir, e.Name()))
		}
	}
	return names, err
}

func (d Disk) ListTree(_ context.Context, dir string) ([]string, error) {
	var names []string
	root := d.Path(dir)
	err := filepath.WalkDir(root, func(p string, e fs.DirEntry, err error) error {
		if errors.Is(err, fs.ErrNotExist) && p == root {
			return filepath.SkipAll
		}
		if err != nil || !e.Type().IsRegular() {
			return err
		}
		rel, err := filepath.Rel(string(d), p)
		names = append(names, filepath.ToSlash(rel))
		return err
	})
	slices.Sort(names)
	return names, err
}

func (d Disk) ReadFile(_ context.Context, name string) ([]byte, error) {
	return os.ReadFile(d.Path(name))
}

func (d Disk) Exists(_ context.Context, name string) (bool, error) {
	_, err := os.Stat(d.Path(name))
	if errors.Is(err, fs.ErrNotExist) {
		return false, nil
	}
	return err == nil, err
}

// Publish links src to name, then removes src. A link, not a rename:
// link(2) fails if name exists where rename(2) silently replaces it, so
// two writers that chose the same part number can never overwrite each
// other's part, and it is the contract an object store gives with a
// conditional write. A crash between the two steps leaves src in the
// staging area, which the next run clears (SweepStaging).
func (d Disk) Publish(_ context.Context, src, name string) error {
	dst := d.Path(name)
	if err := os.MkdirAll(filepath.Dir(dst), atomicfile.DirMode); err != nil {
		return err
	}
	if err := os.Link(src, dst); err != nil {
		return err
	}
	// The new name must survive a crash before the caller moves a
	// watermark past it; best effort, as not every filesystem can sync a
	// directory.
	if dir, err := os.Open(filepath.Dir(dst)); err == nil {
		dir.Sync()
		dir.Close()
	}
	return os.Remove(src)
}

func (d Disk) Close() error { return nil }

func (d Disk) Open(_ context.Context, name string) (ReaderAt, error) {
	f, err := os.Open(d.Path(name))
	if err != nil {
		return nil, err
	}
	st, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, err
	}
	return sizedFile{f, st.Size()}, nil
}

type sizedFile struct {
	*os.File
	size int64
}

func (f sizedFile) Size() int64 { return f.size }

func (d Disk) Remove(_ context.Context, name string) error {
	if err := os.Remove(d.Path(name)); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	return nil
}
