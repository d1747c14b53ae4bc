package extract

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"hash"
	"io"
	"os"
	"path/filepath"
	"sort"
	"time"

	"github.com/bcetl/bcetl/internal/staging"
)

// record is what one source record becomes: a customer and the rows that
// hang off it, all joined by the customer's source key.
type fileRecord struct {
	customer   staging.Customer
	addresses  []staging.Address
	attrValues []staging.AttributeValue
	formValues []staging.FormFieldValue
}

// sink streams the rows of a file source into the staging files. Attribute
// definitions are few, so they are collected and written at commit; every
// other entity is written as it arrives.
type fileSink struct {
	customers  *staging.Writer[staging.Customer]
	addresses  *staging.Writer[staging.Address]
	attrValues *staging.Writer[staging.AttributeValue]
	formValues *staging.Writer[staging.FormFieldValue]
	rejects    *staging.Writer[staging.Reject]

	attrTypes map[string]string // attribute name -> type, first use wins
	// seen maps each customer source key to the record that used it first:
	// keys are the join and ledger key, so a second record with the same key
	// is rejected rather than written. It costs memory per customer, which
	// is fine for files of some million rows.
	seen         map[string]string
	minModified  *time.Time
	maxModified  *time.Time
	skippedEmpty int64
}

func newFileSink(dir string) (_ *fileSink, err error) {
	s := &fileSink{attrTypes: map[string]string{}, seen: map[string]string{}}
	defer func() {
		if err != nil {
			s.abort()
		}
	}()
	join := func(e string) string { return filepath.Join(dir, staging.FileName(e)) }
	if s.customers, err = staging.Create[staging.Customer](join(staging.EntityCustomers)); err != nil {
		return nil, err
	}
	if s.addresses, err = staging.Create[staging.Address](join(staging.EntityAddresses)); err != nil {
		return nil, err
	}
	if s.attrValues, err = staging.Create[staging.AttributeValue](join(staging.EntityAttributeValues)); err != nil {
		return nil, err
	}
	if s.formValues, err = staging.Create[staging.FormFieldValue](join(staging.EntityFormFieldValues)); err != nil {
		return nil, err
	}
	if s.rejects, err = staging.Create[staging.Reject](filepath.Join(dir, staging.RejectsFile)); err != nil {
		return nil, err
	}
	return s, nil
}

// abort discards every uncommitted file; it is a no-op after commit.
func (s *fileSink) abort() {
	if s.customers != nil {
		s.customers.Abort()
	}
	if s.addresses != nil {
		s.addresses.Abort()
	}
	if s.attrValues != nil {
		s.attrValues.Abort()
	}
	if s.formValues != nil {
		s.formValues.Abort()
	}
	if s.rejects != nil {
		s.rejects.Abort()
	}
}

// add writes one record, or a Reject if its source key was already used.
// where names the record for people ("customers.ndjson record 4").
func (s *fileSink) add(r *fileRecord, where string) error {
	key := r.customer.SourceKey
	if first, dup := s.seen[key]; dup {
		return s.reject(staging.Reject{
			Entity: staging.EntityCustomers, SourceKey: key, Field: "source_key", Rule: "duplicate-source-key", Value: key,
			Message: fmt.Sprintf("%s: source key %q was already used by %s; the first record is kept. Give each record its own id, or remove the repeat.", where, key, first),
		})
	}
	s.seen[key] = where
	for i := range r.attrValues {
		v := &r.attrValues[i]
		if t, ok := s.attrTypes[v.AttributeName]; ok {
			v.AttributeType = t // one definition per name: the first type seen
		} else {
			s.attrTypes[v.AttributeName] = v.AttributeType
		}
	}
	if dm := r.customer.DateModified; dm != nil {
		if s.minModified == nil || dm.Before(*s.minModified) {
			s.minModified = dm
		}
		if s.maxModified == nil || dm.After(*s.maxModified) {
			s.maxModified = dm
		}
	}
	r.customer.AddressCount = int32(len(r.addresses))
	r.customer.AttributeCount = int32(len(r.attrValues))
	if err := s.customers.Write(r.customer); err != nil {
		return err
	}
	if err := s.addresses.Write(r.addresses...); err != nil {
		return err
	}
	if err := s.attrValues.Write(r.attrValues...); err != nil {
		return err
	}
	return s.formValues.Write(r.formValues...)
}

// reject writes a Reject row of the extract stage, the value truncated;
// the staging writer escapes what is not valid UTF-8.
func (s *fileSink) reject(r staging.Reject) error {
	r.Stage = "extract"
	r.Value = staging.TruncateValue(r.Value)
	return s.rejects.Write(r)
}

// commit writes attributes.parquet, commits every file and then the
// manifest, which is written last so that a directory with a manifest is a
// complete one.
func (s *fileSink) commit(dir string, m *staging.Manifest) error {
	names := make([]string, 0, len(s.attrTypes))
	for n := range s.attrTypes {
		names = append(names, n)
	}
	sort.Strings(names)
	attrs := make([]staging.Attribute, len(names))
	for i, n := range names {
		attrs[i] = staging.Attribute{SourceKey: n, Name: n, Type: s.attrTypes[n]}
	}
	m.FormatVersion = staging.FormatVersion
	m.Entities = map[string]staging.EntityManifest{}
	put := func(entity string, st staging.FileStats, err error) error {
		if err != nil {
			return err
		}
		m.Entities[entity] = staging.EntityManifest{File: staging.FileName(entity), FileStats: st}
		return nil
	}
	st, err := staging.WriteAll(filepath.Join(dir, staging.FileName(staging.EntityAttributes)), attrs)
	if err := put(staging.EntityAttributes, st, err); err != nil {
		return err
	}
	st, err = s.customers.Commit()
	if err := put(staging.EntityCustomers, st, err); err != nil {
		return err
	}
	cm := m.Entities[staging.EntityCustomers]
	cm.MinDateModified, cm.MaxDateModified = s.minModified, s.maxModified
	m.Entities[staging.EntityCustomers] = cm
	st, err = s.addresses.Commit()
	if err := put(staging.EntityAddresses, st, err); err != nil {
		return err
	}
	st, err = s.attrValues.Commit()
	if err := put(staging.EntityAttributeValues, st, err); err != nil {
		return err
	}
	st, err = s.formValues.Commit()
	if err := put(staging.EntityFormFieldValues, st, err); err != nil {
		return err
	}
	if _, err := s.rejects.Commit(); err != nil {
		return err
	}
	m.FinishedAt = time.Now().UTC()
	return staging.WriteManifest(dir, m)
}

// inputFile is a source file being read: it counts and hashes the bytes as
// they stream past, so the manifest can record the input without a second
// pass over a large file.
type inputFile struct {
	path    string
	f       *os.File
	h       hash.Hash
	n       int64
	records int64 // records read, good and bad, for the manifest
}

func (in *inputFile) open() (io.Reader, error) {
	f, err := os.Open(in.path)
	if err != nil {
		return nil, err
	}
	in.f, in.h = f, sha256.New()
	return io.TeeReader(f, writerFunc(func(p []byte) (int, error) {
		in.n += int64(len(p))
		return in.h.Write(p)
	})), nil
}

func (in *inputFile) close() {
	if in.f != nil {
		in.f.Close()
	}
}

func (in *inputFile) stats() staging.FileStats {
	return staging.FileStats{Rows: in.records, Bytes: in.n, SHA256: hex.EncodeToString(in.h.Sum(nil))}
}

type writerFunc func([]byte) (int, error)

func (f writerFunc) Write(p []byte) (int, error) { return f(p) }
