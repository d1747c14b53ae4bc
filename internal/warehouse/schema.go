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
	// CustomerDeletions are the tombstones: customers the store no longer
	// has, from store/customer/deleted events (nightly) or found missing
	// by export --reconcile. Every warehouse has the dataset from its first
	// committed run on (an empty part at first), so a query can always
	// anti-join it.
	CustomerDeletions = "customer_deletions"
)

// How a deletion was learnt: the value of CustomerDeletion.DetectedBy.
const (
	DetectedByWebhook   = "webhook"
	DetectedByReconcile = "reconcile"
)

// CustomerDeletion is one row of customer_deletions: the customer, and
// every row of it or its children in the warehouse, is gone from the
// store. BigCommerce never gives a deleted customer's id to another, so a
// tombstone holds for good.
type CustomerDeletion struct {
	CustomerID int64 `parquet:"customer_id"`
	// DeletedAt is the event's created_at; for a reconcile, when the
	// store was listed without the customer (it was deleted before).
	DeletedAt time.Time `parquet:"deleted_at,timestamp(millisecond)"`
	// Hash is the event's hash ("" for a reconcile), EventID its id in
	// the spool (null for a reconcile).
	Hash        string    `parquet:"hash"`
	EventID     *int64    `parquet:"event_id,optional"`
	DetectedBy  string    `parquet:"detected_by"`
	StoreHash   string    `parquet:"store_hash"`
	ExtractedAt time.Time `parquet:"extracted_at,timestamp(millisecond)"`
}

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
	// ExtractedAt is when the run that wrote the row started, as in every
	// row of the warehouse.
	ExtractedAt time.Time `parquet:"extracted_at,timestamp(millisecond)"`
}

// Entity rows are the staging rows plus the store they came from and the
// start of the run that read them. The columns are added here, where a
// file enters the warehouse, rather than to the staging schema: the
// staging layout (what transform and load read) stays as it is, and only
// the warehouse, where stores and runs meet, carries them. parquet-go
// flattens an embedded struct, so the columns are the staging columns in
// their order, then store_hash and extracted_at.
//
// extracted_at is what makes a warehouse of many runs read as the
// store's current state: every run that writes a customer writes all of
// its addresses, attribute values and form field values with the same
// extracted_at (a full or incremental export, a re-read by id), so a
// customer's latest version is its row with the newest extracted_at, and
// its children's are the rows of that same read — an address deleted
// since an earlier read is simply not among them.
type (
	runColumns struct {
		StoreHash   string    `parquet:"store_hash"`
		ExtractedAt time.Time `parquet:"extracted_at,timestamp(millisecond)"`
	}
	exportCustomer struct {
		staging.Customer
		runColumns
	}
	exportAddress struct {
		staging.Address
		runColumns
	}
	exportAttributeValue struct {
		staging.AttributeValue
		runColumns
	}
	exportFormFieldValue struct {
		staging.FormFieldValue
		runColumns
	}
	exportAttribute struct {
		staging.Attribute
		runColumns
	}
	exportCustomerGroup struct {
		staging.CustomerGroup
		runColumns
	}
	exportMetafield struct {
		staging.Metafield
		runColumns
	}
	exportSubscriber struct {
		staging.Subscriber
		runColumns
	}
	exportConsent struct {
		staging.Consent
		runColumns
	}
)

// withRunColumns rewrites the staging file of entity in dir with the
// store_hash and extracted_at columns, removes the staging file, updates
// e to describe the new file and returns its path.
func withRunColumns(dir, entity string, e *staging.EntityManifest, rc runColumns) (string, error) {
	src := filepath.Join(dir, e.File)
	dst := filepath.Join(dir, "export-"+filepath.Base(e.File))
	var st staging.FileStats
	var err error
	switch entity {
	case staging.EntityCustomers:
		st, err = copyWithStore(src, dst, func(r staging.Customer) exportCustomer { return exportCustomer{r, rc} })
	case staging.EntityAddresses:
		st, err = copyWithStore(src, dst, func(r staging.Address) exportAddress { return exportAddress{r, rc} })
	case staging.EntityAttributeValues:
		st, err = copyWithStore(src, dst, func(r staging.AttributeValue) exportAttributeValue { return exportAttributeValue{r, rc} })
	case staging.EntityFormFieldValues:
		st, err = copyWithStore(src, dst, func(r staging.FormFieldValue) exportFormFieldValue { return exportFormFieldValue{r, rc} })
	case staging.EntityAttributes:
		st, err = copyWithStore(src, dst, func(r staging.Attribute) exportAttribute { return exportAttribute{r, rc} })
	case staging.EntityCustomerGroups:
		st, err = copyWithStore(src, dst, func(r staging.CustomerGroup) exportCustomerGroup { return exportCustomerGroup{r, rc} })
	case staging.EntityMetafields:
		st, err = copyWithStore(src, dst, func(r staging.Metafield) exportMetafield { return exportMetafield{r, rc} })
	case staging.EntitySubscribers:
		st, err = copyWithStore(src, dst, func(r staging.Subscriber) exportSubscriber { return exportSubscriber{r, rc} })
	case staging.EntityConsents:
		st, err = copyWithStore(src, dst, func(r staging.Consent) exportConsent { return exportConsent{r, rc} })
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

// writeEmptyStaging writes an empty staging file of entity to path.
func writeEmptyStaging(path, entity string) (staging.FileStats, error) {
	switch entity {
	case staging.EntityCustomers:
		return staging.WriteAll[staging.Customer](path, nil)
	case staging.EntityAddresses:
		return staging.WriteAll[staging.Address](path, nil)
	case staging.EntityAttributeValues:
		return staging.WriteAll[staging.AttributeValue](path, nil)
	case staging.EntityFormFieldValues:
		return staging.WriteAll[staging.FormFieldValue](path, nil)
	case staging.EntityAttributes:
		return staging.WriteAll[staging.Attribute](path, nil)
	case staging.EntityCustomerGroups:
		return staging.WriteAll[staging.CustomerGroup](path, nil)
	case staging.EntityMetafields:
		return staging.WriteAll[staging.Metafield](path, nil)
	case staging.EntitySubscribers:
		return staging.WriteAll[staging.Subscriber](path, nil)
	case staging.EntityConsents:
		return staging.WriteAll[staging.Consent](path, nil)
	}
	return staging.FileStats{}, fmt.Errorf("warehouse: no row type for entity %q", entity)
}
