package transform

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
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
// exist or was rejected are rejected.
func (r *run) transformFormFields(ct *customerTable, at *addressTable) error {
	s := &r.s
	counts := s.rep.Entities[staging.EntityFormFieldValues]
	nrows := r.rows(staging.EntityFormFieldValues)
	keys := r.keyTable()
	state := make([]uint8, 0, nrows)
	dups := r.dupTable()
	// resolve attaches f to surviving owners, or says why it cannot be.
	resolve := func(rv *resolver, f *staging.FormFieldValue) (moved bool, p *problem) {
		cr := rv.resolve(f.CustomerSourceKey)
		if cr.p != nil {
			return false, cr.p
		}
		f.CustomerSourceKey = cr.key
		if cr.moved {
			f.CustomerID = nil
		}
		if f.AddressSourceKey == nil {
			return cr.moved, nil
		}
		ar := at.resolve(*f.AddressSourceKey)
		if ar.p != nil {
			return false, ar.p
		}
		if ar.moved {
			k := ar.key
			f.AddressSourceKey, f.AddressID = &k, nil
		}
		return cr.moved || ar.moved, nil
	}
	dedupe := func(kb *keyBuilder, f *staging.FormFieldValue) *keyBuilder {
		addr := ""
		if f.AddressSourceKey != nil {
			addr = *f.AddressSourceKey
		}
		return kb.reset("form-field").raw(f.CustomerSourceKey).raw(addr).raw(f.Name)
	}
	ns, tallied := r.opts.normalizers(s.rep)
	var preps []func(*batch[staging.FormFieldValue, rowCheck])
	for _, n := range ns {
		kb, rv := keyBuilder{seeds: r.seeds}, &resolver{t: ct}
		preps = append(preps, func(b *batch[staging.FormFieldValue, rowCheck]) {
			for i := range b.rows {
				f, res := &b.rows[i], &b.res[i]
				res.sk = r.seeds.sourceKey(f.SourceKey)
				p := n.formField(f)
				var moved bool
				if p == nil {
					moved, p = resolve(rv, f)
				}
				if res.p = p; p != nil {
					continue
				}
				if moved {
					res.rank = 1
				}
				res.dedupe = dedupe(&kb, f).sum()
			}
			rv.check(&b.err)
		})
	}
	err := passRows(r.ctx, r.in, staging.EntityFormFieldValues, preps, func(b *batch[staging.FormFieldValue, rowCheck]) error {
		for i := range b.rows {
			row, f, res := b.start+uint32(i), &b.rows[i], &b.res[i]
			counts.RowsIn++
			if err := keys.add(res.sk, row); err != nil {
				return err
			}
			if res.p != nil {
				state = append(state, rowRejected)
				if err := s.reject(staging.EntityFormFieldValues, f.SourceKey, res.p); err != nil {
					return err
				}
				continue
			}
			state = append(state, rowOK)
			if err := dups.add(res.dedupe, row, res.rank); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	tallied()
	buildTables(keys, dups)
	if err := keys.build(state, nil); err != nil {
		return err
	}
	d, err := dups.resolve(state)
	if err != nil {
		return err
	}

	ns, _ = r.opts.normalizers(nil)
	preps = preps[:0]
	for _, n := range ns {
		kb, rv := keyBuilder{seeds: r.seeds}, &resolver{t: ct}
		preps = append(preps, func(b *batch[staging.FormFieldValue, rowCheck]) {
			for i := range b.rows {
				row, f, res := b.start+uint32(i), &b.rows[i], &b.res[i]
				if state[row] != rowOK {
					continue
				}
				n.formField(f)
				resolve(rv, f)
				if d.inGroup(row) {
					res.key = slices.Clone(dedupe(&kb, f).bytes())
				}
			}
			rv.check(&b.err)
		})
	}
	pr := newPairer(d, func(_ uint32, l, wv *staging.FormFieldValue) error {
		return s.merged(staging.EntityFormFieldValues, MergeFormField, l.SourceKey, wv.SourceKey,
			diff("value", l.ValueJSON, wv.ValueJSON))
	})
	return passRows(r.ctx, r.in, staging.EntityFormFieldValues, preps, func(b *batch[staging.FormFieldValue, rowCheck]) error {
		for i := range b.rows {
			row, f, res := b.start+uint32(i), &b.rows[i], &b.res[i]
			switch state[row] {
			case rowRejected:
				continue
			case rowDupKey:
				first := keys.dupFirst[row]
				if err := s.reject(staging.EntityFormFieldValues, f.SourceKey, dupKeyProblem(f.SourceKey, first)); err != nil {
					return err
				}
				continue
			}
			if pr.isLoser(row) {
				if err := pr.loser(row, f, res.key); err != nil {
					return err
				}
				continue
			}
			if err := pr.winner(row, f, res.key); err != nil {
				return err
			}
			counts.RowsOut++
			if err := r.forms.write(*f); err != nil {
				return err
			}
		}
		return nil
	})
}
