package bigcommerce

import (
	"context"
	"net/http"
	"strconv"
	"sync"
	"testing"
	"testing/synctest"
	"time"
)

// rateResponse fakes what a response's headers said, received at now.
func rateResponse(now time.Time, left, quota int, reset, window time.Duration) *Response {
	h := http.Header{}
	h.Set(HeaderRequestsLeft, strconv.Itoa(left))
	h.Set(HeaderRequestsQuota, strconv.Itoa(quota))
	h.Set(HeaderTimeResetMs, strconv.FormatInt(reset.Milliseconds(), 10))
	h.Set(HeaderTimeWindowMs, strconv.FormatInt(window.Milliseconds(), 10))
	return newResponse(&http.Response{StatusCode: 200, Header: h}, nil, now)
}

func TestPacerSpendsQuotaThenWaitsForReset(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ctx := context.Background()
		p := NewPacer(nil)
		start := time.Now()
		if err := p.Wait(ctx); err != nil {
			t.Fatal(err)
		}
		// The first answer: quota 10 per 30 s, 9 left, refresh in 30 s.
		p.Observe(rateResponse(time.Now(), 9, 10, 30*time.Second, 30*time.Second), nil)
		for i := 0; i < 9; i++ {
			if err := p.Wait(ctx); err != nil {
				t.Fatal(err)
			}
			p.Observe(nil, nil)
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
		p := NewPacer(nil)
		p.Wait(ctx)
		p.Observe(rateResponse(time.Now(), 100, 150, 10*time.Second, 30*time.Second), nil)
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
		p := NewPacer(nil)
		p.Wait(ctx)
		p.Observe(rateResponse(time.Now(), 99, 100, 30*time.Second, 30*time.Second), nil)
		p.Wait(ctx)
		// Another app spent 90 requests: the server says 9 left though
		// we sent only 2.
		p.Observe(rateResponse(time.Now(), 8, 100, 30*time.Second, 30*time.Second), nil)
		start := time.Now()
		for i := 0; i < 8; i++ {
			p.Wait(ctx)
			p.Observe(nil, nil)
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
		p := NewPacer(nil)
		p.Wait(ctx)
		p.Observe(rateResponse(time.Now(), 0, 5, 2*time.Second, 2*time.Second), nil)
		p.Wait(ctx) // waits for the refresh at +2s
		// An answer from the previous window arrives late, saying 0 left
		// and 1 ms to go: it must not stop the new window's requests.
		p.Observe(rateResponse(time.Now().Add(-time.Second), 0, 5, time.Millisecond, 2*time.Second), nil)
		start := time.Now()
		for i := 0; i < 4; i++ {
			p.Wait(ctx)
		}
		if time.Since(start) != 0 {
			t.Fatalf("new window's requests waited %v", time.Since(start))
		}
	})
}

func TestParseRateNeedsAllHeaders(t *testing.T) {
	h := http.Header{}
	h.Set("x-rate-limit-requests-left", "3") // lower case: names are case-insensitive
	h.Set(HeaderRequestsQuota, "150")
	h.Set(HeaderTimeResetMs, "1500")
	h.Set(HeaderTimeWindowMs, "30000")
	r := parseRate(h, time.Unix(0, 0))
	if !r.Known || r.Left != 3 || r.Quota != 150 || r.Reset != 1500*time.Millisecond || r.Window != 30*time.Second {
		t.Fatalf("parsed %+v", r)
	}
	h.Del(HeaderTimeWindowMs)
	if parseRate(h, time.Unix(0, 0)).Known {
		t.Fatal("a rate without the window header must not be Known")
	}
}

// Before the first answer the quota is unknown and several requests may
// already be out: the first answer's Left must be reduced by them, or the
// window is overspent by the concurrency.
func TestPacerFirstAnswerCountsRequestsInFlight(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ctx := context.Background()
		p := NewPacer(nil)
		for i := 0; i < 8; i++ { // eight workers start at once
			p.Wait(ctx)
		}
		// The first answer: 10 per window, 9 left after it; 7 more are
		// in flight and will take 7 of those.
		p.Observe(rateResponse(time.Now(), 9, 10, 30*time.Second, 30*time.Second), nil)
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
		p := NewPacer(nil)
		p.Wait(ctx)
		p.Observe(rateResponse(time.Now(), 0, 2, time.Second, 10*time.Second), nil)
		p.Wait(ctx) // waits for the refresh at +1s, guesses the end at +11s
		time.Sleep(50 * time.Millisecond)
		// The server opened the window when this request arrived, 50 ms
		// after the guess: it ends at +11.05s.
		p.Observe(rateResponse(time.Now(), 1, 2, 10*time.Second, 10*time.Second), nil)
		p.Wait(ctx)
		start := time.Now()
		p.Wait(ctx) // the window's third request
		if d := time.Since(start); d < 10*time.Second {
			t.Fatalf("third request went %v after the second, before the server's window refreshed", d)
		}
	})
}
