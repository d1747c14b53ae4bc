// Package accounting counts what a stage run does and shows it while it
// runs: the rows done per step (an entity of an extract, a step of a load),
// against a total when one is known, and the API requests, retries and 429s
// the client counted. On a terminal it draws one progress bar per step;
// otherwise it logs a line per running step every interval. Never both:
// bars in a log file are noise, and log lines under live bars garble them.
//
// One Stats per stage run (rclone's accounting.StatsInfo is the model):
//
//	acct := accounting.New("load", opts.Options, client.Stats())
//	defer acct.Close()
//	step := acct.Step("customers", pending)
//	step.Add(len(batch)) // from any goroutine
//	step.Done()
package accounting

import (
	"io"
	"log/slog"
	"slices"
	"sync"
	"time"

	"github.com/bcetl/bcetl/internal/bigcommerce"
)

// DefaultEvery is the interval of progress lines when Options.Every is 0:
// the one interval of every stage.
const DefaultEvery = 10 * time.Second

// Options are how a stage reports: every stage's options embed them, and
// cmd fills them the same way for each command.
type Options struct {
	// Progress, when set, is the terminal to draw progress bars on (cmd
	// passes app.terminal(): stderr when it is one). Nil: progress lines
	// go to Log.
	Progress io.Writer
	// Log is the stage's logger: its progress lines (without Progress),
	// summary and warnings. Nil discards them.
	Log *slog.Logger
	// Every is the interval of progress lines: 0 means DefaultEvery,
	// negative none (bars, when drawn, do not depend on it).
	Every time.Duration
}

// Logger is o.Log, or a logger that discards when it is nil.
func (o Options) Logger() *slog.Logger {
	if o.Log == nil {
		return slog.New(slog.DiscardHandler)
	}
	return o.Log
}

// Requests are the API requests of a run, as the client counts them.
type Requests struct {
	Requests    int64 // requests sent, retries included
	Retries     int64
	RateLimited int64 // 429 responses
}

func (r Requests) sub(o Requests) Requests {
	return Requests{r.Requests - o.Requests, r.Retries - o.Retries, r.RateLimited - o.RateLimited}
}

func (r Requests) attrs() []any {
	return []any{"requests", r.Requests, "retries", r.Retries, "rate_limited", r.RateLimited}
}

func read(s *bigcommerce.Stats) Requests {
	if s == nil {
		return Requests{}
	}
	return Requests{s.Requests.Load(), s.Retries.Load(), s.RateLimited.Load()}
}

// Stats is the accounting of one stage run. Its methods are safe for
// concurrent use; Close ends it.
type Stats struct {
	stage   string
	log     *slog.Logger
	every   time.Duration // of progress lines; <= 0: none
	api     *bigcommerce.Stats
	base    Requests  // api's counts at New: a shared client's earlier requests are not this run's
	started time.Time // the run's start
	term    *painter  // nil: log lines

	mu       sync.Mutex
	steps    []*Step   // in the order started
	lastTick time.Time // of the previous progress lines; zero before the first

	stop      chan struct{}
	stopped   chan struct{} // closed when the ticking goroutine has returned
	closeOnce sync.Once
}

// New starts the accounting of a run of stage ("extract", "load"). api is
// the client's counters (nil for a run that makes no request); only the
// requests made from now on are this run's.
func New(stage string, o Options, api *bigcommerce.Stats) *Stats {
	s := &Stats{stage: stage, log: o.Logger(), every: o.Every, api: api, base: read(api), started: time.Now(),
		stop: make(chan struct{}), stopped: make(chan struct{})}
	if s.every == 0 {
		s.every = DefaultEvery
	}
	tick := s.every
	if o.Progress != nil {
		s.term = &painter{w: o.Progress}
		tick = paintEvery
	}
	if tick <= 0 {
		close(s.stopped)
		return s
	}
	go s.loop(tick)
	return s
}

// Requests are the API requests made since New.
func (s *Stats) Requests() Requests { return read(s.api).sub(s.base) }

func (s *Stats) loop(tick time.Duration) {
	defer close(s.stopped)
	t := time.NewTicker(tick)
	defer t.Stop()
	for {
		select {
		case <-s.stop:
			return
		case <-t.C:
			if s.term != nil {
				s.paint()
			} else {
				s.logTick()
			}
		}
	}
}

// Step starts a step of total rows (0 or less: not known yet, see
// SetTotal).
func (s *Stats) Step(name string, total int64) *Step {
	st := &Step{s: s, name: name, started: time.Now()}
	st.total.Store(max(total, 0))
	if s.term != nil {
		st.newBar()
	}
	s.mu.Lock()
	s.steps = append(s.steps, st)
	s.mu.Unlock()
	return st
}

// Close ends the run's accounting: the steps not Done are reported as
// stopped (a run that failed or was interrupted), and the bars are drawn a
// last time. Calling it again does nothing.
func (s *Stats) Close() {
	s.closeOnce.Do(func() {
		close(s.stop)
		<-s.stopped
		for _, st := range s.snapshot() {
			st.end(false)
		}
		if s.term != nil {
			s.paint()
		}
	})
}

func (s *Stats) snapshot() []*Step {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.steps)
}
