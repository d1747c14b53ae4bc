// Package bigcommerce is a client for the BigCommerce Customers V3 API.
//
// One Client serves every resource through a service per resource
// (Customers, Addresses, Attributes, AttributeValues, FormFieldValues), in
// the manner of google/go-github. Every call takes a context first and
// returns a *Response that carries the rate-limit state and pagination meta.
//
// Pacing (the store-wide request quota) and retrying (transient failures)
// are policies kept apart from the endpoint code, shared with the other
// API clients (internal/pacer): the Pacer decides when a request may go,
// the RetryPolicy decides whether and when a failed one is sent again.
// Endpoint methods only build requests and decode responses.
//
// The token goes only into the X-Auth-Token header of requests to the API
// URL: redirects are never followed (redirect.go), and every text the
// client copies from an answer into an error is scrubbed of it (Redact).
package bigcommerce

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync/atomic"
	"time"

	"github.com/bcetl/bcetl/internal/pacer"
)

// DefaultBaseURL is the API root; {store_hash} is replaced by the store hash.
const DefaultBaseURL = "https://api.bigcommerce.com/stores/{store_hash}/v3"

const (
	headerAuthToken = "X-Auth-Token"
	userAgent       = "bcetl/1 (+https://github.com/bcetl/bcetl)"
	// maxErrorBody bounds how much of an error response is read: an error
	// body is for a message, not for data.
	maxErrorBody = 1 << 20
	// maxBody bounds a successful response: 250 customers with every
	// sub-resource embedded are well under this.
	maxBody = 64 << 20
	// defaultTimeout bounds one round trip of the default HTTP client.
	defaultTimeout = 60 * time.Second
)

// Client talks to one store.
type Client struct {
	base *url.URL
	// v2 is the V2 root beside base (…/stores/{hash}/v2/), for customer
	// groups and geography; nil when base does not end in /v3 (v2.go).
	v2 *url.URL
	// shown is base without userinfo: what BaseURL, String, logs and
	// manifests print.
	shown string
	http  *http.Client
	// token holds the access token and every other credential the
	// client's messages are scrubbed of; a pointer, so printing a Client
	// by value shows none of them.
	token *secret
	pacer *Pacer
	retry RetryPolicy
	clock Clock

	stats *Stats

	common          service
	Customers       *CustomersService
	Addresses       *AddressesService
	Attributes      *AttributesService
	AttributeValues *AttributeValuesService
	FormFieldValues *FormFieldValuesService
	CustomerGroups  *CustomerGroupsService
	Channels        *ChannelsService
	Geography       *GeographyService
	Subscribers     *SubscribersService
	Metafields      *MetafieldsService
	Consent         *ConsentService
}

type service struct{ client *Client }

// secret holds the access token. It is never formatted: String, GoString
// and Format all print a placeholder, so neither logs nor %v of any value
// that holds it can leak it.
type secret struct {
	v string
	// all is what Redact removes from the client's messages: v and the
	// API URL's password.
	all []string
}

const redacted = "[REDACTED]"

func (s *secret) String() string               { return redacted }
func (s *secret) GoString() string             { return redacted }
func (s *secret) Format(f fmt.State, _ rune)   { io.WriteString(f, redacted) }
func (s *secret) MarshalJSON() ([]byte, error) { return json.Marshal(redacted) }

// String describes the client without its token or its URL's userinfo.
func (c *Client) String() string { return "bigcommerce.Client{" + c.shown + "}" }

// GoString is String: %#v must not show the token either.
func (c *Client) GoString() string { return c.String() }

// Config is what a Client needs to reach a store.
type Config struct {
	// BaseURL overrides DefaultBaseURL (e.g. the sandbox). It may contain
	// {store_hash}.
	BaseURL   string
	StoreHash string
	Token     string
}

// The settings of a Config a ConfigError names.
const (
	SettingAPIURL    = "API URL"
	SettingStoreHash = "store hash"
	SettingToken     = "access token"
)

// ConfigError is a Config the client cannot use: a setting missing or not
// valid. It names the setting, never a flag or a variable: which flag of
// which command filled it is the caller's to say (cmd/bcetl turns it into
// that command's flag and environment variable).
type ConfigError struct {
	Setting string // SettingAPIURL, SettingStoreHash or SettingToken
	// Problem is what is wrong with it; "" when it is missing.
	Problem string
}

