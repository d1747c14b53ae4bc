package staging

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/bcetl/bcetl/internal/atomicfile"
)

// ManifestFile is the manifest's file name in a staging directory.
const ManifestFile = "manifest.json"

// FormatVersion is the version of the staging layout. It changes when a
// column is removed or changes meaning. 2: store_credit_amounts became
// DECIMAL(20,4) (was DOUBLE); customer_group_name and the entities
// customer_groups, metafields, subscribers and consents were added.
const FormatVersion = 2

// Manifest describes one staging directory: where its rows came from and,
// per entity, what the file holds.
type Manifest struct {
	FormatVersion int                       `json:"format_version"`
	Stage         Stage                     `json:"stage"` // extract | transform
	Source        Source                    `json:"source"`
	StartedAt     time.Time                 `json:"started_at"`
	FinishedAt    time.Time                 `json:"finished_at"`
	Entities      map[string]EntityManifest `json:"entities"`
	// Watermark is the date_modified from which the next incremental run
	// starts (it subtracts a small overlap itself). Zero when the source has
	// no such notion.
	Watermark *time.Time `json:"watermark,omitempty"`
	// Incremental is true when only records modified since a watermark were
	// extracted.
	Incremental bool       `json:"incremental,omitempty"`
	Since       *time.Time `json:"since,omitempty"`
	// Inputs names the files a stage read, with their hashes, so a pipeline
	// can tell whether a stage's output is still current.
	Inputs map[string]FileStats `json:"inputs,omitempty"`
}

// Source says where the rows came from. It never holds a credential.
type Source struct {
	Kind      string `json:"kind"` // bigcommerce | voucherify | csv | shopify-csv | parquet | staging
	StoreHash string `json:"store_hash,omitempty"`
	APIURL    string `json:"api_url,omitempty"`
	Path      string `json:"path,omitempty"`
	Mapping   string `json:"mapping,omitempty"` // a csv: source's mapping file
}

// EntityManifest describes one entity file.
type EntityManifest struct {
	File            string     `json:"file"`
	FileStats                  // rows, bytes, sha256
	MinDateModified *time.Time `json:"min_date_modified,omitempty"`
	MaxDateModified *time.Time `json:"max_date_modified,omitempty"`
	Requests        int64      `json:"requests,omitempty"`
	MinRequests     int64      `json:"min_requests,omitempty"`
}

// WriteManifest writes m to dir/manifest.json atomically.
func WriteManifest(dir string, m *Manifest) error {
	return atomicfile.WriteJSON(filepath.Join(dir, ManifestFile), m)
}

// ReadManifest reads dir/manifest.json.
func ReadManifest(dir string) (*Manifest, error) {
	b, err := os.ReadFile(filepath.Join(dir, ManifestFile))
	if err != nil {
		return nil, err
	}
	var m Manifest
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, fmt.Errorf("%s: %w", filepath.Join(dir, ManifestFile), err)
	}
	if m.FormatVersion != FormatVersion {
		return nil, fmt.Errorf("%s: staging format version %d, this bcetl reads %d", dir, m.FormatVersion, FormatVersion)
	}
	return &m, nil
}

// Verify checks that every entity file the manifest lists exists with the
// recorded hash: a stage whose output verifies need not be redone.
func (m *Manifest) Verify(dir string) error {
	for name, e := range m.Entities {
		st, err := FileHash(filepath.Join(dir, e.File))
		if err != nil {
			return fmt.Errorf("%s: %w", name, err)
		}
		if st.SHA256 != e.SHA256 {
			return fmt.Errorf("%s: %s changed since it was written", name, e.File)
		}
	}
	return nil
}
