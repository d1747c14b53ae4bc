package results

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/bcetl/bcetl/internal/staging"
)

// ident is what the pair shows of an input record: its key and whose it
// is.
type ident struct {
	key, customer, email string
}

// The columns read of each entity file: parquet-go reads only these
// (staging.Scan converts the file's schema to the row type's by name).
type (
	keyRow struct {
		SourceKey string `parquet:"source_key"`
	}
	customerRow struct {
		SourceKey string `parquet:"source_key"`
		Email     string `parquet:"email"`
	}
	childRow struct {
		SourceKey         string `parquet:"source_key"`
		CustomerSourceKey string `parquet:"customer_source_key"`
	}
	subscriberRow struct {
		SourceKey         string  `parquet:"source_key"`
		CustomerSourceKey *string `parquet:"customer_source_key,optional"`
		Email             string  `parquet:"email"`
	}
)

// scanInputs streams the records of entity in dir's staging file, in
// file order; a missing file has none. emails gives a child its
// customer's email.
func scanInputs(dir, entity string, emails map[string]string, fn func(ident) error) error {
	path := filepath.Join(dir, staging.FileName(entity))
	if _, err := os.Stat(path); errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	switch entity {
	case staging.EntityCustomers:
		return staging.Scan(path, func(r customerRow) error {
			return fn(ident{key: r.SourceKey, customer: r.SourceKey, email: r.Email})
		})
	case staging.EntitySubscribers:
		return staging.Scan(path, func(r subscriberRow) error {
			id := ident{key: r.SourceKey, email: r.Email}
			if r.CustomerSourceKey != nil {
				id.customer = *r.CustomerSourceKey
			}
			return fn(id)
		})
	case staging.EntityAddresses, staging.EntityAttributeValues, staging.EntityFormFieldValues,
		staging.EntityMetafields, staging.EntityConsents:
		return staging.Scan(path, func(r childRow) error {
			return fn(ident{key: r.SourceKey, customer: r.CustomerSourceKey, email: emails[r.CustomerSourceKey]})
		})
	default: // definitions: attributes, customer groups
		return staging.Scan(path, func(r keyRow) error { return fn(ident{key: r.SourceKey}) })
	}
}
