// Package csv is the source that reads CSV files: any CSV with a column
// mapping file (--from csv:PATH --mapping FILE) and the presets that choose
// their mapping from the header (--from shopify-csv:PATH). Arrow reads the
// rows, in batches (arrowcsv.go). Formats and mappings: ../SOURCES.md.
package csv

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/bcetl/bcetl/extract"
	"github.com/bcetl/bcetl/internal/bcrules"
	"github.com/bcetl/bcetl/internal/staging"
)

// The CSV sources: any CSV with a mapping file, and presets that choose
// their mapping from the header (Shopify's export).
const (
	Scheme        = "csv"
	ShopifyScheme = "shopify-csv"
)

func init() {
	extract.Register(&extract.Registration{Scheme: Scheme, Location: "PATH", Needs: extract.Needs{Mapping: true},
		Summary: "any CSV, with a column mapping file (--mapping FILE, see extract/SOURCES.md)",
		New: func(path string, o extract.Options) (extract.Source, error) {
			return &csvSource{kind: Scheme, path: path, mapping: o.Mapping}, nil
		}})
	extract.Register(&extract.Registration{Scheme: ShopifyScheme, Location: "PATH",
		Summary: "Shopify's customer export (the current or the older header)",
		New: func(path string, o extract.Options) (extract.Source, error) {
			return &csvSource{kind: ShopifyScheme, path: path, preset: shopifyMapping}, nil
		}})
}

// csvSource is a CSV file read with the user's mapping file or a preset.
type csvSource struct {
	kind, path, mapping string
	preset              func(header []string) (*csvMapping, error)
}

func (c *csvSource) Describe() extract.Description {
	d := extract.FileDescription(c.kind, c.path)
	if c.mapping != "" {
		d.Mapping = c.mapping
		name := filepath.Base(c.mapping)
		if name == filepath.Base(c.path) {
			name += " (mapping)"
		}
		d.Inputs[name] = c.mapping
	}
	return d
}

// Read streams the file into the sink.
func (c *csvSource) Read(ctx context.Context, s *extract.Sink) (extract.Report, error) {
	var m *csvMapping
	if c.mapping != "" {
		var err error
		if m, err = loadMapping(c.mapping); err != nil {
			return extract.Report{}, err
		}
		if err := s.Hash(c.mapping); err != nil {
			return extract.Report{}, err
		}
	}
	in, err := s.Open(c.path)
	if err != nil {
		return extract.Report{}, fmt.Errorf("%s: %w", c.kind, err)
	}
	defer in.Close()
	name := filepath.Base(c.path)
	comma := ','
	if m != nil {
		comma = m.delimiter
	}
	var skipped int64
	err = scanCSV(ctx, in, comma, csvHandler{
		header: func(header []string) error {
			if c.preset != nil {
				var err error
				if m, err = c.preset(header); err != nil {
					return fmt.Errorf("line 1: %w", err)
				}
			}
			return m.bind(name, header)
		},
		batch: func(b *csvBatch) error {
			// Good and bad rows are interleaved by line so that rejects
			// come out in file order.
			in.Records += int64(b.rows() + len(b.bad))
			bad := b.bad
			for row := 0; row < b.rows() || len(bad) > 0; {
				if len(bad) > 0 && (row == b.rows() || bad[0].line < b.lines[row]) {
					if err := s.Reject(badRowReject(c.kind, name, bad[0])); err != nil {
						return err
					}
					bad = bad[1:]
					continue
				}
				if err := mapRow(s, m, b, row, c.kind, name); err != nil {
					return err
				}
				row++
			}
			return nil
		},
		empty: func(int) { skipped++ },
	})
	if err != nil {
		return extract.Report{}, fmt.Errorf("%s: %s: %w", c.kind, c.path, err)
	}
	return extract.Report{Stats: []any{"skipped_empty_rows", skipped}}, nil
}

