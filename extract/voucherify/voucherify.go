// Package voucherify is the source that reads a Voucherify export
// (--from voucherify:PATH): customers or customer events, as a JSON array,
// NDJSON or concatenated JSON values. Formats and mapping: ../SOURCES.md.
package voucherify

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/bcetl/bcetl/extract"
	"github.com/bcetl/bcetl/internal/staging"
)

// maxJSONRecord bounds one NDJSON line. A customer is a few kilobytes; a
// longer line is garbage, and holding it whole would cost memory for nothing.
const maxJSONRecord = 16 << 20

// Scheme is the --from scheme and source kind of a Voucherify export.
const Scheme = "voucherify"

func init() {
	extract.Register(&extract.Registration{Scheme: Scheme, Location: "PATH",
		Summary: "a Voucherify export: customers or customer events, as a JSON array, NDJSON or concatenated JSON",
		New:     func(path string, _ extract.Options) (extract.Source, error) { return voucherifySource(path), nil }})
}

// voucherifySource is the export file's path.
type voucherifySource string

func (v voucherifySource) Describe() extract.Description {
	return extract.FileDescription(Scheme, string(v))
}

// Read streams the export into the sink. Three layouts are told apart by
// their first bytes (see SOURCES.md):
//
//   - a JSON array "[...]": decoded element by element; a syntax error
//     cannot be resynchronised, so it ends the run with its line and offset;
//   - NDJSON, when the first non-empty line is a complete JSON value: one
//     record per line, and a broken line becomes a Reject while the rest go on;
//   - otherwise a stream of concatenated JSON values (pretty-printed
//     objects, as Voucherify's docs and webhook logs show them); a syntax
//     error ends the run like in an array.
func (v voucherifySource) Read(ctx context.Context, s *extract.Sink) (extract.Report, error) {
	return extract.Report{}, readVoucherify(ctx, string(v), s)
}

func readVoucherify(ctx context.Context, path string, s *extract.Sink) error {
	in, err := s.Open(path)
	if err != nil {
		return fmt.Errorf("voucherify: %w", err)
	}
	defer in.Close()
	br := bufio.NewReaderSize(in, 1<<20)
	skip := 0
	if b, _ := br.Peek(3); bytes.Equal(b, extract.UTF8BOM) {
		br.Discard(3)
		skip = 3
	}
	// The layout is decided on the first MiB without consuming it.
	head, err := br.Peek(br.Size())
	if err != nil && err != io.EOF && err != bufio.ErrBufferFull {
		return fmt.Errorf("voucherify: %s: %w", path, err)
	}
	v := &voucherifyReader{ctx: ctx, path: path, name: filepath.Base(path), s: s, skip: int64(skip), consent: ExportConsent}
	defer func() { in.Records = int64(v.recs) }()
	trimmed := bytes.TrimLeft(head, " \t\r\n")
	switch {
	case len(trimmed) == 0:
		return nil // an empty file holds no customers
	case trimmed[0] == '[':
		return v.decodeStream(br, true)
	case looksLikeNDJSON(head):
		return v.ndjson(br)
	}
	return v.decodeStream(br, false)
}

// looksLikeNDJSON reports whether the first non-empty line is a complete
// JSON value, or, so that a broken first line does not change the layout,
// the second is a complete JSON object. A pretty-printed object has
// neither: its first lines are "{" and a member.
func looksLikeNDJSON(head []byte) bool {
	var lines [][]byte
	for len(head) > 0 && len(lines) < 2 {
		line, rest, found := bytes.Cut(head, []byte("\n"))
		if !found {
			break // an incomplete line cannot be judged
		}
		if t := bytes.TrimSpace(line); len(t) > 0 {
			lines = append(lines, t)
		}
		head = rest
	}
	if len(lines) == 0 {
		return false
	}
	if json.Valid(lines[0]) {
		return true
	}
	return len(lines) == 2 && lines[1][0] == '{' && json.Valid(lines[1])
}

