package sandbox

import (
	"bytes"
	"fmt"
	"math"
	"net/http"
	"strconv"
	"time"
)

// Faults model what a client meets on the real network: slow answers, 5xx
// from the platform or its gateway, and connections cut mid-answer.
//
//   - Latency: every authenticated request waits Latency ±50% (uniform,
//     from the Seed-driven generator), inside its concurrency slot, so the
//     per-endpoint caps bite as they would against a slow store.
//   - FaultRate: that fraction of requests fails, one of four ways with equal
//     chance: 500 (JSON ErrorResponse), 502 (an HTML page, as a gateway
//     sends: clients must not assume JSON on 5xx), 503 (JSON), or a cut:
//     the connection is hijacked and closed after part of the answer.
//   - For writes (POST/PUT/DELETE) half of the faults happen after the
//     write was committed and made durable: the client sees a failure, the
//     records exist (like a timeout on a real store). This applies to every
//     write endpoint, not only POST /customers, so retries of address POSTs
//     (deduplicated, absent from data) and attribute-value upserts are
//     exercised too. Faults never corrupt the store: a write either
//     happens completely or not at all.

type faultKind int

const (
	faultNone faultKind = iota
	fault500
	fault502
	fault503
	faultCut
)

type fault struct {
	kind  faultKind
	after bool // after the write was committed
}

func (s *Server) sleepLatency(r *http.Request) bool {
	if s.opts.Latency <= 0 {
		return true
	}
	s.rngMu.Lock()
	d := time.Duration(float64(s.opts.Latency) * (0.5 + s.rng.Float64()))
	s.rngMu.Unlock()
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-r.Context().Done():
		return false
	}
}

func (s *Server) pickFault(write bool) fault {
	rate := math.Float64frombits(s.faultRate.Load())
	if rate <= 0 {
		return fault{}
	}
	s.rngMu.Lock()
	defer s.rngMu.Unlock()
	if s.rng.Float64() >= rate {
		return fault{}
	}
	f := fault{kind: faultKind(1 + s.rng.IntN(4))}
	f.after = write && s.rng.IntN(2) == 0
	return f
}

// SetFaultRate changes the fault rate at run time (0 disables faults).
func (s *Server) SetFaultRate(rate float64) {
	s.faultRate.Store(math.Float64bits(math.Max(0, math.Min(1, rate))))
}

func (s *Server) serveFault(w http.ResponseWriter, r *http.Request, rt route, f fault) {
	var rec *recorder
	if f.after {
		// Run the write for real (it is durable when the handler returns),
		// then throw its answer away.
		rec = newRecorder()
		rt.h(s, rec, r)
	}
	switch f.kind {
	case fault500:
		writeError(w, r, http.StatusInternalServerError, "Internal Server Error", nil)
	case fault503:
		writeError(w, r, http.StatusServiceUnavailable, "Service Unavailable", nil)
	case fault502:
		body := "<html><head><title>502 Bad Gateway</title></head><body><h1>502 Bad Gateway</h1></body></html>\n"
		w.Header().Set("Content-Type", "text/html")
		w.Header().Set("Content-Length", strconv.Itoa(len(body)))
		w.WriteHeader(http.StatusBadGateway)
		_, _ = w.Write([]byte(body))
	case faultCut:
		s.cut(w, rec)
	}
}

// cut writes the start of an answer on the raw connection and closes it:
// after a committed write, half of the real answer's body; otherwise part
// of a status line.
func (s *Server) cut(w http.ResponseWriter, rec *recorder) {
	hj, ok := w.(http.Hijacker)
	if !ok { // HTTP/2 or a test recorder: the closest we can do is a 500
		w.WriteHeader(http.StatusInternalServerError)
		return
	}
	conn, bw, err := hj.Hijack()
	if err != nil {
		return
	}
	defer conn.Close()
	var b bytes.Buffer
	if rec != nil {
		body := rec.body.Bytes()
		fmt.Fprintf(&b, "HTTP/1.1 %d %s\r\nContent-Type: application/json\r\nContent-Length: %d\r\n", rec.status, http.StatusText(rec.status), len(body))
		for _, k := range []string{"X-Rate-Limit-Time-Window-Ms", "X-Rate-Limit-Time-Reset-Ms", "X-Rate-Limit-Requests-Quota", "X-Rate-Limit-Requests-Left"} {
			if v := w.Header().Get(k); v != "" {
				fmt.Fprintf(&b, "%s: %s\r\n", k, v)
			}
		}
		b.WriteString("\r\n")
		b.Write(body[:len(body)/2])
	} else {
		b.WriteString("HTTP/1.1 200 OK\r\nContent-Ty")
	}
	_, _ = bw.Write(b.Bytes())
	_ = bw.Flush()
}

// recorder buffers a handler's answer.
type recorder struct {
	header http.Header
	status int
	body   bytes.Buffer
}

func newRecorder() *recorder { return &recorder{header: http.Header{}, status: http.StatusOK} }

func (r *recorder) Header() http.Header         { return r.header }
func (r *recorder) WriteHeader(status int)      { r.status = status }
func (r *recorder) Write(p []byte) (int, error) { return r.body.Write(p) }
