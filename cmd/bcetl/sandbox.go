package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"net"
	"net/http"
	"time"

	"github.com/bcetl/bcetl/internal/sandbox"
)

// bcetl sandbox: serve the Customers V3 emulator on loopback for tests,
// benchmarks and demos.
func init() {
	register(&command{
		name:    "sandbox",
		summary: "run a local emulator of the BigCommerce Customers V3 API",
		usage: "  bcetl sandbox --listen 127.0.0.1:8080 --store-hash abc123 --token secret \\\n" +
			"    --quota 150 --window 30s --generate 10000 --seed 1 --state /tmp/sandbox.state\n" +
			"  # prints http://127.0.0.1:8080/stores/abc123/v3 once listening",
		setup: setupSandbox,
	})
}

func setupSandbox(fs *flag.FlagSet) func(ctx context.Context, a *app) error {
	listen := fs.String("listen", "127.0.0.1:8080", "address to listen on (host:port; port 0 picks a free one)")
	storeHash := fs.String("store-hash", "abc123", "store hash served under /stores/{hash}/v3")
	token := fs.String("token", "", "X-Auth-Token clients must send (required; env BIGCOMMERCE_ACCESS_TOKEN)")
	quota := fs.Int("quota", 150, "requests per window, store-wide (0 = no rate limit)")
	window := fs.Duration("window", 30*time.Second, "rate-limit window")
	latency := fs.Duration("latency", 0, "added latency per request (±50% jitter)")
	faultRate := fs.Float64("fault-rate", 0, "fraction of requests failed with 500/502/503 or a cut connection")
	generate := fs.Int("generate", 0, "generate N customers at start (only into an empty store)")
	seed := fs.Int64("seed", 1, "seed for generated data, jitter and faults")
	state := fs.String("state", "", "persist the store in FILE (snapshot + journal); loaded at start")
	loose := fs.Bool("loose-emails", false, "compare emails as a loose collation might (ß = ss, ﬁ = fi): the worst case for a client")
	return func(ctx context.Context, a *app) error {
		if *token == "" {
			return usagef("--token is required")
		}
		if *generate < 0 || *quota < 0 || *faultRate < 0 || *faultRate > 1 {
			return usagef("--generate and --quota must be >= 0, --fault-rate within [0, 1]")
		}
		start := time.Now()
		srv, err := sandbox.New(sandbox.Options{
			StoreHash: *storeHash, Token: *token, Quota: *quota, Window: *window, Latency: *latency,
			FaultRate: *faultRate, Seed: *seed, StatePath: *state, LooseEmails: *loose, Logger: a.log,
		})
		if err != nil {
			return err
		}
		if n, _, _, _ := srv.Counts(); *generate > 0 && n == 0 {
			srv.Generate(*generate, *seed)
		} else if *generate > 0 {
			a.log.Info("store not empty: --generate skipped", "customers", n)
		}
		ln, err := net.Listen("tcp", *listen)
		if err != nil {
			srv.Close()
			return err
		}
		customers, addresses, values, forms := srv.Counts()
		// Never log the token.
		a.log.Info("sandbox ready", "listen", ln.Addr().String(), "store_hash", *storeHash, "quota", *quota,
			"window", *window, "latency", *latency, "fault_rate", *faultRate, "state", *state,
			"customers", customers, "addresses", addresses, "attribute_values", values, "form_field_values", forms,
			"startup", time.Since(start).Round(time.Millisecond))
		fmt.Fprintf(a.stdout, "http://%s/stores/%s/v3\n", ln.Addr().String(), *storeHash)

		hs := &http.Server{Handler: srv, ReadHeaderTimeout: 10 * time.Second}
		errc := make(chan error, 1)
		go func() { errc <- hs.Serve(ln) }()
		select {
		case <-ctx.Done():
			a.log.Info("shutting down")
		case err = <-errc:
		}
		sctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_ = hs.Shutdown(sctx)
		if cerr := srv.Close(); cerr != nil {
			return fmt.Errorf("saving state: %w", cerr)
		}
		if err != nil && !errors.Is(err, http.ErrServerClosed) {
			return err
		}
		a.log.Info("stopped", "state", *state)
		return nil
	}
}