// mapRow maps one good row and writes it, or its Reject.
func mapRow(s *extract.Sink, m *csvMapping, b *csvBatch, row int, kind, name string) error {
	line := b.lines[row]
	where := fmt.Sprintf("%s line %d", name, line)
	rec, rerr := m.apply(func(col int) string { return b.value(row, col) }, fmt.Sprintf("%s:%s:%d", kind, name, line))
	if rerr != nil {
		return s.Reject(staging.Reject{Entity: staging.EntityCustomers, SourceKey: rerr.key,
			Field: rerr.field, Rule: rerr.rule, Value: rerr.value, Message: where + ": " + rerr.msg})
	}
	return s.Add(rec, where)
}

// badRowReject describes a row that could not be read as CSV. Its source
// key is the line key: its own key column could not be trusted.
func badRowReject(kind, name string, b csvBadRow) staging.Reject {
	return staging.Reject{Entity: staging.EntityCustomers,
		SourceKey: fmt.Sprintf("%s:%s:%d", kind, name, b.line), Field: b.column, Rule: b.rule, Value: b.raw,
		Message: fmt.Sprintf("%s line %d: %s", name, b.line, b.msg)}
}

// csvRecordError is a row that parsed as CSV but whose value for a field
// cannot be stored (a group id that is not a number, a bad date).
type csvRecordError struct {
	key, field, rule, value, msg string
}

// apply maps one row. get returns the value of a column by index.
func (m *csvMapping) apply(get func(col int) string, fallbackKey string) (*extract.Record, *csvRecordError) {
	vals := make(map[string]string, len(m.fields))
	for _, f := range m.fields {
		v := ""
		if f.idx >= 0 {
			v = strings.TrimSpace(get(f.idx))
		}
		if v == "" && f.altIdx >= 0 {
			v = strings.TrimSpace(get(f.altIdx))
		}
		if quotedTargets[f.target] {
			v = stripQuote(v)
		}
		vals[f.target] = v
	}
	key := fallbackKey
	if k := vals["source_key"]; k != "" {
		key = m.keyPrefix + k
	}
	rec := &extract.Record{Customer: staging.Customer{
		SourceKey:             key,
		Email:                 vals["email"],
		FirstName:             vals["first_name"],
		LastName:              vals["last_name"],
		Company:               vals["company"],
		Phone:                 vals["phone"],
		Notes:                 vals["notes"],
		TaxExemptCategory:     vals["tax_exempt_category"],
		RegistrationIPAddress: vals["registration_ip_address"],
	}}
	c := &rec.Customer
	if full := vals["name"]; full != "" && (c.FirstName == "" || c.LastName == "") {
		first, last := extract.SplitName(full)
		c.FirstName = cmp.Or(c.FirstName, first)
		c.LastName = cmp.Or(c.LastName, last)
	}
	bad := func(field, rule, msg string) *csvRecordError {
		col := m.column(field)
		return &csvRecordError{key: key, field: field, rule: rule, value: vals[field],
			msg: fmt.Sprintf("column %q (%s): %s", col, field, msg)}
	}
	if v := vals["customer_group_id"]; v != "" {
		id, err := strconv.ParseInt(v, 10, 64)
		if err != nil || id < 0 {
			return nil, bad("customer_group_id", "invalid-number", fmt.Sprintf("%q is not a customer group id (a whole number)", extract.Short(v)))
		}
		c.CustomerGroupID = &id
	}
	c.CustomerGroupName = vals["customer_group_name"]
	var optInAt *time.Time
	for f, dst := range map[string]**time.Time{"date_created": &c.DateCreated, "date_modified": &c.DateModified, "accepts_marketing_date": &optInAt} {
		if v := vals[f]; v != "" {
			t, ok := parseCSVTime(v)
			if !ok {
				return nil, bad(f, "invalid-timestamp", fmt.Sprintf("%q is not a date; use 2024-02-01, 2024-02-01 10:42:59 (UTC) or RFC 3339", extract.Short(v)))
			}
			*dst = &t
		}
	}
	if v := vals["accepts_product_review_abandoned_cart_emails"]; v != "" {
		b, ok := parseYesNo(v)
		if !ok {
			return nil, bad("accepts_product_review_abandoned_cart_emails", "invalid-boolean", fmt.Sprintf("%q is not yes/no, true/false or 1/0", extract.Short(v)))
		}
		c.AcceptsProductReviewAbandonedCartEmails = &b
	}
	// Email-marketing consent is a newsletter subscription in the target
	// (extract.Record.OptIn), not the review and abandoned-cart flag
	// above, which is another consent.
	if v := vals["accepts_marketing"]; v != "" {
		b, ok := parseYesNo(v)
		if !ok {
			return nil, bad("accepts_marketing", "invalid-boolean", fmt.Sprintf("%q is not yes/no, true/false or 1/0", extract.Short(v)))
		}
		if b {
			rec.OptIn(optInAt)
		}
	}
	if a := m.address(vals, c); a != nil {
		rec.Addresses = append(rec.Addresses, *a)
	}
	for _, f := range m.fields {
		v := vals[f.target]
		if v == "" {
			continue
		}
		switch {
		case strings.HasPrefix(f.target, "attribute."):
			name, typ, _ := strings.Cut(strings.TrimPrefix(f.target, "attribute."), ":")
			rec.AddAttribute(name, cmp.Or(typ, "string"), v)
		case strings.HasPrefix(f.target, "form_field."):
			name := strings.TrimPrefix(f.target, "form_field.")
			lit, _ := json.Marshal(v)
			rec.FormFieldValues = append(rec.FormFieldValues, staging.FormFieldValue{
				SourceKey:         key + "/form_field/" + name,
				CustomerSourceKey: key,
				Name:              name,
				ValueType:         staging.ValueTypeString,
				ValueString:       &v,
				ValueJSON:         string(lit),
			})
		}
	}
	return rec, nil
}

