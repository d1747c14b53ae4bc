package load

import (
	"fmt"
	"log/slog"
	"os"
	"sync/atomic"
	"time"

	"github.com/schollz/progressbar/v3"

	"github.com/bcetl/bcetl/internal/staging"
)

// Progress is a bar per step when a person is watching (stderr is a
// terminal), and a log line every few seconds otherwise: bars in a log file
// are noise, and a scheduler's log wants structured lines.

// logEvery is how often a step's progress is logged without a terminal.
const logEvery = 5 * time.Second

type progress struct {
	bars bool
	log  *slog.Logger
}

func newProgress(bars bool, log *slog.Logger) *progress { return &progress{bars: bars, log: log} }

// bar is one step's progress.
type bar struct {
	name  string
	total int64
	done  atomic.Int64
	pb    *progressbar.ProgressBar
	log   *slog.Logger
	stop  chan struct{}
	ended chan struct{}
	start time.Time
}

func (p *progress) start(name string, total int64) *bar {
	b := &bar{name: name, total: total, log: p.log, stop: make(chan struct{}), ended: make(chan struct{}), start: time.Now()}
	if p.bars {
		b.pb = progressbar.NewOptions64(total,
			progressbar.OptionSetWriter(os.Stderr),
			progressbar.OptionSetDescription(fmt.Sprintf("%-18s", name)),
			progressbar.OptionShowCount(),
			progressbar.OptionShowIts(),
			progressbar.OptionSetItsString("rec"),
			progressbar.OptionThrottle(100*time.Millisecond),
			progressbar.OptionSetPredictTime(true),
			progressbar.OptionOnCompletion(func() { fmt.Fprintln(os.Stderr) }),
		)
		close(b.ended)
		return b
	}
	p.log.Info("step started", "step", name, "records", total)
	go func() {
		defer close(b.ended)
		t := time.NewTicker(logEvery)
		defer t.Stop()
		for {
			select {
			case <-b.stop:
				return
			case <-t.C:
				d := b.done.Load()
				rate := float64(d) / time.Since(b.start).Seconds()
				b.log.Info("progress", "step", name, "done", d, "of", total, "per_second", fmt.Sprintf("%.1f", rate))
			}
		}
	}()
	return b
}

func (b *bar) add(n int64) {
	b.done.Add(n)
	if b.pb != nil {
		_ = b.pb.Add64(n)
	}
}

func (b *bar) finish() {
	if b.pb != nil {
		_ = b.pb.Finish()
		return
	}
	close(b.stop)
	<-b.ended
}

// tracked is the step whose progress the outcomes drive.
type tracked struct {
	entity staging.Entity
	bar    *bar
}

// track starts a step's progress: from now on the outcomes of entity that
// commits make durable advance it (observe). It returns the function that
// ends it.
func (l *loader) track(name string, entity staging.Entity, total int64) (stop func()) {
	t := &tracked{entity: entity, bar: l.prog.start(name, total)}
	l.running.Store(t)
	return func() {
		l.running.CompareAndSwap(t, nil)
		t.bar.finish()
	}
}

// observe is the state file's observer: it counts the outcomes of each
// commit, once it is durable — the customers given an outcome by this run
// (the summary), and the running step's records (its progress). So no
// step counts for itself.
func (l *loader) observe(outs []outcome) {
	var customers, step int64
	t := l.running.Load()
	for _, o := range outs {
		if o.entity == staging.EntityCustomers {
			customers++
		}
		if t != nil && o.entity == t.entity {
			step++
		}
	}
	l.customersDone.Add(customers)
	if step > 0 {
		t.bar.add(step)
	}
}
