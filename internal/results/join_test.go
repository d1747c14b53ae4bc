package results

import (
	"bytes"
	"encoding/csv"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/bcetl/bcetl/internal/staging"
)

func write[T any](t *testing.T, path string, rows ...T) {
	t.Helper()
	if _, err := staging.WriteAll(path, rows); err != nil {
		t.Fatal(err)
	}
}

func id(n int64) *int64 { return &n }

// readCSV reads a file of the pair into rows keyed by "entity/key#n" (n
// counts the rows of one key: a repeated source key is two records).
func readCSV(t *testing.T, path string) map[string][]string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	recs, err := csv.NewReader(bytes.NewReader(bytes.TrimPrefix(b, []byte(bom)))).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	out := map[string][]string{}
	for _, r := range recs[1:] {
		k := r[0] + "/" + r[1]
		for n := 1; ; n++ {
			if _, ok := out[k+"#"+string(rune('0'+n))]; !ok {
				out[k+"#"+string(rune('0'+n))] = r
				break
			}
		}
	}
	return out
}

// The join's rules, on files written by hand: each case a record would
// be put in the wrong file, or twice, or not at all, if the rule were
// missing.
func TestJoinPutsEveryRecordInOneRow(t *testing.T) {
	dir := t.TempDir()
	ex := filepath.Join(dir, "extract")
	write(t, filepath.Join(ex, "customers.parquet"),
		staging.Customer{SourceKey: "c1", Email: "ann@example.com"},
		staging.Customer{SourceKey: "c2", Email: "ann@example.com"},     // merged into c1, which loaded
		staging.Customer{SourceKey: "c3", Email: "bob@example.com"},     // survivor the load rejected
		staging.Customer{SourceKey: "c4", Email: "bob@example.com"},     // merged into c3
		staging.Customer{SourceKey: "c1", Email: "repeat@example.com"},  // a repeat of c1's key
		staging.Customer{SourceKey: "c5", Email: "=HYPERLINK(\"x\")@e"}, // pending: the run stopped
		staging.Customer{SourceKey: "c6", Email: "cy@example.com"},      // no stage has an outcome
	)
	write(t, filepath.Join(ex, "addresses.parquet"),
		staging.Address{SourceKey: "a1", CustomerSourceKey: "c1"},
		staging.Address{SourceKey: "a3", CustomerSourceKey: "c3"},
	)
	tr := filepath.Join(dir, "transform")
	write(t, filepath.Join(tr, staging.RejectsFile),
		staging.Reject{Stage: staging.StageExtract, Entity: "customers", SourceKey: "f.csv:9", Field: "email", Value: "+1@example.com",
			Rule: "csv-quote", Message: "line 9: a \"quote\", here\nand a new line"},
		staging.Reject{Stage: staging.StageTransform, Entity: "customers", SourceKey: "c1", Field: "source_key", Rule: "duplicate-source-key",
			Message: "source key \"c1\" already used by row 1"},
	)
	write(t, filepath.Join(tr, staging.MergesFile),
		staging.Merge{Entity: "customers", SourceKey: "c2", SurvivorKey: "c1", Rule: "email"},
		staging.Merge{Entity: "customers", SourceKey: "c2", SurvivorKey: "c1", Rule: "email", Field: "phone", DroppedValue: "1"},
		staging.Merge{Entity: "customers", SourceKey: "c4", SurvivorKey: "c3", Rule: "email"},
	)
	res := filepath.Join(dir, "load.results.parquet")
	write(t, res,
		loadResult{Entity: "customers", SourceKey: "c1", Status: staging.StatusLoaded, TargetID: id(101), HTTPStatus: 200},
		loadResult{Entity: "customers", SourceKey: "c3", Status: staging.StatusRejected, HTTPStatus: 422, Message: "-the API said no"},
		loadResult{Entity: "customers", SourceKey: "c5", Status: staging.StatusPending, Message: "not loaded yet"},
		loadResult{Entity: "addresses", SourceKey: "a1", Status: staging.StatusSkipped, TargetID: id(7)},
		loadResult{Entity: "addresses", SourceKey: "a3", Status: staging.StatusRejected, Message: "customer rejected: -the API said no"},
	)
	sp, ep := filepath.Join(dir, SuccessFile), filepath.Join(dir, ErrorFile)
	c, err := Write(Inputs{Dir: ex, Rejects: filepath.Join(tr, staging.RejectsFile), Merges: filepath.Join(tr, staging.MergesFile), Results: res}, sp, ep)
	if err != nil {
		t.Fatal(err)
	}
	ok, bad := readCSV(t, sp), readCSV(t, ep)
	// entity/key#n → file, status, stage, target id, and what the email
	// or message cell must be.
	want := map[string][5]string{
		"ok customers/c1#1":       {"ok", "loaded", "load", "101", "ann@example.com"},
		"ok customers/c2#1":       {"ok", "merged", "transform", "101", "merged into c1 (rule email)"},
		"bad customers/c3#1":      {"bad", "rejected", "load", "", "'-the API said no"},
		"bad customers/c4#1":      {"bad", "rejected", "load", "", "merged into c3 (rule email), which the load left rejected: -the API said no"},
		"bad customers/c1#1":      {"bad", "rejected", "transform", "", "repeat@example.com"},
		"bad customers/c5#1":      {"bad", "pending", "load", "", "'=HYPERLINK(\"x\")@e"},
		"bad customers/c6#1":      {"bad", "pending", "load", "", unaccounted},
		"bad customers/f.csv:9#1": {"bad", "rejected", "extract", "", "'+1@example.com"},
		"ok addresses/a1#1":       {"ok", "skipped-existing", "load", "7", "ann@example.com"},
		"bad addresses/a3#1":      {"bad", "rejected", "load", "", "bob@example.com"},
	}
	if len(ok)+len(bad) != len(want) {
		t.Errorf("%d + %d rows, want %d:\n%v\n%v", len(ok), len(bad), len(want), ok, bad)
	}
	for fk, w := range want {
		_, k, _ := strings.Cut(fk, " ")
		file := map[string]map[string][]string{"ok": ok, "bad": bad}[w[0]]
		r, found := file[k]
		if !found {
			t.Errorf("%s is not in %s", k, map[string]string{"ok": SuccessFile, "bad": ErrorFile}[w[0]])
			continue
		}
		if r[4] != w[1] || r[5] != w[2] || r[6] != w[3] || r[3] != w[4] && r[10] != w[4] {
			t.Errorf("%s: %q, want status %s, stage %s, target %q, email or message %q", k, r, w[1], w[2], w[3], w[4])
		}
	}
	if ok["customers/c1#2"] != nil {
		t.Errorf("the repeat of c1 is in %s", SuccessFile)
	}
	if r := bad["customers/f.csv:9#1"]; len(r) > 0 && r[10] != "line 9: a \"quote\", here\nand a new line" {
		t.Errorf("the message did not survive quoting: %q", r[10])
	}
	if c.Success != int64(len(ok)) || c.Error != int64(len(bad)) || c.Unaccounted != 1 {
		t.Errorf("counts %+v", c)
	}
	for _, p := range []string{sp, ep} {
		if fi, err := os.Stat(p); err != nil || fi.Mode().Perm() != 0o600 {
			t.Errorf("%s: %v %v, want owner-only", p, fi.Mode(), err)
		}
	}
}

