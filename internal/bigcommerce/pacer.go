package bigcommerce

import (
	"context"
	"sync"
	"time"
)

// Pacer spends a store's request quota. BigCommerce grants a fixed number
// of requests per window (150 per 30 s on Standard/Plus, 450 on Pro) shared
// by every app on the store, and says how much is left on every response
// (X-Rate-Limit-*). The pacer counts the requests it lets through against
// what the headers said, so that a steady run spends the whole quota and
// then waits for the refresh instead of running into 429s.
//
// It knows nothing of HTTP or of retries: Wait is called before a request,
// Observe after it, Block when a 429 says the quota is spent.
type Pacer struct {
	clock Clock

	mu        sync.Mutex
	known     bool          // a response has told us the quota
	quota     int           // requests per window
	window    time.Duration // window length
	left      int           // requests we may still send in this window
	windowEnd time.Time     // when this window refreshes (never earlier than the server's)
	// tentative: windowEnd is our guess, made when we saw the last window
	// end and before any answer from the new one. The server's window
	// starts when our first request of it arrives, a little after the
	// guess, so the guess is a little early: the first answer replaces it.
	tentative bool
	blocked   time.Time // nobody sends before this (after a 429)
	inflight  int

	sent    int64
	windows int64
	waited  time.Duration
}

// NewPacer returns a pacer that lets requests through freely until the
// first response says what the quota is.
func NewPacer(clock Clock) *Pacer {
	if clock == nil {
		clock = realClock{}
	}
	return &Pacer{clock: clock}
}

// Wait blocks until a request may be sent within the quota, and counts it.
func (p *Pacer) Wait(ctx context.Context) error {
	for {
		if err := ctx.Err(); err != nil {
			return err
		}
		p.mu.Lock()
		now := p.clock.Now()
		var until time.Time
		switch {
		case now.Before(p.blocked):
			until = p.blocked
		case !p.known:
			p.take()
			p.mu.Unlock()
			return nil
		default:
			if !now.Before(p.windowEnd) {
				// Our estimate of the window's end is never earlier
				// than the server's, so the server has refreshed too.
				p.left = p.quota
				p.windowEnd = now.Add(p.window)
				p.tentative = true
				p.windows++
			}
			if p.left > 0 {
				p.left--
				p.take()
				p.mu.Unlock()
				return nil
			}
			until = p.windowEnd
		}
		d := until.Sub(now)
		p.waited += d
		p.mu.Unlock()
		if err := p.clock.Sleep(ctx, d); err != nil {
			return err
		}
	}
}

func (p *Pacer) take() {
	p.inflight++
	p.sent++
}

// resetGranularity is the unit of X-Rate-Limit-Time-Reset-Ms.
const resetGranularity = time.Millisecond

// Observe records what a response said about the quota. resp may be nil
// (the request failed before an answer).
func (p *Pacer) Observe(resp *Response, _ error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.inflight > 0 {
		p.inflight--
	}
	if resp == nil || !resp.Rate.Known {
		return
	}
	r := resp.Rate
	// The server measured Reset before we received the response, so
	// At+Reset is never earlier than the true refresh — but for the
	// header's whole milliseconds: a server that truncates them reports a
	// refresh up to 1 ms early, and a request sent in that millisecond is
	// a 429. Of several estimates for one window, the earliest is the
	// tightest.
	end := r.ResetAt().Add(resetGranularity)
	// Requests still in flight were sent after the server counted this
	// one, or will be counted after it: they spend what Left reports.
	if !p.known {
		p.known = true
		p.quota, p.window = r.Quota, r.Window
		p.windowEnd, p.left = end, max(r.Left-p.inflight, 0)
		p.windows = 1
		return
	}
	p.quota, p.window = r.Quota, r.Window
	switch {
	case end.Before(p.windowEnd.Add(-p.window / 2)):
		return // a late answer from a window that is over
	case end.After(p.windowEnd.Add(p.window / 2)):
		// A window we had not noticed (our clock ran behind): take it.
		p.windowEnd, p.left, p.tentative = end, max(r.Left-p.inflight, 0), false
		return
	case p.tentative:
		p.windowEnd, p.tentative = end, false
	case end.Before(p.windowEnd):
		p.windowEnd = end
	}
	// Left counts everything the server processed, ours and other apps'.
	// While we are alone it is never below our own count; when it is, other
	// clients are spending the shared quota, and our requests still in
	// flight will spend more of it.
	if r.Left < p.left {
		p.left = r.Left - p.inflight
		if p.left < 0 {
			p.left = 0
		}
	}
}

// Block stops every request for d: a 429 with rate-limit headers means the
// quota is spent for all workers, not only for the one that was told.
func (p *Pacer) Block(d time.Duration) {
	p.mu.Lock()
	defer p.mu.Unlock()
	until := p.clock.Now().Add(d)
	if until.After(p.blocked) {
		p.blocked = until
	}
	p.left = 0
	if until.After(p.windowEnd) {
		p.windowEnd, p.tentative = until, false
	}
}

// PacerState is a snapshot of the pacer, for progress and summaries.
type PacerState struct {
	Known   bool
	Quota   int
	Window  time.Duration
	Left    int
	Sent    int64         // requests let through
	Windows int64         // quota windows seen
	Waited  time.Duration // total time callers were held (summed over callers)
}

// State returns a snapshot.
func (p *Pacer) State() PacerState {
	p.mu.Lock()
	defer p.mu.Unlock()
	return PacerState{Known: p.known, Quota: p.quota, Window: p.window, Left: p.left, Sent: p.sent, Windows: p.windows, Waited: p.waited}
}
