package store

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
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