func (e *ConfigError) Error() string {
	if e.Problem == "" {
		return "bigcommerce: no " + e.Setting
	}
	return "bigcommerce: " + e.Setting + ": " + e.Problem
}

// Option configures a Client.
type Option func(*Client)

// WithHTTPClient sets the HTTP client. Its transport keeps TLS verification
// on; nothing in this package turns it off. The client uses a copy that
// follows no redirects (redirect.go); h itself is not changed.
func WithHTTPClient(h *http.Client) Option { return func(c *Client) { c.http = h } }

// WithPacer shares a pacer between clients of the same store (the quota is
// per store, shared by every app and every client).
func WithPacer(p *Pacer) Option { return func(c *Client) { c.pacer = p } }

// WithRetryPolicy replaces DefaultRetryPolicy.
func WithRetryPolicy(r RetryPolicy) Option { return func(c *Client) { c.retry = r } }

// WithClock replaces the real clock, for tests that must not sleep.
func WithClock(k Clock) Option { return func(c *Client) { c.clock = k } }

// NewClient returns a client for the store in cfg.
func NewClient(cfg Config, opts ...Option) (*Client, error) {
	if cfg.Token == "" {
		return nil, &ConfigError{Setting: SettingToken}
	}
	raw := cfg.BaseURL
	if raw == "" {
		if cfg.StoreHash == "" {
			return nil, &ConfigError{Setting: SettingStoreHash}
		}
		raw = DefaultBaseURL
	}
	if strings.Contains(raw, "{store_hash}") {
		if cfg.StoreHash == "" {
			return nil, &ConfigError{Setting: SettingStoreHash, Problem: "the API URL " + RedactURL(raw) + " needs one"}
		}
		raw = strings.ReplaceAll(raw, "{store_hash}", url.PathEscape(cfg.StoreHash))
	}
	u, err := url.Parse(strings.TrimRight(raw, "/") + "/")
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return nil, &ConfigError{Setting: SettingAPIURL, Problem: fmt.Sprintf("%q is not an http(s) URL", RedactURL(raw))}
	}
	c := &Client{
		base:  u,
		shown: strings.TrimRight(RedactURL(u.String()), "/"),
		token: &secret{v: cfg.Token, all: []string{cfg.Token}},
		http:  &http.Client{Timeout: defaultTimeout},
		retry: DefaultRetryPolicy,
		clock: pacer.RealClock{},
		stats: &Stats{},
		v2:    v2Root(u),
	}
	if pw, ok := u.User.Password(); ok {
		c.token.all = append(c.token.all, pw)
	} else if u.User != nil {
		c.token.all = append(c.token.all, u.User.Username()) // https://TOKEN@host
	}
	for _, o := range opts {
		o(c)
	}
	c.http = withoutRedirects(c.http)
	if c.pacer == nil {
		c.pacer = NewPacer(c.clock)
	}
	c.common.client = c
	c.Customers = (*CustomersService)(&c.common)
	c.Addresses = (*AddressesService)(&c.common)
	c.Attributes = (*AttributesService)(&c.common)
	c.AttributeValues = (*AttributeValuesService)(&c.common)
	c.FormFieldValues = (*FormFieldValuesService)(&c.common)
	c.CustomerGroups = (*CustomerGroupsService)(&c.common)
	c.Channels = (*ChannelsService)(&c.common)
	c.Geography = (*GeographyService)(&c.common)
	c.Subscribers = (*SubscribersService)(&c.common)
	c.Metafields = (*MetafieldsService)(&c.common)
	c.Consent = (*ConsentService)(&c.common)
	return c, nil
}

// BaseURL is the API root the client talks to, without userinfo: it is
// what manifests, state files and logs record.
func (c *Client) BaseURL() string { return c.shown }

// Pacer is the client's pacer, whose state says how the quota is used.
func (c *Client) Pacer() *Pacer { return c.pacer }

// Stats counts what the client did.
type Stats struct {
	Requests    atomic.Int64 // requests sent, retries included
	Retries     atomic.Int64
	RateLimited atomic.Int64 // 429 responses
}

// Stats returns the client's counters.
func (c *Client) Stats() *Stats { return c.stats }

// request is one API call: built once, possibly sent several times.
type request struct {
	method string
	path   string // relative to the base, e.g. "customers"
	query  url.Values
	body   []byte // JSON, nil for none
	// v2 sends the request to the V2 root (v2.go): a bare JSON answer,
	// V2's error bodies.
	v2 bool
	// bare: the answer is the resource itself, without the {data, meta}
	// envelope (V2, and the V3 consent endpoints).
	bare bool
}

