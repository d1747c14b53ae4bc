package store

import (
	"bytes"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/synctest"
	"time"
)

func TestStateRoundTrip(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state.json")
	if st, err := LoadState(path); st != nil || err != nil {
		t.Fatalf("missing state: %+v, %v", st, err)
	}
	wm := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	if err := SaveState(path, &State{StoreHash: "abc", Watermark: wm}); err != nil {
		t.Fatal(err)
	}
	fi, _ := os.Stat(path)
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("state mode %v", fi.Mode().Perm())
	}
	st, err := LoadState(path)
	if err != nil || !st.Watermark.Equal(wm) {
		t.Fatalf("%+v, %v", st, err)
	}
	if _, err := LoadStateFor(path, "other", ""); err == nil || !strings.Contains(err.Error(), path) {
		t.Errorf("a state of another store: %v, want a refusal naming the file", err)
	}
	os.WriteFile(path, []byte(`{"version":1}`), 0o600)
	if _, err := LoadState(path); err == nil {
		t.Error("a state without watermark was accepted")
	}
}

// Progress goes to bars on a terminal and to log lines otherwise, never
// both. In a synctest bubble the reporting ticks come in fake time: the
// sleeps below take none, and what they wait for has happened when they
// return.
func TestProgressBarsOrLogs(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var logs, term bytes.Buffer
		log := slog.New(slog.NewTextHandler(&logs, nil))
		p := newProgress([]string{"customers", "addresses"}, &term, log, time.Millisecond)
		p.setTotal("customers", 10)
		p.add("customers", 4)
		p.add("addresses", 7)
		time.Sleep(300 * time.Millisecond) // past the first bar tick (250 ms)
		p.close()
		// The library's spinner goroutines see Finish at their next tick
		// (every 100 ms) and end; the bubble ends only when they have.
		time.Sleep(time.Second)
		if logs.Len() != 0 {
			t.Errorf("terminal mode logged: %s", logs.String())
		}
		if s := term.String(); !strings.Contains(s, "customers") || !strings.Contains(s, "addresses") || !strings.Contains(s, "rows") {
			t.Errorf("bars: %q", s)
		}

		logs.Reset()
		p = newProgress([]string{"customers"}, nil, log, time.Millisecond)
		p.add("customers", 3)
		time.Sleep(20 * time.Millisecond)
		p.close()
		if !strings.Contains(logs.String(), "customers.rows=3") {
			t.Errorf("log mode: %q", logs.String())
		}
	})
}
