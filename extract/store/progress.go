package store

import (
	"fmt"
	"io"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/schollz/progressbar/v3"
)

// progress shows how many rows of each entity have been received: on a
// terminal as one progress bar per entity (rows and rows/s), otherwise as
// a periodic log line. Never both: the caller decides which by whether
// stderr is a terminal, since bars in a log file are noise and log lines
// under live bars garble them.
type progress struct {
	entities []string
	counts   map[string]*atomic.Int64 // fixed at construction: read without a lock
	started  time.Time

	log   *slog.Logger
	every time.Duration

	// terminal mode
	term  io.Writer
	bars  map[string]*progressbar.ProgressBar
	lines map[string]*barLine
	drawn bool

	mu   sync.Mutex // serialises drawing
	stop chan struct{}
	done chan struct{}
}

// newProgress starts reporting. With term non-nil it draws bars there;
// otherwise it logs every `every` (no periodic lines when every <= 0).
func newProgress(entities []string, term io.Writer, log *slog.Logger, every time.Duration) *progress {
	p := &progress{
		entities: entities,
		counts:   map[string]*atomic.Int64{},
		started:  time.Now(),
		log:      log,
		every:    every,
		term:     term,
		stop:     make(chan struct{}),
		done:     make(chan struct{}),
	}
	for _, e := range entities {
		p.counts[e] = new(atomic.Int64)
	}
	tick := every
	if term != nil {
		p.bars = map[string]*progressbar.ProgressBar{}
		p.lines = map[string]*barLine{}
		for _, e := range entities {
			l := &barLine{}
			p.lines[e] = l
			p.bars[e] = progressbar.NewOptions64(-1,
				progressbar.OptionSetWriter(l),
				progressbar.OptionSetDescription(fmt.Sprintf("%-17s", e)),
				progressbar.OptionShowCount(),
				progressbar.OptionShowIts(),
				progressbar.OptionSetItsString("rows"),
				progressbar.OptionSetWidth(30),
				progressbar.OptionThrottle(100*time.Millisecond),
				progressbar.OptionSetRenderBlankState(true),
			)
		}
		tick = 250 * time.Millisecond
	}
	if tick <= 0 {
		close(p.done)
		return p
	}
	go p.loop(tick)
	return p
}

func (p *progress) loop(tick time.Duration) {
	defer close(p.done)
	t := time.NewTicker(tick)
	defer t.Stop()
	for {
		select {
		case <-p.stop:
			return
		case <-t.C:
			if p.term != nil {
				p.draw()
			} else {
				p.logLine("extract progress")
			}
		}
	}
}

// add counts n rows received for entity (entities not shown are ignored).
func (p *progress) add(entity string, n int) {
	c := p.counts[entity]
	if c == nil || n == 0 {
		return
	}
	c.Add(int64(n))
	if b := p.bars[entity]; b != nil {
		b.Add(n)
	}
}

// setTotal gives the bar of entity a known end (customers: the store's
// total from the first page).
func (p *progress) setTotal(entity string, total int64) {
	if b := p.bars[entity]; b != nil && total > 0 {
		b.ChangeMax64(total)
	}
}

// count is the number of rows received so far.
func (p *progress) count(entity string) int64 {
	if c := p.counts[entity]; c != nil {
		return c.Load()
	}
	return 0
}

// close stops reporting and shows the final state.
func (p *progress) close() {
	select {
	case <-p.stop:
		return
	default:
	}
	close(p.stop)
	<-p.done
	if p.term != nil {
		for _, e := range p.entities {
			p.bars[e].Finish()
		}
		p.draw()
		return
	}
	if p.every > 0 {
		p.logLine("extract received")
	}
}

func (p *progress) logLine(msg string) {
	secs := time.Since(p.started).Seconds()
	args := make([]any, 0, 2*len(p.entities)+2)
	for _, e := range p.entities {
		n := p.count(e)
		args = append(args, slog.Group(e, "rows", n, "rows_per_s", int64(float64(n)/max(secs, 1e-9))))
	}
	args = append(args, "elapsed", time.Since(p.started).Round(time.Second))
	p.log.Info(msg, args...)
}

// draw repaints one line per entity, then moves the cursor back up so the
// next paint overwrites them.
func (p *progress) draw() {
	p.mu.Lock()
	defer p.mu.Unlock()
	var b strings.Builder
	if p.drawn {
		fmt.Fprintf(&b, "\x1b[%dA", len(p.entities))
	}
	for _, e := range p.entities {
		b.WriteString("\r\x1b[2K")
		b.WriteString(p.lines[e].String())
		b.WriteByte('\n')
	}
	p.drawn = true
	io.WriteString(p.term, b.String())
}

// barLine receives a bar's output and keeps its last rendering, so that
// several bars can be painted on separate lines by one goroutine (the
// library draws every bar on the current line).
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
