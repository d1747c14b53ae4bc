package transform

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"

	"github.com/bcetl/bcetl/internal/bcrules"
	"github.com/bcetl/bcetl/internal/staging"
)

// formField normalises a form field value and checks that its typed value
// and value_json agree with value_type. value_json is rewritten when the
// text rule changed the value, so the loader sends what was normalised.
func (n *normalizer) formField(f *staging.FormFieldValue) *problem {
	fields := []string{"source_key", f.SourceKey, "customer_source_key", f.CustomerSourceKey, "name", f.Name,
		"value_type", f.ValueType, "value_json", f.ValueJSON}
	if f.AddressSourceKey != nil {
		fields = append(fields, "address_source_key", *f.AddressSourceKey)
	}
	if f.ValueString != nil {
		fields = append(fields, "value_string", *f.ValueString)
	}
	for _, v := range f.ValueArray {
		fields = append(fields, "value_array", v)
	}
	if p := checkUTF8(fields...); p != nil {
		return p
	}
	n.text(&f.Name)
	if p := bcrules.FormFieldName.Check(f.Name); p != nil {
		return p
	}
	f.ValueType = strings.ToLower(strings.TrimSpace(f.ValueType))
	switch f.ValueType {
	case staging.ValueTypeString:
		if f.ValueString == nil && json.Unmarshal([]byte(f.ValueJSON), &f.ValueString) != nil {
			return newProblem("value_string", CheckFormField, f.ValueJSON, "a string form field value has neither value_string nor a JSON string in value_json")
		}
		if f.ValueString != nil {
			v := *f.ValueString
			n.multiline(&v)
			f.ValueString = &v
			f.ValueJSON = jsonLiteral(v)
		}
	case staging.ValueTypeArray:
		if len(f.ValueArray) == 0 && f.ValueJSON != "" && json.Unmarshal([]byte(f.ValueJSON), &f.ValueArray) != nil {
			return newProblem("value_array", CheckFormField, f.ValueJSON, "an array form field value has an empty value_array and value_json is not a JSON array of strings")
		}
		arr := make([]string, len(f.ValueArray))
		for i, v := range f.ValueArray {
			n.text(&v)
			arr[i] = v
		}
		f.ValueArray = arr
		f.ValueJSON = jsonLiteral(arr)
	case staging.ValueTypeNumber:
		// value_json carries the number digit for digit; keep it when it is
		// a JSON number, else spell the float.
		if bcrules.FiniteJSONNumber(f.ValueJSON) {
			if f.ValueNumber == nil {
				x, _ := strconv.ParseFloat(f.ValueJSON, 64)
				f.ValueNumber = &x
			}
		} else if f.ValueNumber != nil {
			f.ValueJSON = strconv.FormatFloat(*f.ValueNumber, 'g', -1, 64)
		} else {
			return newProblem("value_number", CheckFormField, f.ValueJSON, "a number form field value has neither value_number nor a JSON number in value_json")
		}
	default:
		return newProblem("value_type", CheckEnum, f.ValueType, fmt.Sprintf("value_type must be string, number or array, not %q", f.ValueType))
	}
	// value_json as it will be sent: at most bcrules.MaxLongText characters
	// (the document gives no bound), a number finite.
	return bcrules.CheckFormField(f)
}

func jsonLiteral(v any) string {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(v) // strings and []string always encode
	return strings.TrimSuffix(b.String(), "\n")
}

// transformFormFields moves form field values of merged customers and
// merged addresses to their survivors and keeps one value per owner and
// field name. As with attribute values, the survivor's own value wins and a
// different dropped value is reported. Values of an address that does not
// exist or was rejected are rejected (children.go's pass).
func (r *run) transformFormFields(ct *customerTable, at *addressTable) error {
	return transformChildren(r, ct, r.forms, nil, childSpec[staging.FormFieldValue]{
		entity:    staging.EntityFormFieldValues,
		mergeRule: MergeFormField,
		key:       func(f *staging.FormFieldValue) string { return f.SourceKey },
		check:     func(n *normalizer, f *staging.FormFieldValue) *problem { return n.formField(f) },
		// The customer, then the address if the value is an address's.
		attach: func(rv *resolver, f *staging.FormFieldValue) customerResolution {
			cr := rv.resolve(f.CustomerSourceKey)
			if cr.p != nil {
				return cr
			}
			f.CustomerSourceKey = cr.key
			if cr.moved {
				f.CustomerID = nil
			}
			if f.AddressSourceKey == nil {
				return cr
			}
			ar := at.resolve(*f.AddressSourceKey)
			if ar.p != nil {
				return customerResolution{p: ar.p}
			}
			if ar.moved {
				k := ar.key
				f.AddressSourceKey, f.AddressID = &k, nil
				cr.moved = true
			}
			return cr
		},
		dedupe: func(kb *keyBuilder, owner string, f *staging.FormFieldValue) *keyBuilder {
			addr := ""
			if f.AddressSourceKey != nil {
				addr = *f.AddressSourceKey
			}
			return kb.reset("form-field").raw(owner).raw(addr).raw(f.Name)
		},
		conflicts: func(l, w *staging.FormFieldValue) []conflict {
			return diff("value", l.ValueJSON, w.ValueJSON)
		},
	})
}
