package vsandbox

import (
	"encoding/json"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"
)

// exportFilter is a customer export's parameters.filters
// (ExportCustomerFilters): per field, conditions {"$op": [values]}; the
// junction (and, the default, or or) joins the fields, and the operators
// of one field must all hold. Emulated: created_at and updated_at ($after,
// $before, $is, $has_value, $is_unknown; dates compared to the millisecond,
// bounds exclusive as in List Customers), and the text fields id, name,
// email, phone, source_id, description, birthdate, birthday, city and
// address.* and metadata.* ($is, $is_not, $in, $not_in, $contains,
// $not_contain, $starts_with, $ends_with, $has_value, $is_unknown; on
// metadata also $more_than, $less_than, $more_than_equal, $less_than_equal).
// Anything else (summary.*, loyalty.*, publications.*, the *_ago and
// $count operators) is refused with invalid_payload, never ignored: an
// ignored filter exports customers the client meant to leave out.
type exportFilter struct {
	or    bool
	conds []fieldCond
}

type fieldCond struct {
	field string
	ops   []opCond
}

type opCond struct {
	op     string
	values []any
}

var (
	dateOps    = []string{"$after", "$before", "$is", "$has_value", "$is_unknown"}
	textOps    = []string{"$is", "$is_not", "$in", "$not_in", "$contains", "$not_contain", "$starts_with", "$ends_with", "$has_value", "$is_unknown"}
	numericOps = []string{"$more_than", "$less_than", "$more_than_equal", "$less_than_equal"}
	textFields = []string{"id", "name", "email", "phone", "source_id", "description", "birthdate", "birthday", "city"}
)

func parseExportFilter(raw json.RawMessage) (*exportFilter, error) {
	var m map[string]json.RawMessage
	if err := json.Unmarshal(raw, &m); err != nil {
		return nil, badPayload("Property .parameters.filters should be object")
	}
	f := &exportFilter{}
	names := make([]string, 0, len(m))
	for k := range m {
		names = append(names, k)
	}
	sort.Strings(names)
	for _, name := range names {
		v := m[name]
		path := ".parameters.filters." + name
		if name == "junction" {
			var j string
			if json.Unmarshal(v, &j) != nil || j != "and" && j != "or" {
				return nil, badPayload("Property %s should be equal to one of the allowed values [ and, or ]", path)
			}
			f.or = j == "or"
			continue
		}
		ops, err := allowedOps(name)
		if err != nil {
			return nil, err
		}
		var fc struct {
			Conditions map[string]json.RawMessage `json:"conditions"`
		}
		if json.Unmarshal(v, &fc) != nil || len(fc.Conditions) == 0 {
			return nil, badPayload("Property %s should have a conditions object", path)
		}
		c := fieldCond{field: name}
		for op, rv := range fc.Conditions {
			if !slices.Contains(ops, op) {
				return nil, badPayload("Property %s.conditions.%s: operator not supported by the emulator for %s (supported: %s)",
					path, op, name, strings.Join(ops, ", "))
			}
			var vals []any
			if json.Unmarshal(rv, &vals) != nil {
				return nil, badPayload("Property %s.conditions.%s should be array", path, op)
			}
			if op != "$has_value" && op != "$is_unknown" && len(vals) == 0 {
				return nil, badPayload("Property %s.conditions.%s should not be empty", path, op)
			}
			if name == "created_at" || name == "updated_at" {
				if op != "$has_value" && op != "$is_unknown" {
					for _, x := range vals {
						s, _ := x.(string)
						t, ok := parseDate(s)
						if !ok {
							return nil, badPayload("Property %s.conditions.%s should hold dates in ISO 8601 format", path, op)
						}
						vals = []any{t}
						break // the first date is the bound
					}
				}
			}
			c.ops = append(c.ops, opCond{op: op, values: vals})
		}
		sort.Slice(c.ops, func(i, j int) bool { return c.ops[i].op < c.ops[j].op })
		f.conds = append(f.conds, c)
	}
	return f, nil
}

