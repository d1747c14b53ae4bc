package webhooks

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"mime"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"
	"unicode/utf8"
)

// Defaults for Config's zero values.
const (
	DefaultMaxBodyBytes    = 1 << 20 // 1 MiB: callbacks are a few hundred bytes, a Voucherify customer a few KiB
	DefaultStatsEvery      = time.Minute
	DefaultShutdownTimeout = 20 * time.Second
)

// Paths served.
const (
	PathBigCommerce = "/webhooks/bigcommerce"
	PathVoucherify  = "/webhooks/voucherify"
	PathHealth      = "/healthz"
)

// Config configures a Server. An endpoint without any authentication
// configured is disabled (404) rather than open: an unauthenticated receiver
// would let anyone queue work for the nightly job.
type Config struct {
	Spool *Spool
	Log   *slog.Logger // nil: discard

	// BigCommerceHeaders must all be present with these values (the
	// "headers" given when the hook was created).
	BigCommerceHeaders []HeaderAuth
	// BigCommerceSecret, if set, also requires a valid Standard Webhooks
	// signature; see ParseSigningSecret for the accepted forms.
	BigCommerceSecret string
	// VoucherifySecret is the webhook secret key from Voucherify's Project
	// Settings → Webhooks.
	VoucherifySecret string
	// StoreHash, if set, is the one store whose callbacks are spooled: a
	// callback whose producer is not stores/{StoreHash} is refused with a
	// 422. A hook of another store pointed at this receiver is a
	// misregistration; the refusal shows in that hook's delivery log, and
	// the nightly job would not fetch its ids from this store anyway. Empty
	// accepts every producer, and the nightly job fails the other stores'
	// events instead.
	StoreHash string

	MaxBodyBytes    int64
	StatsEvery      time.Duration // how often Serve logs the counters
	ShutdownTimeout time.Duration // how long Serve waits for in-flight requests
	Now             func() time.Time
}

// Server receives webhooks and spools them.
type Server struct {
	spool           *Spool
	log             *slog.Logger
	bcEnabled       bool
	bcHeaders       []HeaderAuth
	bcKey           []byte // nil: no signature check
	vfSecret        []byte // nil: endpoint disabled
	producer        string // "": any store
	maxBody         int64
	statsEvery      time.Duration
	shutdownTimeout time.Duration
	now             func() time.Time

	counts        counters
	unknownScopes sync.Map // scopes already warned about
	mux           *http.ServeMux

	// beforeStore, if set, runs just before an event is inserted (tests).
	beforeStore func()
}

// NewServer checks cfg and returns a Server.
func NewServer(cfg Config) (*Server, error) {
	if cfg.Spool == nil {
		return nil, errors.New("webhooks: no spool")
	}
	s := &Server{
		spool:           cfg.Spool,
		log:             cfg.Log,
		bcHeaders:       cfg.BigCommerceHeaders,
		maxBody:         cfg.MaxBodyBytes,
		statsEvery:      cfg.StatsEvery,
		shutdownTimeout: cfg.ShutdownTimeout,
		now:             cfg.Now,
	}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	if s.maxBody <= 0 {
		s.maxBody = DefaultMaxBodyBytes
	}
	if s.statsEvery <= 0 {
		s.statsEvery = DefaultStatsEvery
	}
	if s.shutdownTimeout <= 0 {
		s.shutdownTimeout = DefaultShutdownTimeout
	}
	if s.now == nil {
		s.now = time.Now
	}
	if cfg.BigCommerceSecret != "" {
		key, err := ParseSigningSecret(cfg.BigCommerceSecret)
		if err != nil {
			return nil, fmt.Errorf("webhooks: BigCommerce secret: %w", err)
		}
		s.bcKey = key
	}
	s.bcEnabled = len(s.bcHeaders) > 0 || s.bcKey != nil
	if cfg.VoucherifySecret != "" {
		s.vfSecret = []byte(cfg.VoucherifySecret)
	}
	if cfg.StoreHash != "" {
		if !validProducer(Producer(cfg.StoreHash)) {
			return nil, fmt.Errorf("webhooks: store hash %q cannot appear in a producer", cfg.StoreHash)
		}
		s.producer = Producer(cfg.StoreHash)
	}
	if !s.bcEnabled && s.vfSecret == nil {
		return nil, errors.New("webhooks: no endpoint enabled: configure BigCommerce headers or secret, or a Voucherify secret")
	}
	s.mux = http.NewServeMux()
	s.mux.HandleFunc(PathBigCommerce, s.handleBigCommerce)
	s.mux.HandleFunc(PathVoucherify, s.handleVoucherify)
	s.mux.HandleFunc(PathHealth, s.handleHealth)
	s.mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		writeError(w, http.StatusNotFound, "no such endpoint")
	})
	return s, nil
}

// Handler serves every endpoint.
func (s *Server) Handler() http.Handler { return s.mux }

