// Package warehousetest reads a warehouse (internal/warehouse) as a
// reader does — every part through Arrow's own Parquet implementation,
// the partition from the path — and evaluates the README's latest-version
// query over it: in DuckDB when one is at hand (BCETL_DUCKDB, or duckdb
// on PATH), and always in Go, so that the assertion holds in CI, which
// has no DuckDB. Only tests import it.
package warehousetest

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/apache/arrow/go/v17/arrow/array"
	"github.com/apache/arrow/go/v17/arrow/memory"
	"github.com/apache/arrow/go/v17/parquet/file"
	"github.com/apache/arrow/go/v17/parquet/pqarrow"

	"github.com/bcetl/bcetl/internal/staging"
	"github.com/bcetl/bcetl/internal/warehouse"
)

// Row is one row as JSON values (Arrow's rendering of each column).
type Row map[string]any

// Children are the entities that belong to a customer.
var Children = []string{staging.EntityAddresses, staging.EntityAttributeValues, staging.EntityFormFieldValues, staging.EntityConsents}

// RunColumns are the columns the warehouse adds to the staging columns.
var RunColumns = []string{"store_hash", "extracted_at", warehouse.PartitionKey}

// ReadFile reads every row of one Parquet file through Arrow.
func ReadFile(t testing.TB, path string) []Row {
	t.Helper()
	pf, err := file.OpenParquetFile(path, false)
	if err != nil {
		t.Fatalf("arrow: open %s: %v", path, err)
	}
	defer pf.Close()
	fr, err := pqarrow.NewFileReader(pf, pqarrow.ArrowReadProperties{BatchSize: 4096}, memory.DefaultAllocator)
	if err != nil {
		t.Fatalf("arrow: %s: %v", path, err)
	}
	rr, err := fr.GetRecordReader(context.Background(), nil, nil)
	if err != nil {
		t.Fatalf("arrow: %s: %v", path, err)
	}
	defer rr.Release()
	var buf bytes.Buffer
	for rr.Next() {
		if err := array.RecordToJSON(rr.Record(), &buf); err != nil {
			t.Fatalf("arrow: %s: %v", path, err)
		}
	}
	var rows []Row
	dec := json.NewDecoder(&buf)
	dec.UseNumber()
	for dec.More() {
		var r Row
		if err := dec.Decode(&r); err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		rows = append(rows, r)
	}
	if int64(len(rows)) != pf.NumRows() {
		t.Fatalf("%s: Arrow read %d of %d rows", path, len(rows), pf.NumRows())
	}
	return rows
}

var partition = regexp.MustCompile(`^` + warehouse.PartitionKey + `=(\d{4}-\d{2}-\d{2})$`)

// ReadDataset reads every part of dataset under the warehouse directory
// dir (dataset/extracted_on=DAY/*.parquet), the partition as a column.
func ReadDataset(t testing.TB, dir, dataset string) []Row {
	t.Helper()
	parts, err := filepath.Glob(filepath.Join(dir, dataset, "*", "*.parquet"))
	if err != nil {
		t.Fatal(err)
	}
	var rows []Row
	for _, p := range parts {
		m := partition.FindStringSubmatch(filepath.Base(filepath.Dir(p)))
		if m == nil {
			t.Fatalf("%s: not in a partition directory", p)
		}
		for _, r := range ReadFile(t, p) {
			r[warehouse.PartitionKey] = m[1]
			rows = append(rows, r)
		}
	}
	return rows
}

// Latest is the README's latest-version query, evaluated in Go: per
// entity, the rows a reader takes for the store's current state.
//   - customers: each id's row with the newest extracted_at, unless the
//     id is in customer_deletions;
//   - addresses, attribute values, form field values: the rows of that
//     same read (customer_id and extracted_at of the customer's latest);
//   - attributes, customer groups: the rows of the newest read;
//   - metafields, subscribers: each id's newest row (a metafield only
//     while its customer is current).
func Latest(t testing.TB, dir string) map[string][]Row {
	t.Helper()
	deleted := map[string]bool{}
	for _, r := range ReadDataset(t, dir, warehouse.CustomerDeletions) {
		deleted[fmt.Sprint(r["customer_id"])] = true
	}
	out := map[string][]Row{}
	latest := map[string]Row{}
	for _, r := range ReadDataset(t, dir, staging.EntityCustomers) {
		id := fmt.Sprint(r["id"])
		if cur, ok := latest[id]; !ok || stamp(t, r) > stamp(t, cur) {
			latest[id] = r
		}
	}
	for id, r := range latest {
		if !deleted[id] {
			out[staging.EntityCustomers] = append(out[staging.EntityCustomers], r)
		}
	}
	for _, entity := range Children {
		for _, r := range ReadDataset(t, dir, entity) {
			id := fmt.Sprint(r["customer_id"])
			if c, ok := latest[id]; ok && !deleted[id] && stamp(t, c) == stamp(t, r) {
				out[entity] = append(out[entity], r)
			}
		}
	}
	for _, entity := range []string{staging.EntityAttributes, staging.EntityCustomerGroups} {
		rows := ReadDataset(t, dir, entity)
		newest := ""
		for _, r := range rows {
			newest = max(newest, stamp(t, r))
		}
		for _, r := range rows {
			if stamp(t, r) == newest {
				out[entity] = append(out[entity], r)
			}
		}
	}
	// Metafields and subscribers: each id's newest row; a metafield
	// only while its customer is current.
	for _, entity := range []string{staging.EntityMetafields, staging.EntitySubscribers} {
		byID := map[string]Row{}
		for _, r := range ReadDataset(t, dir, entity) {
			id := fmt.Sprint(r["id"])
			if cur, ok := byID[id]; !ok || stamp(t, r) > stamp(t, cur) {
				byID[id] = r
			}
		}
		for _, r := range byID {
			if entity == staging.EntityMetafields {
				if id := fmt.Sprint(r["customer_id"]); deleted[id] || latest[id] == nil {
					continue
				}
			}
			out[entity] = append(out[entity], r)
		}
	}
	return out
}

