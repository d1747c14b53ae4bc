package pipelines

import (
	"context"
	"encoding/json"
	"os/exec"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/bcetl/bcetl/internal/bigcommerce"
	"github.com/bcetl/bcetl/internal/staging"
	"github.com/bcetl/bcetl/internal/warehouse"
	"github.com/bcetl/bcetl/internal/warehousetest"
)

// DuckDB reads the exported dataset as it is, with no option beyond
// hive_partitioning: every dataset's files, store credit as
// DECIMAL(20,4) with its exact digits, the partition column and the
// run columns. Runs where a DuckDB is at hand (BCETL_DUCKDB; .ci/run
// builds tools/duckdb and sets it).
func TestDuckDBReadsTheExport(t *testing.T) {
	duckdb := warehousetest.DuckDB()
	if duckdb == "" {
		t.Skip("no DuckDB (BCETL_DUCKDB or duckdb on PATH); .ci/run builds one from tools/duckdb")
	}
	ctx := context.Background()
	_, c := newStore(t, "duck", 40, 3)
	amounts := []json.Number{"0.1", "0.2", "12.3456", "99999999.9999"}
	var credit []bigcommerce.StoreCreditAmount
	for _, a := range amounts {
		credit = append(credit, bigcommerce.StoreCreditAmount{Amount: a})
	}
	if _, _, err := c.Customers.Create(ctx, []bigcommerce.CustomerCreate{{Email: "money@example.com", FirstName: "M",
		LastName: "Oney", StoreCreditAmounts: credit}}); err != nil {
		t.Fatal(err)
	}
	out := t.TempDir() + "/warehouse"
	clock := func() time.Time { return time.Date(2026, 12, 1, 2, 0, 0, 0, time.UTC) }
	if _, err := Export(ctx, ExportOptions{Out: out, Client: c, StoreHash: "duck", Now: clock}); err != nil {
		t.Fatal(err)
	}
	query := func(sql string) []string {
		t.Helper()
		b, err := exec.Command(duckdb, "-c", strings.ReplaceAll(sql, "{out}", out)).CombinedOutput()
		if err != nil {
			t.Fatalf("%s: %v\n%s\n--- %s", duckdb, err, b, sql)
		}
		lines := strings.Split(strings.TrimSpace(string(b)), "\n")
		return lines[1:] // the header
	}
	typ := query(`SELECT typeof(store_credit_amounts), typeof(extracted_at), typeof(extracted_on)
		FROM read_parquet('{out}/customers/*/*.parquet', hive_partitioning = true) LIMIT 1`)
	if len(typ) != 1 || !strings.HasPrefix(typ[0], "DECIMAL(20,4)[]\tTIMESTAMP") {
		t.Errorf("DuckDB types: %q, want DECIMAL(20,4)[], a TIMESTAMP, the partition", typ)
	}
	got := query(`SELECT CAST(a AS VARCHAR) FROM (SELECT unnest(store_credit_amounts) AS a
		FROM read_parquet('{out}/customers/*/*.parquet', hive_partitioning = true) WHERE email = 'money@example.com')`)
	want := []string{"0.1000", "0.2000", "12.3456", "99999999.9999"}
	if strings.Join(got, ",") != strings.Join(want, ",") {
		t.Errorf("store credit through DuckDB: %v, want %v", got, want)
	}
	sum := query(`SELECT CAST(sum(a) AS VARCHAR) FROM (SELECT unnest(store_credit_amounts) AS a
		FROM read_parquet('{out}/customers/*/*.parquet') WHERE email = 'money@example.com')`)
	if len(sum) != 1 || sum[0] != "100000012.6455" {
		t.Errorf("sum of the amounts: %v, want exactly 100000012.6455 (0.1 + 0.2 stays 0.3)", sum)
	}
	for _, e := range slices.Concat(staging.Entities, []string{warehouse.CustomerDeletions}) {
		n := query("SELECT count(*) FROM read_parquet('{out}/" + e + "/*/*.parquet', hive_partitioning = true)")
		if len(n) != 1 {
			t.Errorf("%s: DuckDB read %v", e, n)
		}
	}
}
