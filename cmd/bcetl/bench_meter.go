package main

import (
	"context"
	"log/slog"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"
)

// The per-stage figures of bcetl bench: this process's CPU time and
// resident set size, sampled every meterEvery while the pipeline runs,
// and the moments each stage started (from the pipeline's log).
// A stage's CPU is the difference of the samples at its ends; its peak
// RSS is the highest sample within it. The kernel's own high-water mark
// (VmHWM) cannot be reset between stages, so it is shown too, as the
// peak so far. Both sandboxes run in this process: their CPU and memory
// are in every figure.

const meterEvery = 50 * time.Millisecond

type sample struct {
	at  time.Time
	cpu time.Duration // user + system
	rss int64         // VmRSS
	hwm int64         // VmHWM, the peak so far
}

type meter struct {
	mu      sync.Mutex
	samples []sample
	marks   map[string]time.Time // pipeline log message → when it was logged
	stop    chan struct{}
	done    chan struct{}
}

func startMeter() *meter {
	m := &meter{marks: map[string]time.Time{}, stop: make(chan struct{}), done: make(chan struct{})}
	m.take()
	go func() {
		defer close(m.done)
		t := time.NewTicker(meterEvery)
		defer t.Stop()
		for {
			select {
			case <-t.C:
				m.take()
			case <-m.stop:
				m.take()
				return
			}
		}
	}()
	return m
}

// finish stops the sampling, with a last sample.
func (m *meter) finish() {
	close(m.stop)
	<-m.done
}

func (m *meter) take() {
	s := sample{at: time.Now(), cpu: processCPU()}
	s.rss, s.hwm = procStatus("VmRSS:"), procStatus("VmHWM:")
	m.mu.Lock()
	m.samples = append(m.samples, s)
	m.mu.Unlock()
}

// stage is what the meter saw between a and b.
type stageFigures struct {
	cpu       time.Duration
	peak, hwm int64
}

func (m *meter) between(a, b time.Time) stageFigures {
	m.mu.Lock()
	defer m.mu.Unlock()
	var f stageFigures
	first, last := -1, -1
	for i, s := range m.samples {
		if s.at.Before(a) {
			first = i // the last sample before the stage
			continue
		}
		if s.at.After(b) {
			last = i // the first sample after it
			break
		}
		f.peak = max(f.peak, s.rss)
		last = i
	}
	first = max(first, 0)
	if last < 0 {
		last = len(m.samples) - 1
	}
	f.cpu = m.samples[last].cpu - m.samples[first].cpu
	f.hwm = m.samples[last].hwm
	f.peak = max(f.peak, m.samples[last].rss)
	return f
}

// mark returns when msg was logged, or the zero time.
func (m *meter) mark(msg string) time.Time {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.marks[msg]
}

// markHandler passes every record on and notes when the messages the
// stages begin with were logged.
type markHandler struct {
	slog.Handler
	m     *meter
	watch []string
}

func (h *markHandler) Enabled(context.Context, slog.Level) bool { return true }

func (h *markHandler) Handle(ctx context.Context, r slog.Record) error {
	for _, w := range h.watch {
		if r.Message == w {
			h.m.mu.Lock()
			if _, ok := h.m.marks[w]; !ok {
				h.m.marks[w] = r.Time
			}
			h.m.mu.Unlock()
		}
	}
	if !h.Handler.Enabled(ctx, r.Level) {
		return nil
	}
	return h.Handler.Handle(ctx, r)
}

func (h *markHandler) WithAttrs(as []slog.Attr) slog.Handler {
	return &markHandler{Handler: h.Handler.WithAttrs(as), m: h.m, watch: h.watch}
}

func (h *markHandler) WithGroup(name string) slog.Handler {
	return &markHandler{Handler: h.Handler.WithGroup(name), m: h.m, watch: h.watch}
}

// procStatus is a kB field of /proc/self/status in bytes (0 where none).
func procStatus(field string) int64 {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if rest, ok := strings.CutPrefix(line, field); ok {
			if f := strings.Fields(rest); len(f) >= 1 {
				kb, _ := strconv.ParseInt(f[0], 10, 64)
				return kb << 10
			}
		}
	}
	return 0
}
