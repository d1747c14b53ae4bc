package load

import (
	"context"
	"net/http"
	"strconv"

	"golang.org/x/sync/errgroup"

	"github.com/bcetl/bcetl/internal/bigcommerce"
	"github.com/bcetl/bcetl/internal/staging"
)

// Steps 4 and 5 use the upsert endpoints (PUT attribute-values, PUT
// form-field-values). An upsert sent twice leaves one record, so these
// batches need no reconciliation: a batch that was not confirmed is simply
// sent again.

type valueOwned struct {
	v        staging.AttributeValue
	customer int64
}

// upsertPage schedules one page of an upsert step: item turns a row into
// the item to send with its upsert key (or into an outcome when no request
// could carry it); items are sent in requests of at most perCall, never two
// with the same key in one (the second would race the first inside the
// upsert); and items the API refuses alone are recorded as rejected.
func upsertPage[T any](ctx context.Context, l *loader, rows []ownedRow, g *errgroup.Group, b *bar, entity string, perCall int,
	item func(ownedRow) (it T, key string, bad *outcome, err error), sourceKey func(T) string,
	send func(context.Context, []T) error) error {
	var batch []T
	inBatch := map[string]bool{}
	var rejected []outcome
	flush := func() {
		if len(batch) == 0 {
			return
		}
		part := batch
		batch, inBatch = nil, map[string]bool{}
		g.Go(func() error {
			defer b.add(int64(len(part)))
			return isolate(ctx, part, send, func(it T, er *bigcommerce.ErrorResponse) error {
				return l.st.record(outcome{entity: entity, key: sourceKey(it), status: statusRejected, http: er.StatusCode, message: itemMessage(er, 0)})
			})
		})
	}
	for _, r := range rows {
		it, k, bad, err := item(r)
		if err != nil {
			return err
		}
		if bad != nil {
			rejected = append(rejected, *bad)
			continue
		}
		if inBatch[k] || len(batch) == perCall {
			flush()
		}
		inBatch[k] = true
		batch = append(batch, it)
	}
	flush()
	return l.st.record(rejected...)
}

// loadValues is step 4: attribute values that did not fit inline.
func (l *loader) loadValues(ctx context.Context) error {
	return l.eachPage(ctx, "attribute values", pendingValues, cap(l.sems[epPutValues]),
		func(ctx context.Context, rows []ownedRow, g *errgroup.Group, b *bar) error {
			return upsertPage(ctx, l, rows, g, b, staging.EntityAttributeValues, bigcommerce.MaxAttributeValuesPerCall,
				func(r ownedRow) (valueOwned, string, *outcome, error) {
					v, err := decode[staging.AttributeValue](r.srcRow)
					if err != nil {
						return valueOwned{}, "", nil, err
					}
					if _, ok := l.attrs[v.AttributeName]; !ok {
						return valueOwned{}, "", &outcome{entity: staging.EntityAttributeValues, key: r.key, status: statusRejected,
							message: "attribute " + strconv.Quote(v.AttributeName) + " is not available in the target store"}, nil
					}
					return valueOwned{v: v, customer: r.owner}, strconv.FormatInt(r.owner, 10) + "\x1e" + v.AttributeName, nil, nil
				},
				func(v valueOwned) string { return v.v.SourceKey }, l.putValues)
		})
}

func (l *loader) putValues(ctx context.Context, items []valueOwned) error {
	body := make([]bigcommerce.AttributeValueUpsert, len(items))
	for i, v := range items {
		body[i] = bigcommerce.AttributeValueUpsert{AttributeID: l.attrs[v.v.AttributeName], Value: v.v.AttributeValue, CustomerID: v.customer}
	}
	got, err := call(ctx, l, epPutValues, len(body), func(ctx context.Context) ([]bigcommerce.AttributeValue, error) {
		out, _, err := l.c.AttributeValues.Upsert(ctx, body)
		return out, err
	})
	if err != nil {
		return err
	}
	ids := map[[2]int64]int64{}
	for _, v := range got {
		ids[[2]int64{v.CustomerID, v.AttributeID}] = v.ID
	}
	outs := make([]outcome, 0, len(items))
	for _, v := range items {
		id := ids[[2]int64{v.customer, l.attrs[v.v.AttributeName]}]
		outs = append(outs, outcome{entity: staging.EntityAttributeValues, key: v.v.SourceKey, status: statusLoaded, target: id, http: http.StatusOK})
	}
	return l.st.record(outs...)
}

type formOwned struct {
	formItem
	owner     int64
	isAddress bool
}

// loadForms is step 5: form field values whose owner existed before its
// form fields could ride along (addresses that already existed, customers
// updated in place).
func (l *loader) loadForms(ctx context.Context) error {
	return l.eachPage(ctx, "form field values", pendingForms, cap(l.sems[epPutForms]),
		func(ctx context.Context, rows []ownedRow, g *errgroup.Group, b *bar) error {
			return upsertPage(ctx, l, rows, g, b, staging.EntityFormFieldValues, bigcommerce.MaxFormFieldValuesPerCall,
				func(r ownedRow) (formOwned, string, *outcome, error) {
					fi, bad, err := l.decodeForm(r.srcRow)
					if err != nil || bad != nil {
						return formOwned{}, "", bad, err
					}
					return formOwned{formItem: fi, owner: r.owner, isAddress: r.ref != ""}, r.ref + "\x1e" + r.cust + "\x1e" + fi.f.Name, nil, nil
				},
				func(f formOwned) string { return f.f.SourceKey }, l.putForms)
		})
}

func (l *loader) putForms(ctx context.Context, items []formOwned) error {
	body := make([]bigcommerce.FormFieldValue, len(items))
	for i, f := range items {
		body[i] = bigcommerce.FormFieldValue{Name: f.f.Name, Value: f.v}
		if f.isAddress {
			body[i].AddressID = f.owner
		} else {
			body[i].CustomerID = f.owner
		}
	}
	_, err := call(ctx, l, epPutForms, len(body), func(ctx context.Context) ([]bigcommerce.FormFieldValue, error) {
		out, _, err := l.c.FormFieldValues.Upsert(ctx, body)
		return out, err
	})
	if err != nil {
		return err
	}
	outs := make([]outcome, 0, len(items))
	for _, f := range items {
		outs = append(outs, outcome{entity: staging.EntityFormFieldValues, key: f.f.SourceKey, status: statusLoaded, target: f.owner, http: http.StatusOK})
	}
	return l.st.record(outs...)
}
