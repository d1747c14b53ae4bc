package pacer

import (
	"context"
	"sync"
	"testing"
	"testing/synctest"
	"time"
)

// rateResponse is what a BigCommerce answer's headers said, received at
// now (its reset and window to the millisecond, as the headers give them).
func rateResponse(now time.Time, left, quota int, reset, window time.Duration) *Rate {
	return &Rate{Known: true, Left: left, Quota: quota, Reset: reset.Truncate(time.Millisecond),
		Window: window.Truncate(time.Millisecond), At: now}
}

func TestPacerSpendsQuotaThenWaitsForReset(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ctx := context.Background()
		p := New(nil)
		start := time.Now()
		if err := p.Wait(ctx); err != nil {
			t.Fatal(err)
		}
		// The first answer: quota 10 per 30 s, 9 left, refresh in 30 s.
		p.Observe(rateResponse(time.Now(), 9, 10, 30*time.Second, 30*time.Second))
		for i := 0; i < 9; i++ {
			if err := p.Wait(ctx); err != nil {
				t.Fatal(err)
			}
			p.Observe(nil)
		}
		if d := time.Since(start); d != 0 {
			t.Fatalf("the first 10 requests waited %v; they fit the quota", d)
		}
		// The 11th must wait for the refresh, not a moment less.
		if err := p.Wait(ctx); err != nil {
			t.Fatal(err)
		}
		if d := time.Since(start); d < 30*time.Second {
			t.Fatalf("11th request went after %v, before the window refreshed", d)
		}
		st := p.State()
		if st.Sent != 11 || st.Quota != 10 || st.Windows != 2 {
			t.Fatalf("state %+v", st)
		}
	})
}

func TestPacerBlockHoldsEveryWorker(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ctx := context.Background()
		p := New(nil)
		p.Wait(ctx)
		p.Observe(rateResponse(time.Now(), 100, 150, 10*time.Second, 30*time.Second))
		start := time.Now()
		p.Block(10 * time.Second) // one worker got a 429
		var wg sync.WaitGroup
		var mu sync.Mutex
		var earliest time.Duration = time.Hour
		for i := 0; i < 5; i++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				p.Wait(ctx)
				mu.Lock()
				earliest = min(earliest, time.Since(start))
				mu.Unlock()
			}()
		}
		wg.Wait()
		if earliest < 10*time.Second {
			t.Fatalf("a worker went after %v, during the block", earliest)
		}
	})
}

func TestPacerNoticesOtherAppsSpendingTheQuota(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ctx := context.Background()
		p := New(nil)
		p.Wait(ctx)
		p.Observe(rateResponse(time.Now(), 99, 100, 30*time.Second, 30*time.Second))
		p.Wait(ctx)
		// Another app spent 90 requests: the server says 9 left though
		// we sent only 2.
		p.Observe(rateResponse(time.Now(), 8, 100, 30*time.Second, 30*time.Second))
		start := time.Now()
		for i := 0; i < 8; i++ {
			p.Wait(ctx)
			p.Observe(nil)
		}
		if time.Since(start) != 0 {
			t.Fatal("requests within the remaining quota waited")
		}
		p.Wait(ctx)
		if time.Since(start) < 29*time.Second {
			t.Fatalf("the 9th request went after %v; the shared quota was spent", time.Since(start))
		}
	})
}

func TestPacerIgnoresLateAnswersFromAnOldWindow(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ctx := context.Background()
		p := New(nil)
		p.Wait(ctx)
		p.Observe(rateResponse(time.Now(), 0, 5, 2*time.Second, 2*time.Second))
		p.Wait(ctx) // waits for the refresh at +2s
		// An answer from the previous window arrives late, saying 0 left
		// and 1 ms to go: it must not stop the new window's requests.
		p.Observe(rateResponse(time.Now().Add(-time.Second), 0, 5, time.Millisecond, 2*time.Second))
		start := time.Now()
		for i := 0; i < 4; i++ {
			p.Wait(ctx)
		}
		if time.Since(start) != 0 {
			t.Fatalf("new window's requests waited %v", time.Since(start))
		}
	})
}

// Before the first answer the quota is unknown and several requests may
// already be out: the first answer's Left must be reduced by them, or the
// window is overspent by the concurrency.
func TestPacerFirstAnswerCountsRequestsInFlight(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ctx := context.Background()
		p := New(nil)
		for i := 0; i < 8; i++ { // eight workers start at once
			p.Wait(ctx)
		}
		// The first answer: 10 per window, 9 left after it; 7 more are
		// in flight and will take 7 of those.
		p.Observe(rateResponse(time.Now(), 9, 10, 30*time.Second, 30*time.Second))
		start := time.Now()
		p.Wait(ctx)
		p.Wait(ctx)
		if time.Since(start) != 0 {
			t.Fatal("the two requests left in the window waited")
		}
		p.Wait(ctx)
		if time.Since(start) < 30*time.Second {
			t.Fatal("the window's 11th request went before the refresh")
		}
	})
}

