package load

import (
	"bytes"
	"context"
	"log/slog"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/bcetl/bcetl/internal/sandbox"
	"github.com/bcetl/bcetl/internal/staging"
)

// logBuffer is a slog handler's output that tests read.
type logBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *logBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *logBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// The results file is written as the batches complete: a run that settles
// every record ends with the rows its commits streamed and the records
// its rejected and skipped parents settle (no pass over the input after
// the last request), and that file holds exactly the rows a rebuild from
// the state file gives — one per input record, the parents' reasons
// included: the children of a rejected and of a skipped customer, the form
// field of a rejected address. A resumed run, whose earlier outcomes no
// commit of its own streamed, rebuilds the file and says so.
func TestResultsStreamedAsBatchesComplete(t *testing.T) {
	in, out := t.TempDir(), t.TempDir()
	spec := genSpec{customers: 40, bigEvery: 9}
	want := writeStaging(t, in, spec)
	editStaging(t, in, staging.EntityAddresses, func(rows []staging.Address) []staging.Address {
		for i := range rows {
			if rows[i].SourceKey == "c3-a0" { // the address with a form field
				rows[i].PostalCode = strings.Repeat("9", 31)
			}
		}
		return rows
	})
	editStaging(t, in, staging.EntityCustomers, func(rows []staging.Customer) []staging.Customer {
		rows[7].FirstName = strings.Repeat("x", 101)
		return rows
	})
	srv, base := newSandbox(t, sandbox.Options{})
	if _, err := srv.CreateCustomerDirect(sandbox.CustomerFields{Email: "C0000012@example.com", FirstName: "Already", LastName: "There"}); err != nil {
		t.Fatal(err)
	}
	statePath := filepath.Join(out, "state.db")
	var logs logBuffer
	log := slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	if _, err := runLoad(t, newClient(t, base), in, statePath, func(o *Options) { o.Log = log }); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(logs.String(), `msg="results written as the batches completed" rows=`) || strings.Contains(logs.String(), "results rebuilt") {
		t.Fatalf("the results were not streamed:\n%s", logs.String())
	}
	streamed := readResults(t, statePath)
	if len(streamed) != want.total() {
		t.Fatalf("%d results, %d input records", len(streamed), want.total())
	}
	for key, status := range map[string]staging.Status{
		"addresses/c3-a0": staging.StatusRejected, "form_field_values/c3-a0-f": staging.StatusRejected,
		"customers/c7": staging.StatusRejected, "addresses/c7-a1": staging.StatusRejected, "attribute_values/c7-v0": staging.StatusRejected,
		"customers/c12": staging.StatusSkipped, "addresses/c12-a0": staging.StatusSkipped, "form_field_values/c12-f": staging.StatusSkipped,
		"customers/c8": staging.StatusLoaded, "addresses/c8-a11": staging.StatusLoaded, // an overflow address, loaded by the addresses step
	} {
		if r := streamed[key]; r.Status != status {
			t.Errorf("%s: %s %q, want %s", key, r.Status, r.Message, status)
		}
	}

	// The same rows as a rebuild from the state file.
	st, err := openState(statePath)
	if err != nil {
		t.Fatal(err)
	}
	rebuiltState := filepath.Join(out, "rebuilt.db")
	l := &loader{opts: Options{StatePath: rebuiltState}, st: st, log: slog.New(slog.DiscardHandler)}
	if _, _, err := l.writeResults(context.Background()); err != nil {
		t.Fatal(err)
	}
	st.Close()
	rebuilt := readResults(t, rebuiltState)
	if len(rebuilt) != len(streamed) {
		t.Errorf("rebuilt %d rows, streamed %d", len(rebuilt), len(streamed))
	}
	for k, r := range rebuilt {
		s := streamed[k]
		if s.Status != r.Status || s.Message != r.Message || s.HTTPStatus != r.HTTPStatus || (s.TargetID == nil) != (r.TargetID == nil) ||
			(s.TargetID != nil && *s.TargetID != *r.TargetID) {
			t.Errorf("%s: streamed %+v, rebuilt %+v", k, s, r)
		}
	}

	// A second run on the settled state streams nothing of its own: the
	// file is rebuilt, with the same rows.
	logs = logBuffer{}
	if _, err := runLoad(t, newClient(t, base), in, statePath, func(o *Options) { o.Log = log }); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(logs.String(), "results rebuilt from the state file") {
		t.Errorf("a run that settled nothing did not rebuild its results:\n%s", logs.String())
	}
	if again := readResults(t, statePath); len(again) != len(streamed) {
		t.Errorf("second run: %d results, want %d", len(again), len(streamed))
	}
}

// An outcome that replaces one a record already had is written (the last
// one wins, as before) and makes the streamed results untrustworthy: the
// stream is marked for a rebuild rather than holding two rows for it.
func TestReplacedOutcomeRebuildsTheResults(t *testing.T) {
	dir := t.TempDir()
	st, err := openState(filepath.Join(dir, "state.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if st.results, err = openResultStream(filepath.Join(dir, "results.parquet"), st.scrub); err != nil {
		t.Fatal(err)
	}
	defer st.results.abort()
	first := batchOutcomes(0)
	seedRecords(t, st, first)
	if err := st.record(first...); err != nil {
		t.Fatal(err)
	}
	if st.results.rebuild || st.results.rows != int64(len(first)) {
		t.Fatalf("after new outcomes: rebuild %v, %d rows streamed, want false, %d", st.results.rebuild, st.results.rows, len(first))
	}
	again := outcome{entity: staging.EntityCustomers, key: first[0].key, status: staging.StatusRejected, http: 422, message: "second"}
	if err := st.record(again); err != nil {
		t.Fatal(err)
	}
	if id, status, err := st.targetID(context.Background(), again.entity, again.key); err != nil || status != staging.StatusRejected || id != 0 {
		t.Errorf("the record's outcome: %d %s %v, want the second one", id, status, err)
	}
	if !st.results.rebuild {
		t.Error("a replaced outcome did not mark the streamed results for a rebuild")
	}
}
