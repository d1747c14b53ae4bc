package csv

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"slices"
	"sort"
	"strings"
	"unicode/utf8"

	"github.com/bcetl/bcetl/extract"
	"github.com/bcetl/bcetl/internal/bcrules"
)

// csvMapping says which CSV column feeds which staging field.
type csvMapping struct {
	delimiter rune
	fields    []fieldMap
	// keyPrefix is put before a mapped source_key value ("shopify:"), so
	// keys from different systems cannot collide.
	keyPrefix string
}

// fieldMap maps one column to one target field.
type fieldMap struct {
	target   string // a staging field name: email, address.city, attribute.tags, ...
	column   string // the column header
	optional bool   // a missing column is allowed (presets only)
	// alt is a column read when column is absent or empty in a row
	// (presets only: Shopify's Province, else Province Code).
	alt    string
	idx    int // the column's index once bound to a header; -1 if absent
	altIdx int
}

// Target fields of a mapping, besides attribute.<name>[:type] and
// form_field.<name>. Names are the staging columns.
var (
	customerTargets = []string{
		"source_key", "email", "first_name", "last_name", "name", "company", "phone", "notes",
		"tax_exempt_category", "registration_ip_address", "customer_group_id", "customer_group_name",
		"date_created", "date_modified", "accepts_product_review_abandoned_cart_emails",
		"accepts_marketing", "accepts_marketing_date",
	}
	addressTargets = []string{
		"first_name", "last_name", "company", "address1", "address2", "city", "state_or_province",
		"postal_code", "country", "country_code", "phone", "address_type",
	}
)

// quotedTargets are the id-, phone- and zip-like fields from which a
// spreadsheet's leading apostrophe is stripped.
var quotedTargets = map[string]bool{
	"source_key": true, "phone": true, "customer_group_id": true,
	"address.phone": true, "address.postal_code": true,
}

// loadMapping reads a mapping file: JSON, or lines of "field=Column Header"
// (see SOURCES.md).
func loadMapping(path string) (*csvMapping, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("mapping: %w", err)
	}
	m, err := parseMapping(b)
	if err != nil {
		return nil, fmt.Errorf("mapping %s: %w", path, err)
	}
	return m, nil
}

func parseMapping(b []byte) (*csvMapping, error) {
	b = bytes.TrimPrefix(b, extract.UTF8BOM)
	pairs := map[string]string{}
	var delim string
	if t := bytes.TrimSpace(b); len(t) > 0 && t[0] == '{' {
		var doc map[string]json.RawMessage
		if err := json.Unmarshal(t, &doc); err != nil {
			return nil, fmt.Errorf("invalid JSON: %v", err)
		}
		if d, ok := doc["delimiter"]; ok {
			if err := json.Unmarshal(d, &delim); err != nil {
				return nil, fmt.Errorf("delimiter: want a string")
			}
			delete(doc, "delimiter")
		}
		// The documented shape is {"fields": {...}}; a flat object of
		// field -> column is accepted too.
		if f, ok := doc["fields"]; ok {
			var fields map[string]json.RawMessage
			if err := json.Unmarshal(f, &fields); err != nil || fields == nil {
				return nil, fmt.Errorf("fields: want an object of field -> column header")
			}
			doc = fields
		}
		for k, v := range doc {
			var col string
			if err := json.Unmarshal(v, &col); err != nil {
				return nil, fmt.Errorf("field %q: want a column header string", k)
			}
			pairs[k] = col
		}
	} else {
		sc := bufio.NewScanner(bytes.NewReader(b))
		for n := 1; sc.Scan(); n++ {
			line := strings.TrimSpace(sc.Text())
			if line == "" || strings.HasPrefix(line, "#") {
				continue
			}
			k, v, ok := strings.Cut(line, "=")
			if !ok {
				return nil, fmt.Errorf("line %d: want field=Column Header, got %q", n, extract.Short(line))
			}
			k, v = strings.TrimSpace(k), strings.TrimSpace(v)
			if k == "delimiter" {
				delim = v
				continue
			}
			if _, dup := pairs[k]; dup {
				return nil, fmt.Errorf("line %d: field %q is mapped twice", n, k)
			}
			pairs[k] = v
		}
	}
	m := &csvMapping{delimiter: ','}
	switch delim {
	case "", ",":
	case "tab", `\t`, "\t":
		m.delimiter = '\t'
	default:
		r, size := utf8.DecodeRuneInString(delim)
		if size != len(delim) || r == '"' || r == '\n' || r == '\r' || r == utf8.RuneError {
			return nil, fmt.Errorf("delimiter %q: want one character such as , ; | or tab", delim)
		}
		m.delimiter = r
	}
	targets := make([]string, 0, len(pairs))
	for k := range pairs {
		targets = append(targets, k)
	}
	sort.Strings(targets)
	for _, t := range targets {
		if err := checkTarget(t); err != nil {
			return nil, err
		}
		if pairs[t] == "" {
			return nil, fmt.Errorf("field %q: empty column header", t)
		}
		m.fields = append(m.fields, fieldMap{target: t, column: pairs[t]})
	}
	if len(m.fields) == 0 {
		return nil, fmt.Errorf("no fields mapped")
	}
	if _, ok := pairs["email"]; !ok {
		return nil, fmt.Errorf("email is not mapped: every customer needs one (map it to the email column)")
	}
	return m, nil
}

