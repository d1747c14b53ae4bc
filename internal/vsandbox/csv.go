package vsandbox

import (
	"bytes"
	"cmp"
	"encoding/csv"
	"encoding/json"
	"errors"
	"slices"
	"strconv"
	"strings"
)

// The export file. What the documents fix: one column per requested field,
// in the order requested ("These fields define the headers in the CSV
// file"); dates in UTC ("The exported date and times are always provided in
// the UTC time zone"), as ISO 8601 to the millisecond (the field table's
// examples: 2022-02-03T13:10:11.928Z); birthdates YYYY-MM-DD; amounts in
// cents as integers. Where they are silent, the reading harder for a client
// is the default, and each has an option:
//
//   - Header: the only CSV the documents show (Download Export's example,
//     "ID,Code,Voucher Type,Value" for fields id, code, voucher_type,
//     value) labels columns, not field names: words split at "_",
//     capitalised, "id" as "ID" ("Source ID", "Address Line 1", "Created
//     At"). CSVHeaderFields writes the field names instead (the issue's
//     reading: name, id, source_id, …).
//   - A UTF-8 byte order mark before the header (NoBOM: none), and CRLF
//     line ends (LF: "\n"): a reader that splits on "\n" or compares the
//     first header byte for byte must cope.
//   - Quoting per RFC 4180 (encoding/csv): a value holding a comma, quote,
//     CR or LF, or starting with a space, is quoted, quotes doubled; a
//     description spans lines inside its quotes.
//   - metadata ("Customer metadata": "All metadata fields defined in
//     Metadata Schema") is one column holding the metadata object as
//     compact JSON, keys sorted, types kept (numbers, booleans, arrays,
//     nested objects, null), so the cell is quoted and a client must parse
//     JSON inside CSV; empty metadata is an empty cell.
//   - A field the customer lacks (no address, never updated, no orders) is
//     an empty cell; counts and amounts are 0.
//   - Rows follow parameters.order, ties by id; without an order, by id
//     (an order a client cannot rely on).
type CSVOptions struct {
	Header string // CSVHeaderLabels ("" too) or CSVHeaderFields
	NoBOM  bool
	LF     bool
}

// CSVOptions.Header values.
const (
	CSVHeaderLabels = "labels"
	CSVHeaderFields = "fields"
)

func (o CSVOptions) check() error {
	if o.Header != "" && o.Header != CSVHeaderLabels && o.Header != CSVHeaderFields {
		return errors.New("vsandbox: CSV.Header must be labels or fields")
	}
	return nil
}

// label is a field's column heading: "source_id" → "Source ID".
func label(field string) string {
	words := strings.Split(field, "_")
	for i, w := range words {
		if w == "id" {
			words[i] = "ID"
		} else if w != "" {
			words[i] = strings.ToUpper(w[:1]) + w[1:]
		}
	}
	return strings.Join(words, " ")
}

// renderExport writes e's file from the customers it selects. Callers
// hold exMu (not st.mu).
func (s *Server) renderExport(e *export) []byte {
	s.st.mu.RLock()
	var rows []*Customer
	for _, c := range s.st.byID {
		if e.filter.keep(c) {
			rows = append(rows, c.clone())
		}
	}
	s.st.mu.RUnlock()
	sortExport(rows, e.order)

	var buf bytes.Buffer
	if !s.opts.CSV.NoBOM {
		buf.WriteString("\ufeff")
	}
	w := csv.NewWriter(&buf)
	w.UseCRLF = !s.opts.CSV.LF
	head := make([]string, len(e.fields))
	for i, f := range e.fields {
		head[i] = f
		if s.opts.CSV.Header != CSVHeaderFields {
			head[i] = label(f)
		}
	}
	_ = w.Write(head)
	rec := make([]string, len(e.fields))
	for _, c := range rows {
		for i, f := range e.fields {
			rec[i] = csvValue(c, f)
		}
		_ = w.Write(rec)
	}
	w.Flush()
	return buf.Bytes()
}

func sortExport(rows []*Customer, order string) {
	field, desc := strings.CutPrefix(order, "-")
	slices.SortFunc(rows, func(a, b *Customer) int {
		var r int
		switch field {
		case "name":
			r = cmp.Compare(a.Name, b.Name)
		case "email":
			r = cmp.Compare(a.Email, b.Email)
		case "source_id":
			r = cmp.Compare(a.SourceID, b.SourceID)
		case "created_at":
			r = a.CreatedAt.Compare(b.CreatedAt)
		case "updated_at":
			r = a.UpdatedAt.Compare(b.UpdatedAt)
		}
		if r == 0 {
			r = cmp.Compare(a.ID, b.ID)
		}
		if desc {
			r = -r
		}
		return r
	})
}

// csvValue is one cell.
func csvValue(c *Customer, field string) string {
	if key, ok := strings.CutPrefix(field, "address_"); ok {
		if c.Address == nil {
			return ""
		}
		return addressValue(c.Address, key)
	}
	orders := c.OrdersCount > 0
	switch field {
	case "name":
		return c.Name
	case "id":
		return c.ID
	case "description":
		return c.Description
	case "email":
		return c.Email
	case "source_id":
		return c.SourceID
	case "phone":
		return c.Phone
	case "birthday":
		return c.Birthday
	case "birthdate":
		return c.Birthdate
	case "created_at":
		return stamp(c.CreatedAt)
	case "updated_at":
		if c.UpdatedAt.IsZero() {
			return ""
		}
		return stamp(c.UpdatedAt)
	case "metadata":
		if len(c.Metadata) == 0 {
			return ""
		}
		return compactJSON(c.Metadata)
	case "redemptions_total_redeemed":
		return strconv.Itoa(c.Redeemed)
	case "redemptions_total_failed":
		return strconv.Itoa(c.RedeemFailed)
	case "redemptions_total_succeeded":
		return strconv.Itoa(c.Redeemed - c.RedeemFailed)
	case "redemptions_total_rolled_back", "redemptions_total_rollback_succeeded":
		return strconv.Itoa(c.RolledBack)
	case "redemptions_total_rollback_failed":
		return "0"
	case "orders_total_amount":
		return strconv.Itoa(c.OrdersAmount)
	case "orders_total_count":
		return strconv.Itoa(c.OrdersCount)
	case "orders_average_amount":
		if !orders {
			return "0"
		}
		return strconv.Itoa(c.OrdersAmount / c.OrdersCount)
	case "orders_last_order_amount":
		return strconv.Itoa(c.LastOrderAmount)
	case "orders_last_order_date":
		if !orders {
			return ""
		}
		return stamp(c.LastOrderDate)
	case "loyalty_points":
		return strconv.Itoa(c.LoyaltyPoints)
	case "loyalty_referred_customers":
		return strconv.Itoa(c.Referred)
	}
	return ""
}

// compactJSON encodes v without HTML escaping (as JavaScript's
// JSON.stringify does: "<" stays "<").
func compactJSON(v any) string {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return ""
	}
	return strings.TrimSuffix(buf.String(), "\n")
}
