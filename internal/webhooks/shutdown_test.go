package webhooks

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"
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
// final counters — with no secret in the log.
func TestGracefulShutdown(t *testing.T) {
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
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	base := "http://" + ln.Addr().String()
	ctx, cancel := context.WithCancel(context.Background())
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ctx, ln) }()

	type answer struct {
		code int
		err  error
	}
	answered := make(chan answer, 1)
	go func() {
		resp, err := http.DefaultClient.Do(bigCommerceRequest(t, base, []byte(seedCustomerCreated), "msg_inflight"))
		if err != nil {
			answered <- answer{err: err}
			return
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		answered <- answer{code: resp.StatusCode}
	}()

	select {
	case <-entered:
	case <-time.After(10 * time.Second):
		t.Fatal("the delivery never reached the handler")
	}
	cancel()
	// Shutdown closes the listener at once; wait until it has.
	deadline := time.Now().Add(5 * time.Second)
	for {
		c, err := net.DialTimeout("tcp", ln.Addr().String(), time.Second)
		if err != nil {
			break
		}
		c.Close()
		if time.Now().After(deadline) {
			t.Fatal("the listener is still accepting after cancel")
		}
		time.Sleep(10 * time.Millisecond)
	}
	select {
	case err := <-served:
		t.Fatalf("Serve returned (%v) while a request was in flight", err)
	case a := <-answered:
		t.Fatalf("the in-flight request was answered (%+v) before it was released", a)
	case <-time.After(100 * time.Millisecond):
	}

	close(release)
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
}

// TestPeriodicStatsLog: Serve logs the counters on its interval when they
// changed.
func TestPeriodicStatsLog(t *testing.T) {
	var logs syncBuffer
	cfg := testConfig(openTestSpool(t))
	cfg.Log = slog.New(slog.NewTextHandler(&logs, nil))
	cfg.StatsEvery = 20 * time.Millisecond
	srv, err := NewServer(cfg)
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ctx, ln) }()
	do(t, http.DefaultClient, bigCommerceRequest(t, "http://"+ln.Addr().String(), []byte(seedCartCreated), "m"))
	deadline := time.Now().Add(5 * time.Second)
	for !strings.Contains(logs.String(), `msg="webhook deliveries" accepted=1`) {
		if time.Now().After(deadline) {
			t.Fatalf("no periodic counters in the log:\n%s", logs.String())
		}
		time.Sleep(10 * time.Millisecond)
	}
	cancel()
	if err := <-served; err != nil {
		t.Fatal(err)
	}
}
