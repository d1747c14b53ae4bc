package voucherify

import (
	"encoding/json"
	"time"
)

// MarketingConsent reads a Voucherify customer's email-marketing opt-in:
// whether the customer agreed to receive marketing email and, when the
// source says, since when. An opted-in customer becomes a newsletter
// subscriber of the target (extract.Record.OptIn), never the review and
// abandoned-cart flag, which is another consent. An error rejects the
// record, naming the consent.
//
// The customer is the record's customer object, field by field as JSON.
// Voucherify keeps consents apart from customers (its Consents API,
// /v1/consents, and the customer's consent list written through
// /v1/customers/{id}/consents); neither an export nor List Customers
// carries them (customers.json), so a source that reads them — an API
// source, or a mapping of a metadata field a project uses for it — passes
// its own hook.
type MarketingConsent func(customer map[string]json.RawMessage) (optedIn bool, at *time.Time, err error)

// ExportConsent is the hook of an export file: it holds no consent, so no
// customer is opted in on the export's word.
func ExportConsent(map[string]json.RawMessage) (bool, *time.Time, error) { return false, nil, nil }
