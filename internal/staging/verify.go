package staging

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"time"
)

// VerifyInput checks a staging directory that a stage is about to read
// against its manifest, and returns the manifest: every entity file it
// lists must be there with the recorded SHA-256 and row count, and no
// entity file may be there that it does not list. A missing manifest is an
// error too: the manifest is written last, so a directory without one is
// incomplete or not a staging directory, and reading what happens to be
// there would load a part of the data and report success. Every error
// names the directory and the file.
func VerifyInput(dir string) (*Manifest, error) {
	fi, err := os.Stat(dir)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("%s: no such directory", dir)
		}
		return nil, err
	}
	if !fi.IsDir() {
		return nil, fmt.Errorf("%s is not a directory", dir)
	}
	m, err := ReadManifest(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("%s: no %s: not a complete staging directory (each stage writes its manifest last; run the stage that writes %s again)", dir, ManifestFile, dir)
	}
	if err != nil {
		return nil, err
	}
	for _, e := range Entities {
		name := FileName(e)
		path := filepath.Join(dir, name)
		em, listed := m.Entities[e]
		if !listed {
			if _, err := os.Stat(path); err == nil {
				return nil, fmt.Errorf("%s: %s is not listed in %s: it does not belong to this staging directory (remove it, or run the stage again)", dir, name, ManifestFile)
			}
			continue
		}
		if em.File != name {
			return nil, fmt.Errorf("%s: %s names %q for %s, a staging directory holds %s", dir, ManifestFile, em.File, e, name)
		}
		st, err := FileHash(path)
		if errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("%s: %s is missing: %s lists it with %d rows", dir, name, ManifestFile, em.Rows)
		}
		if err != nil {
			return nil, err
		}
		if st.SHA256 != em.SHA256 {
			return nil, fmt.Errorf("%s: %s changed since %s was written (sha256 %.12s…, recorded %.12s…): run the stage that wrote it again", dir, name, ManifestFile, st.SHA256, em.SHA256)
		}
		rows, err := parquetRows(path)
		if err != nil {
			return nil, err
		}
		if rows != em.Rows {
			return nil, fmt.Errorf("%s: %s has %d rows, %s says %d", dir, name, rows, ManifestFile, em.Rows)
		}
	}
	return m, nil
}

func parquetRows(path string) (int64, error) {
	pf, f, err := OpenFile(path)
	if err != nil {
		return 0, err
	}
	defer f.Close()
	return pf.NumRows(), nil
}

// ManifestFor describes the entity files present in dir as a manifest of
// the given stage (rows, bytes, SHA-256), for tools and tests that write a
// staging directory by hand. The caller writes it with WriteManifest.
func ManifestFor(dir string, stage Stage) (*Manifest, error) {
	now := time.Now().UTC()
	m := &Manifest{FormatVersion: FormatVersion, Stage: stage, Source: Source{Kind: "staging", Path: dir},
		StartedAt: now, FinishedAt: now, Entities: map[string]EntityManifest{}}
	for _, e := range Entities {
		path := filepath.Join(dir, FileName(e))
		st, err := FileHash(path)
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			return nil, err
		}
		if st.Rows, err = parquetRows(path); err != nil {
			return nil, err
		}
		m.Entities[e] = EntityManifest{File: FileName(e), FileStats: st}
	}
	return m, nil
}
