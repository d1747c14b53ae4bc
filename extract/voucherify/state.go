package voucherify

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
// which reads the customers modified at or after the result, as the store
// source's --state does (extract/store/state.go). Voucherify stamps to the
// millisecond, so the overlap is for clock skew between this machine,
// whose clock starts the run, and Voucherify's, which stamps updated_at:
// two seconds, as for the store. Customers re-read because of it are
// deduplicated by id within a run, and by email in the load across runs.
const StateOverlap = 2 * time.Second

const apiStateVersion = 1

// apiState is what --state keeps between runs of --from voucherify-api. It
// names the project it belongs to (API URL and Application ID): a watermark
// says nothing about another project, and using it would skip customers.
type apiState struct {
	Version int    `json:"version"`
	Kind    string `json:"kind"` // APIScheme: a store's state file is refused
	APIURL  string `json:"api_url"`
	AppID   string `json:"app_id"`
	// Watermark is the start of the last successful run: the next one
	// reads the customers whose updated_at (created_at, for one never
	// updated) is at or after Watermark - StateOverlap.
	Watermark  time.Time `json:"watermark"`
	LastOutput string    `json:"last_output,omitempty"`
	FinishedAt time.Time `json:"finished_at"`
}

// loadAPIState reads the state at path for the project (apiURL, appID);
// no path or no file yet is nil (a full run).
func loadAPIState(path, apiURL, appID string) (*apiState, error) {
	if path == "" {
		return nil, nil
	}
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var st apiState
	if err := json.Unmarshal(b, &st); err != nil {
		return nil, fmt.Errorf("state %s: %w", path, err)
	}
	switch {
	case st.Kind != APIScheme:
		return nil, fmt.Errorf("state %s is not a %s state (kind %q): use another --state file", path, APIScheme, st.Kind)
	case st.Version != apiStateVersion:
		return nil, fmt.Errorf("state %s: version %d, this bcetl reads %d", path, st.Version, apiStateVersion)
	case st.APIURL != apiURL || st.AppID != appID:
		return nil, fmt.Errorf("state %s belongs to project %s at %s, not %s at %s: use another --state file",
			path, st.AppID, st.APIURL, appID, apiURL)
	case st.Watermark.IsZero():
		return nil, fmt.Errorf("state %s: no watermark", path)
	}
	return &st, nil
}

// saveAPIState writes st atomically and owner-only.
func saveAPIState(path string, st *apiState) error {
	st.Version, st.Kind = apiStateVersion, APIScheme
	return atomicfile.WriteJSON(path, st)
}
