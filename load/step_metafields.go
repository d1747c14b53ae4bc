package load

import (
	"context"
	"errors"
	"net/http"
	"strconv"

	"github.com/bcetl/bcetl/internal/bigcommerce"
	"github.com/bcetl/bcetl/internal/staging"
)

// The metafield step writes the customers' metafields after the
// customers, ten per POST /customers/metafields (the batch endpoint),
// under the customer's target id. A batch succeeds item by item: the
// written ones are matched to the answer by (customer, namespace, key),
// and an item refused because the customer has that (namespace, key)
// already — a request sent again after a lost answer, or the target's own
// — is looked up on the customer: the same value is loaded (nothing is
// doubled: the API keeps one per key), another value is the target's and
// is kept (skipped-existing). Sending a batch again is therefore harmless,
// and nothing is recorded in flight.

var pendingMetafields = pendingOfCustomers(staging.EntityMetafields)

type metaItem struct {
	m        staging.Metafield
	customer int64
}

type metafieldStep struct{ l *loader }

func (metafieldStep) entity() staging.Entity { return staging.EntityMetafields }

func (metafieldStep) info() stepInfo {
	return stepInfo{name: "metafields", pending: pendingMetafields, endpoints: []string{epPostMetafields}, perCall: bigcommerce.MaxMetafieldsPerCall}
}

// batchKey: a (customer, namespace, key) once per request.
func (metafieldStep) batchKey(it metaItem) (kind, key string) {
	return "", metaKey(it.customer, it.m.Namespace, it.m.Key)
}

func metaKey(customer int64, ns, key string) string {
	return strconv.FormatInt(customer, 10) + "\x00" + ns + "\x00" + key
}

func (metafieldStep) items(_ context.Context, rows []ownedRow) ([]metaItem, []outcome, error) {
	out := make([]metaItem, 0, len(rows))
	for _, r := range rows {
		m, err := decode[staging.Metafield](r.srcRow)
		if err != nil {
			return nil, nil, err
		}
		out = append(out, metaItem{m: m, customer: r.owner})
	}
	return out, nil, nil
}

func (s metafieldStep) send(ctx context.Context, items []metaItem) ([]outcome, error) {
	body := make([]bigcommerce.MetafieldCreate, len(items))
	for i, it := range items {
		body[i] = bigcommerce.MetafieldCreate{ResourceID: it.customer, Namespace: it.m.Namespace, Key: it.m.Key, Value: it.m.Value,
			PermissionSet: it.m.PermissionSet, Description: it.m.Description}
	}
	var got []bigcommerce.Metafield
	var err error
	for attempt := 0; ; attempt++ {
		got, err = call(ctx, s.l, epPostMetafields, len(body), func(ctx context.Context) ([]bigcommerce.Metafield, error) {
			out, _, err := s.l.c.Metafields.Create(ctx, body)
			return out, err
		})
		// A lost answer: sending again is harmless (see above).
		if !bigcommerce.IsOutcomeUnknown(err) || attempt >= maxReconcileAttempts {
			break
		}
	}
	var be *bigcommerce.MetafieldBatchError
	if err != nil && !errors.As(err, &be) {
		return nil, err
	}
	written := map[string]int64{}
	for _, m := range got {
		written[metaKey(m.ResourceID, m.Namespace, m.Key)] = m.ID
	}
	failed := map[int]bigcommerce.MetafieldItemError{}
	if be != nil {
		for _, f := range be.Failed {
			failed[f.Index] = f
		}
	}
	var outs []outcome
	for i, it := range items {
		k := metaKey(it.customer, it.m.Namespace, it.m.Key)
		if id, ok := written[k]; ok {
			outs = append(outs, outcome{entity: staging.EntityMetafields, key: it.m.SourceKey, status: staging.StatusLoaded, target: id, http: http.StatusOK})
			continue
		}
		f, ok := failed[i]
		if !ok {
			s.l.log.Warn("metafield missing from the answer; it is sent again on the next run", "source_key", it.m.SourceKey)
			continue
		}
		if f.Status != http.StatusConflict {
			outs = append(outs, outcome{entity: staging.EntityMetafields, key: it.m.SourceKey, status: staging.StatusRejected, http: f.Status,
				message: "the target store refused the metafield: " + f.String()})
			continue
		}
		o, err := s.existing(ctx, it)
		if err != nil {
			return nil, answeredError{err}
		}
		outs = append(outs, o)
	}
	return outs, nil
}

// existing settles a metafield the customer has already.
func (s metafieldStep) existing(ctx context.Context, it metaItem) (outcome, error) {
	s.l.count(epGetMetafields, 0)
	have, err := s.l.c.Metafields.OfCustomer(ctx, it.customer)
	if err != nil {
		return outcome{}, err
	}
	for _, m := range have {
		if m.Namespace != it.m.Namespace || m.Key != it.m.Key {
			continue
		}
		if m.Value == it.m.Value {
			return outcome{entity: staging.EntityMetafields, key: it.m.SourceKey, status: staging.StatusLoaded, target: m.ID, http: http.StatusOK,
				message: "on the target with this value (a request sent again)"}, nil
		}
		return outcome{entity: staging.EntityMetafields, key: it.m.SourceKey, status: staging.StatusSkipped, target: m.ID, http: http.StatusConflict,
			message: "the target's customer has this namespace and key already, with another value: kept"}, nil
	}
	return outcome{entity: staging.EntityMetafields, key: it.m.SourceKey, status: staging.StatusRejected, http: http.StatusConflict,
		message: "the target refused the metafield as a duplicate, but its customer shows none of this namespace and key (another app's, private to it)"}, nil
}

func (metafieldStep) reject(it metaItem, r *refusal, i int) (metaItem, bool, []outcome) {
	return it, false, []outcome{{entity: staging.EntityMetafields, key: it.m.SourceKey, status: staging.StatusRejected, http: r.er.StatusCode,
		message: "the target store refused the metafield: " + r.reason(i)}}
}
