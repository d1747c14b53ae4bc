// Package sandbox emulates the BigCommerce Customers V3 API
// (testdata/reference/bigcommerce/customers.v3.yml) and what customer
// records refer to — V2 customer groups (customers.v2.yml), channels
// (channels.v3.yml), countries and states (geography.v2.yml), newsletter
// subscribers (subscribers.v3.yml), the storefront's form field
// definitions (form_fields.sf.yml) — over real HTTP, strictly:
// whatever the document forbids, the sandbox refuses, because a sandbox more
// forgiving than BigCommerce lets a loader pass every test and fail in
// production. Where the document is silent it answers as recorded answers
// of the real API do, or else the way harder for a client, each choice an
// option (fidelity.go). It imports only the standard library and is reached
// only over HTTP; the exported test hooks (hooks.go) let Go tests in other
// packages arrange and inspect the store.
//
// Request pipeline (ServeHTTP): URI length (414) → storefront
// (/api/storefront/…: no token, no quota) → store hash → X-Auth-Token →
// store-wide rate limit → route/method (/v3/… and /v2/…, routing.go) →
// per-endpoint concurrency cap → latency → fault injection → handler.
package sandbox

import (
	"crypto/subtle"
	"errors"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Options configure a Server.
type Options struct {
	StoreHash string // the {store_hash} of /stores/{store_hash}/v3
	Token     string // the X-Auth-Token every request must carry

	// Quota requests per Window, store-wide (BigCommerce: 150 per 30 s on
	// Standard/Plus). Quota 0 = no rate limit (and no rate-limit headers,
	// like the Unlimited Rate Plan).
	Quota  int
	Window time.Duration

	// Latency is added to every authenticated request, with ±50% jitter.
	Latency time.Duration
	// FaultRate is the fraction of requests answered 500/502/503 or cut off
	// mid-response; for writes half of the faults happen after the write
	// was committed.
	FaultRate float64
	// Seed drives the jitter and fault random numbers.
	Seed int64

	// LooseEmails makes emails compare as a looser collation might: ß = ss,
	// ﬁ = fi and the other expansions of Unicode case folding (emails.go),
	// for uniqueness and email:in. BigCommerce's comparison is unconfirmed;
	// tests use this worst case to prove a client never maps one person's
	// record onto another's account.
	LooseEmails bool

	// StatePath, when set, persists the store (see persist.go).
	StatePath string

	// Now is the clock of the rate limiter and of date_created /
	// date_modified; nil means time.Now.
	Now func() time.Time

	// Logger, when set, receives one debug line per request (never the
	// token) and errors of the background snapshot.
	Logger *slog.Logger

	// Fidelity where the document is silent (fidelity.go). The zero value
	// of each is the recorded, or else the stricter, behaviour.

	// ErrorKeys is ErrorKeysRecorded ("", "recorded") or
	// ErrorKeysBracketed ("bracketed"): the shape of error bodies.
	ErrorKeys string
	// Shapes is ShapesRecorded ("", "recorded") or ShapesDocumented
	// ("documented"): channel_ids, store_credit_amounts, pagination links.
	Shapes string
	// SendCounts sends address_count and attribute_count on customer
	// objects; recordings lack them, so by default they are not sent.
	SendCounts bool
	// DateBounds is DateBoundsExclusive ("", "exclusive") or
	// DateBoundsInclusive ("inclusive"), for every :min/:max date filter.
	DateBounds string
	// MaxURLBytes is the longest request URI served; longer is 414.
	// 0 means DefaultMaxURLBytes (8192), < 0 no limit.
	MaxURLBytes int

	// Config is the configuration of a new store: its customer groups,
	// channels and custom form fields (config.go). nil: a new BigCommerce
	// store's (channel 1, no groups, no custom fields).
	Config *StoreConfig
}

// Server is the emulator; it implements http.Handler.
type Server struct {
	opts   Options
	st     *store
	prefix string // "/stores/{hash}"

	limiter *limiter
	caps    map[string]chan struct{}

	rngMu sync.Mutex
	rng   *rand.Rand
	// faultRate is float64 bits, settable at run time.
	faultRate atomic.Uint64

	j      *journal
	saveMu sync.Mutex
	stop   chan struct{}
	closed atomic.Bool
	wg     sync.WaitGroup

	sortCache sortCache

	// counters (Stats)
	nRequests, nUnauthorized, nRateLimited, nConcurrency, nFaults, nURITooLong atomic.Int64

	// blockHook, when set (tests), runs inside the concurrency cap so a
	// test can hold requests in flight deterministically.
	blockHook func(r *http.Request)
}

// New makes a Server, loading StatePath when it exists.
func New(opts Options) (*Server, error) {
	if opts.StoreHash == "" || strings.ContainsAny(opts.StoreHash, "/?#") {
		return nil, errors.New("sandbox: StoreHash must be a non-empty path segment")
	}
	if opts.Token == "" {
		return nil, errors.New("sandbox: Token must not be empty")
	}
	if opts.Quota < 0 || (opts.Quota > 0 && opts.Window <= 0) {
		return nil, errors.New("sandbox: Quota must be >= 0 and Window > 0 when Quota > 0")
	}
	if opts.FaultRate < 0 || opts.FaultRate > 1 {
		return nil, errors.New("sandbox: FaultRate must be within [0, 1]")
	}
	if err := checkFidelity(&opts); err != nil {
		return nil, err
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	s := &Server{
		opts:    opts,
		st:      newStore(),
		prefix:  "/stores/" + opts.StoreHash,
		limiter: &limiter{quota: opts.Quota, window: opts.Window},
		caps:    map[string]chan struct{}{},
		rng:     rand.New(rand.NewPCG(uint64(opts.Seed), 0x5eed)),
		stop:    make(chan struct{}),
	}
	s.st.looseEmails = opts.LooseEmails
	s.SetFaultRate(opts.FaultRate)
	for key, n := range concurrencyCaps {
		s.caps[key] = make(chan struct{}, n)
	}
	if opts.StatePath != "" {
		gen, err := s.load()
		if err != nil {
			return nil, err
		}
		if s.j, err = openJournal(opts.StatePath, gen); err != nil {
			return nil, err
		}
		s.st.journaling = true
		s.wg.Add(1)
		go func() { defer s.wg.Done(); s.snapshotLoop() }()
	}
	if err := s.configure(opts.Config); err != nil {
		s.Close()
		return nil, err
	}
	return s, nil
}

// configure gives a new store its configuration: opts.Config, or a new
// BigCommerce store's (config.go). A store loaded from StatePath keeps
// its own; Config is then an error rather than silently ignored.
func (s *Server) configure(c *StoreConfig) error {
	if s.st.configured {
		if c != nil {
			return errors.New("sandbox: the state " + s.opts.StatePath + " already holds a store configuration; Config applies to a new store only")
		}
		return nil
	}
	cfg := defaultConfig()
	if c != nil {
		cfg = *c
	}
	return s.write(func(st *store) error {
		if err := st.setConfig(cfg, s.now().Unix()); err != nil {
			return err
		}
		st.configured = true
		return nil
	})
}

// Close stops the background work and, with a StatePath, writes a final
// snapshot. Requests still in flight may fail afterwards.
func (s *Server) Close() error {
	if s.closed.Swap(true) {
		return nil
	}
	close(s.stop)
	s.wg.Wait()
	if s.j == nil {
		return nil
	}
	err := s.Save()
	if e := s.j.close(); err == nil {
		err = e
	}
	return err
}

func (s *Server) now() time.Time { return s.opts.Now() }

// route is one emulated endpoint.
type route struct {
	h     func(s *Server, w http.ResponseWriter, r *http.Request)
	write bool
}

// routes are keyed by the path after /stores/{hash}: "/v3/…" for the V3
// APIs, "/v2/…" for the V2 ones (customer groups, geography). A segment
// {name} matches any one segment; the handler reads it with r.PathValue.
var routes = map[string]map[string]route{
	"/v3/customers": {
		http.MethodGet:    {h: (*Server).getCustomers},
		http.MethodPost:   {h: (*Server).postCustomers, write: true},
		http.MethodPut:    {h: (*Server).putCustomers, write: true},
		http.MethodDelete: {h: (*Server).deleteCustomers, write: true},
	},
	"/v3/customers/addresses": {
		http.MethodGet:    {h: (*Server).getAddresses},
		http.MethodPost:   {h: (*Server).postAddresses, write: true},
		http.MethodPut:    {h: (*Server).putAddresses, write: true},
		http.MethodDelete: {h: (*Server).deleteAddresses, write: true},
	},
	"/v3/customers/attributes": {
		http.MethodGet:    {h: (*Server).getAttributes},
		http.MethodPost:   {h: (*Server).postAttributes, write: true},
		http.MethodPut:    {h: (*Server).putAttributes, write: true},
		http.MethodDelete: {h: (*Server).deleteAttributes, write: true},
	},
	"/v3/customers/attribute-values": {
		http.MethodGet:    {h: (*Server).getValues},
		http.MethodPut:    {h: (*Server).putValues, write: true},
		http.MethodDelete: {h: (*Server).deleteValues, write: true},
	},
	"/v3/customers/form-field-values": {
		http.MethodGet: {h: (*Server).getFormFields},
		http.MethodPut: {h: (*Server).putFormFields, write: true},
	},
	"/v3/customers/subscribers": {
		http.MethodGet:    {h: (*Server).getSubscribers},
		http.MethodPost:   {h: (*Server).postSubscriber, write: true},
		http.MethodDelete: {h: (*Server).deleteSubscribers, write: true},
	},
	"/v3/customers/subscribers/{id}": {
		http.MethodGet:    {h: (*Server).getSubscriber},
		http.MethodPut:    {h: (*Server).putSubscriber, write: true},
		http.MethodDelete: {h: (*Server).deleteSubscriber, write: true},
	},
	"/v3/customers/metafields": {
		http.MethodGet:    {h: (*Server).getAllMetafields},
		http.MethodPost:   {h: (*Server).postMetafields, write: true},
		http.MethodPut:    {h: (*Server).putMetafields, write: true},
		http.MethodDelete: {h: (*Server).deleteMetafields, write: true},
	},
	"/v3/customers/{customerId}/metafields": {
		http.MethodGet:  {h: (*Server).getCustomerMetafields},
		http.MethodPost: {h: (*Server).postCustomerMetafield, write: true},
	},
	"/v3/customers/{customerId}/metafields/{metafieldId}": {
		http.MethodGet:    {h: (*Server).getCustomerMetafield},
		http.MethodPut:    {h: (*Server).putCustomerMetafield, write: true},
		http.MethodDelete: {h: (*Server).deleteCustomerMetafield, write: true},
	},
	"/v3/customers/{customerId}/consent": {
		http.MethodGet: {h: (*Server).getConsent},
		http.MethodPut: {h: (*Server).putConsent, write: true},
	},
	"/v3/channels": {
		http.MethodGet: {h: (*Server).getChannels},
	},
	"/v3/channels/{channel_id}": {
		http.MethodGet: {h: (*Server).getChannel},
	},
	"/v2/customer_groups": {
		http.MethodGet:  {h: (*Server).getGroups},
		http.MethodPost: {h: (*Server).postGroup, write: true},
	},
	"/v2/customer_groups/count": {
		http.MethodGet: {h: (*Server).countGroups},
	},
	"/v2/customer_groups/{customer_group_id}": {
		http.MethodGet: {h: (*Server).getGroup},
	},
	"/v2/countries": {
		http.MethodGet: {h: (*Server).getCountries},
	},
	"/v2/countries/count": {
		http.MethodGet: {h: (*Server).countCountries},
	},
	"/v2/countries/states": {
		http.MethodGet: {h: (*Server).getAllStates},
	},
	"/v2/countries/states/count": {
		http.MethodGet: {h: (*Server).countAllStates},
	},
	"/v2/countries/{id}": {
		http.MethodGet: {h: (*Server).getCountry},
	},
	"/v2/countries/{country_id}/states": {
		http.MethodGet: {h: (*Server).getStates},
	},
	"/v2/countries/{country_id}/states/count": {
		http.MethodGet: {h: (*Server).countStates},
	},
	"/v2/countries/{country_id}/states/{id}": {
		http.MethodGet: {h: (*Server).getState},
	},
}

var allowHeader = map[string]string{}

func init() {
	order := []string{http.MethodGet, http.MethodPost, http.MethodPut, http.MethodDelete}
	for p, ms := range routes {
		var a []string
		for _, m := range order {
			if _, ok := ms[m]; ok {
				a = append(a, m)
			}
		}
		allowHeader[p] = strings.Join(a, ", ")
	}
	compileRoutes()
}

// ServeHTTP implements http.Handler.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.nRequests.Add(1)
	start := time.Now()
	defer func() {
		if s.opts.Logger != nil {
			s.opts.Logger.Debug("sandbox request", "method", r.Method, "path", r.URL.Path, "query", r.URL.RawQuery, "took", time.Since(start))
		}
	}()
	if s.uriTooLong(w, r) {
		return
	}
	if strings.HasPrefix(r.URL.Path, storefrontPrefix) {
		s.serveStorefront(w, r)
		return
	}
	rest, ok := strings.CutPrefix(r.URL.Path, s.prefix)
	if !ok || !strings.HasPrefix(rest, "/") {
		writeError(w, r, http.StatusNotFound, "The requested resource was not found.", nil)
		return
	}
	// Constant-time compare: the token must not leak through timing.
	if subtle.ConstantTimeCompare([]byte(r.Header.Get("X-Auth-Token")), []byte(s.opts.Token)) != 1 {
		s.nUnauthorized.Add(1)
		writeError(w, r, http.StatusUnauthorized, "You are not authorized to access this resource. Check the X-Auth-Token header.", nil)
		return
	}
	// Every authenticated request counts against the store quota and gets
	// the X-Rate-Limit-* headers (bigcommerce-facts.md (a)).
	if !s.limiter.take(w.Header(), s.now()) {
		s.nRateLimited.Add(1)
		writeError(w, r, http.StatusTooManyRequests, "Too many requests", nil)
		return
	}
	pattern, ok := matchRoute(rest, r)
	if !ok {
		writeError(w, r, http.StatusNotFound, "The requested resource was not found.", nil)
		return
	}
	methods := routes[pattern]
	rt, ok := methods[r.Method]
	if !ok {
		w.Header().Set("Allow", allowHeader[pattern])
		writeError(w, r, http.StatusMethodNotAllowed, "The method "+r.Method+" is not allowed on this resource.", nil)
		return
	}
	if c := s.caps[r.Method+" "+pattern]; c != nil {
		select {
		case c <- struct{}{}:
			defer func() { <-c }()
		default:
			s.nConcurrency.Add(1)
			writeError(w, r, http.StatusTooManyRequests, "Too many concurrent requests", map[string]string{
				"concurrency": "at most " + itoa(cap(c)) + " concurrent " + r.Method + " " + pattern + " requests are allowed",
			})
			return
		}
	}
	if s.blockHook != nil {
		s.blockHook(r)
	}
	if !s.sleepLatency(r) {
		return
	}
	if f := s.pickFault(rt.write); f.kind != faultNone {
		s.nFaults.Add(1)
		s.serveFault(w, r, rt, f)
		return
	}
	rt.h(s, w, r)
}

// write runs fn with the store locked for writing, then waits until the
// records it changed are durable (persist.go) before the caller answers.
// fn must not change the store when it returns an error.
func (s *Server) write(fn func(st *store) error) error {
	st := s.st
	st.mu.Lock()
	err := fn(st)
	ops := st.pending
	st.pending = nil
	var seq uint64
	if s.j != nil && len(ops) > 0 {
		seq = s.j.append(ops)
	}
	st.mu.Unlock()
	if err != nil {
		return err
	}
	if seq > 0 {
		if err := s.j.wait(seq); err != nil {
			return &apiError{status: http.StatusInternalServerError, title: "The write could not be persisted: " + err.Error()}
		}
	}
	return nil
}