// stamp is a row's extracted_at, in Arrow's fixed-width rendering, which
// sorts as time does.
func stamp(t testing.TB, r Row) string {
	s, ok := r["extracted_at"].(string)
	if !ok {
		t.Fatalf("row without extracted_at: %v", r)
	}
	return s
}

// Fresh reads a fresh full export's parts (one run) per entity.
func Fresh(t testing.TB, dir string) map[string][]Row {
	t.Helper()
	out := map[string][]Row{}
	for _, entity := range staging.Entities {
		out[entity] = ReadDataset(t, dir, entity)
	}
	return out
}

// Canonical renders rows without the warehouse's own columns, as sorted
// JSON lines: two sets of rows are equal row for row when these are.
func Canonical(t testing.TB, rows []Row) []string {
	t.Helper()
	var lines []string
	for _, r := range rows {
		c := Row{}
		for k, v := range r {
			if !slices.Contains(RunColumns, k) {
				c[k] = v
			}
		}
		b, err := json.Marshal(c)
		if err != nil {
			t.Fatal(err)
		}
		lines = append(lines, string(b))
	}
	slices.Sort(lines)
	return lines
}

// Equal fails the test unless got and want hold the same rows for every
// entity of staging.Entities, reporting the first differences.
func Equal(t testing.TB, what string, got, want map[string][]Row) {
	t.Helper()
	for _, entity := range staging.Entities {
		g, w := Canonical(t, got[entity]), Canonical(t, want[entity])
		if slices.Equal(g, w) {
			continue
		}
		extra, missing := diff(g, w), diff(w, g)
		t.Errorf("%s, %s: %d rows, want %d; %d not wanted, %d missing; first not wanted: %.400s; first missing: %.400s",
			what, entity, len(g), len(w), len(extra), len(missing), first(extra), first(missing))
	}
}

func diff(a, b []string) []string {
	var out []string
	for _, s := range a {
		if _, found := slices.BinarySearch(b, s); !found {
			out = append(out, s)
		}
	}
	return out
}

func first(s []string) string {
	if len(s) == 0 {
		return "-"
	}
	return s[0]
}

// DuckDB is the DuckDB command to run (BCETL_DUCKDB, else duckdb on
// PATH), or "" when there is none.
func DuckDB() string {
	if p := os.Getenv("BCETL_DUCKDB"); p != "" {
		return p
	}
	p, _ := exec.LookPath("duckdb")
	return p
}

// ReadmeQuery is the DuckDB block of README.md that follows the line
// <!-- latest-version-query -->: the views a reader creates.
func ReadmeQuery(t testing.TB, readme string) string {
	t.Helper()
	b, err := os.ReadFile(readme)
	if err != nil {
		t.Fatal(err)
	}
	_, rest, ok := strings.Cut(string(b), "<!-- latest-version-query -->")
	if !ok {
		t.Fatalf("%s: no <!-- latest-version-query --> marker", readme)
	}
	_, rest, ok = strings.Cut(rest, "```sql\n")
	sql, _, ok2 := strings.Cut(rest, "```")
	if !ok || !ok2 {
		t.Fatalf("%s: no sql block after the marker", readme)
	}
	return sql
}

// RunDuckDB runs the README's query over the warehouse directory dir with
// the DuckDB command duckdb: it creates the views, writes each latest_*
// view to Parquet and reads them back through Arrow.
func RunDuckDB(t testing.TB, duckdb, readme, dir string) map[string][]Row {
	t.Helper()
	sql := strings.ReplaceAll(ReadmeQuery(t, readme), "'warehouse/", "'"+filepath.ToSlash(dir)+"/")
	res := t.TempDir()
	var b strings.Builder
	b.WriteString(sql)
	for _, entity := range staging.Entities {
		fmt.Fprintf(&b, "\nCOPY (SELECT * FROM latest_%s) TO '%s' (FORMAT PARQUET);", entity, filepath.Join(res, entity+".parquet"))
	}
	cmd := exec.Command(duckdb, "-c", b.String())
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("%s: %v\n%s\n--- query:\n%s", duckdb, err, out, b.String())
	}
	out := map[string][]Row{}
	for _, entity := range staging.Entities {
		out[entity] = ReadFile(t, filepath.Join(res, entity+".parquet"))
	}
	return out
}