type voucherifyReader struct {
	ctx  context.Context
	path string
	name string
	s    *extract.Sink
	skip int64 // bytes before the JSON (a BOM), for byte offsets in errors
	recs int   // records seen, for record numbers
	// consent reads a record's email-marketing opt-in (consent.go); an
	// export carries none.
	consent MarketingConsent
}

// ndjson reads one record per line; blank lines are skipped.
func (v *voucherifyReader) ndjson(br *bufio.Reader) error {
	for lineNo := 1; ; lineNo++ {
		line, err := readNDJSONLine(br)
		if errors.Is(err, errLineTooLong) {
			v.recs++
			where := fmt.Sprintf("%s record %d (line %d)", v.name, v.recs, lineNo)
			if err := v.s.Reject(staging.Reject{
				Entity: staging.EntityCustomers, SourceKey: v.fallbackKey(), Rule: "record-too-large", Value: string(line[:min(len(line), 200)]),
				Message: fmt.Sprintf("%s: the line is longer than %d MiB; a customer record is a few KB. Check that the file is NDJSON.", where, maxJSONRecord>>20),
			}); err != nil {
				return err
			}
			continue
		}
		if t := bytes.TrimSpace(line); len(t) > 0 {
			if rerr := v.record(t, lineNo); rerr != nil {
				return rerr
			}
		}
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return fmt.Errorf("voucherify: %s line %d: %w", v.path, lineNo, err)
		}
	}
}

// decodeStream decodes an array's elements or a stream of concatenated
// values. Each value is taken whole as raw JSON first, so a value that is
// valid JSON but not a customer is a Reject, and only broken JSON stops.
func (v *voucherifyReader) decodeStream(r io.Reader, array bool) error {
	dec := json.NewDecoder(r)
	if array {
		if _, err := dec.Token(); err != nil {
			return v.syntaxError(err, array, 0)
		}
	}
	for {
		if array && !dec.More() {
			break
		}
		start := dec.InputOffset()
		var raw json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			if err == io.EOF && !array {
				return nil
			}
			return v.syntaxError(err, array, start)
		}
		if err := v.record(raw, 0); err != nil {
			return err
		}
	}
	start := dec.InputOffset()
	if _, err := dec.Token(); err != nil { // the closing ']'
		return v.syntaxError(err, array, start)
	}
	start = dec.InputOffset()
	if _, err := dec.Token(); err != io.EOF {
		off := nextNonSpace(v.path, v.skip+start)
		return fmt.Errorf("voucherify: %s: unexpected data after the JSON array at byte %d (line %d); the file should hold one array", v.path, off, lineOfOffset(v.path, off))
	}
	return nil
}

// syntaxError turns a decoder error into one that names the file, the byte
// offset and the line, so the user can open the file at the spot. The
// decoder's own offsets are relative to its buffer, so the value that
// failed (from start) is read again and checked alone, which gives the
// exact byte.
func (v *voucherifyReader) syntaxError(err error, array bool, start int64) error {
	what := "the JSON"
	if array {
		what = "the JSON array"
	}
	off, truncated := locateJSONError(v.path, v.skip+start)
	if truncated || errors.Is(err, io.ErrUnexpectedEOF) {
		return fmt.Errorf("voucherify: %s: the file ends inside %s after record %d (byte %d, line %d): it looks truncated; export it again", v.path, what, v.recs, off, lineOfOffset(v.path, off))
	}
	return fmt.Errorf("voucherify: %s: invalid JSON at byte %d (line %d) after record %d: %v; records in %s cannot be skipped one by one, fix the file or export NDJSON",
		v.path, off, lineOfOffset(v.path, off), v.recs, err, what)
}

