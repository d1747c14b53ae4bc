// Package atomicfile writes files that hold personal data: owner-only
// permissions, written under a temporary name in the same directory and
// renamed into place only when complete, so a reader never sees half a file
// and a crash leaves the previous version intact.
package atomicfile

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// FileMode and DirMode are the permissions of every output file and of the
// directories created for them: they hold customers' personal data.
const (
	FileMode os.FileMode = 0o600
	DirMode  os.FileMode = 0o700
)

// File is a file being written. Call Commit to put it in place or Abort to
// discard it; calling Abort after Commit is a no-op, so `defer f.Abort()` is
// the usual pattern.
type File struct {
	*os.File
	path string
	done bool
}

// TempInfix marks the temporary name of a file being written:
// ".<name>.bcetl-tmp-<random>" beside <name>. It is distinctive so that
// Sweep removes only what bcetl itself named, never a user's file.
const TempInfix = ".bcetl-tmp-"

// Create opens a temporary file beside path. Missing parent directories are
// created owner-only.
func Create(path string) (*File, error) {
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, DirMode); err != nil {
		return nil, err
	}
	f, err := os.CreateTemp(dir, tempPrefix(path)+"*")
	if err != nil {
		return nil, err
	}
	if err := f.Chmod(FileMode); err != nil {
		f.Close()
		os.Remove(f.Name())
		return nil, err
	}
	return &File{File: f, path: path}, nil
}

// Path is the final path the file is committed to.
func (f *File) Path() string { return f.path }

// Commit flushes the file to stable storage, closes it and renames it into
// place, then syncs the directory so the rename survives a crash.
func (f *File) Commit() error {
	if f.done {
		return errors.New("atomicfile: already committed or aborted")
	}
	f.done = true
	tmp := f.File.Name()
	if err := f.File.Sync(); err != nil {
		f.File.Close()
		os.Remove(tmp)
		return fmt.Errorf("sync %s: %w", f.path, err)
	}
	if err := f.File.Close(); err != nil {
		os.Remove(tmp)
		return fmt.Errorf("close %s: %w", f.path, err)
	}
	if err := os.Rename(tmp, f.path); err != nil {
		os.Remove(tmp)
		return err
	}
	if d, err := os.Open(filepath.Dir(f.path)); err == nil {
		d.Sync() // best effort: not every filesystem supports syncing a directory
		d.Close()
	}
	return nil
}

// Abort discards the temporary file unless it was committed.
func (f *File) Abort() {
	if f.done {
		return
	}
	f.done = true
	f.File.Close()
	os.Remove(f.File.Name())
}

func tempPrefix(path string) string { return "." + filepath.Base(path) + TempInfix }

// Sweep removes the temporary files a killed writer of these paths left
// beside them (Abort never ran): they hold personal data. Call it at the
// start of a run, for the files that run is about to write and while
// nothing else writes them (under the run's lock, or in its own output
// directory); it touches no other file.
func Sweep(paths ...string) error {
	var errs []error
	entries := map[string][]os.DirEntry{}
	for _, p := range paths {
		dir := filepath.Dir(p)
		es, ok := entries[dir]
		if !ok {
			var err error
			es, err = os.ReadDir(dir)
			if err != nil && !os.IsNotExist(err) {
				errs = append(errs, err)
			}
			entries[dir] = es
		}
		prefix := tempPrefix(p)
		for _, e := range es {
			if !e.IsDir() && strings.HasPrefix(e.Name(), prefix) {
				if err := os.Remove(filepath.Join(dir, e.Name())); err != nil && !os.IsNotExist(err) {
					errs = append(errs, err)
				}
			}
		}
	}
	return errors.Join(errs...)
}

// WriteFile writes data to path atomically with owner-only permissions.
func WriteFile(path string, data []byte) error {
	f, err := Create(path)
	if err != nil {
		return err
	}
	defer f.Abort()
	if _, err := f.Write(data); err != nil {
		return err
	}
	return f.Commit()
}

// WriteJSON writes v to path as indented JSON, atomically and owner-only:
// the one way manifests, reports, summaries and state files are written.
func WriteJSON(path string, v any) error {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return err
	}
	return WriteFile(path, append(b, '\n'))
}

// EnsureOwnerOnly creates path if it is missing, and makes it owner-only
// either way, with its directory. For files written in place rather than
// renamed — SQLite databases — so that they hold personal data as safely
// as the rest. SQLite gives its -wal and -shm files the database's mode.
func EnsureOwnerOnly(path string) error {
	if err := os.MkdirAll(filepath.Dir(path), DirMode); err != nil {
		return err
	}
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, FileMode)
	if err != nil {
		return err
	}
	defer f.Close()
	return f.Chmod(FileMode)
}
