package pipelines

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"text/tabwriter"

	"github.com/bcetl/bcetl/internal/staging"
	"github.com/bcetl/bcetl/load"
	"github.com/bcetl/bcetl/transform"
)

// EntityLedger follows one entity through the three stages. Every record
// read ends in exactly one of the other columns:
//
//	Read = Merged + RejectedExtract + RejectedTransform + RejectedLoad + Loaded + Skipped + Updated
type EntityLedger struct {
	Read              int64 `json:"read"`
	Merged            int64 `json:"merged"`
	RejectedExtract   int64 `json:"rejected_extract"`
	RejectedTransform int64 `json:"rejected_transform"`
	RejectedLoad      int64 `json:"rejected_load"`
	Loaded            int64 `json:"loaded"`
	Skipped           int64 `json:"skipped_existing"`
	Updated           int64 `json:"updated"`
	// Pending counts records the load has not finished (an interrupted
	// or dry run); a complete run has none.
	Pending int64 `json:"pending"`
}

// Rejected is the total rejected by every stage.
func (e EntityLedger) Rejected() int64 {
	return e.RejectedExtract + e.RejectedTransform + e.RejectedLoad
}

// Balanced reports whether every record read is accounted for.
func (e EntityLedger) Balanced() bool {
	return e.Read == e.Merged+e.Rejected()+e.Loaded+e.Skipped+e.Updated+e.Pending
}

// Ledger is the joined account of a migration.
type Ledger map[string]*EntityLedger

// Rejected is the total rejected over all entities and stages.
func (l Ledger) Rejected() int64 {
	var n int64
	for _, e := range l {
		n += e.Rejected()
	}
	return n
}

// Check returns an error naming every entity whose columns do not add up.
func (l Ledger) Check() error {
	var bad []string
	for _, name := range l.names() {
		if e := l[name]; !e.Balanced() {
			bad = append(bad, fmt.Sprintf("%s: read %d ≠ merged %d + rejected %d + loaded %d + skipped %d + updated %d + pending %d",
				name, e.Read, e.Merged, e.Rejected(), e.Loaded, e.Skipped, e.Updated, e.Pending))
		}
	}
	if len(bad) > 0 {
		return fmt.Errorf("ledger does not add up: %v", bad)
	}
	return nil
}

func (l Ledger) names() []string {
	var names []string
	for _, e := range staging.Entities {
		if _, ok := l[e]; ok {
			names = append(names, e)
		}
	}
	return names
}

// Print writes the ledger as a table.
func (l Ledger) Print(w io.Writer) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "entity\tread\tmerged\trej.extract\trej.transform\trej.load\tloaded\tskipped\tupdated\tpending\t")
	for _, name := range l.names() {
		e := l[name]
		fmt.Fprintf(tw, "%s\t%d\t%d\t%d\t%d\t%d\t%d\t%d\t%d\t%d\t\n", name, e.Read, e.Merged,
			e.RejectedExtract, e.RejectedTransform, e.RejectedLoad, e.Loaded, e.Skipped, e.Updated, e.Pending)
	}
	tw.Flush()
}

// joinLedger builds the ledger from the three stages' accounts: the extract
// manifest and rejects, the transform report, and the load summary.
func joinLedger(extractDir string, rep *transform.Report, sum *load.Summary) (Ledger, error) {
	m, err := staging.ReadManifest(extractDir)
	if err != nil {
		return nil, err
	}
	l := Ledger{}
	for _, name := range staging.Entities {
		l[name] = &EntityLedger{Read: m.Entities[name].Rows}
	}
	rejects := filepath.Join(extractDir, staging.RejectsFile)
	if _, err := os.Stat(rejects); err == nil {
		err := staging.Scan(rejects, func(r staging.Reject) error {
			e, ok := l[r.Entity]
			if !ok {
				e = &EntityLedger{}
				l[r.Entity] = e
			}
			e.Read++ // a record that could not be read is still a record read
			e.RejectedExtract++
			return nil
		})
		if err != nil {
			return nil, err
		}
	}
	for name, c := range rep.Entities {
		if e, ok := l[name]; ok {
			e.Merged += c.Merged
			e.RejectedTransform += c.Rejected
		}
	}
	for name, byStatus := range sum.Counts {
		e, ok := l[name]
		if !ok {
			continue
		}
		for status, n := range byStatus {
			switch status {
			case staging.StatusLoaded:
				e.Loaded += n
			case staging.StatusSkipped:
				e.Skipped += n
			case staging.StatusUpdated:
				e.Updated += n
			case staging.StatusRejected:
				e.RejectedLoad += n
			default:
				e.Pending += n
			}
		}
	}
	// Whatever the load did not account for (a dry run, an interrupted
	// run) is pending.
	for name, e := range l {
		out := rep.Entities[name]
		if out == nil {
			continue
		}
		done := e.Loaded + e.Skipped + e.Updated + e.RejectedLoad + e.Pending
		if done < out.RowsOut {
			e.Pending += out.RowsOut - done
		}
	}
	return l, nil
}

func readReport(dir string) (*transform.Report, error) {
	b, err := os.ReadFile(filepath.Join(dir, staging.ReportFile))
	if err != nil {
		return nil, err
	}
	var r transform.Report
	if err := json.Unmarshal(b, &r); err != nil {
		return nil, fmt.Errorf("%s: %w", filepath.Join(dir, staging.ReportFile), err)
	}
	return &r, nil
}

// Add adds another ledger's columns to l.
func (l Ledger) Add(o Ledger) {
	for name, e := range o {
		t, ok := l[name]
		if !ok {
			t = &EntityLedger{}
			l[name] = t
		}
		t.Read += e.Read
		t.Merged += e.Merged
		t.RejectedExtract += e.RejectedExtract
		t.RejectedTransform += e.RejectedTransform
		t.RejectedLoad += e.RejectedLoad
		t.Loaded += e.Loaded
		t.Skipped += e.Skipped
		t.Updated += e.Updated
		t.Pending += e.Pending
	}
}
