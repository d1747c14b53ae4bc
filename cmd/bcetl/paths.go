package main

import (
	"os"
	"path/filepath"

	"github.com/bcetl/bcetl/internal/warehouse"
)

// Paths a command is given are checked before any work: a file or
// directory it reads that is not there, or the directory of a file it
// writes, is a usage error naming the flag (exit 2) — not a failure
// after an hour of extracting.

// needFile checks that --flag's file exists ("" is a flag not given).
func needFile(flag, path string) error {
	if path == "" {
		return nil
	}
	fi, err := os.Stat(path)
	switch {
	case err != nil:
		return usagef("--%s %s: no such file", flag, path)
	case fi.IsDir():
		return usagef("--%s %s: a directory, not a file", flag, path)
	}
	return nil
}

// needDir checks that --flag's directory exists.
func needDir(flag, path string) error {
	if path == "" {
		return nil
	}
	if fi, err := os.Stat(path); err != nil || !fi.IsDir() {
		return usagef("--%s %s: no such directory", flag, path)
	}
	return nil
}

// needParent checks that the directory --flag's file is written in
// exists, for a local path (an object store's is the store's to refuse).
func needParent(flag, path string) error {
	if path == "" {
		return nil
	}
	if l, err := warehouse.ParseLocation(path); err != nil || l.Remote() {
		return nil
	}
	dir := filepath.Dir(path)
	if fi, err := os.Stat(dir); err != nil || !fi.IsDir() {
		return usagef("--%s %s: no such directory %s", flag, path, dir)
	}
	return nil
}

// checkLocations checks a warehouse's --out and --state: local paths or
// object store URLs of a scheme bcetl writes.
func checkLocations(out, state string) error {
	for _, c := range []struct{ flag, v string }{{"out", out}, {"state", state}} {
		if c.v == "" {
			continue
		}
		if _, err := warehouse.ParseLocation(c.v); err != nil {
			return usagef("--%s %v", c.flag, err)
		}
	}
	return needParent("state", state)
}
