package vsandbox

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
	// AppID and AppToken are the X-App-Id and X-App-Token every request
	// must carry (the documents' X-App-Id/X-App-Token security scheme).
	AppID, AppToken string

	// Quota requests per Window (Voucherify Business: 100 per minute).
	// Quota 0 = no limit and no rate-limit headers.
	Quota  int
	Window time.Duration

	// Seed makes customer and export ids deterministic.
	Seed int64

	// ExportPolls is how many Get Export answers show a new export
	// unfinished (IN_PROGRESS) before it is DONE; 0 means
	// DefaultExportPolls, < 0 none (DONE at the first Get). The create
	// answer is always SCHEDULED, as documented.
	ExportPolls int

	// DownloadURL is the root the export result URLs point to, standing in
	// for https://download.voucherify.io (a host other than the API's, as
	// documented). Empty means this server under /download, so a client
	// must take the result URL as given.
	DownloadURL string

	// CSV chooses the export file's format where the documents are silent
	// (csv.go).
	CSV CSVOptions

	// Now is the clock of the rate limiter, of the exports' created_at and
	// of customers created or updated through the hooks; nil means
	// time.Now.
	Now func() time.Time

	// Logger, when set, receives one debug line per request (never the
	// credentials or a download token).
	Logger *slog.Logger
}

// DefaultExportPolls is the Options.ExportPolls default.
const DefaultExportPolls = 2

// Server is the emulator; it implements http.Handler.
type Server struct {
	opts    Options
	st      *store
	limiter *limiter

	exMu    sync.Mutex
	exports map[string]*export
	exOrder []*export // creation order
	exRng   *rand.Rand
	failN   int // FailExports: how many coming exports end in ERROR

	listHook atomic.Pointer[func(n int)]

	requestIDs                                     atomic.Uint64
	nRequests, nUnauthorized, nRateLimited, nLists atomic.Int64
	nDownloads                                     atomic.Int64
}

// New makes a Server with no customers (see Generate and the hooks).
func New(opts Options) (*Server, error) {
	if opts.AppID == "" || opts.AppToken == "" {
		return nil, errors.New("vsandbox: AppID and AppToken must not be empty")
	}
	if opts.Quota < 0 || (opts.Quota > 0 && opts.Window <= 0) {
		return nil, errors.New("vsandbox: Quota must be >= 0 and Window > 0 when Quota > 0")
	}
	if err := opts.CSV.check(); err != nil {
		return nil, err
	}
	if opts.ExportPolls == 0 {
		opts.ExportPolls = DefaultExportPolls
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	opts.DownloadURL = strings.TrimRight(opts.DownloadURL, "/")
	return &Server{
		opts:    opts,
		st:      newStore(opts.Seed),
		limiter: &limiter{quota: opts.Quota, window: opts.Window},
		exports: map[string]*export{},
		exRng:   rand.New(rand.NewPCG(uint64(opts.Seed), 0xe4907)),
	}, nil
}

func (s *Server) now() time.Time { return s.opts.Now() }

// downloadPrefix is the path under which this server plays the download
// host.
const downloadPrefix = "/download"

// endpoint is one emulated path; handlers holds its methods.
type endpoint int

const (
	epCustomers endpoint = iota + 1 // /v1/customers
	epCustomer                      // /v1/customers/{id}
	epExports                       // /v1/exports
	epExport                        // /v1/exports/{id}
	epDownload                      // the download host's /v1/exports/{id}
)

type handler func(s *Server, w http.ResponseWriter, r *http.Request, id string) error

var handlers = map[endpoint]map[string]handler{
	epCustomers: {http.MethodGet: (*Server).listCustomers},
	epCustomer:  {http.MethodGet: (*Server).getCustomer},
	epExports:   {http.MethodGet: (*Server).listExports, http.MethodPost: (*Server).createExport},
	epExport:    {http.MethodGet: (*Server).getExport, http.MethodDelete: (*Server).deleteExport},
	epDownload:  {http.MethodGet: (*Server).download},
}

// match finds the endpoint of path and the {id} it names.
func match(path string) (endpoint, string) {
	tail := func(prefix string) (string, bool) {
		rest, ok := strings.CutPrefix(path, prefix)
		return rest, ok && rest != "" && !strings.Contains(rest, "/")
	}
	switch path {
	case "/v1/customers":
		return epCustomers, ""
	case "/v1/exports":
		return epExports, ""
	}
	if id, ok := tail(downloadPrefix + "/v1/exports/"); ok {
		return epDownload, id
	}
	if id, ok := tail("/v1/customers/"); ok {
		return epCustomer, id
	}
	if id, ok := tail("/v1/exports/"); ok {
		return epExport, id
	}
	return 0, ""
}

// ServeHTTP implements http.Handler.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.nRequests.Add(1)
	if l := s.opts.Logger; l != nil {
		q := r.URL.Query()
		if q.Has("token") {
			q.Set("token", "REDACTED")
		}
		l.Debug("vsandbox request", "method", r.Method, "path", r.URL.Path, "query", q.Encode())
	}
	ep, id := match(r.URL.Path)
	if ep == 0 {
		s.fail(w, &apiError{status: http.StatusNotFound, body: errorBody{Code: 404, Key: keyNotFound,
			Message: "Resource not found", Details: "No endpoint " + r.Method + " " + r.URL.Path}})
		return
	}
	if !s.authorized(r, ep, id) {
		s.nUnauthorized.Add(1)
		// The documented 401 (exports.json, Download Export): no
		// details, no request_id.
		s.fail(w, &apiError{status: http.StatusUnauthorized, body: errorBody{Code: 401, Key: keyUnauthorized, Message: "Unauthorized"}})
		return
	}
	if ok, retry := s.limiter.take(w.Header(), s.now()); !ok {
		s.nRateLimited.Add(1)
		s.fail(w, tooManyRequests(s.limiter.quota, s.limiter.window, retry))
		return
	}
	methods := handlers[ep]
	h, ok := methods[r.Method]
	if !ok {
		// The documented example of the error structure.
		var allowed []string
		for _, m := range []string{http.MethodGet, http.MethodPost, http.MethodPut, http.MethodDelete} {
			if methods[m] != nil {
				allowed = append(allowed, m)
			}
		}
		w.Header().Set("Allow", strings.Join(allowed, ", "))
		s.fail(w, &apiError{status: http.StatusMethodNotAllowed, body: errorBody{Code: 405, Message: "HTTP Method Not Allowed",
			Details: r.Method + " is not supported by this endpoint. Did you mean " + strings.Join(allowed, " or ") + "?"}})
		return
	}
	if err := h(s, w, r, id); err != nil {
		s.fail(w, err)
	}
}

// authorized checks the credentials: both headers, compared in constant
// time. A download may instead carry the export's token in the URL, which
// is what its result URL holds; a token that does not match is refused
// even when the headers are right (the URL was altered).
func (s *Server) authorized(r *http.Request, ep endpoint, id string) bool {
	if q := r.URL.Query(); ep == epDownload && q.Has("token") {
		return s.downloadToken(id, q.Get("token"))
	}
	return equal(r.Header.Get("X-App-Id"), s.opts.AppID) && equal(r.Header.Get("X-App-Token"), s.opts.AppToken)
}

func equal(a, b string) bool { return subtle.ConstantTimeCompare([]byte(a), []byte(b)) == 1 }
