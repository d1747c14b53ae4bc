package sandbox

import (
	"encoding/json"
	"net/http"
	"time"
)

// /v3/customers/{customerId}/consent (customers.v3.yml getCustomerConsent,
// updateCustomerConsent): the customer's consent to data collection by
// cookies and scripts, one of the "data preferences" BigCommerce says the
// API can transfer between stores (bigcommerce-facts.md (i)).
//
// Rules:
//   - PUT takes {allow, deny} (DeclareCustomerConsentRequest), each a list
//     without repeats (uniqueItems) of essential, functional, analytics,
//     targeting; a category in both lists is 422 (choice);
//   - essential cannot be denied (choice; evidence: the storefront consent
//     API's "Configurable categories are: 2 - Functional, 3 - Analytics,
//     4 - Targeting", essential is not among them): 422;
//   - a PUT replaces the whole declaration; lists not sent are empty;
//   - a customer who never declared answers allow [] and deny [] (choice:
//     nothing recorded; a client has nothing to carry);
//   - updated_at is the time of the request, not of the last change, as
//     the document warns ("Currently, this field returns the time of the
//     current API Call"): a client cannot tell from it whether consent
//     changed;
//   - the declaration does not change the customer's date_modified
//     (choice, like form field values);
//   - unknown customer: 404.

var consentCategories = []string{"essential", "functional", "analytics", "targeting"}

type consentRec struct {
	Allow, Deny []string
}

type consentOut struct {
	Allow     []string `json:"allow"`
	Deny      []string `json:"deny"`
	UpdatedAt string   `json:"updated_at"`
}

func (s *Server) consentFull(c *consentRec) consentOut {
	o := consentOut{Allow: []string{}, Deny: []string{}, UpdatedAt: s.now().UTC().Format(time.RFC3339)}
	if c != nil {
		o.Allow = append(o.Allow, c.Allow...)
		o.Deny = append(o.Deny, c.Deny...)
	}
	return o
}

func (s *Server) getConsent(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(w, r, "customerId")
	if !ok {
		return
	}
	if q := s.parseQuery(r); q.err() != nil {
		fail(w, r, q.err())
		return
	}
	st := s.st
	st.mu.RLock()
	defer st.mu.RUnlock()
	c := st.customer(id)
	if c == nil {
		writeError(w, r, http.StatusNotFound, "Customer "+itoa(id)+" was not found.", nil)
		return
	}
	writeJSON(w, http.StatusOK, s.consentFull(c.Consent))
}

func (s *Server) putConsent(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(w, r, "customerId")
	if !ok {
		return
	}
	m, err := readObject(r, http.StatusUnprocessableEntity)
	if err != nil {
		fail(w, r, err)
		return
	}
	o := bodyObj(m)
	o.allow("allow", "deny")
	decl := &consentRec{Allow: consentList(o, "allow"), Deny: consentList(o, "deny")}
	for _, a := range decl.Allow {
		if oneOf(a, decl.Deny) {
			o.fail("deny", a+" is also allowed")
		}
	}
	if oneOf("essential", decl.Deny) {
		o.fail("deny", "essential cannot be denied")
	}
	var out consentOut
	err = s.write(func(st *store) error {
		if len(o.errs) > 0 {
			return unprocessable("Invalid JSON request body - missing or invalid data.", o.errs)
		}
		c := st.customer(id)
		if c == nil {
			return &apiError{status: http.StatusNotFound, title: "Customer " + itoa(id) + " was not found."}
		}
		c.Consent = decl // replaced, never changed in place: a journal record may share it
		st.customerChanged(c, c.Email, len(c.Forms))
		out = s.consentFull(decl)
		return nil
	})
	if err != nil {
		fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, out)
}

// consentList reads allow or deny.
func consentList(o *obj, k string) []string {
	items, _ := o.array(k, 0)
	l := []string{}
	for _, raw := range items {
		var c string
		if json.Unmarshal(raw, &c) != nil || !oneOf(c, consentCategories) || oneOf(c, l) {
			o.fail(k, "must list essential, functional, analytics and targeting at most once each")
			return nil
		}
		l = append(l, c)
	}
	return l
}
