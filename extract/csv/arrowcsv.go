package csv

import (
	"bufio"
	"bytes"
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"

	"github.com/apache/arrow/go/v17/arrow"
	"github.com/apache/arrow/go/v17/arrow/array"
	arrowcsv "github.com/apache/arrow/go/v17/arrow/csv"
	"github.com/apache/arrow/go/v17/arrow/memory"

	"github.com/bcetl/bcetl/extract"
)

// csvBatchRows is the number of rows per Arrow record batch: large enough
// to amortise the reader, small enough that a batch is a few MB.
const csvBatchRows = 4096

// csvBatch is one Arrow record batch of a CSV file: every column as
// strings, and the file line each row starts on; plus the rows between
// them that could not be read, so a consumer can keep file order.
type csvBatch struct {
	cols  []*array.String
	lines []int
	bad   []csvBadRow
}

func (b *csvBatch) rows() int                 { return len(b.lines) }
func (b *csvBatch) value(row, col int) string { return b.cols[col].Value(row) }

// csvBadRow is a row that cannot be read: broken quoting, the wrong number
// of fields, or bytes that are not UTF-8.
type csvBadRow struct {
	line   int
	column string // the header of the offending column, when known
	rule   string
	msg    string
	raw    string
}

// csvHandler receives what scanCSV reads, in file order.
type csvHandler struct {
	header func(names []string) error
	batch  func(*csvBatch) error
	empty  func(line int) // a row whose every field is empty
}

// scanCSV reads a CSV file into Arrow record batches of string columns.
//
// Arrow's CSV reader stops at the first malformed row and cannot go on, and
// one bad row in a million must not lose the rest. So the file is read
// twice in one pass: encoding/csv walks the records, finds each one's
// bytes and line and checks it (quoting, field count, UTF-8); the bytes of
// the good records, behind the header line, are handed to Arrow in chunks,
// and the bad ones travel in the same batch with their line. Arrow thus parses only
// input known to be well formed, and the batches it returns are the data.
//
// A UTF-8 BOM is dropped; CRLF line ends are accepted (both parsers do).
func scanCSV(ctx context.Context, r io.Reader, comma rune, h csvHandler) error {
	br := bufio.NewReader(r)
	if b, _ := br.Peek(3); bytes.Equal(b, extract.UTF8BOM) {
		br.Discard(3)
	}
	raw := &rawTracker{r: br}
	cr := csv.NewReader(raw)
	cr.Comma = comma
	cr.ReuseRecord = true

	header, err := cr.Read()
	switch {
	case err == io.EOF:
		return errors.New("the file is empty: want a header line")
	case err != nil:
		return fmt.Errorf("header: %w", err)
	}
	names := make([]string, len(header))
	for i, n := range header {
		if !utf8.ValidString(n) {
			return fmt.Errorf("line 1: header column %d is not valid UTF-8; save the file as UTF-8", i+1)
		}
		names[i] = strings.TrimSpace(n)
	}
	if err := h.header(names); err != nil {
		return err
	}
	headerRaw := bytes.Clone(raw.slice(0, cr.InputOffset()))
	if !bytes.HasSuffix(headerRaw, []byte("\n")) {
		headerRaw = append(headerRaw, '\n')
	}
	cr.FieldsPerRecord = len(header)

	chunk := &arrowChunk{header: headerRaw, cols: len(header)}
	for {
		start := cr.InputOffset()
		rec, err := cr.Read()
		end := cr.InputOffset()
		if err == io.EOF {
			break
		}
		var pe *csv.ParseError
		if err != nil && !errors.As(err, &pe) {
			return err // I/O, not the data
		}
		bytesOf := func() string { return string(raw.slice(start, end)) }
		switch {
		case pe != nil:
			chunk.bad = append(chunk.bad, parseErrorRow(pe, len(rec), len(header), bytesOf()))
		case !allValidUTF8(rec):
			line, _ := cr.FieldPos(0)
			col := firstInvalidUTF8(rec)
			chunk.bad = append(chunk.bad, csvBadRow{line: line, column: names[col], rule: "utf8", raw: bytesOf(),
				msg: fmt.Sprintf("column %q is not valid UTF-8; save the file as UTF-8", names[col])})
		case allEmpty(rec):
			line, _ := cr.FieldPos(0)
			if h.empty != nil {
				h.empty(line)
			}
		default:
			line, _ := cr.FieldPos(0)
			chunk.add(raw.slice(start, end), line)
		}
		raw.release(end)
		if chunk.rows()+len(chunk.bad) >= csvBatchRows {
			if err := ctx.Err(); err != nil {
				return err
			}
			if err := chunk.flush(h.batch); err != nil {
				return err
			}
		}
	}
	return chunk.flush(h.batch)
}

