package results

import (
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"os"
	"slices"
	"strings"

	"github.com/bcetl/bcetl/internal/staging"
)

// Inputs are the files a pair is joined from.
type Inputs struct {
	// Dir holds the input records: a staging directory whose entity files
	// list every record read — the extract's output for a migration, the
	// --in of a load.
	Dir string
	// Rejects and Merges are the accounting files of the stages between
	// Dir and the load: a transform's rejects.parquet (the extract's
	// rejects copied, then its own) and merges.parquet. Empty: none.
	Rejects, Merges string
	// Results is the load's results.parquet: one row per record it read.
	Results string
}

// Counts is what a pair holds.
type Counts struct {
	SuccessPath, ErrorPath string
	Success, Error         int64
	// ByEntity counts the rows per entity and status.
	ByEntity map[string]map[staging.Status]int64
	// Unaccounted counts input records no stage gave an outcome (in
	// error.csv, "pending"): none unless the stages' files disagree.
	Unaccounted int64
}

// Write joins in into the pair at successPath and errorPath (Join's
// rows), both committed together.
func Write(in Inputs, successPath, errorPath string) (*Counts, error) {
	w, err := Create(successPath, errorPath)
	if err != nil {
		return nil, err
	}
	defer w.Abort()
	c := &Counts{SuccessPath: successPath, ErrorPath: errorPath, ByEntity: map[string]map[staging.Status]int64{}}
	err = Join(in, func(r *Row) error {
		if c.ByEntity[r.Entity] == nil {
			c.ByEntity[r.Entity] = map[staging.Status]int64{}
		}
		c.ByEntity[r.Entity][r.Status]++
		if r.Status == staging.StatusPending && strings.Contains(r.Message, unaccounted) {
			c.Unaccounted++
		}
		return w.Write(r)
	})
	if err != nil {
		return nil, err
	}
	c.Success, c.Error = w.Rows()
	return c, w.Commit()
}

const unaccounted = "no stage recorded an outcome for this record"

// Join gives fn one row per input record: entity by entity in load
// order, each entity's records in input order, then the records of that
// entity the extract could not read; then whatever a stage's file names
// that the input does not hold (nothing, unless the files disagree), so
// that no outcome is lost.
func Join(in Inputs, fn func(*Row) error) error {
	// The load's results are what every record the load read became: a
	// pair without them would call every such record unaccounted.
	if _, err := os.Stat(in.Results); err != nil {
		return fmt.Errorf("the load's results: %w", err)
	}
	rejects, err := readRejects(in.Rejects)
	if err != nil {
		return err
	}
	merges, err := readMerges(in.Merges)
	if err != nil {
		return err
	}
	emails := map[string]string{} // customer key → email, for the children
	for _, entity := range staging.Entities {
		res, err := readResults(in.Results, entity)
		if err != nil {
			return err
		}
		j := entityJoin{entity: entity, results: res, rejects: rejects[entity], merges: merges[entity], emails: emails, fn: fn}
		if err := j.run(in.Dir); err != nil {
			return err
		}
	}
	return nil
}

// loadResult is what the join reads of a row of the load's
// results.parquet (load.Result, columns matched by name): one per record
// the load read. Shared plumbing does not import the stage; the pipelines
// tests check the two agree.
type loadResult struct {
	Entity     string         `parquet:"entity"`
	SourceKey  string         `parquet:"source_key"`
	Status     staging.Status `parquet:"status"`
	TargetID   *int64         `parquet:"target_id,optional"`
	HTTPStatus int32          `parquet:"http_status"`
	Message    string         `parquet:"message"`
}

// outcome is a load result, marked once a row has reported it.
type outcome struct {
	loadResult
	used bool
}

type entityJoin struct {
	entity  string
	results map[string]*outcome
	rejects *entityRejects
	merges  map[string]staging.Merge
	emails  map[string]string
	fn      func(*Row) error
}