// locateJSONError finds the first syntax error in the JSON value that
// starts at byte start of a file: its byte offset, and whether the file
// ends inside the value.
func locateJSONError(path string, start int64) (off int64, truncated bool) {
	f, err := os.Open(path)
	if err != nil {
		return start, false
	}
	defer f.Close()
	if _, err := f.Seek(start, io.SeekStart); err != nil {
		return start, false
	}
	data, err := io.ReadAll(io.LimitReader(f, maxJSONRecord))
	if err != nil {
		return start, false
	}
	// The decoder stops before the separator of an array element.
	const space = " \t\r\n"
	trimmed := bytes.TrimLeft(data, space)
	if len(trimmed) > 0 && trimmed[0] == ',' {
		trimmed = bytes.TrimLeft(trimmed[1:], space)
	}
	start += int64(len(data) - len(trimmed))
	data = trimmed
	var raw json.RawMessage
	var se *json.SyntaxError
	if err := json.Unmarshal(data, &raw); errors.As(err, &se) {
		if se.Offset >= int64(len(data)) && len(data) < maxJSONRecord {
			return start + int64(len(data)), true
		}
		if !strings.Contains(se.Error(), "after top-level value") {
			return start + se.Offset - 1, false
		}
	}
	return start, false
}

// nextNonSpace returns the offset of the first non-whitespace byte at or
// after off.
func nextNonSpace(path string, off int64) int64 {
	f, err := os.Open(path)
	if err != nil {
		return off
	}
	defer f.Close()
	if _, err := f.Seek(off, io.SeekStart); err != nil {
		return off
	}
	br := bufio.NewReader(f)
	for {
		b, err := br.ReadByte()
		if err != nil || (b != ' ' && b != '\t' && b != '\r' && b != '\n') {
			return off
		}
		off++
	}
}

// record maps one JSON value. line is its line for NDJSON and 0 otherwise.
func (v *voucherifyReader) record(raw []byte, line int) error {
	v.recs++
	if v.recs%4096 == 0 {
		if err := v.ctx.Err(); err != nil {
			return err
		}
	}
	where := fmt.Sprintf("%s record %d", v.name, v.recs)
	if line > 0 {
		where += fmt.Sprintf(" (line %d)", line)
	}
	rec, rerr := mapVoucherify(raw, v.fallbackKey(), v.consent)
	if rerr != nil {
		key := rerr.key
		if key == "" {
			key = v.fallbackKey()
		}
		return v.s.Reject(staging.Reject{
			Entity: staging.EntityCustomers, SourceKey: key, Field: rerr.field, Rule: rerr.rule,
			Value: string(raw), Message: where + ": " + rerr.msg,
		})
	}
	return v.s.Add(rec, where)
}

// fallbackKey names a record that has no id of its own: file and record
// number, stable as long as the file is.
func (v *voucherifyReader) fallbackKey() string {
	return fmt.Sprintf("%s:%s:%d", Scheme, v.name, v.recs)
}

var errLineTooLong = errors.New("line too long")

// readNDJSONLine returns the next line without its newline. A line longer than
// maxJSONRecord is skipped to its end and reported with errLineTooLong and
// its first bytes.
func readNDJSONLine(br *bufio.Reader) ([]byte, error) {
	var buf []byte
	for {
		chunk, err := br.ReadSlice('\n')
		if len(buf)+len(chunk) > maxJSONRecord {
			head := append(buf, chunk...)[:200]
			for err == bufio.ErrBufferFull {
				_, err = br.ReadSlice('\n')
			}
			if err != nil && err != io.EOF {
				return nil, err
			}
			return head, errLineTooLong
		}
		buf = append(buf, chunk...)
		if err == bufio.ErrBufferFull {
			continue
		}
		return bytes.TrimSuffix(buf, []byte("\n")), err
	}
}

// lineAt counts the lines up to byte offset off of a file. It reads the
// file again, which only happens on the way to an error.
func lineOfOffset(path string, off int64) int {
	f, err := os.Open(path)
	if err != nil {
		return 0
	}
	defer f.Close()
	line := 1
	br := bufio.NewReader(io.LimitReader(f, off))
	for {
		b, err := br.ReadByte()
		if err != nil {
			return line
		}
		if b == '\n' {
			line++
		}
	}
}