// parseErrorRow describes a row encoding/csv refused.
func parseErrorRow(pe *csv.ParseError, got, want int, raw string) csvBadRow {
	b := csvBadRow{line: pe.StartLine, raw: raw}
	// pe.Column counts bytes in the line, not fields: say "character".
	at := fmt.Sprintf("character %d", pe.Column)
	if pe.Line != pe.StartLine {
		at = fmt.Sprintf("line %d character %d", pe.Line, pe.Column) // inside a multi-line field
	}
	switch {
	case errors.Is(pe.Err, csv.ErrFieldCount):
		b.rule = "csv-field-count"
		b.msg = fmt.Sprintf("wrong number of fields: %d, the header has %d; check for an unquoted comma or a missing value", got, want)
	case errors.Is(pe.Err, csv.ErrBareQuote):
		b.rule = "csv-quote"
		b.msg = fmt.Sprintf("%s: a \" inside an unquoted field; quote the field and double the quote (\"\")", at)
	case errors.Is(pe.Err, csv.ErrQuote):
		b.rule = "csv-quote"
		b.msg = fmt.Sprintf("%s: extraneous or missing \" in a quoted field", at)
	default:
		b.rule = "csv-syntax"
		b.msg = pe.Error()
	}
	return b
}

// arrowChunk collects the bytes of good records and hands them to Arrow.
type arrowChunk struct {
	header []byte
	cols   int
	buf    []byte
	lines  []int
	bad    []csvBadRow
}

func (c *arrowChunk) rows() int { return len(c.lines) }

func (c *arrowChunk) add(rec []byte, line int) {
	c.buf = append(c.buf, rec...)
	// The last record of a file may lack its newline; the chunk must not
	// glue it to a following one (there is none, but flush may add more).
	if !bytes.HasSuffix(rec, []byte("\n")) {
		c.buf = append(c.buf, '\n')
	}
	c.lines = append(c.lines, line)
}

// flush parses the chunk with Arrow's CSV reader into one record batch of
// string columns and passes it on.
func (c *arrowChunk) flush(fn func(*csvBatch) error) error {
	b := &csvBatch{bad: c.bad}
	if len(c.lines) > 0 {
		release, err := c.parse(b)
		if err != nil {
			return err
		}
		defer release()
	}
	if b.rows() > 0 || len(b.bad) > 0 {
		if err := fn(b); err != nil {
			return err
		}
	}
	c.buf, c.lines, c.bad = c.buf[:0], nil, nil
	return nil
}

// parse reads the chunk's good records with Arrow into b. The columns stay
// valid until release is called.
func (c *arrowChunk) parse(b *csvBatch) (release func(), err error) {
	fields := make([]arrow.Field, c.cols)
	for i := range fields {
		fields[i] = arrow.Field{Name: fmt.Sprintf("c%d", i), Type: arrow.BinaryTypes.String}
	}
	in := io.MultiReader(bytes.NewReader(c.header), bytes.NewReader(c.buf))
	r := arrowcsv.NewReader(in, arrow.NewSchema(fields, nil),
		arrowcsv.WithHeader(true), arrowcsv.WithChunk(-1), arrowcsv.WithAllocator(memory.DefaultAllocator))
	defer r.Release()
	if !r.Next() {
		if err := r.Err(); err != nil {
			return nil, fmt.Errorf("arrow/csv: rows from line %d: %w", c.lines[0], err)
		}
		return nil, fmt.Errorf("arrow/csv: rows from line %d: no record batch", c.lines[0])
	}
	if err := r.Err(); err != nil {
		return nil, fmt.Errorf("arrow/csv: rows from line %d: %w", c.lines[0], err)
	}
	rec := r.Record()
	if int(rec.NumRows()) != len(c.lines) {
		// Both parsers are encoding/csv underneath, so this means a bug here.
		return nil, fmt.Errorf("arrow/csv: rows from line %d: Arrow read %d rows, the pre-scan %d", c.lines[0], rec.NumRows(), len(c.lines))
	}
	rec.Retain() // outlives the reader, until the batch is consumed
	b.cols, b.lines = make([]*array.String, c.cols), c.lines
	for i := range b.cols {
		b.cols[i] = rec.Column(i).(*array.String)
	}
	return rec.Release, nil
}

// rawTracker keeps the bytes encoding/csv has read so that a record's bytes
// can be cut out by InputOffset; bytes before the last released offset are
// dropped.
type rawTracker struct {
	r    io.Reader
	buf  []byte
	base int64 // file offset of buf[0]
}

func (t *rawTracker) Read(p []byte) (int, error) {
	n, err := t.r.Read(p)
	t.buf = append(t.buf, p[:n]...)
	return n, err
}

func (t *rawTracker) slice(from, to int64) []byte { return t.buf[from-t.base : to-t.base] }

func (t *rawTracker) release(upto int64) {
	if d := upto - t.base; d > 1<<16 {
		t.buf = append(t.buf[:0], t.buf[d:]...)
		t.base = upto
	}
}

func allValidUTF8(rec []string) bool { return firstInvalidUTF8(rec) < 0 }

func firstInvalidUTF8(rec []string) int {
	for i, s := range rec {
		if !utf8.ValidString(s) {
			return i
		}
	}
	return -1
}

func allEmpty(rec []string) bool {
	for _, s := range rec {
		if strings.TrimSpace(s) != "" {
			return false
		}
	}
	return true
}
