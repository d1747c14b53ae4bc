// Package memnet is an in-memory network for tests that run in a
// testing/synctest bubble. The bubble's clock moves only when every
// goroutine in it is durably blocked, and one waiting on a socket is not
// (the kernel could wake it), so a server on loopback would stall the
// clock; one waiting on net.Pipe, which works over channels, is. A server
// and its clients talking over memnet inside a bubble therefore live in
// fake time: a 40 ms latency takes no real time and measures exactly, and
// synctest.Wait tells when nothing more can happen until the test acts.
package memnet

import (
	"context"
	"net"
	"net/http"
	"sync"
)

// Listener is a net.Listener whose connections are the server ends of
// net.Pipe pairs; Dial makes them and returns the client end.
type Listener struct {
	conns chan net.Conn
	done  chan struct{}
	once  sync.Once
}

// Listen returns a listener. Inside a bubble, call it there too: its
// channels belong to the bubble that makes them.
func Listen() *Listener {
	return &Listener{conns: make(chan net.Conn), done: make(chan struct{})}
}

// Accept waits for a Dial, or for Close.
func (l *Listener) Accept() (net.Conn, error) {
	select {
	case c := <-l.conns:
		return c, nil
	case <-l.done:
		return nil, net.ErrClosed
	}
}

// Close stops Accept and Dial; connections already made stay open.
func (l *Listener) Close() error {
	l.once.Do(func() { close(l.done) })
	return nil
}

// Addr names the listener; every address dials it.
func (l *Listener) Addr() net.Addr { return addr{} }

// Dial connects to the listener, whatever the address (so it fits
// http.Transport.DialContext): the connection is handed to Accept.
func (l *Listener) Dial(ctx context.Context, _, _ string) (net.Conn, error) {
	server, client := net.Pipe()
	select {
	case l.conns <- server:
		return client, nil
	case <-l.done:
	case <-ctx.Done():
	}
	server.Close()
	client.Close()
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	return nil, &net.OpError{Op: "dial", Net: "memnet", Err: net.ErrClosed}
}

// Client is an HTTP client whose every request goes to the listener. Call
// its CloseIdleConnections when done: idle connections hold goroutines,
// and a bubble ends only when all of its goroutines have.
func (l *Listener) Client() *http.Client {
	return &http.Client{Transport: &http.Transport{DialContext: l.Dial}}
}

type addr struct{}

func (addr) Network() string { return "memnet" }
func (addr) String() string  { return "memnet" }