// do sends r through the pacer and the retry policy and decodes a 2xx body
// into out (if non-nil). It always returns the last Response it got.
func (c *Client) do(ctx context.Context, r request, out any) (*Response, error) {
	root := c.base
	endpoint := r.method + " /" + r.path
	if r.v2 {
		if c.v2 == nil {
			return nil, fmt.Errorf("%s: %w", endpoint, errNoV2)
		}
		root, endpoint = c.v2, r.method+" /v2/"+r.path
	}
	u := *root
	u.Path += r.path
	u.RawQuery = encodeQuery(r.query)
	for attempt := 0; ; attempt++ {
		if err := c.pacer.Wait(ctx); err != nil {
			return nil, err
		}
		resp, err := c.send(ctx, r, &u)
		c.pacer.Observe(resp.rate())
		if err == nil {
			err = checkResponse(endpoint, resp, c.Redact)
		}
		if err == nil {
			if out != nil {
				decode := resp.decode
				if r.bare {
					decode = resp.decodeBare
				}
				if derr := decode(out); derr != nil {
					return resp, fmt.Errorf("%s: decoding response: %w", endpoint, derr)
				}
			}
			return resp, nil
		}
		if resp != nil && resp.StatusCode == http.StatusTooManyRequests {
			c.stats.RateLimited.Add(1)
		}
		if ctx.Err() != nil {
			return resp, ctx.Err()
		}
		decision := c.retry.Decide(attempt, failure(r.method, resp, err))
		if decision.OutcomeUnknown {
			return resp, &OutcomeUnknownError{Endpoint: endpoint, Err: err}
		}
		if !decision.Retry {
			return resp, err
		}
		c.stats.Retries.Add(1)
		if decision.GlobalWait > 0 {
			// A 429 with rate-limit headers: the quota is spent, for
			// every worker. The pacer holds them all until the reset.
			c.pacer.Block(decision.GlobalWait)
		}
		if err := c.clock.Sleep(ctx, decision.Wait); err != nil {
			return resp, err
		}
	}
}

// send makes one HTTP round trip and reads the whole body.
func (c *Client) send(ctx context.Context, r request, u *url.URL) (*Response, error) {
	var body io.Reader
	if r.body != nil {
		body = bytes.NewReader(r.body)
	}
	req, err := http.NewRequestWithContext(ctx, r.method, u.String(), body)
	if err != nil {
		return nil, err
	}
	req.Header.Set(headerAuthToken, c.token.v)
	req.Header.Set("Accept", "application/json")
	req.Header.Set("User-Agent", userAgent)
	if r.body != nil || r.v2 {
		// The V2 documents list Content-Type as a required header on
		// every request, GETs included (geography.v2.yml).
		req.Header.Set("Content-Type", "application/json")
	}
	c.stats.Requests.Add(1)
	hr, err := c.http.Do(req)
	if err != nil {
		return nil, c.transportError(err, pacer.MayHaveReached(err))
	}
	defer hr.Body.Close()
	limit := int64(maxBody)
	if hr.StatusCode >= 300 {
		limit = maxErrorBody
	}
	b, err := io.ReadAll(io.LimitReader(hr.Body, limit))
	resp := newResponse(hr, b, c.clock.Now())
	if err != nil {
		// The server answered but the body was cut: for a write the
		// outcome is unknown.
		return resp, c.transportError(fmt.Errorf("reading response: %w", err), true)
	}
	return resp, nil
}

// encodeQuery encodes query values without escaping the commas and colons
// the API uses in filter names and lists (id:in=1,2,3), so URLs read as the
// documentation writes them.
// Keys are sorted, as url.Values.Encode sorts them; escapeQuery (chunk.go)
// is the one escaping, so ChunkByURL measures what is sent.
func encodeQuery(v url.Values) string {
	var b strings.Builder
	for _, k := range slices.Sorted(maps.Keys(v)) {
		for _, x := range v[k] {
			if b.Len() > 0 {
				b.WriteByte('&')
			}
			b.WriteString(escapeQuery(k))
			b.WriteByte('=')
			b.WriteString(escapeQuery(x))
		}
	}
	return b.String()
}

func marshalBody(v any) ([]byte, error) {
	b, err := marshal(v)
	if err != nil {
		return nil, fmt.Errorf("bigcommerce: encoding request: %w", err)
	}
	return b, nil
}
