package bigcommerce

import (
	"context"
	"net/http"
	"strconv"
	"time"
)

// ConsentService handles /customers/{customerId}/consent (customers.v3.yml
// getCustomerConsent, updateCustomerConsent): a customer's consent to data
// collection by cookies and scripts, the "data preferences" BigCommerce
// says the API transfers between stores. One request per customer each
// way, so carrying it costs two requests per customer.
type ConsentService service

// Consent categories (consentAllow, Deny). Essential cannot be denied.
const (
	ConsentEssential  = "essential"
	ConsentFunctional = "functional"
	ConsentAnalytics  = "analytics"
	ConsentTargeting  = "targeting"
)

// Consent is consent_Full. UpdatedAt is "the time of the current API
// Call, not the time of last update" (the document's note): it says
// nothing about when the customer decided.
type Consent struct {
	Allow     []string   `json:"allow"`
	Deny      []string   `json:"deny"`
	UpdatedAt *time.Time `json:"updated_at,omitempty"`
}

// ConsentDeclaration is DeclareCustomerConsentRequest: a PUT replaces the
// whole declaration. Nil lists are sent as [].
type ConsentDeclaration struct {
	Allow []string `json:"allow"`
	Deny  []string `json:"deny"`
}

func consentPath(customerID int64) string {
	return "customers/" + strconv.FormatInt(customerID, 10) + "/consent"
}

// Get returns a customer's consent; a customer who never declared any has
// empty lists.
func (s *ConsentService) Get(ctx context.Context, customerID int64) (Consent, *Response, error) {
	var out Consent
	resp, err := s.client.do(ctx, request{method: http.MethodGet, path: consentPath(customerID), bare: true}, &out)
	return out, resp, err
}

// Put replaces a customer's consent declaration.
func (s *ConsentService) Put(ctx context.Context, customerID int64, d ConsentDeclaration) (Consent, *Response, error) {
	if d.Allow == nil {
		d.Allow = []string{}
	}
	if d.Deny == nil {
		d.Deny = []string{}
	}
	body, err := marshalBody(d)
	if err != nil {
		return Consent{}, nil, err
	}
	var out Consent
	resp, err := s.client.do(ctx, request{method: http.MethodPut, path: consentPath(customerID), body: body, bare: true}, &out)
	return out, resp, err
}
