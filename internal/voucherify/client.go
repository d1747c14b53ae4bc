// Package voucherify is a client for the parts of the Voucherify API a
// migration reads: List Customers and the customer Exports (create, get,
// download the CSV). Its documents are shared/reference/voucherify/
// customers.json and exports.json; internal/vsandbox emulates them, and
// every test reaches it over HTTP.
//
// It is built as internal/bigcommerce is: one Client, a service per
// resource (Customers, Exports), a context first in every call, a
// *Response carrying the rate-limit state, typed errors in Voucherify's
// error shape ({code, key, message, details, request_id}), and the
// project's pacer and retry policy (internal/pacer), fed by Voucherify's
// own headers (rate.go).
//
// The credentials are the project's Application ID and Secret key, sent as
// X-App-Id and X-App-Token to the API URL only: redirects are never
// followed, an export file is downloaded with the token its result URL
// carries and no credential, and every text the client copies from an
// answer into an error is scrubbed of the secret key and of download
// tokens (bigcommerce.Redact, the project's one redaction). The key is
// never printed: a Client formats as voucherify.Client{<url>}.
package voucherify

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"strings"
	"sync/atomic"
	"time"

	"github.com/bcetl/bcetl/internal/bigcommerce"
	"github.com/bcetl/bcetl/internal/pacer"
)

// DefaultBaseURL is the API of Voucherify's shared European cluster. The
// others are https://us1.api.voucherify.io and https://as1.api.voucherify.io
// (the documents' servers; a dedicated cluster has its own).
const DefaultBaseURL = "https://api.voucherify.io"

// Environment variables read by ConfigFromEnv, named as Voucherify's own
// integrations name them (the dashboard calls the two keys "Application
// ID" and "Secret key").
const (
	EnvAppID     = "VOUCHERIFY_APP_ID"
	EnvSecretKey = "VOUCHERIFY_SECRET_KEY"
	EnvAPIURL    = "VOUCHERIFY_API_URL"
)

const (
	headerAppID    = "X-App-Id"
	headerAppToken = "X-App-Token"
	userAgent      = "bcetl/1 (+https://github.com/bcetl/bcetl)"
	maxErrorBody   = 1 << 20
	// maxBody bounds a JSON answer: a page of 100 customers is well under.
	maxBody        = 64 << 20
	defaultTimeout = 60 * time.Second
	// DefaultRateWindow is the quota window assumed, which the headers do
	// not tell: Voucherify's current plans count API calls per minute
	// (Business 100, Organization 2,000). A longer window (older plans
	// counted per hour) costs a 429 or two, after which the answers' reset
	// is used.
	DefaultRateWindow = time.Minute
)

// Config is what a Client needs to reach a project.
type Config struct {
	BaseURL  string // DefaultBaseURL when empty
	AppID    string // X-App-Id: the Application ID
	AppToken string // X-App-Token: the Secret key
}

// ConfigFromEnv fills the empty fields of c from VOUCHERIFY_APP_ID,
// VOUCHERIFY_SECRET_KEY and VOUCHERIFY_API_URL.
func ConfigFromEnv(c Config) Config {
	if c.AppID == "" {
		c.AppID = os.Getenv(EnvAppID)
	}
	if c.AppToken == "" {
		c.AppToken = os.Getenv(EnvSecretKey)
	}
	if c.BaseURL == "" {
		c.BaseURL = os.Getenv(EnvAPIURL)
	}
	return c
}

// Client talks to one Voucherify project.
type Client struct {
	base  *url.URL
	shown string // base without userinfo: what String and errors print
	appID string
	// key holds the secret key and every other credential the client's
	// messages are scrubbed of; a pointer, so that printing a Client by
	// value shows none of them.
	key    *secret
	http   *http.Client
	pacer  *pacer.Pacer
	retry  pacer.RetryPolicy
	clock  pacer.Clock
	window time.Duration
	stats  *Stats

	common    service
	Customers *CustomersService
	Exports   *ExportsService
}

type service struct{ client *Client }

// secret is never formatted: String, GoString, Format and MarshalJSON all
// print a placeholder.
type secret struct {
	v   string
	all []string // what Redact removes: v and the API URL's password
}

const redacted = "[REDACTED]"

func (s *secret) String() string               { return redacted }
func (s *secret) GoString() string             { return redacted }
func (s *secret) Format(f fmt.State, _ rune)   { io.WriteString(f, redacted) }
func (s *secret) MarshalJSON() ([]byte, error) { return json.Marshal(redacted) }