// address builds the row's one address if any address column has a value.
// Its names default to the customer's; a country name without a code is
// resolved to its ISO code, and an unknown one is kept as text for the
// transform to reject with a reason.
func (m *csvMapping) address(vals map[string]string, c *staging.Customer) *staging.Address {
	has := false
	for _, t := range addressTargets {
		if t != "first_name" && t != "last_name" && vals["address."+t] != "" {
			has = true
		}
	}
	if !has {
		return nil
	}
	a := &staging.Address{
		SourceKey:         c.SourceKey + "/address",
		CustomerSourceKey: c.SourceKey,
		FirstName:         cmp.Or(vals["address.first_name"], c.FirstName),
		LastName:          cmp.Or(vals["address.last_name"], c.LastName),
		Company:           vals["address.company"],
		Address1:          vals["address.address1"],
		Address2:          vals["address.address2"],
		City:              vals["address.city"],
		StateOrProvince:   vals["address.state_or_province"],
		PostalCode:        vals["address.postal_code"],
		Country:           vals["address.country"],
		CountryCode:       vals["address.country_code"],
		Phone:             vals["address.phone"],
		AddressType:       vals["address.address_type"],
	}
	if a.CountryCode == "" {
		a.CountryCode = bcrules.CountryCode(a.Country)
	}
	return a
}

// column is the header mapped to a target, for messages.
func (m *csvMapping) column(target string) string {
	for _, f := range m.fields {
		if f.target == target {
			return f.column
		}
	}
	return target
}

// parseCSVTime reads the date formats CRM exports use. Times without a zone
// are taken as UTC.
func parseCSVTime(s string) (time.Time, bool) {
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02 15:04:05", "2006-01-02T15:04:05", "2006-01-02"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UTC().Truncate(time.Millisecond), true
		}
	}
	return time.Time{}, false
}

func parseYesNo(s string) (bool, bool) {
	switch strings.ToLower(s) {
	case "yes", "y", "true", "1":
		return true, true
	case "no", "n", "false", "0":
		return false, true
	}
	return false, false
}

// stripQuote removes the one leading apostrophe that spreadsheets put before
// ids, phone numbers and zips to keep them text ("'0123" stays "0123" and
// not 123). It is applied only to such fields: names like "'t Hooft" keep
// theirs.
func stripQuote(s string) string {
	s = strings.TrimSpace(s)
	if strings.HasPrefix(s, "'") {
		return strings.TrimSpace(s[1:])
	}
	return s
}
