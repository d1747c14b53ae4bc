package voucherify

import (
	"bufio"
	"bytes"
	"cmp"
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/bcetl/bcetl/extract"
	"github.com/bcetl/bcetl/internal/staging"
	"github.com/bcetl/bcetl/internal/voucherify"
)

// CSVScheme is the --from scheme and source kind of Voucherify's customer
// export CSV.
const CSVScheme = "voucherify-csv"

func init() {
	extract.Register(&extract.Registration{Scheme: CSVScheme, Location: "PATH",
		Summary: "Voucherify's customer export CSV (the dashboard's or POST /v1/exports'), headings as labels or field names",
		New:     func(path string, _ extract.Options) (extract.Source, error) { return csvSource(path), nil }})
}

// csvSource is the export file's path.
type csvSource string

func (c csvSource) Describe() extract.Description {
	return extract.FileDescription(CSVScheme, string(c))
}

// Read streams the export into the sink: each row becomes a customer and
// goes through the one mapping (map.go), as a List Customers answer does.
func (c csvSource) Read(ctx context.Context, s *extract.Sink) (extract.Report, error) {
	path := string(c)
	in, err := s.Open(path)
	if err != nil {
		return extract.Report{}, fmt.Errorf("%s: %w", CSVScheme, err)
	}
	defer in.Close()
	x := &csvExport{name: filepath.Base(path), s: s}
	err = x.read(ctx, in)
	in.Records = x.records
	if err != nil {
		return extract.Report{}, fmt.Errorf("%s: %s: %w", CSVScheme, path, err)
	}
	return extract.Report{Stats: []any{"skipped_empty_rows", x.empty}}, nil
}

// The export's columns. The documents fix the field names
// (ExportCustomerFields); the file heads them with labels ("Source ID",
// "Address Line 1", the one CSV the documents show) or with the field
// names themselves. A heading is read as a field name after lower-casing
// it and turning spaces, hyphens and dots into underscores, so both
// spellings (and "Source Id", "address.city") name the same column.
//
// The documented fields the mapping does not read (redemptions_*, orders_*,
// loyalty_*: Voucherify's own figures, which List Customers' summary and
// loyalty carry too) are known, not "unknown": they are not kept.

// metadataPrefix heads a column holding one metadata key, as a tool that
// flattens the metadata object may write it ("metadata.loyalty_tier"); the
// export itself writes the whole object in one metadata column.
const metadataPrefix = "metadata."

// csvExport is one read of an export file.
type csvExport struct {
	name    string
	s       *extract.Sink
	header  []string
	field   map[string]int // documented field -> column
	perKey  []column       // metadata.<key> columns
	unknown []column       // columns no documented field names: kept as attributes
	records int64
	empty   int64
}

type column struct {
	name string // the attribute name: the metadata key, or the heading as written
	idx  int
}

func (x *csvExport) read(ctx context.Context, r io.Reader) error {
	br := bufio.NewReaderSize(r, 1<<16)
	if b, _ := br.Peek(3); bytes.Equal(b, extract.UTF8BOM) {
		br.Discard(3)
	}
	cr := csv.NewReader(br)
	cr.Comma = sniffDelimiter(br)
	cr.FieldsPerRecord = -1 // counted here, so a short row is a reject with its line
	header, err := cr.Read()
	switch {
	case err == io.EOF:
		return errors.New("the file is empty: want the export's header line")
	case err != nil:
		return fmt.Errorf("line 1: %w", err)
	}
	if err := x.bind(header); err != nil {
		return fmt.Errorf("line 1: %w", err)
	}
	for {
		rec, err := cr.Read()
		if err == io.EOF {
			return nil
		}
		var pe *csv.ParseError
		if err != nil && !errors.As(err, &pe) {
			return err // I/O, not the data
		}
		x.records++
		if x.records%4096 == 0 {
			if err := ctx.Err(); err != nil {
				return err
			}
		}
		if pe != nil {
			if err := x.reject(pe.StartLine, "", csvRule(pe), strings.Join(rec, string(cr.Comma)), csvMessage(pe)); err != nil {
				return err
			}
			continue
		}
		line, _ := cr.FieldPos(0)
		if err := x.row(rec, line, string(cr.Comma)); err != nil {
			return err
		}
	}
}

// sniffDelimiter is ',' unless the header line has none and has ';' or a
// tab (a spreadsheet saved with a European locale).
func sniffDelimiter(br *bufio.Reader) rune {
	head, _ := br.Peek(br.Size())
	line, _, _ := bytes.Cut(head, []byte("\n"))
	if bytes.IndexByte(line, ',') < 0 {
		for _, d := range []byte{';', '\t'} {
			if bytes.IndexByte(line, d) >= 0 {
				return rune(d)
			}
		}
	}
	return ','
}

// bind finds each column's field. A header without an email column is
// refused: every customer would be rejected for it, and the default export
// has only name and source_id.
func (x *csvExport) bind(header []string) error {
	x.header = make([]string, len(header))
	x.field = map[string]int{}
	for i, h := range header {
		if !utf8.ValidString(h) {
			return fmt.Errorf("header column %d is not valid UTF-8; save the file as UTF-8", i+1)
		}
		h = strings.TrimSpace(h)
		x.header[i] = h
		if h == "" {
			continue // an unnamed column (a trailing delimiter) holds nothing to map
		}
		if key, ok := cutFold(h, metadataPrefix); ok && key != "" {
			x.perKey = append(x.perKey, column{key, i})
			continue
		}
		f := fieldName(h)
		if j, dup := x.field[f]; dup {
			return fmt.Errorf("columns %d (%q) and %d (%q) are both %s", j+1, x.header[j], i+1, h, f)
		}
		x.field[f] = i
		if !slices.Contains(voucherify.CustomerExportFields, f) {
			x.unknown = append(x.unknown, column{h, i})
		}
	}
	if _, ok := x.field["email"]; !ok {
		return fmt.Errorf("no email column (have %s): export again with email among parameters.fields (the default export has only name and source_id)",
			strings.Join(x.header, ", "))
	}
	if len(x.unknown) > 0 {
		var names []string
		for _, c := range x.unknown {
			names = append(names, c.name)
		}
		x.s.Log.Warn("voucherify-csv: columns that are not documented export fields are kept as string attributes",
			"file", x.name, "columns", strings.Join(names, ", "))
	}
	return nil
}