// String describes the client without its credentials.
func (c *Client) String() string { return "voucherify.Client{" + c.shown + "}" }

// GoString is String: %#v must not show the key either.
func (c *Client) GoString() string { return c.String() }

// Option configures a Client.
type Option func(*Client)

// WithHTTPClient sets the HTTP client; the client uses a copy that follows
// no redirects. TLS verification stays on.
func WithHTTPClient(h *http.Client) Option { return func(c *Client) { c.http = h } }

// WithPacer shares a pacer between clients of one project (the limit is
// the project's).
func WithPacer(p *pacer.Pacer) Option { return func(c *Client) { c.pacer = p } }

// WithRetryPolicy replaces pacer.DefaultRetryPolicy.
func WithRetryPolicy(r pacer.RetryPolicy) Option { return func(c *Client) { c.retry = r } }

// WithClock replaces the real clock, for tests that must not sleep.
func WithClock(k pacer.Clock) Option { return func(c *Client) { c.clock = k } }

// WithRateWindow sets the quota window assumed (DefaultRateWindow).
func WithRateWindow(d time.Duration) Option { return func(c *Client) { c.window = d } }

// NewClient returns a client for the project in cfg.
func NewClient(cfg Config, opts ...Option) (*Client, error) {
	if cfg.AppID == "" || cfg.AppToken == "" {
		return nil, errors.New("voucherify: no credentials (set " + EnvAppID + " and " + EnvSecretKey + ")")
	}
	raw := cfg.BaseURL
	if raw == "" {
		raw = DefaultBaseURL
	}
	u, err := url.Parse(strings.TrimRight(raw, "/") + "/")
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || u.RawQuery != "" {
		return nil, fmt.Errorf("voucherify: invalid API URL %q (want e.g. %s)", bigcommerce.RedactURL(raw), DefaultBaseURL)
	}
	c := &Client{
		base:   u,
		shown:  strings.TrimRight(bigcommerce.RedactURL(u.String()), "/"),
		appID:  cfg.AppID,
		key:    &secret{v: cfg.AppToken, all: []string{cfg.AppToken}},
		http:   &http.Client{Timeout: defaultTimeout},
		retry:  pacer.DefaultRetryPolicy,
		clock:  pacer.RealClock{},
		window: DefaultRateWindow,
		stats:  &Stats{},
	}
	if pw, ok := u.User.Password(); ok {
		c.key.all = append(c.key.all, pw)
	} else if u.User != nil {
		c.key.all = append(c.key.all, u.User.Username())
	}
	for _, o := range opts {
		o(c)
	}
	c.http = withoutRedirects(c.http)
	if c.pacer == nil {
		c.pacer = pacer.New(c.clock)
	}
	c.common.client = c
	c.Customers = (*CustomersService)(&c.common)
	c.Exports = (*ExportsService)(&c.common)
	return c, nil
}

// BaseURL is the API root, without userinfo: what manifests and logs
// record.
func (c *Client) BaseURL() string { return c.shown }

// AppID is the project's Application ID: an identifier, not a secret (it
// grants nothing without the secret key).
func (c *Client) AppID() string { return c.appID }

// Pacer is the client's pacer.
func (c *Client) Pacer() *pacer.Pacer { return c.pacer }

// Redact is bigcommerce.Redact with this client's secrets and extra ones
// (a download token).
func (c *Client) Redact(s string, extra ...string) string {
	return bigcommerce.Redact(s, append(extra, c.key.all...)...)
}

// Stats counts what the client did.
type Stats struct {
	Requests    atomic.Int64 // requests sent, retries included
	Retries     atomic.Int64
	RateLimited atomic.Int64 // 429 answers
}

// Stats returns the client's counters.
func (c *Client) Stats() *Stats { return c.stats }

// request is one API call: built once, possibly sent several times.
type request struct {
	method string
	// u is the URL; endpoint names it in errors ("GET /v1/customers").
	u        *url.URL
	endpoint string
	body     []byte // JSON, nil for none
	// download: a call to the export file's host, which the URL's token
	// authorises; no credential is sent. secrets are scrubbed from its
	// errors too.
	download bool
	secrets  []string
}

func (c *Client) apiRequest(method, path string, query url.Values, body []byte) request {
	u := *c.base
	u.Path += path
	u.RawQuery = query.Encode()
	return request{method: method, u: &u, endpoint: method + " /" + path, body: body}
}