// A spreadsheet takes a cell starting with = + - @ (or a tab or a
// carriage return, which some strip first) for a formula: such cells get
// an apostrophe; others, and an empty cell, are as given.
func TestCellNeutralisesFormulas(t *testing.T) {
	for in, want := range map[string]string{
		"=1+1": "'=1+1", "+33 1 23": "'+33 1 23", "-5": "'-5", "@SUM(A1)": "'@SUM(A1)", "\t=cmd": "'\t=cmd", "\r=x": "'\r=x",
		"ann@example.com": "ann@example.com", "a=b": "a=b", "": "", "'=already": "'=already",
	} {
		if got := Cell(in); got != want {
			t.Errorf("Cell(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestParseFormat(t *testing.T) {
	for in, want := range map[string]Format{"parquet": {Parquet: true}, "csv": {CSV: true}, "parquet,csv": {true, true}, " CSV , parquet": {true, true}} {
		if got, err := ParseFormat(in); err != nil || got != want {
			t.Errorf("ParseFormat(%q) = %v, %v", in, got, err)
		}
	}
	for _, in := range []string{"", "xlsx", "csv,", "json,csv"} {
		if _, err := ParseFormat(in); err == nil || !strings.Contains(err.Error(), "parquet, csv or parquet,csv") {
			t.Errorf("ParseFormat(%q): %v", in, err)
		}
	}
}
