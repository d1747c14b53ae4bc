package transform

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/bcetl/bcetl/internal/atomicfile"
	"github.com/bcetl/bcetl/internal/staging"
)

// Run transforms the staging directory inDir into outDir: the same entity
// files, normalised, validated and deduplicated, plus
// rejects.parquet (the extract's rejects, copied, then this stage's),
// merges.parquet, report.json and manifest.json (stage "transform", its
// inputs' hashes).
//
// Rows are streamed: customers are read twice, every other entity twice,
// and memory holds a small entry per customer, a byte per row of the
// entity at hand, its source-key and dedupe tables (20 bytes a row each,
// on disk past Options.MemoryLimit) and the duplicates in flight, never
// whole files — except attribute definitions, which are few. Every pass runs on Options.Workers cores (parallel.go). Output rows
// keep their input order; a survivor stays at its own position. The output
// is the same whatever the number of workers or the memory limit.
//
// Files appear in outDir only when complete. The returned report is also
// returned on a failure after reading started, with the counts so far.
func Run(ctx context.Context, inDir, outDir string, opts Options) (*Report, error) {
	if err := opts.validate(); err != nil {
		return nil, err
	}
	if opts.CustomerSurvivor == "" {
		opts.CustomerSurvivor = SurvivorNewest
	}
	// The input is checked against its manifest: a missing, truncated or
	// changed entity file would otherwise become "0 rows" downstream.
	m, err := staging.VerifyInput(inDir)
	if err != nil {
		return nil, err
	}
	if err := staging.CheckOutputDir(inDir, outDir); err != nil {
		return nil, err
	}
	if err := os.MkdirAll(outDir, 0o700); err != nil {
		return nil, err
	}
	// What a killed transform was writing here holds personal data.
	if err := atomicfile.Sweep(outputPaths(outDir)...); err != nil {
		return nil, err
	}
	if err := sweepScratch(outDir); err != nil {
		return nil, err
	}
	for attempt := 0; ; attempt++ {
		rep := newReport(opts)
		rep.StartedAt = time.Now().UTC()
		seeds := newSeeds()
		if testHookSeeds != nil {
			seeds = testHookSeeds(attempt, seeds)
		}
		r := &run{ctx: ctx, in: inDir, out: outDir, opts: opts, rep: rep, manifest: m, seeds: seeds}
		err := r.do()
		r.removeScratch()
		if err == nil {
			return rep, nil
		}
		r.abort()
		// A collision of two keys' hashes was caught before it merged two
		// records; fresh seeds make another one all but impossible.
		if errors.Is(err, errKeyCollision) && attempt < maxAttempts-1 {
			continue
		}
		return rep, err
	}
}

// maxAttempts bounds the runs started again after a hash collision (Key).
const maxAttempts = 3

// testHookSeeds, when set by a test, chooses the seeds of each attempt.
var testHookSeeds func(attempt int, s *keySeeds) *keySeeds

type run struct {
	ctx      context.Context
	in, out  string
	opts     Options
	rep      *Report
	manifest *staging.Manifest
	seeds    *keySeeds
	scratch  string // the spill directory, once made

	customers  *batchWriter[staging.Customer]
	addresses  *batchWriter[staging.Address]
	attributes *batchWriter[staging.Attribute]
	values     *batchWriter[staging.AttributeValue]
	forms      *batchWriter[staging.FormFieldValue]
	groups     *batchWriter[staging.CustomerGroup]
	metafields *batchWriter[staging.Metafield]
	subs       *batchWriter[staging.Subscriber]
	consents   *batchWriter[staging.Consent]
	s          sink
	aborts     []func()
}

// rows is the number of rows of an entity file, as its manifest says: the
// per-row tables are allocated once, at their size.
func (r *run) rows(entity string) int64 {
	if em, ok := r.manifest.Entities[entity]; ok && em.Rows > 0 && em.Rows <= maxRows {
		return em.Rows
	}
	return 0
}