// do sends r through the pacer and the retry policy and hands a 2xx answer
// to handle. It returns the last Response it got.
func (c *Client) do(ctx context.Context, r request, handle func(*http.Response) error) (*Response, error) {
	for attempt := 0; ; attempt++ {
		if err := c.pacer.Wait(ctx); err != nil {
			return nil, err
		}
		resp, err := c.send(ctx, r, handle)
		c.pacer.Observe(resp.rate())
		if err == nil {
			return resp, nil
		}
		if resp != nil && resp.StatusCode == http.StatusTooManyRequests {
			c.stats.RateLimited.Add(1)
		}
		if ctx.Err() != nil {
			return resp, ctx.Err()
		}
		d := c.retry.Decide(attempt, failure(r.method, resp, err))
		if d.OutcomeUnknown {
			return resp, &OutcomeUnknownError{Endpoint: r.endpoint, Err: err}
		}
		if !d.Retry {
			return resp, err
		}
		c.stats.Retries.Add(1)
		if d.GlobalWait > 0 {
			c.pacer.Block(d.GlobalWait)
		}
		if err := c.clock.Sleep(ctx, d.Wait); err != nil {
			return resp, err
		}
	}
}

// send makes one round trip. A 2xx body is given to handle (which reads it
// whole or streams it); an error answer becomes a typed error.
func (c *Client) send(ctx context.Context, r request, handle func(*http.Response) error) (*Response, error) {
	var body io.Reader
	if r.body != nil {
		body = bytes.NewReader(r.body)
	}
	req, err := http.NewRequestWithContext(ctx, r.method, r.u.String(), body)
	if err != nil {
		return nil, errors.New(c.Redact(err.Error(), r.secrets...))
	}
	if !r.download {
		req.Header.Set(headerAppID, c.appID)
		req.Header.Set(headerAppToken, c.key.v)
		req.Header.Set("Accept", "application/json")
	}
	req.Header.Set("User-Agent", userAgent)
	if r.body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	c.stats.Requests.Add(1)
	hr, err := c.http.Do(req)
	if err != nil {
		return nil, c.transportError(err, pacer.MayHaveReached(err), r.secrets)
	}
	defer hr.Body.Close()
	resp := &Response{Response: hr, Rate: parseRate(hr.Header, c.clock.Now(), c.window)}
	if hr.StatusCode < 200 || hr.StatusCode >= 300 {
		b, _ := io.ReadAll(io.LimitReader(hr.Body, maxErrorBody))
		return resp, c.checkResponse(r, resp, b)
	}
	br := &bodyReader{r: hr.Body}
	hr.Body = br
	if err := handle(hr); err != nil {
		if br.err != nil {
			// The server answered but the body was cut: sent again if
			// the method allows.
			return resp, c.transportError(fmt.Errorf("reading the answer: %w", br.err), true, r.secrets)
		}
		// Read whole, but not what was expected (or a local failure):
		// sending it again would not change that.
		return resp, fmt.Errorf("%s: %s", r.endpoint, c.Redact(err.Error(), r.secrets...))
	}
	return resp, nil
}

// bodyReader remembers a failure to read the answer, so that send can
// tell it from the handler's own errors.
type bodyReader struct {
	r   io.ReadCloser
	err error
}

func (b *bodyReader) Read(p []byte) (int, error) {
	n, err := b.r.Read(p)
	if err != nil && err != io.EOF {
		b.err = err
	}
	return n, err
}

func (b *bodyReader) Close() error { return b.r.Close() }

// decodeJSON is a handle for do that decodes the answer into out.
func decodeJSON(out any) func(*http.Response) error {
	return func(hr *http.Response) error {
		b, err := io.ReadAll(io.LimitReader(hr.Body, maxBody))
		if err != nil {
			return err
		}
		if err := json.Unmarshal(b, out); err != nil {
			return fmt.Errorf("decoding the answer: %w", err)
		}
		return nil
	}
}

// Response is an HTTP answer with what it said about the quota.
type Response struct {
	*http.Response
	Rate pacer.Rate
}

func (r *Response) rate() *pacer.Rate {
	if r == nil {
		return nil
	}
	return &r.Rate
}

// withoutRedirects returns a copy of h that hands every 3xx back instead of
// following it: net/http would send X-App-Token on to wherever Location
// points.
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
