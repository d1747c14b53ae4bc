// Package sandboxtest starts a sandbox store for a test: the emulator
// behind an HTTP server on loopback and a client for it, both closed when
// the test ends. It is the one way tests outside the emulator get a store;
// only tests import it (the stages never import the emulator, and reach it
// only over HTTP).
//
//	st := sandboxtest.Start(t, sandbox.Options{Quota: 50, Window: 2 * time.Second})
//	st.Server.Generate(1000, 7)
//	customers, _, err := st.Client.Customers.List(ctx, nil)
//
// A test inside a testing/synctest bubble passes InMemory: the store is
// then served over memnet, whose connections the bubble's clock can see
// blocked (see package memnet).
package sandboxtest

import (
	"net/http"
	"net/http/httptest"
	"os"
	"strconv"
	"testing"

	"github.com/bcetl/bcetl/internal/bigcommerce"
	"github.com/bcetl/bcetl/internal/memnet"
	"github.com/bcetl/bcetl/internal/sandbox"
)

// The store hash and token of a store whose options leave them empty.
const (
	StoreHash = "abc123"
	Token     = "sandbox-token"
)

// Store is a sandbox store started for one test.
type Store struct {
	Server *sandbox.Server
	// URL is the store's API base as a user passes it in --api-url:
	// http://127.0.0.1:PORT/stores/HASH/v3.
	URL              string
	StoreHash, Token string
	// Client is a client of the store, with the options of WithClient.
	Client *bigcommerce.Client
	// HTTP sends raw requests to the store (the test sets X-Auth-Token).
	HTTP *http.Client

	t          testing.TB
	clientOpts []bigcommerce.Option
}

// Option adds to what Start does.
type Option func(*config)

type config struct {
	wrap     func(*sandbox.Server) http.Handler
	client   []bigcommerce.Option
	inMemory bool
}

// Wrap serves h(srv) instead of the sandbox srv itself: h sees every
// request first and passes it to srv.ServeHTTP, or holds, counts,
// changes or answers it.
func Wrap(h func(srv *sandbox.Server) http.Handler) Option {
	return func(c *config) { c.wrap = h }
}

// WithClient gives Store.Client (and NewClient's clients) these options
// too, e.g. bigcommerce.WithClock or a quick bigcommerce.WithRetryPolicy.
func WithClient(opts ...bigcommerce.Option) Option {
	return func(c *config) { c.client = append(c.client, opts...) }
}

// InMemory serves the store over memnet instead of loopback TCP, for a
// test inside a synctest bubble; Start must then be called in the bubble.
// URL keeps its form, but only Store.HTTP and the store's clients reach it.
func InMemory() Option { return func(c *config) { c.inMemory = true } }

// Start starts a sandbox with opts (StoreHash and Token default to the
// constants above) and a client for it; both close when the test ends.
func Start(t testing.TB, opts sandbox.Options, more ...Option) *Store {
	t.Helper()
	var c config
	for _, o := range more {
		o(&c)
	}
	if opts.StoreHash == "" {
		opts.StoreHash = StoreHash
	}
	if opts.Token == "" {
		opts.Token = Token
	}
	srv, err := sandbox.New(opts)
	if err != nil {
		t.Fatal(err)
	}
	var h http.Handler = srv
	if c.wrap != nil {
		h = c.wrap(srv)
	}
	s := &Store{Server: srv, StoreHash: opts.StoreHash, Token: opts.Token, t: t}
	hs := httptest.NewUnstartedServer(h)
	if c.inMemory {
		hs.Listener.Close()
		l := memnet.Listen()
		hs.Listener = l
		s.HTTP = l.Client()
		s.clientOpts = append(s.clientOpts, bigcommerce.WithHTTPClient(s.HTTP))
	}
	hs.Start()
	if s.HTTP == nil {
		s.HTTP = hs.Client()
	}
	t.Cleanup(func() {
		s.HTTP.CloseIdleConnections()
		hs.Close()
		srv.Close()
	})
	s.URL = hs.URL + "/stores/" + opts.StoreHash + "/v3"
	s.clientOpts = append(s.clientOpts, c.client...)
	s.Client = s.NewClient()
	return s
}

// NewClient makes another client of the store: the options of WithClient,
// then opts.
func (s *Store) NewClient(opts ...bigcommerce.Option) *bigcommerce.Client {
	s.t.Helper()
	c, err := bigcommerce.NewClient(bigcommerce.Config{BaseURL: s.URL, StoreHash: s.StoreHash, Token: s.Token},
		append(append([]bigcommerce.Option{}, s.clientOpts...), opts...)...)
	if err != nil {
		s.t.Fatal(err)
	}
	return c
}

// SeedEnv names the environment variable that sets Seed.
const SeedEnv = "BCETL_SEED"

// Seed is the seed of a randomised test: $BCETL_SEED when set (to rerun a
// failure, or to try other data), else def — a fixed one, or a fresh
// rand.Uint64() for a test that explores a new case each run (the crash
// test's kill moments). It is logged either way, so a failure can be
// reproduced.
func Seed(t testing.TB, def uint64) uint64 {
	t.Helper()
	if v := os.Getenv(SeedEnv); v != "" {
		n, err := strconv.ParseUint(v, 10, 64)
		if err != nil {
			t.Fatalf("%s=%q is not a seed (an unsigned integer)", SeedEnv, v)
		}
		t.Logf("seed %d (from %s)", n, SeedEnv)
		return n
	}
	t.Logf("seed %d (rerun with %s=%d)", def, SeedEnv, def)
	return def
}
