package store

import (
	"bytes"
	"encoding/json"
	"log/slog"
	"slices"
	"strings"
	"testing"

	"github.com/bcetl/bcetl/internal/accounting"
	"github.com/bcetl/bcetl/internal/staging"
)

// A store extract reports a step per entity through the accounting: bars
// on a terminal and no progress lines, or, without one, a "step finished"
// line per entity with the rows received and the run's requests as JSON
// numbers.
func TestExtractStoreProgress(t *testing.T) {
	e := newStoreEnv(t, 120)

	var term, quiet bytes.Buffer
	e.extract(t.TempDir(), storeOptions{Accounting: &accounting.Options{Progress: &term,
		Log: slog.New(slog.NewJSONHandler(&quiet, nil))}})
	// Consents are read only on request (WithConsent): not a step here.
	shown := slices.DeleteFunc(slices.Clone(Entities), func(e string) bool { return e == staging.EntityConsents })
	for _, ent := range shown {
		if !strings.Contains(term.String(), ent) {
			t.Errorf("no bar for %s: %q", ent, term.String())
		}
	}
	if !strings.Contains(term.String(), "requests") {
		t.Errorf("no requests line: %q", term.String())
	}
	if s := quiet.String(); strings.Contains(s, `"progress"`) || strings.Contains(s, `"step `) {
		t.Errorf("progress logged under bars: %s", s)
	}

	var logs bytes.Buffer
	m, _ := e.extract(t.TempDir(), storeOptions{Accounting: &accounting.Options{Log: slog.New(slog.NewJSONHandler(&logs, nil))}})
	done := map[string]float64{}
	for _, line := range strings.Split(strings.TrimSpace(logs.String()), "\n") {
		var l map[string]any
		if err := json.Unmarshal([]byte(line), &l); err != nil {
			t.Fatal(err)
		}
		if l["msg"] != "step finished" {
			continue
		}
		if l["stage"] != "extract" {
			t.Errorf("stage %v", l["stage"])
		}
		for _, k := range []string{"done", "took_ms", "requests", "retries", "rate_limited"} {
			if _, ok := l[k].(float64); !ok {
				t.Errorf("%s = %#v, want a number: %s", k, l[k], line)
			}
		}
		done[l["step"].(string)] = l["done"].(float64)
	}
	for _, ent := range shown {
		want := m.Entities[ent].Rows
		if done[ent] != float64(want) || want == 0 {
			t.Errorf("%s: step finished with %v rows, the manifest has %d", ent, done[ent], want)
		}
	}
}
