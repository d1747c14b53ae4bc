package load

import (
	"context"
	"net/http"

	"github.com/bcetl/bcetl/internal/bigcommerce"
	"github.com/bcetl/bcetl/internal/staging"
)

// The consent step writes the customers' data preferences (PUT
// /customers/{id}/consent, one request per customer: BigCommerce's
// "Transferring Customers" guide counts them among what the API carries).
// It costs a request per customer — and one more per customer to read
// them from a store source — so it runs only with Options.WithConsent;
// without it, each declaration in the input is rejected with that
// reason, so the ledger still accounts for it. A PUT replaces the whole
// declaration: sending it again is harmless.

var pendingConsents = pendingOfCustomers(staging.EntityConsents)

type consentItem struct {
	c        staging.Consent
	customer int64
}

type consentStep struct{ l *loader }

func (consentStep) entity() staging.Entity { return staging.EntityConsents }

func (consentStep) info() stepInfo {
	return stepInfo{name: "consents", pending: pendingConsents, endpoints: []string{epPutConsent}, perCall: 1}
}

func (consentStep) batchKey(consentItem) (kind, key string) { return "", "" }

// withoutConsent is the reason of a declaration not loaded.
const withoutConsent = "data preferences are loaded only with --with-consent (a request per customer)"

func (s consentStep) items(_ context.Context, rows []ownedRow) ([]consentItem, []outcome, error) {
	var out []consentItem
	var skipped []outcome
	for _, r := range rows {
		if !s.l.opts.WithConsent {
			skipped = append(skipped, outcome{entity: staging.EntityConsents, key: r.key, status: staging.StatusRejected, message: withoutConsent})
			continue
		}
		c, err := decode[staging.Consent](r.srcRow)
		if err != nil {
			return nil, nil, err
		}
		out = append(out, consentItem{c: c, customer: r.owner})
	}
	return out, skipped, nil
}

func (s consentStep) send(ctx context.Context, batch []consentItem) ([]outcome, error) {
	it := batch[0]
	_, err := call(ctx, s.l, epPutConsent, 1, func(ctx context.Context) (bigcommerce.Consent, error) {
		out, _, err := s.l.c.Consent.Put(ctx, it.customer, bigcommerce.ConsentDeclaration{Allow: it.c.Allow, Deny: it.c.Deny})
		return out, err
	})
	if err != nil {
		return nil, err
	}
	return []outcome{{entity: staging.EntityConsents, key: it.c.SourceKey, status: staging.StatusLoaded, target: it.customer, http: http.StatusOK}}, nil
}

func (consentStep) reject(it consentItem, r *refusal, i int) (consentItem, bool, []outcome) {
	return it, false, []outcome{{entity: staging.EntityConsents, key: it.c.SourceKey, status: staging.StatusRejected, http: r.er.StatusCode,
		message: "the target store refused the declaration: " + r.reason(i)}}
}
