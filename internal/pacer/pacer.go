package pacer

import (
	"context"
	"sync"
	"time"
)

// Rate is the quota state one answer reported, in the pacer's terms; each
// client fills it from its API's headers.
type Rate struct {
	// Known is false when the answer carried no (complete) rate-limit
	// headers; the pacer then learns nothing from it.
	Known bool
	Left  int           // requests left in the current window
	Quota int           // requests allowed per window
	Reset time.Duration // time from At until the window refreshes
	// NoReset: the answer did not say when the window refreshes (Reset is
	// then meaningless). Voucherify says it only once no request is left.
	NoReset bool
	// Window is the window's length: told by BigCommerce, assumed by the
	// client where the API does not tell it (Voucherify: a minute).
	Window time.Duration
	// At is when the answer was received: Reset counts from here.
	At time.Time
}

// ResetAt is when the window refreshes.
func (r Rate) ResetAt() time.Time { return r.At.Add(r.Reset) }

// Pacer spends an API's request quota. BigCommerce grants a fixed number
// of requests per window (150 per 30 s on Standard/Plus, 450 on Pro) shared
// by every app on the store, and says how much is left on every response
// (X-Rate-Limit-*); Voucherify grants a number per minute per project
// (X-Rate-Limit-Limit, -Remaining, -Retry). The pacer counts the requests
// it lets through against what the answers said, so that a steady run
// spends the whole quota and then waits for the refresh instead of running
// into 429s.
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
	// bounded: windowEnd is the latest the window can end, taken from an
	// answer that did not say when it does (Rate.NoReset): the window began
	// at the latest when that answer was received. The first answer that
	// does say replaces it, if it lies ahead.
	bounded  bool
	blocked  time.Time // nobody sends before this (after a 429)
	inflight int

	sent    int64
	windows int64
	waited  time.Duration
}

// New returns a pacer that lets requests through freely until the first
// answer says what the quota is. A nil clock is the wall clock.
func New(clock Clock) *Pacer {
	if clock == nil {
		clock = RealClock{}
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
				p.tentative, p.bounded = true, false
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

// Observe records what an answer said about the quota. r is nil when the
// request failed before an answer.
func (p *Pacer) Observe(r *Rate) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.inflight > 0 {
		p.inflight--
	}
	if r == nil || !r.Known {
		return
	}
	if r.NoReset {
		p.observeLeft(r)
		return
	}
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
	case p.bounded:
		// The first answer to tell the end, after guesses that were
		// upper bounds: it is exact. One from a window already over
		// (end not after At) leaves the bound in place.
		if end.After(r.At) {
			p.windowEnd, p.bounded = end, false
		}
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

// observeLeft records an answer that says how many requests are left but
// not when the window refreshes (Voucherify while requests remain). Its
// Left is the server's count, taken as it is: it also shows a refresh the
// pacer did not notice, when it rises. The window's end is bounded by the
// answer's time plus the window: the window began at the latest then.
// An earlier answer overtaken by a later one could make Left too high; a
// 429 then blocks every worker until the reset, as for any 429.
func (p *Pacer) observeLeft(r *Rate) {
	p.quota = r.Quota
	if r.Window > 0 {
		p.window = r.Window
	}
	p.left = max(r.Left-p.inflight, 0)
	bound := r.At.Add(p.window)
	switch {
	case !p.known:
		p.known, p.windows = true, 1
		p.windowEnd, p.bounded = bound, true
	case p.tentative || !p.windowEnd.After(r.At):
		// A guess made at a refresh, or a window already over: the
		// bound is better.
		p.windowEnd, p.bounded, p.tentative = bound, true, false
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
		p.windowEnd, p.tentative, p.bounded = until, false, false
	}
}

// State is a snapshot of the pacer, for progress and summaries.
type State struct {
	Known   bool
	Quota   int
	Window  time.Duration
	Left    int
	Sent    int64         // requests let through
	Windows int64         // quota windows seen
	Waited  time.Duration // total time callers were held (summed over callers)
}

// State returns a snapshot.
func (p *Pacer) State() State {
	p.mu.Lock()
	defer p.mu.Unlock()
	return State{Known: p.known, Quota: p.quota, Window: p.window, Left: p.left, Sent: p.sent, Windows: p.windows, Waited: p.waited}
}
