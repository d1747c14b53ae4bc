package warehouse

import (
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/bcetl/bcetl/internal/staging"
)

// The datasets beside the staging entities (staging.Entities), which
// export under their entity names.
const (
	CartEvents = "cart_events" // spooled store/cart/created events (nightly)
)

// CartEvent is one row of the cart_events dataset.
type CartEvent struct {
	EventID    int64     `parquet:"event_id"`
	Hash       string    `parquet:"hash"`
	StoreID    string    `parquet:"store_id"`
	Producer   string    `parquet:"producer"`
	Scope      string    `parquet:"scope"`
	CreatedAt  time.Time `parquet:"created_at,timestamp(millisecond)"`
	ReceivedAt time.Time `parquet:"received_at,timestamp(millisecond)"`
	CartID     string    `parquet:"cart_id"`
	Type       string    `parquet:"type"`
	StoreHash  string    `parquet:"store_hash"` // as in every row of the warehouse
}

// Entity rows are the staging rows plus the store they came from. The
// column is added here, where a file enters the warehouse, rather than to
// the staging schema: the staging layout (what transform and load read)
// stays as it is, and only the warehouse, where stores can meet, carries
// it. parquet-go flattens an embedded struct, so the columns are the
// staging columns in their order, then store_hash.
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
	exportCustomerGroup struct {
		staging.CustomerGroup
		StoreHash string `parquet:"store_hash"`
	}
	exportMetafield struct {
		staging.Metafield
		StoreHash string `parquet:"store_hash"`
	}
	exportSubscriber struct {
		staging.Subscriber
		StoreHash string `parquet:"store_hash"`
	}
	exportConsent struct {
		staging.Consent
		StoreHash string `parquet:"store_hash"`
	}
)

// withStoreHash rewrites the staging file of entity in dir with the
// store_hash column, removes the staging file, updates e to describe the
// new file and returns its path.
func withStoreHash(dir, entity string, e *staging.EntityManifest, storeHash string) (string, error) {
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
	case staging.EntityCustomerGroups:
		st, err = copyWithStore(src, dst, func(r staging.CustomerGroup) exportCustomerGroup { return exportCustomerGroup{r, storeHash} })
	case staging.EntityMetafields:
		st, err = copyWithStore(src, dst, func(r staging.Metafield) exportMetafield { return exportMetafield{r, storeHash} })
	case staging.EntitySubscribers:
		st, err = copyWithStore(src, dst, func(r staging.Subscriber) exportSubscriber { return exportSubscriber{r, storeHash} })
	case staging.EntityConsents:
		st, err = copyWithStore(src, dst, func(r staging.Consent) exportConsent { return exportConsent{r, storeHash} })
	default:
		return "", fmt.Errorf("warehouse: no row type for entity %q", entity)
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
