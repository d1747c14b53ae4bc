package accounting

import (
	"math"
	"sync"
	"sync/atomic"
	"time"

	"github.com/schollz/progressbar/v3"
)

// minRateSpan is the shortest time a rate is given over: rows over a few
// milliseconds say nothing about the speed.
const minRateSpan = time.Second

// Step is one step of a run: an entity an extract receives, a step of a
// load. A nil *Step does nothing, so a caller may keep one per entity and
// leave out those not shown.
type Step struct {
	s       *Stats
	name    string
	started time.Time
	done    atomic.Int64
	total   atomic.Int64 // 0: not known

	bar  *progressbar.ProgressBar // terminal only
	line *barLine                 // the bar's last rendering

	endOnce sync.Once
	ended   atomic.Bool
	endedAt time.Time // set before ended
}

// Add counts n rows done.
func (st *Step) Add(n int) {
	if st == nil || n == 0 {
		return
	}
	st.done.Add(int64(n))
	if st.bar != nil {
		_ = st.bar.Add(n)
	}
}

// SetTotal gives the step a known end (an extract learns the store's
// customer count from the first page).
func (st *Step) SetTotal(total int64) {
	if st == nil || total <= 0 {
		return
	}
	st.total.Store(total)
	if st.bar != nil {
		st.bar.ChangeMax64(total)
	}
}

// Done ends the step: its bar is completed, or its last line logged as
// "step finished". Calling it again does nothing.
func (st *Step) Done() {
	if st != nil {
		st.end(true)
	}
}

// end ends the step once: finished (Done), or stopped (Close).
func (st *Step) end(finished bool) {
	st.endOnce.Do(func() {
		st.endedAt = time.Now()
		st.ended.Store(true)
		switch {
		case st.bar != nil && finished:
			_ = st.bar.Finish()
		case st.bar != nil:
			// A stopped bar keeps the count it reached.
			_ = st.bar.Add(0)
			_ = st.bar.Exit()
		case st.s.every > 0:
			msg := "step finished"
			if !finished {
				msg = "step stopped"
			}
			st.s.log.Info(msg, st.attrs(time.Now(), true)...)
		}
	})
}

// attrs are the step's figures at now, for a log line: done, total when
// known, took_ms, per_second when rated, and the run's requests so far.
// Every figure is a JSON number: durations in milliseconds, rates as
// floats.
func (st *Step) attrs(now time.Time, rated bool) []any {
	done, span := st.done.Load(), now.Sub(st.started)
	args := []any{"stage", st.s.stage, "step", st.name, "done", done}
	if total := st.total.Load(); total > 0 {
		args = append(args, "total", total)
	}
	args = append(args, "took_ms", span.Milliseconds())
	if r, ok := st.rate(now); rated && ok {
		args = append(args, "per_second", math.Round(r*10)/10)
	}
	return append(args, st.s.Requests().attrs()...)
}

// rate is the step's rows per second over its whole time so far, once
// that is at least minRateSpan: a bar and a log line give the same
// figure, and neither one from a few milliseconds.
func (st *Step) rate(now time.Time) (float64, bool) {
	span := now.Sub(st.started)
	if st.ended.Load() {
		span = st.endedAt.Sub(st.started)
	}
	if span < minRateSpan {
		return 0, false
	}
	return float64(st.done.Load()) / span.Seconds(), true
}

// logTick logs one progress line per running step. A step's first line
// has no rate: the step may have started just before it (ten rows in two
// milliseconds is not 5000 rows/s), and its first interval holds its
// start-up (the first request opening the quota window); from the second
// line on, the rate is over the step's whole time so far, at least one
// interval.
func (s *Stats) logTick() {
	now := time.Now()
	s.mu.Lock()
	prev := s.lastTick
	s.lastTick = now
	s.mu.Unlock()
	for _, st := range s.snapshot() {
		if st.ended.Load() {
			continue
		}
		seenBefore := !prev.IsZero() && !st.started.After(prev)
		s.log.Info("progress", st.attrs(now, seenBefore)...)
	}
}
