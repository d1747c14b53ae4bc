package results

import (
	"bufio"
	"encoding/csv"
	"fmt"
	"strconv"
	"strings"

	"github.com/bcetl/bcetl/internal/atomicfile"
	"github.com/bcetl/bcetl/internal/staging"
)

// File names of the pair in a migration's work directory; a load names
// them after its state file (Paths).
const (
	SuccessFile = "success.csv"
	ErrorFile   = "error.csv"
)

// StatusMerged is the status of a record the transform folded into
// another (its survivor): in success.csv when the survivor reached the
// target.
const StatusMerged staging.Status = "merged"

// Row is one line of success.csv or error.csv.
type Row struct {
	Entity    string
	SourceKey string
	// CustomerKey and Email name the customer a record belongs to (a
	// customer's own email; a child's customer's); empty when unknown (a
	// record the extract could not read) or not a customer's (an
	// attribute definition, a group).
	CustomerKey string
	Email       string
	Status      staging.Status
	// Stage decided the record's fate: the load for what it loaded,
	// skipped, updated or rejected; the transform for a merge or its
	// rejects; the extract for a record it could not read.
	Stage      staging.Stage
	TargetID   *int64
	HTTPStatus int32
	// Field and Rule say what a stage's check found (rejects); Message is
	// the reason, or what became of a merged record.
	Field, Rule, Message string
}

// Header is the columns of both files, in order.
var Header = []string{"entity", "source_key", "customer_source_key", "email", "status", "stage", "target_id", "http_status", "field", "rule", "message"}

// Succeeded reports whether r belongs in success.csv: the record is in
// the target.
func (r *Row) Succeeded() bool {
	switch r.Status {
	case staging.StatusLoaded, staging.StatusSkipped, staging.StatusUpdated, StatusMerged:
		return true
	}
	return false
}

func (r *Row) cells() []string {
	target, http := "", ""
	if r.TargetID != nil {
		target = strconv.FormatInt(*r.TargetID, 10)
	}
	if r.HTTPStatus != 0 {
		http = strconv.Itoa(int(r.HTTPStatus))
	}
	c := []string{r.Entity, r.SourceKey, r.CustomerKey, r.Email, string(r.Status), string(r.Stage), target, http, r.Field, r.Rule, r.Message}
	for i := range c {
		c[i] = Cell(c[i])
	}
	return c
}

// Cell is s as it is safe to put in a cell a spreadsheet opens: valid
// UTF-8, and not taken for a formula — a value starting with = + - @, a
// tab or a carriage return gets a leading apostrophe, which Excel, LibreOffice
// and Google Sheets show as text and do not evaluate.
func Cell(s string) string {
	s = staging.ValidText(s)
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}

// bom makes Excel read the file as UTF-8.
const bom = "\uFEFF"

// csvFile is one of the pair being written.
type csvFile struct {
	f    *atomicfile.File
	buf  *bufio.Writer
	w    *csv.Writer
	rows int64
}

func createCSV(path string) (*csvFile, error) {
	f, err := atomicfile.Create(path)
	if err != nil {
		return nil, err
	}
	c := &csvFile{f: f, buf: bufio.NewWriterSize(f, 64<<10)}
	c.w = csv.NewWriter(c.buf)
	c.w.UseCRLF = true // RFC 4180, as Excel writes them; a CR inside a cell is dropped, a line break kept
	c.buf.WriteString(bom)
	if err := c.w.Write(Header); err != nil {
		f.Abort()
		return nil, err
	}
	return c, nil
}

func (c *csvFile) commit() error {
	c.w.Flush()
	if err := c.w.Error(); err != nil {
		return fmt.Errorf("%s: %w", c.f.Path(), err)
	}
	if err := c.buf.Flush(); err != nil {
		return fmt.Errorf("%s: %w", c.f.Path(), err)
	}
	return c.f.Commit()
}

// Writer writes the pair: each row to the file its status says.
type Writer struct {
	success, errors *csvFile
}

// Create starts the pair at these paths; nothing is visible there until
// Commit.
func Create(successPath, errorPath string) (*Writer, error) {
	s, err := createCSV(successPath)
	if err != nil {
		return nil, err
	}
	e, err := createCSV(errorPath)
	if err != nil {
		s.f.Abort()
		return nil, err
	}
	return &Writer{success: s, errors: e}, nil
}

// Write adds r to success.csv or error.csv.
func (w *Writer) Write(r *Row) error {
	f := w.errors
	if r.Succeeded() {
		f = w.success
	}
	f.rows++
	return f.w.Write(r.cells())
}

// Rows are the data rows written so far to each file.
func (w *Writer) Rows() (success, errors int64) { return w.success.rows, w.errors.rows }

// Commit puts both files in place.
func (w *Writer) Commit() error {
	if err := w.success.commit(); err != nil {
		w.errors.f.Abort()
		return err
	}
	return w.errors.commit()
}

// Abort discards what was not committed.
func (w *Writer) Abort() {
	w.success.f.Abort()
	w.errors.f.Abort()
}
