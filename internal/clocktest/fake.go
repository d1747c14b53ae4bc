// Package clocktest provides a fake clock for tests that exercise waits of
// seconds or minutes (quota windows, backoff) without sleeping: Sleep
// advances the fake time instead of waiting. Share one Fake between the
// sandbox (sandbox.Options.Now) and the client (bigcommerce.WithClock) and
// both see the same time.
package clocktest

import (
	"context"
	"sync"
	"time"
)

// Fake is a clock whose time moves only when someone sleeps or calls
// Advance.
type Fake struct {
	mu    sync.Mutex
	now   time.Time
	slept time.Duration
}

// New returns a fake clock set to start.
func New(start time.Time) *Fake { return &Fake{now: start} }

// Now returns the fake time.
func (f *Fake) Now() time.Time {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.now
}

// Sleep advances the fake time by d and returns at once.
func (f *Fake) Sleep(ctx context.Context, d time.Duration) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if d > 0 {
		f.mu.Lock()
		f.now = f.now.Add(d)
		f.slept += d
		f.mu.Unlock()
	}
	return nil
}

// Advance moves the fake time forward.
func (f *Fake) Advance(d time.Duration) {
	f.mu.Lock()
	f.now = f.now.Add(d)
	f.mu.Unlock()
}

// Slept is the total time callers asked to sleep.
func (f *Fake) Slept() time.Duration {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.slept
}