func (r *run) path(name string) string { return filepath.Join(r.out, name) }

func (r *run) open() error {
	var err error
	r.customers, err = openWriter[staging.Customer](r, staging.FileName(staging.EntityCustomers), err)
	r.addresses, err = openWriter[staging.Address](r, staging.FileName(staging.EntityAddresses), err)
	r.attributes, err = openWriter[staging.Attribute](r, staging.FileName(staging.EntityAttributes), err)
	r.values, err = openWriter[staging.AttributeValue](r, staging.FileName(staging.EntityAttributeValues), err)
	r.forms, err = openWriter[staging.FormFieldValue](r, staging.FileName(staging.EntityFormFieldValues), err)
	r.groups, err = openWriter[staging.CustomerGroup](r, staging.FileName(staging.EntityCustomerGroups), err)
	r.metafields, err = openWriter[staging.Metafield](r, staging.FileName(staging.EntityMetafields), err)
	r.subs, err = openWriter[staging.Subscriber](r, staging.FileName(staging.EntitySubscribers), err)
	r.consents, err = openWriter[staging.Consent](r, staging.FileName(staging.EntityConsents), err)
	r.s.rejects, err = openWriter[staging.Reject](r, staging.RejectsFile, err)
	r.s.merges, err = openWriter[staging.Merge](r, staging.MergesFile, err)
	r.s.rep = r.rep
	return err
}

// openWriter opens one output file unless an earlier one failed, and
// remembers how to discard it.
func openWriter[T any](r *run, name string, prev error) (*batchWriter[T], error) {
	if prev != nil {
		return nil, prev
	}
	w, err := newBatchWriter[T](r.path(name))
	if err == nil {
		r.aborts = append(r.aborts, w.abort)
	}
	return w, err
}

// abort discards every output file not yet committed.
func (r *run) abort() {
	for _, a := range r.aborts {
		a()
	}
}

func (r *run) do() error {
	if err := r.open(); err != nil {
		return err
	}
	if err := r.copyExtractRejects(); err != nil {
		return err
	}
	spans := map[string]*dateSpan{}
	for _, e := range staging.Entities {
		spans[e] = &dateSpan{}
	}
	attrs, err := transformAttributes(r.ctx, r.in, r.opts, r.attributes, &r.s, spans[staging.EntityAttributes])
	if err != nil {
		return err
	}
	ct, err := r.readCustomers()
	if err != nil {
		return err
	}
	at, err := r.transformAddresses(ct)
	if err != nil {
		return err
	}
	if err := r.transformAttributeValues(ct, attrs, spans[staging.EntityAttributeValues]); err != nil {
		return err
	}
	if err := r.transformFormFields(ct, at); err != nil {
		return err
	}
	at = nil
	if err := transformChildren(r, ct, r.groups, spans[staging.EntityCustomerGroups], groupSpec); err != nil {
		return err
	}
	if err := transformChildren(r, ct, r.metafields, spans[staging.EntityMetafields], metafieldSpec); err != nil {
		return err
	}
	if err := transformChildren(r, ct, r.subs, spans[staging.EntitySubscribers], subscriberSpec); err != nil {
		return err
	}
	if err := transformChildren(r, ct, r.consents, spans[staging.EntityConsents], consentSpec); err != nil {
		return err
	}
	if err := r.writeCustomers(ct, spans[staging.EntityCustomers]); err != nil {
		return err
	}
	return r.commit(spans)
}

// copyExtractRejects copies the input's rejects unchanged, so the last
// stage's rejects file lists every record the pipeline dropped.
func (r *run) copyExtractRejects() error {
	path := filepath.Join(r.in, staging.RejectsFile)
	if _, err := os.Stat(path); os.IsNotExist(err) {
		return nil
	}
	return staging.Scan(path, func(rj staging.Reject) error {
		r.rep.ExtractRejects++
		return r.s.rejects.write(rj)
	})
}

