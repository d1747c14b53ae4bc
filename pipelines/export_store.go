package pipelines

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"

	"github.com/bcetl/bcetl/internal/staging"
)

// A dataset (--out) holds one store. Every exported row carries the store's
// hash in a store_hash column, and every run manifest names the store, so:
//   - an export refuses an --out whose manifests name another store (its
//     rows would mix with another store's under one id space, and the
//     nightly job's claims and watermark are per store);
//   - a warehouse that wants several stores reads their --out directories
//     as one table (read_parquet([...]) in DuckDB), telling rows apart by
//     store_hash.

// storeHashOf is the store an export is for: the explicit hash, else the
// one in an API URL of the form …/stores/{hash}/…. Without either the rows
// could not say which store they come from.
func storeHashOf(explicit, apiURL string) (string, error) {
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
	return "", errors.New("no store hash: give --store-hash (it is written in every exported row and in the run manifest)")
}

// checkOutStore refuses an --out that already holds another store's
// export, as its run manifests say.
func checkOutStore(out, storeHash string) error {
	manifests, err := filepath.Glob(filepath.Join(out, ManifestsDir, "*.json"))
	if err != nil {
		return err
	}
	for _, path := range manifests {
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		var m struct {
			Source staging.Source `json:"source"`
		}
		if err := json.Unmarshal(b, &m); err != nil {
			return fmt.Errorf("%s: %w", path, err)
		}
		other := m.Source.StoreHash
		if other == "" {
			other, _ = storeHashOf("", m.Source.APIURL)
		}
		if other != "" && other != storeHash {
			return fmt.Errorf("--out %s holds the export of store %q (%s), not of store %q: give each store its own --out "+
				"(every row carries store_hash, so a warehouse can read several as one table)", out, other, path, storeHash)
		}
	}
	return nil
}
