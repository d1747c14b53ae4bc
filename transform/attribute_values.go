package transform

import (
	"fmt"
	"time"

	"github.com/bcetl/bcetl/internal/bcrules"
	"github.com/bcetl/bcetl/internal/staging"
)

// attributeValue normalises v and checks it against its definition, which
// it then names exactly (name, type and id of the surviving definition).
func (n *normalizer) attributeValue(v *staging.AttributeValue, attrs *attributeTable) *problem {
	if p := checkUTF8("source_key", v.SourceKey, "customer_source_key", v.CustomerSourceKey,
		"attribute_name", v.AttributeName, "attribute_type", v.AttributeType, "attribute_value", v.AttributeValue); p != nil {
		return p
	}
	n.text(&v.AttributeName, &v.AttributeValue)
	d := attrs.lookup(v.AttributeName, v.AttributeID)
	switch {
	case d == nil:
		return newProblem("attribute_name", CheckUnknownAttribute, v.AttributeName,
			fmt.Sprintf("unknown attribute: attributes.parquet defines no attribute named %q; add its definition or drop the value", v.AttributeName))
	case d.reason != "":
		return newProblem("attribute_name", CheckAttributeRejected, v.AttributeName, "attribute rejected: "+d.reason)
	}
	v.AttributeName, v.AttributeType, v.AttributeID = d.name, d.typ, d.id
	val, err := v.AttributeValue, error(nil)
	if n.opts.on(RuleAttributeValue) {
		val, err = bcrules.NormalizeAttributeValue(d.typ, val)
	} else {
		err = bcrules.CheckAttributeValue(d.typ, val)
	}
	if err != nil {
		return newProblem("attribute_value", CheckAttributeType, v.AttributeValue, err.Error())
	}
	n.count(RuleAttributeValue, v.AttributeValue, val)
	v.AttributeValue = val
	return nil
}

// transformAttributeValues moves values of merged customers to their
// survivors and keeps one value per customer and attribute — the API
// stores one. The survivor's own value wins over a moved one; among equals
// the first in input order (children.go's pass).
func (r *run) transformAttributeValues(ct *customerTable, attrs *attributeTable, span *dateSpan) error {
	return transformChildren(r, ct, r.values, span, childSpec[staging.AttributeValue]{
		entity:    staging.EntityAttributeValues,
		mergeRule: MergeAttributeValue,
		key:       func(v *staging.AttributeValue) string { return v.SourceKey },
		check:     func(n *normalizer, v *staging.AttributeValue) *problem { return n.attributeValue(v, attrs) },
		owner:     func(v *staging.AttributeValue) *string { return &v.CustomerSourceKey },
		moved:     func(v *staging.AttributeValue) { v.CustomerID = nil },
		dedupe: func(kb *keyBuilder, owner string, v *staging.AttributeValue) *keyBuilder {
			return kb.reset("attribute-value").raw(owner).fold(v.AttributeName)
		},
		conflicts: func(l, w *staging.AttributeValue) []conflict {
			return diff("attribute_value", l.AttributeValue, w.AttributeValue)
		},
		written:  func(owner uint32) { ct.attributes[owner]++ },
		modified: func(v *staging.AttributeValue) *time.Time { return v.DateModified },
	})
}