func (j *entityJoin) run(dir string) error {
	err := scanInputs(dir, j.entity, j.emails, func(id ident) error {
		if _, seen := j.emails[id.key]; !seen && j.entity == staging.EntityCustomers && id.email != "" {
			j.emails[id.key] = id.email // a repeat of the key is rejected: its first record's
		}
		return j.fn(j.row(id))
	})
	if err != nil {
		return err
	}
	// Records the extract could not read are in no staging file.
	for _, r := range j.rejects.extract {
		row := rejectRow(j.entity, ident{key: r.SourceKey}, r)
		if r.Field == "email" {
			row.Email = r.Value
		}
		if err := j.fn(row); err != nil {
			return err
		}
	}
	// What a stage names that the input does not hold: reported, never
	// dropped (the test of the pair counts them as a disagreement).
	for _, key := range slices.Sorted(maps.Keys(j.rejects.transform)) {
		if err := j.fn(rejectRow(j.entity, ident{key: key}, j.rejects.transform[key])); err != nil {
			return err
		}
	}
	for _, key := range slices.Sorted(maps.Keys(j.rejects.repeats)) {
		for _, r := range j.rejects.repeats[key] {
			if err := j.fn(rejectRow(j.entity, ident{key: key}, r)); err != nil {
				return err
			}
		}
	}
	for _, key := range slices.Sorted(maps.Keys(j.merges)) {
		if err := j.fn(j.mergeRow(ident{key: key}, j.merges[key])); err != nil {
			return err
		}
	}
	for _, key := range slices.Sorted(maps.Keys(j.results)) {
		if o := j.results[key]; !o.used {
			if err := j.fn(loadRow(j.entity, ident{key: key}, o)); err != nil {
				return err
			}
		}
	}
	return nil
}

// row is the outcome of one input record; it takes the record's reject,
// merge or load result out of the join's maps (a survivor's result stays,
// marked used, for the records merged into it).
func (j *entityJoin) row(id ident) *Row {
	if r, ok := j.rejects.take(id.key); ok {
		return rejectRow(j.entity, id, r)
	}
	if m, ok := j.merges[id.key]; ok {
		delete(j.merges, id.key)
		return j.mergeRow(id, m)
	}
	if o, ok := j.results[id.key]; ok {
		o.used = true
		return loadRow(j.entity, id, o)
	}
	return &Row{Entity: j.entity, SourceKey: id.key, CustomerKey: id.customer, Email: id.email,
		Status: staging.StatusPending, Stage: staging.StageLoad, Message: unaccounted}
}

// mergeRow is a merged record: in the target as its survivor is, with
// the survivor's target id; not in it when the survivor is not.
func (j *entityJoin) mergeRow(id ident, m staging.Merge) *Row {
	row := &Row{Entity: j.entity, SourceKey: id.key, CustomerKey: id.customer, Email: id.email, Stage: staging.StageTransform, Rule: m.Rule}
	into := fmt.Sprintf("merged into %s (rule %s)", m.SurvivorKey, m.Rule)
	s, ok := j.results[m.SurvivorKey]
	switch {
	case !ok:
		row.Status, row.Stage, row.Message = staging.StatusPending, staging.StageLoad, into+"; "+unaccounted+" "+m.SurvivorKey
	case s.Status == staging.StatusLoaded || s.Status == staging.StatusSkipped || s.Status == staging.StatusUpdated:
		row.Status, row.TargetID, row.Message = StatusMerged, s.TargetID, into
	default:
		// Its data did not reach the target either: the survivor's
		// fate, decided by the load, is the record's.
		row.Status, row.Stage, row.HTTPStatus = s.Status, staging.StageLoad, s.HTTPStatus
		row.Message = fmt.Sprintf("%s, which the load left %s: %s", into, s.Status, s.Message)
	}
	return row
}

