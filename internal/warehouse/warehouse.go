package warehouse

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/bcetl/bcetl/internal/staging"
)

// The layout's fixed names (see the package doc).
const (
	PartitionKey = "extracted_on"
	ManifestsDir = "_manifests"
	stagingDir   = "_staging"
)

// Warehouse is a dataset of one store, opened on its Backend.
type Warehouse struct {
	b         Backend
	storeHash string
	// has: the datasets some run manifest names a part of, so they
	// exist (Commit creates the others, empty, so that a reader's glob
	// over every dataset matches files).
	has map[string]bool
}

// Open opens the warehouse in b for the store storeHash, refusing one
// whose run manifests name another store: its rows would mix with another
// store's under one id space, and a nightly job's claims and watermark are
// per store. It writes nothing.
func Open(ctx context.Context, b Backend, storeHash string) (*Warehouse, error) {
	if storeHash == "" {
		return nil, errors.New("warehouse: no store hash")
	}
	names, err := b.List(ctx, ManifestsDir)
	if err != nil {
		return nil, err
	}
	w := &Warehouse{b: b, storeHash: storeHash, has: map[string]bool{}}
	for _, name := range names {
		if !strings.HasSuffix(name, ".json") {
			continue
		}
		data, err := b.ReadFile(ctx, name)
		if err != nil {
			return nil, err
		}
		var m struct {
			Source   staging.Source             `json:"source"`
			Entities map[string]json.RawMessage `json:"entities"`
		}
		if err := json.Unmarshal(data, &m); err != nil {
			return nil, fmt.Errorf("%s: %w", b.Path(name), err)
		}
		other := m.Source.StoreHash
		if other == "" { // a manifest written before manifests named the store
			other, _ = StoreHashOf("", m.Source.APIURL)
		}
		if other != "" && other != storeHash {
			return nil, fmt.Errorf("--out %s holds the export of store %q (%s), not of store %q: give each store its own --out "+
				"(every row carries store_hash, so a warehouse can read several as one table)", b.Path(""), other, b.Path(name), storeHash)
		}
		for dataset := range m.Entities {
			w.has[dataset] = true
		}
	}
	return w, nil
}

// StoreHashOf is the store an export is for: the explicit hash, else the
// one in an API URL of the form …/stores/{hash}/…. Without either the rows
// could not say which store they come from.
func StoreHashOf(explicit, apiURL string) (string, error) {
	if explicit != "" {
		return explicit, nil
	}
	if u, err := url.Parse(apiURL); err == nil {
		parts := strings.Split(strings.Trim(u.Path, "/"), "/")
		for i := 0; i+1 < len(parts); i++ {
			if parts[i] == "stores" && parts[i+1] != "" && parts[i+1] != "{store_hash}" {
				return parts[i+1], nil
			}
		}
	}
	return "", errors.New("warehouse: no store hash, and the API URL names none (it is written in every exported row and in the run manifest)")
}

// Backend is where the warehouse's files are.
func (w *Warehouse) Backend() Backend { return w.b }

// StoreHash is the store the warehouse holds.
func (w *Warehouse) StoreHash() string { return w.storeHash }

// RunName names an export run started at t: its staging directory and its
// run manifest, in an order that sorts by time.
func RunName(t time.Time) string { return t.UTC().Format("20060102T150405.000Z") }

// Stage is the local directory in which the run name writes its files.
// They enter the dataset only through File and Commit; the caller removes
// the directory when the run ends (what was not filed is discarded), and
// SweepStaging clears a killed run's.
func (w *Warehouse) Stage(name string) string { return filepath.Join(w.b.StagingDir(), name) }

// SweepStaging removes what killed runs left in the staging area: extracts
// in progress, personal data that never became part of the dataset. Call
// it only while no other run writes to the warehouse (under the state's
// lock).
func (w *Warehouse) SweepStaging() error { return os.RemoveAll(w.b.StagingDir()) }
