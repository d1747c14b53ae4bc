package webhooks

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/bcetl/bcetl/internal/memnet"
)

// syncBuffer is a log sink safe for the server's goroutines.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// TestGracefulShutdown cancels Serve's context while a delivery is in the
// middle of being handled: Serve stops accepting connections but waits, the
// delivery is stored and answered 200, then Serve returns nil and logs the
// final counters — with no secret in the log. It runs in a synctest bubble
// over memnet, so "Serve waits" is an observation, not a timeout: once
// every goroutine is blocked after the cancel, Serve has not returned and
// the request has not been answered.
func TestGracefulShutdown(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var logs syncBuffer
		cfg := testConfig(openTestSpool(t))
		cfg.Log = slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
		srv, err := NewServer(cfg)
		if err != nil {
			t.Fatal(err)
		}
		entered, release := make(chan struct{}), make(chan struct{})
		srv.beforeStore = func() {
			close(entered)
			<-release
		}
		releaseOnce := sync.OnceFunc(func() { close(release) })
		defer releaseOnce() // a failed check must not leave the handler held
		ln := memnet.Listen()
		client := ln.Client()
		defer client.CloseIdleConnections()
		ctx, cancel := context.WithCancel(t.Context())
		served := make(chan error, 1)
		go func() { served <- srv.Serve(ctx, ln) }()

		type answer struct {
			code int
			err  error
		}
		answered := make(chan answer, 1)
		go func() {
			resp, err := client.Do(bigCommerceRequest(t, "http://"+ln.Addr().String(), []byte(seedCustomerCreated), "msg_inflight"))
			if err != nil {
				answered <- answer{err: err}
				return
			}
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			answered <- answer{code: resp.StatusCode}
		}()

		<-entered
		cancel()
		synctest.Wait()
		select {
		case err := <-served:
			t.Fatalf("Serve returned (%v) while a request was in flight", err)
		case a := <-answered:
			t.Fatalf("the in-flight request was answered (%+v) before it was released", a)
		default:
		}
		// Shutdown closed the listener at once.
		if c, err := ln.Dial(t.Context(), "", ""); err == nil {
			c.Close()
			t.Fatal("the listener is still accepting after cancel")
		}

		releaseOnce()
		if a := <-answered; a.err != nil || a.code != http.StatusOK {
			t.Fatalf("in-flight delivery: %+v, want 200", a)
		}
		if err := <-served; err != nil {
			t.Fatalf("Serve: %v", err)
		}
		if n := countEvents(t, srv.spool); n != 1 {
			t.Errorf("spool holds %d events, want the in-flight one", n)
		}
		out := logs.String()
		if !strings.Contains(out, "webhook deliveries (shutdown)") || !strings.Contains(out, "accepted=1") {
			t.Errorf("no final counters in the log:\n%s", out)
		}
		for _, secret := range []string{testAuthValue, testClientSecret, testVFSecret} {
			if strings.Contains(out, secret) {
				t.Errorf("the log contains a secret:\n%s", out)
			}
		}
	})
}

// TestPeriodicStatsLog: Serve logs the counters on its interval when they
// changed (in fake time: one interval after a delivery, the line is there).
func TestPeriodicStatsLog(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var logs syncBuffer
		cfg := testConfig(openTestSpool(t))
		cfg.Log = slog.New(slog.NewTextHandler(&logs, nil))
		cfg.StatsEvery = 20 * time.Millisecond
		srv, err := NewServer(cfg)
		if err != nil {
			t.Fatal(err)
		}
		ln := memnet.Listen()
		client := ln.Client()
		defer client.CloseIdleConnections()
		ctx, cancel := context.WithCancel(t.Context())
		served := make(chan error, 1)
		go func() { served <- srv.Serve(ctx, ln) }()
		do(t, client, bigCommerceRequest(t, "http://"+ln.Addr().String(), []byte(seedCartCreated), "m"))
		if strings.Contains(logs.String(), `msg="webhook deliveries" accepted=1`) {
			t.Fatalf("counters logged before the interval:\n%s", logs.String())
		}
		time.Sleep(cfg.StatsEvery)
		synctest.Wait()
		if !strings.Contains(logs.String(), `msg="webhook deliveries" accepted=1`) {
			t.Fatalf("no periodic counters in the log after %v:\n%s", cfg.StatsEvery, logs.String())
		}
		cancel()
		if err := <-served; err != nil {
			t.Fatal(err)
		}
	})
}
