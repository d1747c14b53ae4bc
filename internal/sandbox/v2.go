package sandbox

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"sort"
	"strings"
	"time"
)

// What the V2 endpoints (customer groups, geography) share. V2 answers are
// bare JSON: an array for a list, an object for one record, no data/meta
// envelope. Errors: the one V2 error body the documents define,
// ErrorRequest `{"errors": [{"status", "title", "type"}]}` (customers.v2.yml,
// GET/DELETE /customer_groups/{id} 400), for every V2 error. Choice: the
// V2 API's older bodies (`[{"status", "message"}]`) are not emulated; a
// client should act on the status code. Evidence: none beyond the
// document; none recorded.
//
// Paging: page and limit as on V3 (default 50, at most 250, 413 beyond);
// a page past the end is `[]`.

type v2Error struct {
	Status int    `json:"status"`
	Title  string `json:"title"`
	Type   string `json:"type"`
}

type v2ErrorBody struct {
	Errors []v2Error `json:"errors"`
}

func writeV2Error(w http.ResponseWriter, status int, title string) {
	writeJSON(w, status, v2ErrorBody{Errors: []v2Error{{Status: status, Title: title, Type: statusDocType}}})
}

// failV2 answers err in the V2 shape: an *apiError's field errors are
// appended to its title, sorted.
func failV2(w http.ResponseWriter, err error) {
	var ae *apiError
	if !errors.As(err, &ae) {
		writeV2Error(w, http.StatusInternalServerError, "Internal error: "+err.Error())
		return
	}
	title := ae.title
	if len(ae.errs) > 0 {
		keys := make([]string, 0, len(ae.errs))
		for k := range ae.errs {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		parts := make([]string, len(keys))
		for i, k := range keys {
			parts[i] = k + ": " + ae.errs[k]
		}
		title += " " + strings.Join(parts, "; ")
	}
	writeV2Error(w, ae.status, title)
}

// readObject reads a write body that is one JSON object (V2 and the
// single-record V3 writes): 415 without Content-Type application/json,
// 413 past maxBody, status bad for a body that is not an object.
func readObject(r *http.Request, bad int) (map[string]json.RawMessage, error) {
	ct := r.Header.Get("Content-Type")
	if mt, _, _ := cutSemicolon(ct); !strings.EqualFold(mt, "application/json") {
		return nil, &apiError{status: http.StatusUnsupportedMediaType, title: "The request body must be JSON: send Content-Type: application/json."}
	}
	if r.ContentLength > maxBody {
		return nil, &apiError{status: http.StatusRequestEntityTooLarge, title: "The request payload is too large."}
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, maxBody+1))
	if err != nil {
		return nil, &apiError{status: http.StatusBadRequest, title: "The request body could not be read."}
	}
	if len(body) > maxBody {
		return nil, &apiError{status: http.StatusRequestEntityTooLarge, title: "The request payload is too large."}
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal(body, &m); err != nil || m == nil {
		return nil, &apiError{status: bad, title: "The request body must be a JSON object.", errs: map[string]string{"body": "not a JSON object"}}
	}
	return m, nil
}

// formatV2Time is the date format of customerGroup_Full's examples
// ("2023-07-17 06:30:41"), in UTC.
func formatV2Time(sec int64) string { return time.Unix(sec, 0).UTC().Format("2006-01-02 15:04:05") }