func allowedOps(field string) ([]string, error) {
	switch {
	case field == "created_at" || field == "updated_at":
		return dateOps, nil
	case slices.Contains(textFields, field) || strings.HasPrefix(field, "address.") && slices.Contains(addressKeys, field[len("address."):]):
		return textOps, nil
	case strings.HasPrefix(field, "metadata.") && len(field) > len("metadata."):
		return append(slices.Clone(textOps), numericOps...), nil
	}
	return nil, badPayload("Property .parameters.filters.%s: filter not supported by the emulator (supported: junction, created_at, updated_at, %s, address.*, metadata.*)",
		field, strings.Join(textFields, ", "))
}

var addressKeys = []string{"city", "state", "line_1", "line_2", "country", "postal_code"}

// keep reports whether c passes the filter.
func (f *exportFilter) keep(c *Customer) bool {
	if f == nil || len(f.conds) == 0 {
		return true
	}
	for _, fc := range f.conds {
		ok := fc.holds(c)
		if f.or && ok {
			return true
		}
		if !f.or && !ok {
			return false
		}
	}
	return !f.or
}

func (fc fieldCond) holds(c *Customer) bool {
	for _, oc := range fc.ops {
		if !oc.holds(c, fc.field) {
			return false
		}
	}
	return true
}

func (oc opCond) holds(c *Customer, field string) bool {
	if field == "created_at" || field == "updated_at" {
		t := c.CreatedAt
		if field == "updated_at" {
			t = c.UpdatedAt
		}
		switch oc.op {
		case "$has_value":
			return !t.IsZero()
		case "$is_unknown":
			return t.IsZero()
		}
		bound := oc.values[0].(time.Time)
		if t.IsZero() {
			return false
		}
		switch oc.op {
		case "$after":
			return t.After(bound)
		case "$before":
			return t.Before(bound)
		}
		return t.Equal(bound)
	}
	v, present := textValue(c, field)
	switch oc.op {
	case "$has_value":
		return present
	case "$is_unknown":
		return !present
	case "$is_not", "$not_in":
		return !present || !slices.ContainsFunc(oc.values, func(x any) bool { return scalar(x) == v })
	case "$is", "$in":
		return present && slices.ContainsFunc(oc.values, func(x any) bool { return scalar(x) == v })
	case "$not_contain":
		return !present || !strings.Contains(v, scalar(oc.values[0]))
	}
	if !present {
		return false
	}
	arg := scalar(oc.values[0])
	switch oc.op {
	case "$contains":
		return strings.Contains(v, arg)
	case "$starts_with":
		return strings.HasPrefix(v, arg)
	case "$ends_with":
		return strings.HasSuffix(v, arg)
	}
	a, err1 := strconv.ParseFloat(v, 64)
	b, err2 := strconv.ParseFloat(arg, 64)
	if err1 != nil || err2 != nil {
		return false
	}
	switch oc.op {
	case "$more_than":
		return a > b
	case "$less_than":
		return a < b
	case "$more_than_equal":
		return a >= b
	}
	return a <= b // $less_than_equal
}

// textValue is the field's value as text, and whether the customer has
// it. Metadata values compare in the form the CSV shows them.
func textValue(c *Customer, field string) (string, bool) {
	if key, ok := strings.CutPrefix(field, "metadata."); ok {
		v, ok := c.Metadata[key]
		if !ok || v == nil {
			return "", false
		}
		return scalar(v), true
	}
	if field == "city" {
		field = "address.city"
	}
	var v string
	switch field {
	case "id":
		v = c.ID
	case "name":
		v = c.Name
	case "email":
		v = c.Email
	case "phone":
		v = c.Phone
	case "source_id":
		v = c.SourceID
	case "description":
		v = c.Description
	case "birthdate":
		v = c.Birthdate
	case "birthday":
		v = c.Birthday
	default:
		if a := c.Address; a != nil {
			v = addressValue(a, strings.TrimPrefix(field, "address."))
		}
	}
	return v, v != ""
}

func addressValue(a *Address, key string) string {
	switch key {
	case "city":
		return a.City
	case "state":
		return a.State
	case "line_1":
		return a.Line1
	case "line_2":
		return a.Line2
	case "country":
		return a.Country
	}
	return a.PostalCode
}

// scalar is a JSON value as text: strings as they are, numbers as
// JavaScript prints them, booleans, and compact JSON for the rest.
func scalar(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64)
	case int:
		return strconv.Itoa(x)
	case bool:
		return strconv.FormatBool(x)
	case nil:
		return ""
	}
	return compactJSON(v)
}
