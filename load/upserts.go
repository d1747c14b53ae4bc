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

// loadValues is step 4: attribute values that did not fit inline.
func (l *loader) loadValues(ctx context.Context) error {
	return l.eachPage(ctx, "attribute values", pendingValues, cap(l.sems[epPutValues]),
		func(ctx context.Context, rows []ownedRow, g *errgroup.Group, b *bar) error {
			var batch []valueOwned
			inBatch := map[string]bool{}
			var rejected []outcome
			flush := func() {
				if len(batch) == 0 {
					return
				}
				send := batch
				batch, inBatch = nil, map[string]bool{}
				g.Go(func() error {
					defer b.add(int64(len(send)))
					return isolate(ctx, send, l.putValues, func(v valueOwned, er *bigcommerce.ErrorResponse) error {
						return l.st.record(outcome{entity: staging.EntityAttributeValues, key: v.v.SourceKey, status: statusRejected, http: er.StatusCode, message: itemMessage(er, 0)})
					})
				})
			}
			for _, r := range rows {
				v, err := decode[staging.AttributeValue](r.srcRow)
				if err != nil {
					return err
				}
				if _, ok := l.attrs[v.AttributeName]; !ok {
					rejected = append(rejected, outcome{entity: staging.EntityAttributeValues, key: r.key, status: statusRejected,
						message: "attribute " + strconv.Quote(v.AttributeName) + " is not available in the target store"})
					continue
				}
				// One value per customer and attribute per request: a
				// second would race the first inside the upsert.
				k := strconv.FormatInt(r.owner, 10) + "\x1e" + v.AttributeName
				if inBatch[k] || len(batch) == bigcommerce.MaxAttributeValuesPerCall {
					flush()
				}
				inBatch[k] = true
				batch = append(batch, valueOwned{v: v, customer: r.owner})
			}
			flush()
			return l.st.record(rejected...)
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
			var batch []formOwned
			inBatch := map[string]bool{}
			var rejected []outcome
			flush := func() {
				if len(batch) == 0 {
					return
				}
				send := batch
				batch, inBatch = nil, map[string]bool{}
				g.Go(func() error {
					defer b.add(int64(len(send)))
					return isolate(ctx, send, l.putForms, func(f formOwned, er *bigcommerce.ErrorResponse) error {
						return l.st.record(outcome{entity: staging.EntityFormFieldValues, key: f.f.SourceKey, status: statusRejected, http: er.StatusCode, message: itemMessage(er, 0)})
					})
				})
			}
			for _, r := range rows {
				fi, bad, err := l.decodeForm(r.srcRow)
				if err != nil {
					return err
				}
				if bad != nil {
					rejected = append(rejected, *bad)
					continue
				}
				k := r.ref + "\x1e" + r.cust + "\x1e" + fi.f.Name
				if inBatch[k] || len(batch) == bigcommerce.MaxFormFieldValuesPerCall {
					flush()
				}
				inBatch[k] = true
				batch = append(batch, formOwned{formItem: fi, owner: r.owner, isAddress: r.ref != ""})
			}
			flush()
			return l.st.record(rejected...)
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
