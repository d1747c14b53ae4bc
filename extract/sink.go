package extract

import (
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"time"

	"github.com/bcetl/bcetl/internal/staging"
)

// Sink is where a source writes: one table per staging entity it
// described, rejects.parquet when it has rejects, and the inputs it read.
// Nothing appears in the output directory under its own name until Run
// commits the sink, the manifest last.
type Sink struct {
	Customers       *Table[staging.Customer]
	Addresses       *Table[staging.Address]
	AttributeValues *Table[staging.AttributeValue]
	FormFieldValues *Table[staging.FormFieldValue]
	Attributes      *Table[staging.Attribute]
	CustomerGroups  *Table[staging.CustomerGroup]
	Metafields      *Table[staging.Metafield]
	Subscribers     *Table[staging.Subscriber]
	Consents        *Table[staging.Consent]

	// Log is the run's logger (Options.Log), never nil.
	Log *slog.Logger

	dir     string
	started time.Time
	tables  []table // those above that are written, in staging.Entities order
	rejects *staging.Writer[staging.Reject]
	inputs  map[string]*Input            // streamed inputs, by path
	hashed  map[string]staging.FileStats // inputs read another way, by path
	scratch string

	// Add's bookkeeping (record.go).
	attrTypes  map[string]string // attribute name -> type, first use wins
	groupNames map[string]bool   // customer group names the records named
	// seen maps each customer source key to the record that used it first:
	// keys are the join and ledger key, so a second record with the same key
	// is rejected rather than written. It costs memory per customer, which
	// is fine for files of some million rows.
	seen map[string]string
}

// table is a Table of any row type.
type table interface {
	Entity() string
	commit() (staging.EntityManifest, error)
	abort()
	Rows() int64
}

// Table is one entity's staging file being written. It records the range
// of date_modified of the rows written, for the manifest.
type Table[T any] struct {
	entity   string
	w        *staging.Writer[T]
	modified func(*T) *time.Time // nil: the entity has no date_modified
	lo, hi   *time.Time
}

// Write appends rows to the file.
func (t *Table[T]) Write(rows ...T) error {
	for i := range rows {
		if t.modified == nil {
			break
		}
		if dm := t.modified(&rows[i]); dm != nil {
			if t.lo == nil || dm.Before(*t.lo) {
				t.lo = new(*dm)
			}
			if t.hi == nil || dm.After(*t.hi) {
				t.hi = new(*dm)
			}
		}
	}
	return t.w.Write(rows...)
}

// Rows is the number of rows written so far.
func (t *Table[T]) Rows() int64 { return t.w.Rows() }

func (t *Table[T]) Entity() string { return t.entity }

func (t *Table[T]) commit() (staging.EntityManifest, error) {
	st, err := t.w.Commit()
	return staging.EntityManifest{File: staging.FileName(t.entity), FileStats: st, MinDateModified: t.lo, MaxDateModified: t.hi}, err
}

func (t *Table[T]) abort() { t.w.Abort() }

// addTable creates *dst when entity is one of the source's.
func addTable[T any](s *Sink, dst **Table[T], entity string, want []string, modified func(*T) *time.Time) error {
	if !slices.Contains(want, entity) {
		return nil
	}
	w, err := staging.Create[T](filepath.Join(s.dir, staging.FileName(entity)))
	if err != nil {
		return err
	}
	*dst = &Table[T]{entity: entity, w: w, modified: modified}
	s.tables = append(s.tables, *dst)
	return nil
}

