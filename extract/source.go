package extract

import (
	"context"
	"path/filepath"
	"time"

	"github.com/bcetl/bcetl/internal/accounting"
	"github.com/bcetl/bcetl/internal/bigcommerce"
	"github.com/bcetl/bcetl/internal/staging"
)

// Source is one place customers are read from: a store, an export file, a
// staging directory. Each lives in its own package, registers itself by its
// --from scheme (Register) and is opened by Open; Run drives it.
type Source interface {
	// Describe says what the source is, as the manifest records it, and
	// what it will write. It does no I/O: migrate calls it to tell whether
	// an existing extract is still current.
	Describe() Description
	// Read reads the source into out. On error Run commits nothing.
	Read(ctx context.Context, out *Sink) (Report, error)
}

// Description is a source as the extract manifest and the pipelines see it.
type Description struct {
	// Source is the manifest's source: kind (the scheme), path, mapping,
	// store hash, API URL. Never a credential.
	staging.Source
	// Inputs are the files the source reads, by the name the manifest
	// records each under; an API source has none. A pipeline compares
	// their SHA-256 with the manifest's to tell whether an extract is
	// still current. The source must read every one through the sink
	// (Sink.Open or Sink.Hash).
	Inputs map[string]string
	// Entities are the staging files written, in staging.Entities order;
	// nil means all of them.
	Entities []string
	// Rejects is set when the source writes rejects.parquet (the records
	// it could not read).
	Rejects bool
}

// String names the source in messages: its --from spec.
func (d Description) String() string {
	if d.Path == "" {
		return d.Kind
	}
	return d.Kind + ":" + d.Path
}

// Report is what a source tells about the run it made, for the manifest
// and the summary line.
type Report struct {
	// Incremental is set when only records modified since Since were read.
	Incremental bool
	Since       *time.Time
	// Watermark is where the next incremental run starts.
	Watermark *time.Time
	// Requests are the API requests made per entity, with the minimum.
	Requests map[string]Requests
	// Committed, when set, is called once the files and the manifest are
	// in place: a checkpoint (a --state watermark) moves only then, so a
	// crash before it means the next run reads this run's records again,
	// never skips them.
	Committed func(*staging.Manifest) error
	// Stats are extra key/value pairs for the "extract finished" line.
	Stats []any
}

// Requests counts the API requests made for one entity and the
// theoretical minimum.
type Requests struct{ Made, Minimum int64 }

// DefaultConcurrency is the default cap on a source's requests in flight.
const DefaultConcurrency = 4

// Options is everything cmd and pipelines can give a source. Open refuses
// a mapping, store, watermark, id list or entity selection the source's
// Registration.Needs does not declare; the rest (concurrency, progress,
// clock, logger) a source uses or ignores.
type Options struct {
	// Mapping is the column mapping file (Needs.Mapping).
	Mapping string
	// Store is the client of the BigCommerce store to read, StoreHash its
	// hash (Needs.Store). The token stays in the client.
	Store     *bigcommerce.Client
	StoreHash string
	// APIURL is the API root of a source that reaches its API itself
	// (Needs.APIURL: voucherify-api); empty means the source's default.
	// Its credentials come from the environment (Registration.Credentials).
	APIURL string

	// Since makes the run incremental from that time; StatePath is the
	// --state file holding the watermark (Needs.Watermark).
	Since     *time.Time
	StatePath string
	// IDs restricts the run to these records; RejectedID takes each id
	// the source refuses instead of failing the run (Needs.IDs).
	IDs        []int64
	RejectedID func(id int64, err error)
	// Entities selects the entities to write (Needs.Entities); nil: the
	// source's default (a store: all but consents).
	Entities []string
	// WithConsent adds the customers' data preferences (consents) to a
	// store's default entities: one request per customer, so it is asked
	// for, never implied.
	WithConsent bool
	// Concurrency caps the requests in flight (0: the source's default).
	Concurrency int

	// Options are the logger (the summary, warnings and, without a
	// terminal, progress lines) and the progress bars' terminal.
	accounting.Options
	// Now is the clock that stamps the run; nil means time.Now.
	Now func() time.Time
}

// FileDescription describes a source that reads one export file: its
// records, good and bad, and the file's hash go into the manifest.
func FileDescription(kind, path string) Description {
	return Description{Source: staging.Source{Kind: kind, Path: path},
		Inputs: map[string]string{filepath.Base(path): path}, Rejects: true}
}