func (r *run) commit(spans map[string]*dateSpan) error {
	entities := map[string]staging.EntityManifest{}
	add := func(entity string, st staging.FileStats, err error) error {
		if err != nil {
			return err
		}
		em := staging.EntityManifest{File: staging.FileName(entity), FileStats: st}
		if sp := spans[entity]; sp != nil {
			em.MinDateModified, em.MaxDateModified = sp.min, sp.max
		}
		entities[entity] = em
		return nil
	}
	// Each file's last row group is encoded and compressed as it is
	// committed: all at once, one goroutine each.
	files := []struct {
		entity string // "": rejects, merges
		commit func() (staging.FileStats, error)
	}{
		{staging.EntityAttributes, r.attributes.commit}, {staging.EntityCustomers, r.customers.commit},
		{staging.EntityAddresses, r.addresses.commit}, {staging.EntityAttributeValues, r.values.commit},
		{staging.EntityFormFieldValues, r.forms.commit}, {staging.EntityCustomerGroups, r.groups.commit},
		{staging.EntityMetafields, r.metafields.commit}, {staging.EntitySubscribers, r.subs.commit},
		{staging.EntityConsents, r.consents.commit}, {"", r.s.rejects.commit}, {"", r.s.merges.commit},
	}
	stats := make([]staging.FileStats, len(files))
	errs := make([]error, len(files))
	var wg sync.WaitGroup
	for i, f := range files {
		wg.Go(func() { stats[i], errs[i] = f.commit() })
	}
	wg.Wait()
	var err error
	for i, f := range files {
		if f.entity == "" {
			err = errors.Join(err, errs[i])
			continue
		}
		err = errors.Join(err, add(f.entity, stats[i], errs[i]))
	}
	if err != nil {
		return err
	}
	if err := r.rep.Balanced(); err != nil {
		return fmt.Errorf("ledger does not balance (a bug): %w", err)
	}
	r.rep.FinishedAt = time.Now().UTC()
	if err := atomicfile.WriteJSON(r.path(staging.ReportFile), r.rep); err != nil {
		return err
	}
	return r.writeManifest(entities)
}

// writeManifest records the output files and the input files' stats. The
// source, watermark and incremental window are carried over from the input
// manifest when there is one, so load and the nightly pipeline can use
// them.
func (r *run) writeManifest(entities map[string]staging.EntityManifest) error {
	m := &staging.Manifest{
		FormatVersion: staging.FormatVersion,
		Stage:         staging.StageTransform,
		Source:        staging.Source{Kind: "staging", Path: r.in},
		StartedAt:     r.rep.StartedAt,
		FinishedAt:    r.rep.FinishedAt,
		Entities:      entities,
		Inputs:        map[string]staging.FileStats{},
	}
	if in, err := staging.ReadManifest(r.in); err == nil {
		m.Source, m.Watermark, m.Incremental, m.Since = in.Source, in.Watermark, in.Incremental, in.Since
	}
	for _, name := range append(entityFiles(), staging.RejectsFile, staging.ManifestFile) {
		p := filepath.Join(r.in, name)
		st, err := staging.FileHash(p)
		if errors.Is(err, os.ErrNotExist) {
			continue
		}
		if err != nil {
			return err
		}
		for _, e := range staging.Entities {
			if staging.FileName(e) == name {
				st.Rows = r.rep.Entities[e].RowsIn
			}
		}
		if name == staging.RejectsFile {
			st.Rows = r.rep.ExtractRejects
		}
		m.Inputs[name] = st
	}
	return staging.WriteManifest(r.out, m)
}

// outputPaths are the files Run writes into outDir.
func outputPaths(outDir string) []string {
	var out []string
	for _, name := range append(entityFiles(), staging.RejectsFile, staging.MergesFile, staging.ReportFile, staging.ManifestFile) {
		out = append(out, filepath.Join(outDir, name))
	}
	return out
}

func entityFiles() []string {
	var out []string
	for _, e := range staging.Entities {
		out = append(out, staging.FileName(e))
	}
	return out
}
