package voucherify

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/bcetl/bcetl/internal/pacer"
)

// ErrorBody is Voucherify's error object (components.schemas.Error of
// customers.json and exports.json): code and message always; key, details
// and request_id as the documented examples carry them.
type ErrorBody struct {
	Code         int    `json:"code"`
	Key          string `json:"key,omitempty"`
	Message      string `json:"message"`
	Details      string `json:"details,omitempty"`
	RequestID    string `json:"request_id,omitempty"`
	ResourceID   string `json:"resource_id,omitempty"`
	ResourceType string `json:"resource_type,omitempty"`
}

// ErrorResponse is a non-2xx answer with its error body decoded. Every
// text in it has been through the client's Redact.
type ErrorResponse struct {
	Endpoint   string // e.g. "GET /v1/customers"
	StatusCode int
	Body       ErrorBody
	// Raw is the body when it was not the documented shape (truncated).
	Raw string
}

func (e *ErrorResponse) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s: %d", e.Endpoint, e.StatusCode)
	switch {
	case e.Body.Message != "":
		if e.Body.Key != "" {
			b.WriteString(" " + e.Body.Key + ":")
		}
		b.WriteString(" " + e.Body.Message)
		if e.Body.Details != "" {
			b.WriteString(": " + e.Body.Details)
		}
		if e.Body.RequestID != "" {
			b.WriteString(" (request " + e.Body.RequestID + ")")
		}
	case e.Raw != "":
		b.WriteString(" " + e.Raw)
	default:
		b.WriteString(" " + http.StatusText(e.StatusCode))
	}
	return b.String()
}

// RateLimitError is a 429: the project's API call limit is spent (Rate
// says until when, RetryAfter repeats it in whole seconds) or, without
// rate-limit headers, the platform is under load.
type RateLimitError struct {
	ErrorResponse
	Rate       pacer.Rate
	RetryAfter time.Duration
	Type       string // X-Rate-Limit-Type: "api_calls"
}

func (e *RateLimitError) Error() string {
	if e.Rate.Known {
		return fmt.Sprintf("%s: 429 rate limited: %d API calls per window spent, retry in %s", e.Endpoint, e.Rate.Quota, e.RetryAfter)
	}
	return fmt.Sprintf("%s: 429 rate limited without rate-limit headers (platform under load)", e.Endpoint)
}

// Unwrap lets errors.As find the embedded ErrorResponse.
func (e *RateLimitError) Unwrap() error { return &e.ErrorResponse }

// RedirectError is a 3xx answer, not followed. Location is where it
// pointed, without userinfo, query or fragment.
type RedirectError struct {
	ErrorResponse
	Location string
}

func (e *RedirectError) Error() string {
	return fmt.Sprintf("%s: %d redirect to %s not followed: API calls never follow redirects, so the secret key "+
		"goes to no other URL; check the API URL", e.Endpoint, e.StatusCode, e.Location)
}

// Unwrap lets errors.As find the embedded ErrorResponse.
func (e *RedirectError) Unwrap() error { return &e.ErrorResponse }

// OutcomeUnknownError is a write (creating an export) that may or may not
// have been applied. It is not retried blindly.
type OutcomeUnknownError struct {
	Endpoint string
	Err      error
}

func (e *OutcomeUnknownError) Error() string {
	return fmt.Sprintf("%s: outcome unknown, the request may have been applied: %v", e.Endpoint, e.Err)
}

func (e *OutcomeUnknownError) Unwrap() error { return e.Err }

// transportError is a failed round trip, its text through Redact.
type transportError struct {
	err     error
	msg     string
	reached bool
}

func (c *Client) transportError(err error, reached bool, extra []string) *transportError {
	return &transportError{err: err, msg: c.Redact(err.Error(), extra...), reached: reached}
}

func (e *transportError) Error() string { return e.msg }
func (e *transportError) Unwrap() error { return e.err }

// failure is a failed attempt in the retry policy's terms.
func failure(method string, resp *Response, err error) pacer.Failure {
	f := pacer.Failure{Method: method, Err: err}
	if resp != nil {
		f.Status = resp.StatusCode
	}
	var rl *RateLimitError
	var te *transportError
	switch {
	case errors.As(err, &rl):
		f.RateLimited, f.Rate, f.RetryAfter = true, rl.Rate, rl.RetryAfter
	case errors.As(err, &te):
		f.Transport, f.Reached = true, te.reached
	}
	return f
}

// checkResponse turns a non-2xx answer into a typed error, every text in
// it redacted before it is truncated.
func (c *Client) checkResponse(r request, resp *Response, body []byte) error {
	redact := func(s string) string { return c.Redact(s, r.secrets...) }
	er := ErrorResponse{Endpoint: r.endpoint, StatusCode: resp.StatusCode}
	if err := json.Unmarshal(body, &er.Body); err != nil || er.Body.Message == "" {
		er.Body = ErrorBody{}
		er.Raw = truncate(redact(strings.TrimSpace(string(body))), 300)
	}
	b := &er.Body
	b.Key, b.Message, b.Details, b.RequestID = redact(b.Key), redact(b.Message), redact(b.Details), redact(b.RequestID)
	b.ResourceID, b.ResourceType = redact(b.ResourceID), redact(b.ResourceType)
	switch {
	case resp.StatusCode >= 300 && resp.StatusCode < 400:
		return &RedirectError{ErrorResponse: er, Location: location(resp)}
	case resp.StatusCode == http.StatusTooManyRequests:
		rl := &RateLimitError{ErrorResponse: er, Rate: resp.Rate, Type: resp.Header.Get(HeaderLimitType)}
		if sec, err := strconv.Atoi(strings.TrimSpace(resp.Header.Get(HeaderRetryAfter))); err == nil && sec >= 0 {
			rl.RetryAfter = time.Duration(sec) * time.Second
		}
		return rl
	}
	return &er
}

// location is a redirect's Location as RedirectError shows it.
func location(r *Response) string {
	raw := r.Header.Get("Location")
	if raw == "" {
		return "(no Location header)"
	}
	u, err := r.Request.URL.Parse(raw)
	if err != nil {
		return "(an unparseable Location)"
	}
	u.User, u.RawQuery, u.ForceQuery, u.Fragment, u.RawFragment = nil, "", false, "", ""
	return u.String()
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}
