package load

import (
	"context"
	"fmt"
	"log/slog"
	"path/filepath"
	"testing"

	"github.com/bcetl/bcetl/internal/staging"
)

// batchOutcomes is what one confirmed batch of ten generated customers
// settles: the customers, 22 addresses, 22 attribute values, 20 form
// field values.
func batchOutcomes(batch int) []outcome {
	var outs []outcome
	for c := range 10 {
		ck := fmt.Sprintf("c%d", batch*10+c)
		outs = append(outs, outcome{entity: staging.EntityCustomers, key: ck, status: staging.StatusLoaded, target: int64(batch*10 + c + 1), http: 200})
		for j := range 2 {
			outs = append(outs, outcome{entity: staging.EntityAddresses, key: fmt.Sprintf("%s-a%d", ck, j), status: staging.StatusLoaded, target: 7, http: 200},
				outcome{entity: staging.EntityAttributeValues, key: fmt.Sprintf("%s-v%d", ck, j), status: staging.StatusLoaded, target: 8, http: 200})
		}
		outs = append(outs, outcome{entity: staging.EntityFormFieldValues, key: ck + "-f", status: staging.StatusLoaded, http: 200},
			outcome{entity: staging.EntityFormFieldValues, key: ck + "-a0-f", status: staging.StatusLoaded, http: 200})
	}
	return outs
}

// seedRecords puts a src row for every record of outs into the state
// file, as an import would (src's indexes too, the first time): an
// outcome is always of an input record.
func seedRecords(tb testing.TB, st *state, outs []outcome) {
	tb.Helper()
	var n int
	if err := st.db.QueryRow(`SELECT count(*) FROM sqlite_schema WHERE name = 'src_key'`).Scan(&n); err != nil {
		tb.Fatal(err)
	}
	for _, q := range srcIndexes {
		if n > 0 {
			break
		}
		if _, err := st.db.Exec(q); err != nil {
			tb.Fatal(err)
		}
	}
	for _, o := range outs {
		if _, err := st.db.Exec(`INSERT INTO src(entity, seq, key, data) VALUES(?, (SELECT coalesce(max(seq), -1) + 1 FROM src WHERE entity = ?), ?, '{}')`,
			ent(o.entity), ent(o.entity), o.key); err != nil {
			tb.Fatal(err)
		}
	}
}

// BenchmarkRecordBatch measures the state file's per-batch record: a
// batch recorded in flight (beginBatch), then its outcomes and its status
// done in one transaction (finish), as every confirmed POST /customers
// writes them, the streamed results included.
//
//	go test -run '^$' -bench RecordBatch ./load/
func BenchmarkRecordBatch(b *testing.B) {
	dir := b.TempDir()
	st, err := openState(filepath.Join(dir, "state.db"))
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	if st.results, err = openResultStream(filepath.Join(dir, "results.parquet"), st.scrub); err != nil {
		b.Fatal(err)
	}
	defer st.results.abort()
	var records int
	batch := 0
	for b.Loop() {
		b.StopTimer()
		outs := batchOutcomes(batch)
		seedRecords(b, st, outs)
		b.StartTimer()
		batch++
		keys := make([]string, 10)
		for i := range keys {
			keys[i] = outs[i*7].key
		}
		id, _, err := st.beginBatch(staging.EntityCustomers, keys, keys)
		if err != nil {
			b.Fatal(err)
		}
		if err := st.finish(id, batchDone, 200, "", outs); err != nil {
			b.Fatal(err)
		}
		records += len(outs)
	}
	b.ReportMetric(float64(records)/b.Elapsed().Seconds(), "records/s")
}

// BenchmarkWriteResults measures the rebuild of results.parquet from the
// state file (writeResults: one row per input record, joined with its
// parents' outcomes), which a run that resumed earlier runs' work ends
// with; a run that settles its records streams them instead.
//
//	go test -run '^$' -bench WriteResults -benchtime 3x ./load/
func BenchmarkWriteResults(b *testing.B) {
	in := b.TempDir()
	n := writeStaging(b, in, genSpec{customers: 5000, bigEvery: 50})
	statePath := filepath.Join(b.TempDir(), "state.db")
	st, err := openState(statePath)
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	l := &loader{opts: Options{In: in, StatePath: statePath}, st: st, log: slog.New(slog.DiscardHandler)}
	if err := l.importInput(context.Background(), inputFingerprint(b, in)); err != nil {
		b.Fatal(err)
	}
	for batch := range 500 {
		if err := st.record(batchOutcomes(batch)...); err != nil {
			b.Fatal(err)
		}
	}
	for b.Loop() {
		if _, _, err := l.writeResults(context.Background()); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(n.total())*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
}