// fieldName reads a heading as a field name: "Source ID" → source_id,
// "Address Line 1" → address_line_1, "address.city" → address_city.
func fieldName(h string) string {
	f := strings.Map(func(r rune) rune {
		switch r {
		case ' ', '-', '.':
			return '_'
		}
		return r
	}, strings.ToLower(strings.TrimSpace(h)))
	for strings.Contains(f, "__") {
		f = strings.ReplaceAll(f, "__", "_")
	}
	return f
}

func cutFold(s, prefix string) (string, bool) {
	if len(s) >= len(prefix) && strings.EqualFold(s[:len(prefix)], prefix) {
		return s[len(prefix):], true
	}
	return "", false
}

// row maps one record of the file.
func (x *csvExport) row(rec []string, line int, comma string) error {
	raw := func() string { return strings.Join(rec, comma) }
	if len(rec) != len(x.header) {
		return x.reject(line, "", "csv-field-count", raw(),
			fmt.Sprintf("wrong number of fields: %d, the header has %d; check for an unquoted comma or a missing value", len(rec), len(x.header)))
	}
	empty := true
	for i, v := range rec {
		if !utf8.ValidString(v) {
			return x.reject(line, x.header[i], "utf8", raw(), fmt.Sprintf("column %q is not valid UTF-8; save the file as UTF-8", x.header[i]))
		}
		empty = empty && strings.TrimSpace(v) == ""
	}
	if empty {
		x.empty++ // left by spreadsheets
		return nil
	}
	get := func(f string) string {
		if i, ok := x.field[f]; ok {
			return strings.TrimSpace(rec[i])
		}
		return ""
	}
	c := &customer{key: fmt.Sprintf("%s:%s:%d", CSVScheme, x.name, line),
		name: get("name"), email: get("email"), phone: get("phone"), description: get("description"),
		birthdate: get("birthdate"), birthday: get("birthday"), createdAt: get("created_at"), updatedAt: get("updated_at")}
	if id := cmp.Or(get("source_id"), get("id")); id != "" {
		c.key = Scheme + ":" + id // the API's key: one customer, one key, whichever source
	}
	where := fmt.Sprintf("%s line %d", x.name, line)
	for _, k := range addressFields {
		if i, ok := x.field["address_"+k]; ok {
			if c.address == nil {
				c.address = map[string]string{}
			}
			c.address[k] = strings.TrimSpace(rec[i])
		}
	}
	if md := get("metadata"); md != "" {
		obj, err := jsonObj([]byte(md))
		if err != nil {
			return x.rejectKey(c.key, where, "metadata", "invalid-metadata", raw(),
				fmt.Sprintf("column %q: the metadata is not a JSON object (%v); the export writes it as one, e.g. {\"tier\":\"gold\"}",
					x.header[x.field["metadata"]], err))
		}
		c.metadata = metadataValues(obj)
	}
	for _, col := range x.perKey {
		if v := strings.TrimSpace(rec[col.idx]); v != "" && !slices.ContainsFunc(c.metadata, func(a attrValue) bool { return a.name == col.name }) {
			c.metadata = append(c.metadata, attrValue{col.name, v})
		}
	}
	for _, col := range x.unknown {
		if v := strings.TrimSpace(rec[col.idx]); v != "" {
			c.extra = append(c.extra, attrValue{col.name, v})
		}
	}
	out, rerr := mapCustomer(c)
	if rerr != nil {
		field := rerr.field
		if i, ok := x.field[field]; ok {
			rerr.msg = fmt.Sprintf("column %q: %s", x.header[i], rerr.msg)
		}
		return x.rejectKey(c.key, where, field, rerr.rule, raw(), rerr.msg)
	}
	return x.s.Add(out, where)
}

func (x *csvExport) reject(line int, field, rule, value, msg string) error {
	return x.rejectKey(fmt.Sprintf("%s:%s:%d", CSVScheme, x.name, line), fmt.Sprintf("%s line %d", x.name, line), field, rule, value, msg)
}

func (x *csvExport) rejectKey(key, where, field, rule, value, msg string) error {
	return x.s.Reject(staging.Reject{Entity: staging.EntityCustomers, SourceKey: key, Field: field, Rule: rule,
		Value: value, Message: where + ": " + msg})
}

// csvRule and csvMessage describe a record encoding/csv refused, with the
// rules the other CSV sources use.
func csvRule(pe *csv.ParseError) string {
	if errors.Is(pe.Err, csv.ErrBareQuote) || errors.Is(pe.Err, csv.ErrQuote) {
		return "csv-quote"
	}
	return "csv-syntax"
}

func csvMessage(pe *csv.ParseError) string {
	at := fmt.Sprintf("character %d", pe.Column)
	if pe.Line != pe.StartLine {
		at = fmt.Sprintf("line %d character %d", pe.Line, pe.Column)
	}
	switch {
	case errors.Is(pe.Err, csv.ErrBareQuote):
		return at + `: a " inside an unquoted field; quote the field and double the quote ("")`
	case errors.Is(pe.Err, csv.ErrQuote):
		return at + `: extraneous or missing " in a quoted field`
	}
	return pe.Error()
}
