package store

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"time"

	"github.com/bcetl/bcetl/internal/atomicfile"
)

// StateOverlap is subtracted from the saved watermark for the next run,
// which reads the records modified at or after the result. BigCommerce
// timestamps have one-second granularity and a filter bound is written in
// whole seconds, so a record modified in the same second as the watermark
// could otherwise fall on the wrong side; two seconds cover that rounding
// plus a second of clock skew between this machine and the store. "At or
// after" holds whichever way the API reads :min (the bound is sent one
// second earlier, bigcommerce.Covering): the overlap is 2 s if it reads it
// as exclusive, 3 s if inclusive. Records re-read because of the overlap
// are harmless: every consumer deduplicates by id.
const StateOverlap = 2 * time.Second

// stateVersion is the layout version of the state file.
const stateVersion = 1

// State is what --state keeps between runs of the store extractor.
type State struct {
	Version   int    `json:"version"`
	StoreHash string `json:"store_hash,omitempty"`
	APIURL    string `json:"api_url,omitempty"`
	// Watermark is the start time of the last successful run: the next
	// run reads records modified at or after Watermark - StateOverlap.
	Watermark  time.Time `json:"watermark"`
	LastOutput string    `json:"last_output,omitempty"`
	FinishedAt time.Time `json:"finished_at"`
}

// LoadState reads a state file. A missing file is not an error: it yields
// nil, and the run is a full extract.
func LoadState(path string) (*State, error) {
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return ParseState(path, b)
}

// ParseState reads the content b of the state file named name (a path or
// a URL: the warehouse export keeps its state in an object store too).
func ParseState(path string, b []byte) (*State, error) {
	var st State
	if err := json.Unmarshal(b, &st); err != nil {
		return nil, fmt.Errorf("state %s: %w", path, err)
	}
	if st.Version != stateVersion {
		return nil, fmt.Errorf("state %s: version %d, this bcetl reads %d", path, st.Version, stateVersion)
	}
	if st.Watermark.IsZero() {
		return nil, fmt.Errorf("state %s: no watermark", path)
	}
	return &st, nil
}

// SaveState writes st atomically and owner-only: a crash leaves the
// previous state, so the next run at worst re-reads more.
func SaveState(path string, st *State) error {
	return atomicfile.WriteJSON(path, st.stamped())
}

// EncodeState is the content SaveState writes, for a state kept
// elsewhere than in a local file.
func EncodeState(st *State) ([]byte, error) {
	b, err := json.MarshalIndent(st.stamped(), "", "  ")
	return append(b, '\n'), err
}

func (st *State) stamped() *State {
	st.Version = stateVersion
	return st
}

// LoadStateFor reads the state file at path for the store (storeHash,
// apiURL) and refuses one written for another store: its watermark says
// nothing about this one, and using it would silently skip records. No
// path, or no file yet, yields nil: the run is a full extract. The one way
// a watermark is read, by the extractor and by the warehouse export alike.
func LoadStateFor(path, storeHash, apiURL string) (*State, error) {
	if path == "" {
		return nil, nil
	}
	st, err := LoadState(path)
	if err != nil || st == nil {
		return nil, err
	}
	return st, st.CheckFor(path, storeHash, apiURL)
}

// CheckFor refuses st, read from path, if it was written for another
// store than (storeHash, apiURL).
func (st *State) CheckFor(path, storeHash, apiURL string) error {
	if st.StoreHash != "" && storeHash != "" && st.StoreHash != storeHash {
		return fmt.Errorf("state %s belongs to store %q, not %q: use another --state file", path, st.StoreHash, storeHash)
	}
	if st.StoreHash == "" && st.APIURL != "" && apiURL != "" && st.APIURL != apiURL {
		return fmt.Errorf("state %s belongs to %s, not %s: use another --state file", path, st.APIURL, apiURL)
	}
	return nil
}

// Since is the date_modified:min of the run after st: its watermark minus
// StateOverlap.
func (st *State) Since() time.Time { return st.Watermark.Add(-StateOverlap).UTC() }