// After a refresh the pacer guesses the new window's end from its own
// clock; the server's window starts only when the first request arrives,
// a little later. The first answer must replace the guess even though it
// is later, or the next window starts early and meets a 429.
func TestPacerTakesTheNewWindowsEndFromItsFirstAnswer(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ctx := context.Background()
		p := New(nil)
		p.Wait(ctx)
		p.Observe(rateResponse(time.Now(), 0, 2, time.Second, 10*time.Second))
		p.Wait(ctx) // waits for the refresh at +1s, guesses the end at +11s
		time.Sleep(50 * time.Millisecond)
		// The server opened the window when this request arrived, 50 ms
		// after the guess: it ends at +11.05s.
		p.Observe(rateResponse(time.Now(), 1, 2, 10*time.Second, 10*time.Second))
		p.Wait(ctx)
		start := time.Now()
		p.Wait(ctx) // the window's third request
		if d := time.Since(start); d < 10*time.Second {
			t.Fatalf("third request went %v after the second, before the server's window refreshed", d)
		}
	})
}

// leftOnly is what a Voucherify answer said while requests remain: how
// many are left, not when the window refreshes (the window is the
// client's assumption).
func leftOnly(now time.Time, left, quota int, window time.Duration) *Rate {
	return &Rate{Known: true, Left: left, Quota: quota, NoReset: true, Window: window, At: now}
}

// Answers that tell no reset: the pacer spends what they say is left,
// then waits exactly until the reset the last one tells (Voucherify's
// X-Rate-Limit-Retry once none is left), not for its own guess of a
// minute.
func TestPacerWithoutResetSpendsLeftThenWaitsForTheToldReset(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ctx := context.Background()
		p := New(nil)
		start := time.Now()
		p.Wait(ctx)
		p.Observe(leftOnly(time.Now(), 4, 5, time.Minute))
		for i := 0; i < 3; i++ {
			p.Wait(ctx)
			p.Observe(leftOnly(time.Now(), 3-i, 5, time.Minute))
		}
		p.Wait(ctx) // the fifth and last of the window
		if time.Since(start) != 0 {
			t.Fatalf("the five requests of the quota waited %v", time.Since(start))
		}
		// Its answer: none left, the window refreshes in 20 s.
		p.Observe(&Rate{Known: true, Left: 0, Quota: 5, Reset: 20 * time.Second, Window: time.Minute, At: time.Now()})
		p.Wait(ctx)
		if d := time.Since(start); d < 20*time.Second || d > 21*time.Second {
			t.Fatalf("the sixth request went after %v; the answer said the window refreshes after 20 s", d)
		}
	})
}

// A server window that refreshed before the pacer expected it shows in the
// next answer's Left rising: the pacer takes it instead of holding
// requests back until its own bound.
func TestPacerWithoutResetTakesARefreshFromLeft(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ctx := context.Background()
		p := New(nil)
		p.Wait(ctx)
		p.Observe(leftOnly(time.Now(), 1, 100, time.Minute))
		p.Wait(ctx)
		time.Sleep(2 * time.Second) // the server's (2 s) window refreshed meanwhile
		p.Observe(leftOnly(time.Now(), 99, 100, time.Minute))
		start := time.Now()
		for i := 0; i < 99; i++ {
			p.Wait(ctx)
			p.Observe(nil)
		}
		if time.Since(start) != 0 {
			t.Fatalf("requests the server said were left waited %v", time.Since(start))
		}
		p.Wait(ctx)
		if time.Since(start) == 0 {
			t.Fatal("a request beyond what was left went at once")
		}
	})
}

// Without a told reset the pacer never refreshes before the latest the
// window can end: the first answer's time plus the window.
func TestPacerWithoutResetWaitsForTheWindowBound(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ctx := context.Background()
		p := New(nil)
		start := time.Now()
		p.Wait(ctx)
		time.Sleep(100 * time.Millisecond)
		p.Observe(leftOnly(time.Now(), 0, 1, 10*time.Second))
		p.Wait(ctx)
		if d := time.Since(start); d < 10*time.Second+100*time.Millisecond {
			t.Fatalf("the second request went after %v, before the window could have ended", d)
		}
	})
}