func newSink(dir string, d Description, started time.Time, log *slog.Logger) (_ *Sink, err error) {
	s := &Sink{dir: dir, started: started, Log: log, inputs: map[string]*Input{}, hashed: map[string]staging.FileStats{},
		attrTypes: map[string]string{}, groupNames: map[string]bool{}, seen: map[string]string{}}
	defer func() {
		if err != nil {
			s.abort()
		}
	}()
	want := d.Entities
	if want == nil {
		want = staging.Entities
	}
	for _, err := range []error{ // in staging.Entities order: the order of commit
		addTable(s, &s.Attributes, staging.EntityAttributes, want, func(a *staging.Attribute) *time.Time { return a.DateModified }),
		addTable(s, &s.CustomerGroups, staging.EntityCustomerGroups, want, func(g *staging.CustomerGroup) *time.Time { return g.DateModified }),
		addTable(s, &s.Customers, staging.EntityCustomers, want, func(c *staging.Customer) *time.Time { return c.DateModified }),
		addTable[staging.Address](s, &s.Addresses, staging.EntityAddresses, want, nil),
		addTable(s, &s.AttributeValues, staging.EntityAttributeValues, want, func(v *staging.AttributeValue) *time.Time { return v.DateModified }),
		addTable[staging.FormFieldValue](s, &s.FormFieldValues, staging.EntityFormFieldValues, want, nil),
		addTable(s, &s.Metafields, staging.EntityMetafields, want, func(m *staging.Metafield) *time.Time { return m.DateModified }),
		addTable(s, &s.Subscribers, staging.EntitySubscribers, want, func(m *staging.Subscriber) *time.Time { return m.DateModified }),
		addTable[staging.Consent](s, &s.Consents, staging.EntityConsents, want, nil),
	} {
		if err != nil {
			return nil, err
		}
	}
	if d.Rejects {
		if s.rejects, err = staging.Create[staging.Reject](filepath.Join(dir, staging.RejectsFile)); err != nil {
			return nil, err
		}
	}
	return s, nil
}

// Started is the run's start, taken before the source was asked to read:
// a store's next watermark.
func (s *Sink) Started() time.Time { return s.started }

// Reject writes a row of rejects.parquet, stage extract, the value
// truncated; the staging writer escapes what is not valid UTF-8.
func (s *Sink) Reject(r staging.Reject) error {
	if s.rejects == nil {
		return fmt.Errorf("extract: the source declared no rejects, yet rejected %s %q", r.Entity, r.SourceKey)
	}
	r.Stage = staging.StageExtract
	r.Value = staging.TruncateValue(r.Value)
	return s.rejects.Write(r)
}

// Scratch returns a private directory inside the output for the source's
// temporary files (a store's spilled sorted runs). Run removes it when
// the source returns; the next run in the same directory removes one a
// killed run left behind (sweepOutputs).
func (s *Sink) Scratch() (string, error) {
	if s.scratch != "" {
		return s.scratch, nil
	}
	if err := os.MkdirAll(s.dir, 0o700); err != nil {
		return "", err
	}
	dir, err := os.MkdirTemp(s.dir, ScratchPrefix) // created 0700
	s.scratch = dir
	return dir, err
}

// ScratchPrefix names a scratch directory in the output directory.
const ScratchPrefix = ".extract-runs-"

// abort discards every uncommitted file and the scratch directory; after
// commit only the latter.
func (s *Sink) abort() {
	for _, t := range s.tables {
		t.abort()
	}
	if s.rejects != nil {
		s.rejects.Abort()
	}
	if s.scratch != "" {
		os.RemoveAll(s.scratch)
	}
}

// commit writes the attribute definitions Add collected, commits every
// file, then writes the manifest: the one place an extract manifest is
// built.
func (s *Sink) commit(d Description, r Report, finished func() time.Time) (*staging.Manifest, error) {
	if err := s.writeDefinitions(); err != nil {
		return nil, err
	}
	m := &staging.Manifest{
		FormatVersion: staging.FormatVersion,
		Stage:         staging.StageExtract,
		Source:        d.Source,
		StartedAt:     s.started,
		Entities:      map[string]staging.EntityManifest{},
		Incremental:   r.Incremental,
		Since:         r.Since,
		Watermark:     r.Watermark,
	}
	for name, path := range d.Inputs {
		st, ok := s.hashed[path]
		if in := s.inputs[path]; in != nil {
			st, ok = in.stats(), true // hashed as it was read
		}
		if !ok {
			return nil, fmt.Errorf("extract: source %s did not read its input %s", d, path)
		}
		if m.Inputs == nil {
			m.Inputs = map[string]staging.FileStats{}
		}
		m.Inputs[name] = st
	}
	for _, t := range s.tables {
		em, err := t.commit()
		if err != nil {
			return nil, err
		}
		req := r.Requests[t.Entity()]
		em.Requests, em.MinRequests = req.Made, req.Minimum
		m.Entities[t.Entity()] = em
	}
	if s.rejects != nil {
		if _, err := s.rejects.Commit(); err != nil {
			return nil, err
		}
	}
	m.FinishedAt = finished().UTC()
	if err := staging.WriteManifest(s.dir, m); err != nil {
		return nil, err
	}
	return m, nil
}

// Dir is the output directory.
func (s *Sink) Dir() string { return s.dir }