// checkTarget tells a target field from a typo, listing the valid ones.
func checkTarget(t string) error {
	switch {
	case strings.HasPrefix(t, "address."):
		if slices.Contains(addressTargets, strings.TrimPrefix(t, "address.")) {
			return nil
		}
	case strings.HasPrefix(t, "attribute."):
		name, typ, _ := strings.Cut(strings.TrimPrefix(t, "attribute."), ":")
		if name == "" {
			return fmt.Errorf("field %q: attribute.<name> needs a name", t)
		}
		if typ != "" && !bcrules.IsAttributeType(typ) {
			return fmt.Errorf("field %q: attribute type %q, want one of %s", t, typ, strings.Join(bcrules.AttributeTypes, ", "))
		}
		return nil
	case strings.HasPrefix(t, "form_field."):
		if strings.TrimPrefix(t, "form_field.") == "" {
			return fmt.Errorf("field %q: form_field.<name> needs a name", t)
		}
		return nil
	default:
		if slices.Contains(customerTargets, t) {
			return nil
		}
	}
	return fmt.Errorf("unknown field %q: want one of %s, address.{%s}, attribute.<name>[:%s], form_field.<name>",
		t, strings.Join(customerTargets, ", "), strings.Join(addressTargets, ","), strings.Join(bcrules.AttributeTypes, "|"))
}

// bind finds each mapped column in the header. A column is matched by its
// exact (trimmed) header first, then case-insensitively if that is
// unambiguous. A missing required column is an error naming all of them.
func (m *csvMapping) bind(file string, header []string) error {
	var missing []string
	for i := range m.fields {
		f := &m.fields[i]
		var n int
		f.idx, n = findColumn(header, f.column)
		if n > 1 {
			return fmt.Errorf("%s line 1: column %q (mapped to %s) appears %d times in the header; rename one", file, f.column, f.target, n)
		}
		if f.idx < 0 && !f.optional {
			missing = append(missing, fmt.Sprintf("%q (mapped to %s)", f.column, f.target))
		}
		f.altIdx = -1
		if f.alt != "" {
			f.altIdx, _ = findColumn(header, f.alt)
		}
	}
	if len(missing) > 0 {
		return fmt.Errorf("%s line 1: missing required column %s; the header has %s",
			file, strings.Join(missing, ", "), extract.Clip(strings.Join(header, ", "), 400))
	}
	return nil
}

// findColumn returns the index of a column, matched exactly, or failing
// that case-insensitively, and how many columns matched (-1, 0 if none).
func findColumn(header []string, col string) (int, int) {
	var exact, folded []int
	for j, h := range header {
		if h == col {
			exact = append(exact, j)
		} else if strings.EqualFold(h, col) {
			folded = append(folded, j)
		}
	}
	cand := exact
	if len(cand) == 0 {
		cand = folded
	}
	if len(cand) != 1 {
		return -1, len(cand)
	}
	return cand[0], 1
}