// Counts returns the delivery counters.
func (s *Server) Counts() Counts { return s.counts.snapshot() }

// Producer is the only BigCommerce producer accepted, "" for any.
func (s *Server) Producer() string { return s.producer }

// Endpoints reports which providers are enabled.
func (s *Server) Endpoints() (bigCommerce, voucherify bool) { return s.bcEnabled, s.vfSecret != nil }

// Serve answers on ln until ctx is cancelled, then stops accepting, lets
// requests in flight finish (up to the shutdown timeout), logs the counters
// and returns. Request contexts are not derived from ctx, so cancelling it
// does not abort an insert that is under way.
func (s *Server) Serve(ctx context.Context, ln net.Listener) error {
	srv := &http.Server{
		Handler:           s.mux,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      30 * time.Second,
		IdleTimeout:       2 * time.Minute,
		ErrorLog:          slog.NewLogLogger(s.log.Handler(), slog.LevelWarn),
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	tick := time.NewTicker(s.statsEvery)
	defer tick.Stop()
	var last Counts
	for {
		select {
		case err := <-errc:
			s.log.Info("webhook deliveries (server stopped)", s.Counts().logAttrs()...)
			return fmt.Errorf("webhooks: serve: %w", err)
		case <-tick.C:
			if c := s.Counts(); c != last {
				s.log.Info("webhook deliveries", c.logAttrs()...)
				last = c
			}
		case <-ctx.Done():
			sctx, cancel := context.WithTimeout(context.Background(), s.shutdownTimeout)
			err := srv.Shutdown(sctx)
			cancel()
			<-errc // http.ErrServerClosed
			s.log.Info("webhook deliveries (shutdown)", s.Counts().logAttrs()...)
			if err != nil {
				srv.Close()
				return fmt.Errorf("webhooks: shutdown: %w", err)
			}
			return nil
		}
	}
}

func (s *Server) handleBigCommerce(w http.ResponseWriter, r *http.Request) {
	const p = ProviderBigCommerce
	if !s.bcEnabled {
		s.refuse(w, r, p, http.StatusNotFound, "BigCommerce webhooks are not enabled on this server")
		return
	}
	if !s.checkMethodAndType(w, r, p) {
		return
	}
	// The custom header is checked before the body is read: a stranger
	// gets no further than the headers.
	if err := checkHeaders(s.bcHeaders, r.Header); err != nil {
		s.refuse(w, r, p, http.StatusUnauthorized, err.Error())
		return
	}
	body, ok := s.readBody(w, r, p)
	if !ok {
		return
	}
	if s.bcKey != nil {
		if err := verifyStandardWebhook(s.bcKey, r.Header, body, s.now()); err != nil {
			s.refuse(w, r, p, http.StatusUnauthorized, err.Error())
			return
		}
	}
	cb, err := parseBigCommerce(body)
	if err != nil {
		s.refusePayload(w, r, p, err)
		return
	}
	if s.producer != "" && cb.Producer != s.producer {
		s.refuse(w, r, p, http.StatusUnprocessableEntity,
			fmt.Sprintf("producer: %q is not this receiver's store %q", cb.Producer, s.producer))
		return
	}
	if !cb.Known {
		if _, seen := s.unknownScopes.LoadOrStore(cb.Scope, true); !seen {
			s.log.Warn("spooling a BigCommerce scope without a validator; the nightly job will not read it",
				"scope", cb.Scope)
		}
	}
	s.store(w, r, Event{Provider: p, DedupeKey: cb.DedupeKey, Scope: cb.Scope, Payload: body})
}

// handleVoucherify spools customer.created events. Authentic events of
// other types are answered 200 and not stored ("ignored"): they exist only
// because the project's webhook subscribes to more than we need, and a 4xx
// would make Voucherify retry them 12 times and then disable the whole
// webhook — customer.created included.
func (s *Server) handleVoucherify(w http.ResponseWriter, r *http.Request) {
	const p = ProviderVoucherify
	if s.vfSecret == nil {
		s.refuse(w, r, p, http.StatusNotFound, "Voucherify webhooks are not enabled on this server")
		return
	}
	if !s.checkMethodAndType(w, r, p) {
		return
	}
	body, ok := s.readBody(w, r, p)
	if !ok {
		return
	}
	if err := verifyVoucherify(s.vfSecret, r.Header, body); err != nil {
		s.refuse(w, r, p, http.StatusUnauthorized, err.Error())
		return
	}
	ev, err := parseVoucherify(body)
	if err != nil {
		s.refusePayload(w, r, p, err)
		return
	}
	if ev.Type != VoucherifyCustomerCreated {
		s.counts.ignored.Add(1)
		s.log.Debug("ignored Voucherify event", "type", ev.Type)
		w.WriteHeader(http.StatusOK)
		return
	}
	s.store(w, r, Event{Provider: p, DedupeKey: ev.ID, Scope: ev.Type, Payload: body})
}

func (s *Server) handleHealth(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		writeError(w, http.StatusMethodNotAllowed, "method "+r.Method+" not allowed; use GET")
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
	defer cancel()
	resp := struct {
		Status     string `json:"status"`
		Error      string `json:"error,omitempty"`
		Deliveries Counts `json:"deliveries"`
	}{Status: "ok", Deliveries: s.Counts()}
	code := http.StatusOK
	if err := s.spool.Ping(ctx); err != nil {
		resp.Status, resp.Error, code = "unavailable", "spool database does not answer", http.StatusServiceUnavailable
		s.log.Error("health check failed", "err", err)
	}
	writeJSON(w, code, resp)
}

// checkMethodAndType refuses anything but a POST of application/json.
func (s *Server) checkMethodAndType(w http.ResponseWriter, r *http.Request, provider string) bool {
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		s.refuse(w, r, provider, http.StatusMethodNotAllowed, "method "+r.Method+" not allowed; use POST")
		return false
	}
	ct := r.Header.Get("Content-Type")
	mt, params, err := mime.ParseMediaType(ct)
	if err != nil || mt != "application/json" {
		s.refuse(w, r, provider, http.StatusUnsupportedMediaType, fmt.Sprintf("content type %q is not application/json", ct))
		return false
	}
	if cs, ok := params["charset"]; ok && !strings.EqualFold(cs, "utf-8") {
		s.refuse(w, r, provider, http.StatusUnsupportedMediaType, fmt.Sprintf("charset %q is not utf-8", cs))
		return false
	}
	return true
}

