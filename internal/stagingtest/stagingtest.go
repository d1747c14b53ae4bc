// Package stagingtest writes staging directories for tests and reads
// them back: one generator, Write, that makes a directory from a Spec
// (with the manifest a stage needs to accept it), one row reader, Read,
// and WriteRows for directories written from literal rows. Only tests
// import it.
package stagingtest

import (
	"github.com/bcetl/bcetl/internal/sandbox"
	"os"
	"path/filepath"
	"testing"

	"github.com/parquet-go/parquet-go"

	"github.com/bcetl/bcetl/internal/staging"
)

// Spec describes a generated staging directory. There are two flavours.
//
// Clean (the load's input, as a transform writes it): every customer has
// two addresses (a form field on the first), two attribute values and a
// form field of its own; every BigEvery-th (0: none) has twelve addresses
// and twelve values, more than a customer embeds, the last address
// carrying a form field too. Emails are EmailPrefix (default "c") and
// seven digits (Email); the definitions are Attributes.
//
// Messy (the transform's input, as an extract of a real store reads):
// about AddressesPer addresses a customer, random from Seed, full of the
// mistakes real exports have — case and spacing variants, state codes,
// country names and alpha-3 codes in the country column, invalid emails,
// over-long fields, bytes that are not UTF-8 (written as another tool
// would, unescaped), duplicate emails and addresses, orphans, bad
// attribute values and more attribute definitions than a store holds —
// and one extract reject to be copied through. Counts.Planted says what
// was put in.
//
// Both stream, so they make millions of rows in bounded memory.
type Spec struct {
	Customers int

	BigEvery    int    // clean
	EmailPrefix string // clean

	Messy        bool
	AddressesPer int    // messy
	Seed         uint64 // messy

	// Stage is the manifest's stage; by default "transform" for a clean
	// directory, "extract" for a messy one.
	Stage staging.Stage
}

// Counts are the rows written, by entity.
type Counts struct {
	Customers, Addresses, AttributeValues, FormFieldValues, Attributes int
	// Planted counts the mistakes of a messy directory, by kind.
	Planted map[string]int
}

// Total is the number of input records: every row of the five entities.
func (c Counts) Total() int {
	return c.Customers + c.Addresses + c.AttributeValues + c.FormFieldValues + c.Attributes
}

// Write generates the directory spec describes into dir, with its
// manifest.
func Write(t testing.TB, dir string, spec Spec) Counts {
	t.Helper()
	var (
		n   Counts
		err error
	)
	stage := spec.Stage
	if spec.Messy {
		n, err = writeMessy(dir, spec)
		if stage == "" {
			stage = staging.StageExtract
		}
	} else {
		n, err = writeClean(dir, spec)
	}
	if err != nil {
		t.Fatalf("stagingtest: %v", err)
	}
	WriteManifest(t, dir, stage)
	return n
}

// Rows are the rows of a staging directory written from literals.
type Rows struct {
	Customers       []staging.Customer
	Addresses       []staging.Address
	AttributeValues []staging.AttributeValue
	FormFieldValues []staging.FormFieldValue
	Attributes      []staging.Attribute
	CustomerGroups  []staging.CustomerGroup
	Metafields      []staging.Metafield
	Subscribers     []staging.Subscriber
	Consents        []staging.Consent
}

// TargetConfig is what a target store needs to accept what Write
// generates: the sign-up and address form fields its form field values
// name (a store refuses a value for a field its form lacks).
func TargetConfig() *sandbox.StoreConfig {
	return &sandbox.StoreConfig{
		CustomerFields: []sandbox.FormField{{Name: "newsletter", FieldType: "text"}},
		AddressFields:  []sandbox.FormField{{Name: "gate_code", FieldType: "numbers"}},
	}
}

// WriteRows writes the entity files of r (empty ones too) into dir,
// as another tool would (WriteRaw), and a manifest of stage ("" is
// "transform").
func WriteRows(t testing.TB, dir string, r Rows, stage staging.Stage) {
	t.Helper()
	path := func(e string) string { return filepath.Join(dir, staging.FileName(e)) }
	WriteRaw(t, path(staging.EntityCustomers), r.Customers)
	WriteRaw(t, path(staging.EntityAddresses), r.Addresses)
	WriteRaw(t, path(staging.EntityAttributeValues), r.AttributeValues)
	WriteRaw(t, path(staging.EntityFormFieldValues), r.FormFieldValues)
	WriteRaw(t, path(staging.EntityAttributes), r.Attributes)
	WriteRaw(t, path(staging.EntityCustomerGroups), r.CustomerGroups)
	WriteRaw(t, path(staging.EntityMetafields), r.Metafields)
	WriteRaw(t, path(staging.EntitySubscribers), r.Subscribers)
	WriteRaw(t, path(staging.EntityConsents), r.Consents)
	WriteManifest(t, dir, stage)
}

// WriteManifest describes the staging files in dir as the output of stage
// ("" is "transform"): transform and load refuse a directory without a
// manifest that matches it.
func WriteManifest(t testing.TB, dir string, stage staging.Stage) {
	t.Helper()
	if stage == "" {
		stage = staging.StageTransform
	}
	m, err := staging.ManifestFor(dir, stage)
	if err == nil {
		err = staging.WriteManifest(dir, m)
	}
	if err != nil {
		t.Fatal(err)
	}
}

// Read reads every row of a staging Parquet file.
func Read[T any](t testing.TB, path string) []T {
	t.Helper()
	rows, err := staging.ReadAll[T](path)
	if err != nil {
		t.Fatal(err)
	}
	return rows
}

// WriteRaw writes rows to path as another tool might: with parquet-go
// directly, bytes as given. The staging writer escapes invalid UTF-8, and
// a stage must still refuse it in files bcetl did not write.
func WriteRaw[T any](t testing.TB, path string, rows []T) {
	t.Helper()
	w, err := createRaw[T](path)
	if err == nil {
		err = w.Write(rows...)
		if cerr := w.Commit(); err == nil {
			err = cerr
		}
	}
	if err != nil {
		t.Fatal(err)
	}
}

type rawWriter[T any] struct {
	f *os.File
	w *parquet.GenericWriter[T]
}

func createRaw[T any](path string) (*rawWriter[T], error) {
	f, err := os.OpenFile(path, os.O_CREATE|os.O_TRUNC|os.O_WRONLY, 0o600)
	if err != nil {
		return nil, err
	}
	return &rawWriter[T]{f: f, w: parquet.NewGenericWriter[T](f)}, nil
}

func (r *rawWriter[T]) Write(rows ...T) error {
	_, err := r.w.Write(rows)
	return err
}

func (r *rawWriter[T]) Commit() error {
	if err := r.w.Close(); err != nil {
		r.f.Close()
		return err
	}
	return r.f.Close()
}
