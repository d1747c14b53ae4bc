package sandbox

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strconv"
	"strings"
)

// statusDocType is the `type` of every error body, as in the document's
// examples (ErrorResponse.type: "A link to a list of BigCommerce API status
// codes").
const statusDocType = "https://developer.bigcommerce.com/api-docs/getting-started/api-status-codes"

// maxItemsTitle is the 413 message of POST/PUT /customers (document:
// "The request payload is too large. The maximum number of items allowed in
// the array is 10.").
const maxItemsTitle = "The maximum number of items allowed in the array is 10."

// errorBody is the document's ErrorResponse. errors is always present (an
// empty object when there is nothing per field), so clients can rely on it.
type errorBody struct {
	Status   int               `json:"status"`
	Title    string            `json:"title"`
	Type     string            `json:"type"`
	Instance string            `json:"instance"`
	Errors   map[string]string `json:"errors"`
}

// apiError is an error a handler answers with.
type apiError struct {
	status int
	title  string
	errs   map[string]string
}

func (e *apiError) Error() string { return strconv.Itoa(e.status) + " " + e.title }

func unprocessable(title string, errs map[string]string) *apiError {
	return &apiError{status: http.StatusUnprocessableEntity, title: title, errs: errs}
}

func writeError(w http.ResponseWriter, r *http.Request, status int, title string, errs map[string]string) {
	if errs == nil {
		errs = map[string]string{}
	}
	writeJSON(w, status, errorBody{Status: status, Title: title, Type: statusDocType, Instance: r.URL.Path, Errors: errs})
}

// fail answers err: an *apiError as itself, anything else as 500.
func fail(w http.ResponseWriter, r *http.Request, err error) {
	var ae *apiError
	if errors.As(err, &ae) {
		writeError(w, r, ae.status, ae.title, ae.errs)
		return
	}
	writeError(w, r, http.StatusInternalServerError, "Internal error: "+err.Error(), nil)
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		status = http.StatusInternalServerError
		b = []byte(`{"status":500,"title":"Internal error: response encoding failed","type":"` + statusDocType + `","instance":"","errors":{}}`)
	}
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("Content-Length", strconv.Itoa(len(b)))
	w.WriteHeader(status)
	_, _ = w.Write(b)
}

// noContent answers 204, as every DELETE of the document does.
func noContent(w http.ResponseWriter) { w.WriteHeader(http.StatusNoContent) }

// maxBody bounds request bodies: 413, nothing read beyond it, nothing
// written. The document gives no size; a BigCommerce request passes
// proxies and load balancers whose limits are not published either. The
// reading hardest for a client is the smallest limit such a front commonly
// has: 1 MiB, nginx's default client_max_body_size. A full batch of ten
// customers, each with ten addresses, ten attribute values and form
// fields, is some tens of kilobytes, so only a record with an outsized
// field (a 10 MB note) meets it — and the client must then reject that
// record, not fail the run.
const maxBody = 1 << 20

// readItems reads a write body: a JSON array of objects, at most maxItems
// (413 beyond, nothing written). Content-Type must be application/json
// (415 otherwise: the document only lists application/json bodies).
func readItems(r *http.Request, maxItems int) ([]json.RawMessage, error) {
	ct := r.Header.Get("Content-Type")
	if mt, _, _ := cutSemicolon(ct); !strings.EqualFold(mt, "application/json") {
		return nil, &apiError{status: http.StatusUnsupportedMediaType, title: "The request body must be JSON: send Content-Type: application/json."}
	}
	if r.ContentLength > maxBody { // refused before reading, as a proxy does
		return nil, &apiError{status: http.StatusRequestEntityTooLarge, title: "The request payload is too large."}
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, maxBody+1))
	if err != nil {
		return nil, &apiError{status: http.StatusBadRequest, title: "The request body could not be read."}
	}
	if len(body) > maxBody {
		return nil, &apiError{status: http.StatusRequestEntityTooLarge, title: "The request payload is too large."}
	}
	var items []json.RawMessage
	if err := json.Unmarshal(body, &items); err != nil {
		return nil, unprocessable("The request body must be a JSON array of objects.", map[string]string{"body": err.Error()})
	}
	if len(items) == 0 {
		return nil, unprocessable("The request body must hold at least one item.", map[string]string{"body": "empty array"})
	}
	if len(items) > maxItems {
		title := maxItemsTitle
		if maxItems != 10 {
			title = "The maximum number of items allowed in the array is " + itoa(maxItems) + "."
		}
		return nil, &apiError{status: http.StatusRequestEntityTooLarge, title: title, errs: map[string]string{"body": "the array holds " + itoa(len(items)) + " items"}}
	}
	return items, nil
}

func cutSemicolon(s string) (string, string, bool) {
	for i := 0; i < len(s); i++ {
		if s[i] == ';' {
			return trimSpace(s[:i]), s[i+1:], true
		}
	}
	return trimSpace(s), "", false
}

func trimSpace(s string) string {
	for len(s) > 0 && (s[0] == ' ' || s[0] == '\t') {
		s = s[1:]
	}
	for len(s) > 0 && (s[len(s)-1] == ' ' || s[len(s)-1] == '\t') {
		s = s[:len(s)-1]
	}
	return s
}

func itoa[T ~int | ~int64](n T) string { return strconv.FormatInt(int64(n), 10) }
