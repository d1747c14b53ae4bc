package bigcommerce

import (
	"errors"
	"fmt"
	"net/http"
	"sort"
	"strings"
	"time"
)

// ErrorResponse is a non-2xx answer from the API, with the documented error
// body ({status, title, type, instance, errors{}}) decoded. Every text in
// it has been through the client's Redact: a server that echoes the
// X-Auth-Token into its answer does not get it into a log or a results
// file.
type ErrorResponse struct {
	Endpoint   string // e.g. "POST /customers"
	StatusCode int
	Body       ErrorBody
	// Raw is the body when it was not the documented shape (truncated).
	Raw string
}

func (e *ErrorResponse) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s: %d", e.Endpoint, e.StatusCode)
	if e.Body.Title != "" {
		b.WriteString(" " + e.Body.Title)
	} else if e.Raw != "" {
		b.WriteString(" " + e.Raw)
	} else {
		b.WriteString(" " + http.StatusText(e.StatusCode))
	}
	if fe := e.FieldErrors(); len(fe) > 0 {
		b.WriteString(": ")
		b.WriteString(strings.Join(fe, "; "))
	}
	return b.String()
}

// FieldErrors returns the body's errors map as sorted "field: message"
// strings.
func (e *ErrorResponse) FieldErrors() []string {
	out := make([]string, 0, len(e.Body.Errors))
	for k, v := range e.Body.Errors {
		out = append(out, k+": "+v)
	}
	sort.Strings(out)
	return out
}

// RateLimitError is a 429. With rate-limit headers (Rate.Known) the store's
// quota is spent until Rate.ResetAt; without them the platform is under load
// and the caller should back off.
type RateLimitError struct {
	ErrorResponse
	Rate       Rate
	RetryAfter time.Duration // from X-Retry-After, if present
}

func (e *RateLimitError) Error() string {
	if e.Rate.Known {
		return fmt.Sprintf("%s: 429 rate limited: quota of %d per %s spent, resets in %s",
			e.Endpoint, e.Rate.Quota, e.Rate.Window, e.Rate.Reset)
	}
	return fmt.Sprintf("%s: 429 rate limited without rate-limit headers (platform under load)", e.Endpoint)
}

// Unwrap lets errors.As find the embedded ErrorResponse.
func (e *RateLimitError) Unwrap() error { return &e.ErrorResponse }

// OutcomeUnknownError reports a write that may or may not have been applied:
// the request may have reached the server, but no answer came back (timeout,
// reset connection, a 5xx that may follow a commit). It is never retried
// blindly; the caller reconciles, e.g. by looking the records up.
type OutcomeUnknownError struct {
	Endpoint string
	Err      error
}

func (e *OutcomeUnknownError) Error() string {
	return fmt.Sprintf("%s: outcome unknown, the request may have been applied: %v", e.Endpoint, e.Err)
}

func (e *OutcomeUnknownError) Unwrap() error { return e.Err }

// IsOutcomeUnknown reports whether err is an OutcomeUnknownError.
func IsOutcomeUnknown(err error) bool {
	var o *OutcomeUnknownError
	return errors.As(err, &o)
}

// BatchTooLargeError is returned, without a request, for a batch over the
// documented per-call maximum: the API would refuse it with a 413.
type BatchTooLargeError struct {
	Endpoint string
	Items    int
	Max      int
}

func (e *BatchTooLargeError) Error() string {
	return fmt.Sprintf("%s: %d items, the documented maximum per call is %d", e.Endpoint, e.Items, e.Max)
}

// transportError is a failed round trip. reached says whether the request
// may have reached the server. msg is err's text through the client's
// Redact (net/http quotes what a server sent in some of its errors, e.g. a
// malformed status line); err is kept for errors.As (certificates,
// dial errors).
type transportError struct {
	err     error
	msg     string
	reached bool
}

func (c *Client) transportError(err error, reached bool) *transportError {
	return &transportError{err: err, msg: c.Redact(err.Error()), reached: reached}
}

func (e *transportError) Error() string { return e.msg }
func (e *transportError) Unwrap() error { return e.err }

// checkResponse turns a non-2xx response into a typed error, every text in
// it through redact. Redaction comes before truncation, so a cut cannot
// leave half a token behind.
func checkResponse(endpoint string, r *Response, redact func(string) string) error {
	if r.StatusCode >= 200 && r.StatusCode < 300 {
		return nil
	}
	er := ErrorResponse{Endpoint: endpoint, StatusCode: r.StatusCode}
	if err := unmarshal(r.body, &er.Body); err != nil || (er.Body.Title == "" && len(er.Body.Errors) == 0) {
		if t := listedErrorTitles(r.body); t != "" {
			er.Body = ErrorBody{Status: r.StatusCode, Title: t}
		} else {
			er.Raw = truncate(redact(strings.TrimSpace(string(r.body))), 300)
		}
	}
	er.Body.redact(redact)
	if r.StatusCode >= 300 && r.StatusCode < 400 {
		return &RedirectError{ErrorResponse: er, Location: redact(location(r))}
	}
	if r.StatusCode == http.StatusTooManyRequests {
		rl := &RateLimitError{ErrorResponse: er, Rate: r.Rate}
		if s := r.Header.Get(HeaderRetryAfter); s != "" {
			var sec int
			if _, err := fmt.Sscanf(s, "%d", &sec); err == nil && sec >= 0 {
				rl.RetryAfter = time.Duration(sec) * time.Second
			}
		}
		return rl
	}
	return &er
}

// listedErrorTitles reads the error bodies that list their errors: V2's
// documented ErrorRequest `{"errors": [{"status", "title", "type"}]}`, the
// older V2 `[{"status", "message"}]`, and the per-item errors of a V3
// batch that partly failed (metafields: `{"data", "errors": [{"title",
// "errors"}], "meta"}`), joined with "; ". "" when the body is none of
// them.
func listedErrorTitles(body []byte) string {
	type item struct {
		Title   string            `json:"title"`
		Message string            `json:"message"`
		Errors  map[string]string `json:"errors"`
	}
	var wrapped struct {
		Errors []item `json:"errors"`
	}
	var bare []item
	items := bare
	if unmarshal(body, &wrapped) == nil && len(wrapped.Errors) > 0 {
		items = wrapped.Errors
	} else if unmarshal(body, &bare) == nil {
		items = bare
	}
	var parts []string
	for _, it := range items {
		t := it.Title
		if t == "" {
			t = it.Message
		}
		keys := make([]string, 0, len(it.Errors))
		for k := range it.Errors {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			t += " " + k + ": " + it.Errors[k]
		}
		if t = strings.TrimSpace(t); t != "" {
			parts = append(parts, t)
		}
	}
	return strings.Join(parts, "; ")
}

// redact passes every text of the body through redact.
func (b *ErrorBody) redact(redact func(string) string) {
	b.Title, b.Type, b.Instance = redact(b.Title), redact(b.Type), redact(b.Instance)
	if len(b.Errors) == 0 {
		return
	}
	m := make(map[string]string, len(b.Errors))
	for k, v := range b.Errors {
		m[redact(k)] = redact(v)
	}
	b.Errors = m
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}
