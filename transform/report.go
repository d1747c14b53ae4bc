package transform

import (
	"errors"
	"fmt"
	"sort"
	"time"

	"github.com/bcetl/bcetl/internal/staging"
)

// Counts is one entity's ledger line. Every row read ends up in exactly
// one of RowsOut, Merged and Rejected.
type Counts struct {
	RowsIn   int64 `json:"rows_in"`
	RowsOut  int64 `json:"rows_out"`
	Merged   int64 `json:"merged"`
	Rejected int64 `json:"rejected"`
}

// Report is what a transform did, written to report.json.
type Report struct {
	Stage      staging.Stage      `json:"stage"`
	StartedAt  time.Time          `json:"started_at"`
	FinishedAt time.Time          `json:"finished_at"`
	Entities   map[string]*Counts `json:"entities"`
	// RuleChanges counts, per rule, the values the rule changed.
	RuleChanges map[string]int64 `json:"rule_changes"`
	// Unrecognised counts values a rule could not interpret and kept as
	// given: "state" (not a known subdivision of a country that has them),
	// "phone" (no E.164 form for the address's country).
	Unrecognised map[string]int64 `json:"unrecognised"`
	// RejectsByRule counts this stage's rejects by rule.
	RejectsByRule map[string]int64 `json:"rejects_by_rule"`
	// ExtractRejects is the number of rejects copied from the input
	// directory's rejects.parquet.
	ExtractRejects   int64    `json:"extract_rejects"`
	DisabledRules    []string `json:"disabled_rules,omitempty"`
	CustomerSurvivor string   `json:"customer_survivor"`
}

func newReport(opts Options) *Report {
	r := &Report{
		Stage:            staging.StageTransform,
		Entities:         map[string]*Counts{},
		RuleChanges:      map[string]int64{},
		Unrecognised:     map[string]int64{},
		RejectsByRule:    map[string]int64{},
		CustomerSurvivor: opts.CustomerSurvivor,
	}
	for _, e := range staging.Entities {
		r.Entities[e] = &Counts{}
	}
	for _, rule := range Rules {
		r.RuleChanges[rule] = 0
		if opts.Disabled[rule] {
			r.DisabledRules = append(r.DisabledRules, rule)
		}
	}
	return r
}

// Balanced checks the ledger: for every entity, rows in = rows out +
// merged + rejected.
func (r *Report) Balanced() error {
	var errs []error
	names := make([]string, 0, len(r.Entities))
	for n := range r.Entities {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		c := r.Entities[n]
		if c.RowsIn != c.RowsOut+c.Merged+c.Rejected {
			errs = append(errs, fmt.Errorf("%s: %d rows in, but %d out + %d merged + %d rejected = %d",
				n, c.RowsIn, c.RowsOut, c.Merged, c.Rejected, c.RowsOut+c.Merged+c.Rejected))
		}
	}
	return errors.Join(errs...)
}

// Rejected is the number of rows this stage rejected, over all entities.
func (r *Report) Rejected() int64 {
	var n int64
	for _, c := range r.Entities {
		n += c.Rejected
	}
	return n
}
