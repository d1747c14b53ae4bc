package webhooks

import (
	"fmt"
	"math/rand/v2"
	"net/http"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/bcetl/bcetl/internal/sandboxtest"
)

// delivery is one request of the load test.
type delivery struct {
	voucherify bool
	body       []byte
	key        string // dedupe key
	badSig     bool
	dup        bool
}

// TestLoad posts deliveries concurrently over loopback: 10% re-send an
// earlier event, 5% carry a bad signature, a fifth of the rest go to
// Voucherify. It asserts the answers (200 / 401), that the spool holds every
// valid event exactly once and no invalid one, and that the counters agree;
// it logs accepted deliveries/s and latency percentiles.
//
//	go test -race -run TestLoad -v ./internal/webhooks/
func TestLoad(t *testing.T) {
	n, workers := 10_000, 32
	if testing.Short() {
		n = 2_000
	}
	srv, ts := newTestServer(t)

	rng := rand.New(rand.NewPCG(sandboxtest.Seed(t, 1), 2))
	var valid []delivery
	all := make([]delivery, 0, n)
	for i := range n {
		switch {
		case i%20 == 0: // 5%: signed with the wrong key, an event no one else sends
			all = append(all, newDelivery(i, i%3 == 0, true))
		case i%10 == 1 && len(valid) > 0: // 10%: an event already in the list
			d := valid[rng.IntN(len(valid))]
			d.dup = true
			all = append(all, d)
		default:
			d := newDelivery(i, i%5 == 0, false)
			valid = append(valid, d)
			all = append(all, d)
		}
	}
	rng.Shuffle(len(all), func(i, j int) { all[i], all[j] = all[j], all[i] })

	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: workers}, Timeout: 30 * time.Second}
	defer client.CloseIdleConnections()
	type result struct {
		code int
		dur  time.Duration
	}
	results := make([]result, len(all))
	jobs := make(chan int)
	var wg sync.WaitGroup
	start := time.Now()
	for range workers {
		wg.Go(func() {
			for i := range jobs {
				d := all[i]
				var req *http.Request
				if d.voucherify {
					req = voucherifyRequest(t, ts.URL, d.body)
					if d.badSig {
						req.Header.Set("x-voucherify-signature", voucherifySignature("wrong", d.body))
					}
				} else {
					req = bigCommerceRequest(t, ts.URL, d.body, fmt.Sprintf("msg_%d", i))
					if d.badSig {
						signStandard(req.Header, []byte("wrong"), "msg_bad", testNow.Unix(), d.body)
					}
				}
				t0 := time.Now()
				resp, err := client.Do(req)
				if err != nil {
					t.Error(err)
					continue
				}
				resp.Body.Close()
				results[i] = result{resp.StatusCode, time.Since(t0)}
			}
		})
	}
	for i := range all {
		jobs <- i
	}
	close(jobs)
	wg.Wait()
	elapsed := time.Since(start)

	var ok200, bad, dups int
	durs := make([]time.Duration, 0, len(all))
	for i, r := range results {
		d := all[i]
		want := http.StatusOK
		if d.badSig {
			want = http.StatusUnauthorized
			bad++
		} else {
			ok200++
		}
		if d.dup {
			dups++
		}
		if r.code != want {
			t.Errorf("delivery %d (bad signature %v): status %d, want %d", i, d.badSig, r.code, want)
		}
		if !d.badSig {
			durs = append(durs, r.dur)
		}
	}

	// The spool: exactly the valid events, each once.
	stored := map[string]int{}
	rows, err := srv.spool.r.QueryContext(t.Context(), `SELECT provider, dedupe_key FROM events WHERE status = 'pending'`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var p, k string
		if err := rows.Scan(&p, &k); err != nil {
			t.Fatal(err)
		}
		stored[p+" "+k]++
	}
	if err := rows.Close(); err != nil {
		t.Fatal(err)
	}
	for _, d := range valid {
		if stored[d.provider()+" "+d.key] != 1 {
			t.Errorf("valid event %s stored %d times", d.key, stored[d.provider()+" "+d.key])
		}
	}
	if len(stored) != len(valid) {
		t.Errorf("spool holds %d events, want the %d valid ones", len(stored), len(valid))
	}
	c := srv.Counts()
	if c.Accepted != int64(len(valid)) || c.Duplicate != int64(dups) || c.Refused != int64(bad) || c.Failed != 0 {
		t.Errorf("counts %+v, want accepted %d duplicate %d refused %d", c, len(valid), dups, bad)
	}

	slices.Sort(durs)
	pct := func(p float64) time.Duration { return durs[int(p*float64(len(durs)-1))] }
	t.Logf("%d deliveries (%d new, %d duplicate, %d bad signature), %d workers, %v: %.0f accepted deliveries/s (200s incl. duplicates), %.0f new events/s; latency p50 %v p99 %v max %v",
		len(all), len(valid), dups, bad, workers, elapsed.Round(time.Millisecond),
		float64(ok200)/elapsed.Seconds(), float64(len(valid))/elapsed.Seconds(),
		pct(0.50).Round(time.Microsecond), pct(0.99).Round(time.Microsecond), durs[len(durs)-1].Round(time.Microsecond))
}

func (d delivery) provider() string {
	if d.voucherify {
		return ProviderVoucherify
	}
	return ProviderBigCommerce
}

// newDelivery makes event i: a store/customer/updated callback, or a
// Voucherify customer.created event.
func newDelivery(i int, voucherify, badSig bool) delivery {
	if voucherify {
		id := fmt.Sprintf("evcus_load_%06d", i)
		data := fmt.Sprintf(`{"customer":{"id":"cust_%06d","source_id":"load-%d","name":"Load Test %d","email":"load%d@example.com","address":{"city":"Nottingham","country":"United Kingdom"},"metadata":{},"birthdate":"1974-01-02"}}`, i, i, i, i)
		return delivery{voucherify: true, body: voucherifyEnvelope(id, VoucherifyCustomerCreated, data), key: id, badSig: badSig}
	}
	hash := fmt.Sprintf("%040x", i)
	body := fmt.Sprintf(`{"created_at":%d,"store_id":"1025646","producer":"stores/abc123","scope":"store/customer/updated","hash":"%s","data":{"type":"customer","id":%d}}`,
		1761000000+i, hash, i)
	return delivery{body: []byte(body), key: fmt.Sprintf("stores/abc123|store/customer/updated|%d|%s", 1761000000+i, hash), badSig: badSig}
}
