package load

import (
	"context"
	"net/http"
	"strconv"

	"github.com/bcetl/bcetl/internal/bigcommerce"
	"github.com/bcetl/bcetl/internal/staging"
)

// Step 4 writes the attribute values that did not fit inline
// (PUT /customers/attribute-values). It is an upsert on (customer,
// attribute): a batch that was not confirmed is simply sent again, so it
// is not recorded in flight. A customer's attribute once per request: the
// second value would race the first inside the upsert.

type valueItem struct {
	v        staging.AttributeValue
	customer int64
}

type valueStep struct{ l *loader }

func (valueStep) entity() staging.Entity { return staging.EntityAttributeValues }

func (valueStep) info() stepInfo {
	return stepInfo{name: "attribute values", pending: pendingOfCustomers(staging.EntityAttributeValues),
		endpoints: []string{epPutValues}, perCall: bigcommerce.MaxAttributeValuesPerCall}
}

func (s valueStep) items(_ context.Context, rows []ownedRow) ([]valueItem, []outcome, error) {
	var items []valueItem
	var outs []outcome
	for _, r := range rows {
		v, err := decode[staging.AttributeValue](r.srcRow)
		if err != nil {
			return nil, nil, err
		}
		if _, ok := s.l.attrs[v.AttributeName]; !ok {
			outs = append(outs, outcome{entity: staging.EntityAttributeValues, key: r.key, status: staging.StatusRejected,
				message: "attribute " + strconv.Quote(v.AttributeName) + " is not available in the target store"})
			continue
		}
		items = append(items, valueItem{v: v, customer: r.owner})
	}
	return items, outs, nil
}

func (valueStep) batchKey(v valueItem) (kind, key string) {
	return "", strconv.FormatInt(v.customer, 10) + "\x1e" + v.v.AttributeName
}

func (s valueStep) send(ctx context.Context, batch []valueItem) ([]outcome, error) {
	attrs := s.l.attrs
	body := make([]bigcommerce.AttributeValueUpsert, len(batch))
	for i, v := range batch {
		body[i] = bigcommerce.AttributeValueUpsert{AttributeID: attrs[v.v.AttributeName], Value: v.v.AttributeValue, CustomerID: v.customer}
	}
	got, err := call(ctx, s.l, epPutValues, len(body), func(ctx context.Context) ([]bigcommerce.AttributeValue, error) {
		out, _, err := s.l.c.AttributeValues.Upsert(ctx, body)
		return out, err
	})
	if err != nil {
		return nil, err
	}
	ids := map[[2]int64]int64{}
	for _, v := range got {
		ids[[2]int64{v.CustomerID, v.AttributeID}] = v.ID
	}
	outs := make([]outcome, len(batch))
	for i, v := range batch {
		id := ids[[2]int64{v.customer, attrs[v.v.AttributeName]}]
		outs[i] = outcome{entity: staging.EntityAttributeValues, key: v.v.SourceKey, status: staging.StatusLoaded, target: id, http: http.StatusOK}
	}
	return outs, nil
}

func (valueStep) reject(v valueItem, r *refusal, i int) (valueItem, bool, []outcome) {
	return v, false, []outcome{{entity: staging.EntityAttributeValues, key: v.v.SourceKey, status: staging.StatusRejected, http: r.er.StatusCode, message: r.reason(i)}}
}
