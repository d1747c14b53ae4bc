package bigcommerce

import (
	"context"
	"errors"
	"fmt"
	"github.com/bcetl/bcetl/internal/pacer"
	"io"
	"net/http"
	"net/url"
	"strings"
)

// The Storefront API's form fields (form_fields.sf.yml): the definitions
// of a store's sign-up and address forms, the only place that lists the
// custom field names a customer's form_fields may use (the Admin API has
// no such endpoint; bigcommerce-facts.md (h)). It is served by the
// storefront's own domain, https://{store_domain}/api/storefront, not by
// the API host, and needs no token ("You do not need to send any
// BigCommerce-specific tokens"): a Storefront client has none to send, so
// the store's access token never reaches that host. Its requests do not
// count against the API quota and are not paced.

// Storefront reads a storefront's public endpoints.
type Storefront struct {
	base  *url.URL // the storefront's root, with a trailing slash
	shown string
	http  *http.Client
	retry RetryPolicy
	clock Clock
}

// StorefrontOption configures a Storefront.
type StorefrontOption func(*Storefront)

// WithStorefrontHTTPClient sets the HTTP client (TLS verification stays
// on). Redirects are followed only from https to https.
func WithStorefrontHTTPClient(h *http.Client) StorefrontOption {
	return func(s *Storefront) { s.http = h }
}

// WithStorefrontClock replaces the real clock the retries sleep on.
func WithStorefrontClock(k Clock) StorefrontOption { return func(s *Storefront) { s.clock = k } }

// NewStorefront returns a client for the storefront at rawURL: its root
// ("https://shop.example.com") or the Storefront API's
// ("https://shop.example.com/api/storefront"). Userinfo, a query or a
// fragment are refused: the address is public.
func NewStorefront(rawURL string, opts ...StorefrontOption) (*Storefront, error) {
	u, err := url.Parse(strings.TrimSpace(rawURL))
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return nil, fmt.Errorf("bigcommerce: invalid storefront URL %q: want https://STORE-DOMAIN", RedactURL(rawURL))
	}
	if u.User != nil || u.RawQuery != "" || u.Fragment != "" {
		return nil, fmt.Errorf("bigcommerce: storefront URL %q: want the storefront's address only, without user, query or fragment", RedactURL(rawURL))
	}
	u.Path = strings.TrimSuffix(strings.TrimRight(u.Path, "/"), "/api/storefront") + "/"
	u.RawPath = ""
	s := &Storefront{base: u, shown: strings.TrimRight(u.String(), "/"), retry: DefaultRetryPolicy, clock: pacer.RealClock{}}
	for _, o := range opts {
		o(s)
	}
	var cp http.Client
	if s.http != nil {
		cp = *s.http
	} else {
		cp.Timeout = defaultTimeout
	}
	cp.CheckRedirect = func(req *http.Request, via []*http.Request) error {
		if len(via) >= 5 {
			return errors.New("stopped after 5 redirects")
		}
		if req.URL.Scheme != "https" && via[0].URL.Scheme == "https" {
			return fmt.Errorf("refused a redirect from https to %s", req.URL.Scheme)
		}
		return nil
	}
	s.http = &cp
	return s, nil
}

// URL is the storefront's address.
func (s *Storefront) URL() string { return s.shown }

// StorefrontFormField is FormField: one field of a form. Custom is false
// for the system fields every store has (email, password, the address
// lines); only custom fields' names are form_fields names.
type StorefrontFormField struct {
	ID        string `json:"id"`
	Name      string `json:"name"`
	Custom    bool   `json:"custom"`
	Label     string `json:"label"`
	Required  bool   `json:"required"`
	Default   string `json:"default,omitempty"`
	Type      string `json:"type"`      // integer, string, array, date
	FieldType string `json:"fieldType"` // checkbox, text, date, multiline, radio, dropdown
	Min       string `json:"min,omitempty"`
	Max       string `json:"max,omitempty"`
	MaxLength *int   `json:"maxLength,omitempty"`
	Secret    bool   `json:"secret,omitempty"`
	Options   *struct {
		HelperLabel string `json:"helperLabel,omitempty"`
		Items       []struct {
			Label string `json:"label"`
			Value string `json:"value"`
		} `json:"items"`
	} `json:"options,omitempty"`
}

// FormFieldGroups is FormFieldGroups: the sign-up form's account fields
// and the address form (served twice, as shipping and billing address).
type FormFieldGroups struct {
	CustomerAccount []StorefrontFormField `json:"customerAccount"`
	ShippingAddress []StorefrontFormField `json:"shippingAddress"`
	BillingAddress  []StorefrontFormField `json:"billingAddress"`
}

// CustomerFieldNames are the names of the sign-up form's custom fields:
// the form_fields a customer may carry.
func (g FormFieldGroups) CustomerFieldNames() []string { return customNames(g.CustomerAccount) }

// AddressFieldNames are the names of the address form's custom fields
// (shipping and billing together): the form_fields an address may carry.
func (g FormFieldGroups) AddressFieldNames() []string {
	return customNames(append(append([]StorefrontFormField(nil), g.ShippingAddress...), g.BillingAddress...))
}

func customNames(fields []StorefrontFormField) []string {
	var out []string
	seen := map[string]bool{}
	for _, f := range fields {
		if f.Custom && !seen[f.Name] {
			seen[f.Name] = true
			out = append(out, f.Name)
		}
	}
	return out
}

// FormFields reads the storefront's form field definitions: GET
// {storefront}/api/storefront/form-fields. Transient failures (5xx,
// timeouts, 429) are retried as API GETs are.
func (s *Storefront) FormFields(ctx context.Context) (FormFieldGroups, error) {
	u := *s.base
	u.Path += "api/storefront/form-fields"
	endpoint := "GET " + u.String()
	var out FormFieldGroups
	for attempt := 0; ; attempt++ {
		resp, err := s.get(ctx, u.String())
		if err == nil {
			err = checkResponse(endpoint, resp, func(s string) string { return s })
		}
		if err == nil {
			if derr := unmarshal(resp.body, &out); derr != nil {
				return out, fmt.Errorf("%s: decoding response: %w", endpoint, derr)
			}
			return out, nil
		}
		if ctx.Err() != nil {
			return out, ctx.Err()
		}
		d := s.retry.Decide(attempt, failure(http.MethodGet, resp, err))
		if !d.Retry {
			return out, fmt.Errorf("storefront form fields: %w", err)
		}
		if err := s.clock.Sleep(ctx, max(d.Wait, d.GlobalWait)); err != nil {
			return out, err
		}
	}
}

func (s *Storefront) get(ctx context.Context, u string) (*Response, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Accept", "application/json")
	req.Header.Set("User-Agent", userAgent)
	hr, err := s.http.Do(req)
	if err != nil {
		return nil, &transportError{err: err, msg: err.Error(), reached: pacer.MayHaveReached(err)}
	}
	defer hr.Body.Close()
	b, err := io.ReadAll(io.LimitReader(hr.Body, maxErrorBody))
	resp := newResponse(hr, b, s.clock.Now())
	if err != nil {
		return resp, &transportError{err: err, msg: "reading response: " + err.Error(), reached: true}
	}
	return resp, nil
}
