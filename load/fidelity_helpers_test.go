package load

import (
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/bcetl/bcetl/internal/sandbox"
	"github.com/bcetl/bcetl/internal/sandboxtest"
	"github.com/bcetl/bcetl/internal/stagingtest"
)

// requestLog counts the requests a sandbox answered, by endpoint and
// status, as they crossed the wire.
type requestLog struct {
	mu     sync.Mutex
	counts map[string]map[int]int // "POST /customers" → status → n
	maxURI int
}

// n is how many requests to ep were answered with status (0: any).
func (l *requestLog) n(ep string, status int) int {
	l.mu.Lock()
	defer l.mu.Unlock()
	if status != 0 {
		return l.counts[ep][status]
	}
	var t int
	for _, c := range l.counts[ep] {
		t += c
	}
	return t
}

// status is how many requests, all endpoints, were answered with status.
func (l *requestLog) status(status int) int {
	l.mu.Lock()
	defer l.mu.Unlock()
	var t int
	for _, c := range l.counts {
		t += c[status]
	}
	return t
}

type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(s int) {
	w.status = s
	w.ResponseWriter.WriteHeader(s)
}

// newLoggedSandbox is newSandbox with every request counted.
func newLoggedSandbox(t testing.TB, opts sandbox.Options) (*sandbox.Server, string, *requestLog) {
	t.Helper()
	opts.StoreHash, opts.Token = testHash, testToken
	if opts.Config == nil {
		opts.Config = stagingtest.TargetConfig()
	}
	log := &requestLog{counts: map[string]map[int]int{}}
	st := sandboxtest.Start(t, opts, sandboxtest.Wrap(func(srv *sandbox.Server) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			sw := &statusWriter{ResponseWriter: w, status: http.StatusOK}
			srv.ServeHTTP(sw, r)
			path := r.URL.Path
			if i := strings.Index(path, "/v3/"); i >= 0 {
				path = path[i+3:]
			}
			ep := r.Method + " " + path
			log.mu.Lock()
			if log.counts[ep] == nil {
				log.counts[ep] = map[int]int{}
			}
			log.counts[ep][sw.status]++
			log.maxURI = max(log.maxURI, len(r.RequestURI))
			log.mu.Unlock()
		})
	}))
	return st.Server, st.URL, log
}

// errorKeyStyles runs f once per spelling of the sandbox's error keys: as
// recorded answers of the API write them (`0.email`), and bracketed
// (`[0].email`).
func errorKeyStyles(t *testing.T, f func(t *testing.T, keys string)) {
	for _, keys := range []string{sandbox.ErrorKeysRecorded, sandbox.ErrorKeysBracketed} {
		t.Run(keys, func(t *testing.T) { f(t, keys) })
	}
}
