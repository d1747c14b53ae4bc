package sandbox_test

import (
	"testing"
	"testing/synctest"
	"time"

	"github.com/bcetl/bcetl/internal/sandbox"
	"github.com/bcetl/bcetl/internal/sandboxtest"
)

// Every request waits Latency ±50%, drawn from the seed: in a synctest
// bubble the waits are measured exactly, in fake time, and vary.
func TestLatency(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		st := sandboxtest.Start(t, sandbox.Options{Latency: 40 * time.Millisecond, Seed: 1}, sandboxtest.InMemory())
		seen := map[time.Duration]bool{}
		for i := 0; i < 5; i++ {
			start := time.Now()
			if _, _, err := st.Client.Customers.List(t.Context(), nil); err != nil {
				t.Fatal(err)
			}
			d := time.Since(start)
			if d < 20*time.Millisecond || d > 60*time.Millisecond {
				t.Errorf("request %d took %v, outside 40ms ±50%%", i, d)
			}
			seen[d] = true
		}
		if len(seen) < 2 {
			t.Errorf("every request took the same time (%v): no jitter", seen)
		}
	})
}
