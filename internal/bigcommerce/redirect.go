package bigcommerce

import (
	"fmt"
	"net/http"
	"net/url"
)

// API calls never follow redirects. net/http's default policy re-sends the
// request's headers, X-Auth-Token included, to wherever Location points:
// another host, or plain http after https. The Customers API does not
// redirect its calls, so a 3xx means a wrong --api-url (or something in
// between that should not get the token); it is a final RedirectError.

// withoutRedirects returns a copy of h that hands every 3xx back instead of
// following it. It copies, so a caller's client (WithHTTPClient) keeps its
// own policy for its own requests; transport, cookie jar and timeout are
// shared.
func withoutRedirects(h *http.Client) *http.Client {
	var cp http.Client
	if h != nil {
		cp = *h
	} else {
		cp.Timeout = defaultTimeout
	}
	cp.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	return &cp
}

// RedirectError is a 3xx answer to an API call, not followed (see above).
// Location is where it pointed, resolved against the request URL, without
// userinfo, query or fragment: a redirecting server may put anything there.
type RedirectError struct {
	ErrorResponse
	Location string
}

func (e *RedirectError) Error() string {
	return fmt.Sprintf("%s: %d redirect to %s not followed: API calls never follow redirects, so the access token "+
		"goes to no other URL; check the API URL", e.Endpoint, e.StatusCode, e.Location)
}

// Unwrap lets errors.As find the embedded ErrorResponse.
func (e *RedirectError) Unwrap() error { return &e.ErrorResponse }

// location is r's Location header as RedirectError shows it.
func location(r *Response) string {
	raw := r.Header.Get("Location")
	if raw == "" {
		return "(no Location header)"
	}
	u, err := url.Parse(raw)
	if err != nil {
		return "(an unparseable Location)"
	}
	if r.Request != nil && r.Request.URL != nil {
		u = r.Request.URL.ResolveReference(u)
	}
	u.User, u.RawQuery, u.ForceQuery, u.Fragment, u.RawFragment = nil, "", false, "", ""
	return u.String()
}
