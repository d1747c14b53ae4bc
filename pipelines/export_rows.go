package pipelines

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/bcetl/bcetl/internal/staging"
)

// Export rows are the staging rows plus the store they came from. The
// column is added here, where a file enters the dataset, rather than to the
// staging schema: the staging layout (what transform and load read) stays
// as it is, and only the warehouse, where stores can meet, carries it.
// parquet-go flattens an embedded struct, so the columns are the staging
// columns in their order, then store_hash.
type (
	exportCustomer struct {
		staging.Customer
		StoreHash string `parquet:"store_hash"`
	}
	exportAddress struct {
		staging.Address
		StoreHash string `parquet:"store_hash"`
	}
	exportAttributeValue struct {
		staging.AttributeValue
		StoreHash string `parquet:"store_hash"`
	}
	exportFormFieldValue struct {
		staging.FormFieldValue
		StoreHash string `parquet:"store_hash"`
	}
	exportAttribute struct {
		staging.Attribute
		StoreHash string `parquet:"store_hash"`
	}
)

// exportFile rewrites the staging file of entity in dir with the
// store_hash column, removes the staging file, updates e to describe the
// new file and returns its path.
func exportFile(dir, entity string, e *staging.EntityManifest, storeHash string) (string, error) {
	src := filepath.Join(dir, e.File)
	dst := filepath.Join(dir, "export-"+filepath.Base(e.File))
	var st staging.FileStats
	var err error
	switch entity {
	case staging.EntityCustomers:
		st, err = copyWithStore(src, dst, func(r staging.Customer) exportCustomer { return exportCustomer{r, storeHash} })
	case staging.EntityAddresses:
		st, err = copyWithStore(src, dst, func(r staging.Address) exportAddress { return exportAddress{r, storeHash} })
	case staging.EntityAttributeValues:
		st, err = copyWithStore(src, dst, func(r staging.AttributeValue) exportAttributeValue { return exportAttributeValue{r, storeHash} })
	case staging.EntityFormFieldValues:
		st, err = copyWithStore(src, dst, func(r staging.FormFieldValue) exportFormFieldValue { return exportFormFieldValue{r, storeHash} })
	case staging.EntityAttributes:
		st, err = copyWithStore(src, dst, func(r staging.Attribute) exportAttribute { return exportAttribute{r, storeHash} })
	default:
		return "", fmt.Errorf("export: no export row for entity %q", entity)
	}
	if err != nil {
		return "", err
	}
	e.FileStats = st
	return dst, os.Remove(src)
}

// copyWithStore streams src's rows through wrap into dst.
func copyWithStore[T, E any](src, dst string, wrap func(T) E) (staging.FileStats, error) {
	w, err := staging.Create[E](dst)
	if err != nil {
		return staging.FileStats{}, err
	}
	defer w.Abort()
	batch := make([]E, 0, 1024)
	flush := func() error {
		err := w.Write(batch...)
		batch = batch[:0]
		return err
	}
	err = staging.Scan(src, func(r T) error {
		if batch = append(batch, wrap(r)); len(batch) == cap(batch) {
			return flush()
		}
		return nil
	})
	if err != nil {
		return staging.FileStats{}, err
	}
	if err := flush(); err != nil {
		return staging.FileStats{}, err
	}
	return w.Commit()
}