func rejectRow(entity string, id ident, r staging.Reject) *Row {
	return &Row{Entity: entity, SourceKey: id.key, CustomerKey: id.customer, Email: id.email, Status: staging.StatusRejected,
		Stage: r.Stage, Field: r.Field, Rule: r.Rule, Message: r.Message}
}

func loadRow(entity string, id ident, o *outcome) *Row {
	return &Row{Entity: entity, SourceKey: id.key, CustomerKey: id.customer, Email: id.email, Status: o.Status,
		Stage: staging.StageLoad, TargetID: o.TargetID, HTTPStatus: o.HTTPStatus, Message: o.Message}
}

// entityRejects are one entity's rejects: those of the extract in file
// order (their records are in no staging file), the others by key.
type entityRejects struct {
	extract   []staging.Reject
	transform map[string]staging.Reject
	// repeats are the rejects of a source key's repeats in one file
	// (duplicate-source-key): the first record of the key is kept and
	// each later one is rejected, so they are given out to the records
	// of the key after its first (seen).
	repeats map[string][]staging.Reject
	seen    map[string]bool
}

func newEntityRejects() *entityRejects {
	return &entityRejects{transform: map[string]staging.Reject{}, repeats: map[string][]staging.Reject{}, seen: map[string]bool{}}
}

func (er *entityRejects) add(r staging.Reject) {
	switch {
	case r.Stage == staging.StageExtract:
		er.extract = append(er.extract, r)
	case r.Rule == duplicateSourceKey:
		er.repeats[r.SourceKey] = append(er.repeats[r.SourceKey], r)
	default:
		if _, dup := er.transform[r.SourceKey]; !dup {
			er.transform[r.SourceKey] = r
		}
	}
}

// take returns the reject of the next input record of key, if any.
func (er *entityRejects) take(key string) (staging.Reject, bool) {
	if reps := er.repeats[key]; len(reps) > 0 {
		if er.seen[key] {
			if len(reps) == 1 {
				delete(er.repeats, key)
			} else {
				er.repeats[key] = reps[1:]
			}
			return reps[0], true
		}
		er.seen[key] = true
	}
	r, ok := er.transform[key]
	if ok {
		delete(er.transform, key)
	}
	return r, ok
}

// duplicateSourceKey is the rule of a record whose source key an earlier
// record of the same file has (the extract's and the transform's).
const duplicateSourceKey = "duplicate-source-key"

// readRejects reads a rejects file by entity. A record rejected twice
// (two rows) keeps its first reason: one row per record.
func readRejects(path string) (map[string]*entityRejects, error) {
	out := map[string]*entityRejects{}
	for _, e := range staging.Entities {
		out[e] = newEntityRejects()
	}
	if path == "" {
		return out, nil
	}
	err := scanIfExists(path, func(r staging.Reject) error {
		er := out[r.Entity]
		if er == nil {
			er = newEntityRejects()
			out[r.Entity] = er
		}
		er.add(r)
		return nil
	})
	return out, err
}

// readMerges reads a merges file's one row per merged record (Field
// empty; the others are the conflicting values it dropped).
func readMerges(path string) (map[string]map[string]staging.Merge, error) {
	out := map[string]map[string]staging.Merge{}
	if path == "" {
		return out, nil
	}
	err := scanIfExists(path, func(m staging.Merge) error {
		if m.Field != "" {
			return nil
		}
		if out[m.Entity] == nil {
			out[m.Entity] = map[string]staging.Merge{}
		}
		out[m.Entity][m.SourceKey] = m
		return nil
	})
	return out, err
}

// readResults reads one entity's rows of a load's results.parquet.
func readResults(path, entity string) (map[string]*outcome, error) {
	out := map[string]*outcome{}
	err := staging.Scan(path, func(r loadResult) error {
		if r.Entity == entity {
			out[r.SourceKey] = &outcome{loadResult: r}
		}
		return nil
	})
	return out, err
}

func scanIfExists[T any](path string, fn func(T) error) error {
	if _, err := os.Stat(path); errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	return staging.Scan(path, fn)
}
