package accounting

import (
	"bytes"
	"encoding/json"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/bcetl/bcetl/internal/bigcommerce"
)

// lockedBuffer is a log sink read by the test while the ticker writes.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// lines decodes the JSON log lines with message msg. Numbers decode as
// float64, strings as string: a figure written as a string or a duration
// in nanoseconds shows.
func (l *lockedBuffer) lines(t *testing.T, msg string) []map[string]any {
	t.Helper()
	var out []map[string]any
	for _, s := range strings.Split(strings.TrimSpace(l.String()), "\n") {
		if s == "" {
			continue
		}
		var m map[string]any
		if err := json.Unmarshal([]byte(s), &m); err != nil {
			t.Fatalf("log line %q: %v", s, err)
		}
		if m["msg"] == msg {
			out = append(out, m)
		}
	}
	return out
}

func jsonLog(buf *lockedBuffer) *slog.Logger { return slog.New(slog.NewJSONHandler(buf, nil)) }

// number is field k of a log line, which must be a JSON number.
func number(t *testing.T, line map[string]any, k string) float64 {
	t.Helper()
	v, ok := line[k].(float64)
	if !ok {
		t.Fatalf("%s = %#v (%T), want a JSON number, in %v", k, line[k], line[k], line)
	}
	return v
}

// Without a terminal, a line per running step every interval, and none
// in between; durations in milliseconds and rates as JSON numbers; the
// requests are the client's since New, not before.
func TestLogLinesEveryInterval(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var logs lockedBuffer
		api := &bigcommerce.Stats{}
		api.Requests.Add(7) // an earlier run's, on a shared client
		s := New("load", Options{Log: jsonLog(&logs), Every: 10 * time.Second}, api)
		defer s.Close()
		st := s.Step("customers", 100)
		st.Add(30)
		api.Requests.Add(3)
		api.Retries.Add(1)
		api.RateLimited.Add(1)

		time.Sleep(9 * time.Second)
		synctest.Wait()
		if n := len(logs.lines(t, "progress")); n != 0 {
			t.Fatalf("%d progress lines before the first interval", n)
		}
		time.Sleep(time.Second)
		synctest.Wait()
		got := logs.lines(t, "progress")
		if len(got) != 1 {
			t.Fatalf("%d progress lines after one interval, want 1: %s", len(got), logs.String())
		}
		l := got[0]
		if l["stage"] != "load" || l["step"] != "customers" || number(t, l, "done") != 30 || number(t, l, "total") != 100 ||
			number(t, l, "took_ms") != 10000 {
			t.Errorf("first line %v", l)
		}
		if number(t, l, "requests") != 3 || number(t, l, "retries") != 1 || number(t, l, "rate_limited") != 1 {
			t.Errorf("requests of the run %v: want 3 requests, 1 retry, 1 429 (the 7 before New are not its own)", l)
		}

		st.Add(20)
		time.Sleep(10 * time.Second)
		synctest.Wait()
		got = logs.lines(t, "progress")
		if len(got) != 2 {
			t.Fatalf("%d progress lines after two intervals, want 2", len(got))
		}
		if l := got[1]; number(t, l, "done") != 50 || number(t, l, "took_ms") != 20000 || number(t, l, "per_second") != 2.5 {
			t.Errorf("second line %v: want done 50, took_ms 20000, per_second 2.5", l)
		}
	})
}

// A step's first progress line has no rate, however long the step ran
// before it, and the rate of the next ones is over the step's whole time.
func TestNoRateOnFirstTick(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var logs lockedBuffer
		s := New("extract", Options{Log: jsonLog(&logs), Every: 10 * time.Second}, nil)
		defer s.Close()
		a := s.Step("customers", 0)
		a.Add(1000)
		time.Sleep(9990 * time.Millisecond)
		b := s.Step("addresses", 0) // starts 10 ms before the tick
		b.Add(10)
		time.Sleep(10 * time.Millisecond)
		synctest.Wait()
		first := logs.lines(t, "progress")
		if len(first) != 2 {
			t.Fatalf("%d lines, want one per step: %s", len(first), logs.String())
		}
		for _, l := range first {
			if r, ok := l["per_second"]; ok {
				t.Errorf("step %v: a rate on its first line (%v)", l["step"], r)
			}
			if _, ok := l["total"]; ok {
				t.Errorf("step %v: a total though none is known", l["step"])
			}
		}
		time.Sleep(10 * time.Second)
		synctest.Wait()
		second := logs.lines(t, "progress")[2:]
		rates := map[any]float64{}
		for _, l := range second {
			rates[l["step"]] = number(t, l, "per_second")
		}
		if rates["customers"] != 50 || rates["addresses"] != 1 {
			t.Errorf("rates %v: want customers 1000/20 s = 50, addresses 10/10.01 s = 1 (to 0.1)", rates)
		}
	})
}

