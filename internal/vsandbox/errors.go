package vsandbox

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
)

// errorBody is the documents' Error object (customers.json and
// exports.json, components.schemas.Error): code and message always, key,
// details and request_id as the documented examples carry them.
type errorBody struct {
	Code         int    `json:"code"`
	Key          string `json:"key,omitempty"`
	Message      string `json:"message"`
	Details      string `json:"details,omitempty"`
	RequestID    string `json:"request_id,omitempty"`
	ResourceID   string `json:"resource_id,omitempty"`
	ResourceType string `json:"resource_type,omitempty"`
}

// apiError is an error a handler answers with.
type apiError struct {
	status int
	body   errorBody
}

func (e *apiError) Error() string {
	return strconv.Itoa(e.status) + " " + e.body.Key + ": " + e.body.Details
}

// Error keys and messages used by more than one handler. The keys are from
// the documented list (documentation/api-reference/errors.mdx of
// voucherify-openapi); the messages of not_found, invalid_payload and
// invalid_export_fields are the documented examples'.
const (
	keyInvalidQuery = "invalid_query_params" // "input request query parameters are invalid"
	keyPayload      = "invalid_payload"      // "a request body is invalid and cannot be processed"
	keyExportFields = "invalid_export_fields"
	keyNotFound     = "not_found"
	keyUnauthorized = "unauthorized"
)

// badQuery is the answer to a query parameter the document does not allow:
// a page over 99, a limit outside 1–100, an order outside its enum, an
// unparseable date, an unknown or repeated parameter. The documents give
// the key (invalid_query_params) and the 400 but no example body; the
// message follows the invalid_payload example's style ("Invalid payload"),
// and details name the parameter and the rule.
func badQuery(format string, a ...any) *apiError {
	return &apiError{status: http.StatusBadRequest, body: errorBody{Code: 400, Key: keyInvalidQuery,
		Message: "Invalid query params", Details: fmt.Sprintf(format, a...)}}
}

// badPayload is the documented invalid_payload answer.
func badPayload(format string, a ...any) *apiError {
	return &apiError{status: http.StatusBadRequest, body: errorBody{Code: 400, Key: keyPayload,
		Message: "Invalid payload", Details: fmt.Sprintf(format, a...)}}
}

// notFound is the documented not_found answer ("Cannot find customer with
// id cust_…", with resource_id and resource_type).
func notFound(resourceType, id string) *apiError {
	return &apiError{status: http.StatusNotFound, body: errorBody{Code: 404, Key: keyNotFound,
		Message: "Resource not found", Details: "Cannot find " + resourceType + " with id " + id,
		ResourceID: id, ResourceType: resourceType}}
}

// fail answers err: an *apiError as itself, anything else as a 500. Every
// answer but the 401 carries a request_id: "v-" and 18 hex digits, the
// shape of the documented examples ("v-0b4c590350857970df"); the documented
// 401 example has none.
func (s *Server) fail(w http.ResponseWriter, err error) {
	var e *apiError
	if !errors.As(err, &e) {
		e = &apiError{status: http.StatusInternalServerError, body: errorBody{Code: 500,
			Message: "Internal Server Error", Details: err.Error()}}
	}
	b := e.body
	if b.Key != keyUnauthorized {
		b.RequestID = fmt.Sprintf("v-%018x", 0x0a00000000000000+s.requestIDs.Add(1))
	}
	writeJSON(w, e.status, b)
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		status = http.StatusInternalServerError
		b = []byte(`{"code":500,"message":"Internal Server Error","details":"response encoding failed"}`)
	}
	h := w.Header()
	h.Set("Content-Type", "application/json; charset=utf-8")
	h.Set("Content-Length", strconv.Itoa(len(b)))
	w.WriteHeader(status)
	_, _ = w.Write(b)
}