// readBody reads at most maxBody bytes of UTF-8.
func (s *Server) readBody(w http.ResponseWriter, r *http.Request, provider string) ([]byte, bool) {
	tooLarge := fmt.Sprintf("body is larger than %d bytes", s.maxBody)
	if r.ContentLength > s.maxBody {
		s.refuse(w, r, provider, http.StatusRequestEntityTooLarge, tooLarge)
		return nil, false
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, s.maxBody))
	if err != nil {
		if _, ok := errors.AsType[*http.MaxBytesError](err); ok {
			s.refuse(w, r, provider, http.StatusRequestEntityTooLarge, tooLarge)
		} else {
			s.refuse(w, r, provider, http.StatusBadRequest, "could not read the body")
		}
		return nil, false
	}
	// RFC 8259 requires UTF-8 between systems, and the spool stores the
	// body as text.
	if !utf8.Valid(body) {
		s.refuse(w, r, provider, http.StatusBadRequest, "body is not valid UTF-8")
		return nil, false
	}
	return body, true
}

// refusePayload maps a parse error: not JSON is 400, wrong shape is 422.
func (s *Server) refusePayload(w http.ResponseWriter, r *http.Request, provider string, err error) {
	if _, ok := errors.AsType[*schemaError](err); ok {
		s.refuse(w, r, provider, http.StatusUnprocessableEntity, err.Error())
		return
	}
	s.refuse(w, r, provider, http.StatusBadRequest, err.Error())
}

// store spools e and answers 200 only once it is on disk.
func (s *Server) store(w http.ResponseWriter, r *http.Request, e Event) {
	if s.beforeStore != nil {
		s.beforeStore()
	}
	e.ReceivedAt = s.now()
	inserted, err := s.spool.Insert(r.Context(), e)
	if err != nil {
		s.counts.failed.Add(1)
		s.log.Error("could not spool a delivery", "provider", e.Provider, "scope", e.Scope, "err", err)
		writeError(w, http.StatusServiceUnavailable, "could not store the event; retry later")
		return
	}
	if inserted {
		s.counts.accepted.Add(1)
		s.log.Debug("spooled", "provider", e.Provider, "scope", e.Scope, "key", e.DedupeKey)
	} else {
		s.counts.duplicate.Add(1)
		s.log.Debug("duplicate delivery", "provider", e.Provider, "scope", e.Scope, "key", e.DedupeKey)
	}
	// Empty body: BigCommerce asks receivers not to send one.
	w.WriteHeader(http.StatusOK)
}

// refuse answers a 4xx and counts it. The reason never holds secrets or
// authentication header values (see authError).
func (s *Server) refuse(w http.ResponseWriter, r *http.Request, provider string, code int, reason string) {
	s.counts.refused.Add(1)
	s.log.Warn("refused delivery", "provider", provider, "status", code, "reason", reason, "remote", r.RemoteAddr)
	writeError(w, code, reason)
}

func writeError(w http.ResponseWriter, code int, msg string) {
	writeJSON(w, code, struct {
		Error string `json:"error"`
	}{msg})
}

func writeJSON(w http.ResponseWriter, code int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		b = []byte(`{"error":"internal error"}`)
		code = http.StatusInternalServerError
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(code)
	w.Write(append(b, '\n'))
}
