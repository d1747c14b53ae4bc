package extract

import (
	"crypto/sha256"
	"encoding/hex"
	"hash"
	"io"
	"os"

	"github.com/bcetl/bcetl/internal/staging"
)

// Input is a source file being read: it counts and hashes the bytes as
// they stream past, so the manifest records exactly what was read without
// a second pass over a large file.
type Input struct {
	f       *os.File
	r       io.Reader
	h       hash.Hash
	n       int64
	Records int64 // records read, good and bad, for the manifest
}

// Open opens one of the source's inputs for reading from start to end.
func (s *Sink) Open(path string) (*Input, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	in := &Input{f: f, h: sha256.New()}
	in.r = io.TeeReader(f, in.h)
	s.inputs[path] = in
	return in, nil
}

func (in *Input) Read(p []byte) (int, error) {
	n, err := in.r.Read(p)
	in.n += int64(n)
	return n, err
}

// Close closes the file; the stats stay.
func (in *Input) Close() error { return in.f.Close() }

func (in *Input) stats() staging.FileStats {
	return staging.FileStats{Rows: in.Records, Bytes: in.n, SHA256: hex.EncodeToString(in.h.Sum(nil))}
}

// Hash records an input the source reads another way than from start to
// end (a Parquet file, read by its footer first, or a mapping file): its
// SHA-256 now, before the source reads it.
func (s *Sink) Hash(path string) error {
	st, err := staging.FileHash(path)
	s.hashed[path] = st
	return err
}