// Done logs the step's last line once, with its time and rate; Close
// reports the steps not done as stopped; a finished step has no more
// progress lines. A negative interval logs nothing at all.
func TestStepFinishedAndStopped(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var logs lockedBuffer
		s := New("load", Options{Log: jsonLog(&logs)}, nil)
		a := s.Step("attributes", 4)
		b := s.Step("customers", 10)
		a.Add(4)
		time.Sleep(2 * time.Second)
		a.Done()
		a.Done()
		b.Add(3)
		time.Sleep(DefaultEvery)
		synctest.Wait()
		s.Close()
		s.Close()

		fin := logs.lines(t, "step finished")
		if len(fin) != 1 || fin[0]["step"] != "attributes" || number(t, fin[0], "took_ms") != 2000 || number(t, fin[0], "per_second") != 2 {
			t.Errorf("step finished lines %v: want one, attributes, took_ms 2000, per_second 2", fin)
		}
		for _, l := range logs.lines(t, "progress") {
			if l["step"] == "attributes" {
				t.Errorf("a progress line for a finished step: %v", l)
			}
		}
		if len(logs.lines(t, "progress")) != 1 {
			t.Errorf("progress lines %s: want one, of customers at the default interval", logs.String())
		}
		stop := logs.lines(t, "step stopped")
		if len(stop) != 1 || stop[0]["step"] != "customers" || number(t, stop[0], "done") != 3 {
			t.Errorf("step stopped lines %v: want customers, done 3", stop)
		}

		var quiet lockedBuffer
		q := New("extract", Options{Log: jsonLog(&quiet), Every: -1}, nil)
		q.Step("customers", 0).Add(5)
		time.Sleep(time.Minute)
		q.Close()
		if quiet.String() != "" {
			t.Errorf("Every < 0 logged: %s", quiet.String())
		}
	})
}

// With a terminal the steps are bars there and nothing is logged; the
// bars show each step, its count, and the run's requests. A step Close
// stops keeps the count it reached; a step Done is full.
func TestBarsOnlyOnATerminal(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var logs, term lockedBuffer
		api := &bigcommerce.Stats{}
		s := New("extract", Options{Progress: &term, Log: jsonLog(&logs), Every: time.Second}, api)
		c := s.Step("customers", 0)
		c.SetTotal(10)
		c.Add(4)
		s.Step("addresses", 0).Add(7)
		s.Step("values", 20).Add(5)
		api.Requests.Add(2)
		time.Sleep(5 * time.Second)
		synctest.Wait()
		c.Done()
		s.Close()
		if logs.String() != "" {
			t.Errorf("terminal mode logged: %s", logs.String())
		}
		out := term.String()
		for _, want := range []string{"customers", "addresses", "rows", "4/10", "requests", "2, 0 retries"} {
			if !strings.Contains(out, want) {
				t.Errorf("bars lack %q: %q", want, out)
			}
		}
		// Each repainting moves back over the last: a line per step and
		// one of requests.
		i := strings.LastIndex(out, "\x1b[4A")
		if i < 0 || strings.Count(out[i:], "\n") != 4 {
			t.Fatalf("the last painting %q: want it to move up 4 lines and paint 4", out[max(i, 0):])
		}
		if last := out[i:]; !strings.Contains(last, "10/10") || !strings.Contains(last, "5/20") {
			t.Errorf("the last painting %q: want customers done (10/10) and values stopped at 5/20", last)
		}
	})
}

// A step the caller does not show is nil, and does nothing.
func TestNilStep(t *testing.T) {
	var st *Step
	st.Add(3)
	st.SetTotal(9)
	st.Done() // no panic
}

// A bar's first paintings show no rate: a step's first page read in a
// few milliseconds says nothing of its speed (the bar library divided it
// by the bar's age and showed 1000 rows/s here). From the step's first
// second on, the rate is over its whole time, as in the log lines.
func TestBarsFirstTickHasNoRate(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var term lockedBuffer
		s := New("extract", Options{Progress: &term, Log: jsonLog(&lockedBuffer{})}, nil)
		st := s.Step("customers", 1000)
		st.Add(250)
		time.Sleep(paintEvery + time.Millisecond)
		synctest.Wait()
		if first := term.String(); !strings.Contains(first, "250/1000") || strings.Contains(first, "/s") || strings.Contains(first, "/hr") {
			t.Errorf("first painting %q: want the count and no rate", first)
		}
		time.Sleep(2*time.Second - paintEvery)
		synctest.Wait()
		out := term.String()
		last := out[strings.LastIndex(out, "\x1b[1A"):]
		if !strings.Contains(last, "250/1000") || !strings.Contains(last, " 125 rows/s") {
			t.Errorf("painting at 2 s %q: want 125 rows/s", last)
		}
		st.Done()
		s.Close()
	})
}
