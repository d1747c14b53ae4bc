package accounting

import (
	"fmt"
	"io"
	"strings"
	"sync"
	"time"

	"github.com/schollz/progressbar/v3"
)

// paintEvery is how often the bars are repainted on a terminal.
const paintEvery = 250 * time.Millisecond

// newBar gives the step its bar. The bar renders into a barLine, not the
// terminal: the library draws every bar on the current line, so one
// painter puts each on its own (painter.paint). The library's rate and
// time left are off: it divides the rows by the time since the bar was
// made, so a step's first page, read in a few milliseconds, showed
// hundreds of thousands of rows/s and no time left. The painter adds the
// rate as the log lines give it (Step.rate).
func (st *Step) newBar() {
	max := st.total.Load()
	if max <= 0 {
		max = -1 // not known: a spinner with the count and the rate
	}
	st.line = &barLine{}
	st.bar = progressbar.NewOptions64(max,
		progressbar.OptionSetWriter(st.line),
		progressbar.OptionSetDescription(fmt.Sprintf("%-18s", st.name)),
		progressbar.OptionShowCount(),
		progressbar.OptionSetPredictTime(false),
		progressbar.OptionSetWidth(30),
		progressbar.OptionThrottle(100*time.Millisecond),
		progressbar.OptionSetRenderBlankState(true),
		// The painter repaints; the library's own spinner goroutine
		// would outlive a bar never finished.
		progressbar.OptionSetSpinnerChangeInterval(0),
	)
}

// painter draws the bars of a run, one line per step in the order they
// started, and a line of the run's requests when it makes any.
type painter struct {
	w     io.Writer
	mu    sync.Mutex // serialises painting
	lines int        // painted last time, to move back over
}

func (s *Stats) paint() {
	steps := s.snapshot()
	now := time.Now()
	var b strings.Builder
	p := s.term
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.lines > 0 {
		fmt.Fprintf(&b, "\x1b[%dA", p.lines)
	}
	n := 0
	for _, st := range steps {
		if !st.ended.Load() {
			// A bar renders only when added to: a stalled step's
			// rate falls, and the last rows added within the
			// throttle show.
			_ = st.bar.Add(0)
		}
		line := st.line.String()
		if r, ok := st.rate(now); ok {
			line += fmt.Sprintf(" %.0f rows/s", r)
		}
		fmt.Fprintf(&b, "\r\x1b[2K%s\n", line)
		n++
	}
	if s.api != nil {
		r := s.Requests()
		fmt.Fprintf(&b, "\r\x1b[2K%-18s %d, %d retries, %d rate-limited (429)\n", "requests", r.Requests, r.Retries, r.RateLimited)
		n++
	}
	p.lines = n
	_, _ = io.WriteString(p.w, b.String())
}

// barLine receives a bar's output and keeps its last rendering.
type barLine struct {
	mu   sync.Mutex
	last string
}

func (l *barLine) Write(b []byte) (int, error) {
	for _, seg := range strings.Split(string(b), "\r") {
		if s := strings.TrimSpace(strings.ReplaceAll(seg, "\x1b[2K", "")); s != "" {
			l.mu.Lock()
			l.last = s
			l.mu.Unlock()
		}
	}
	return len(b), nil
}

func (l *barLine) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.last
}
