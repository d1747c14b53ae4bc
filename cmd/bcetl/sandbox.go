package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"time"

	"github.com/spf13/pflag"

	"github.com/bcetl/bcetl/internal/sandbox"
)

// bcetl sandbox: serve the Customers V3 emulator on loopback for tests,
// benchmarks and demos.
func init() {
	register(&command{
		name:    "sandbox",
		summary: "run a local emulator of the BigCommerce Customers V3 API",
		example: "  export BCETL_SANDBOX_TOKEN=secret   # the token clients must send\n" +
			"  bcetl sandbox --listen 127.0.0.1:8080 --store-hash abc123 \\\n" +
			"    --quota 150 --window 30s --generate 10000 --seed 1 --state /tmp/sandbox.state\n" +
			"  bcetl sandbox --config target.json   # groups, channels and form fields of a new store\n" +
			"  # prints http://127.0.0.1:8080/stores/abc123/v3 once listening",
		setup: setupSandbox,
	})
}

func setupSandbox(fs *pflag.FlagSet) func(ctx context.Context, a *app) error {
	listen := fs.String("listen", "127.0.0.1:8080", "address to listen on (host:port; port 0 picks a free one)")
	storeHash := fs.String("store-hash", "abc123", "store hash served under /stores/{hash}/v3")
	token := fs.String("token", "", "X-Auth-Token clients must send (required; prefer the environment: flags show in ps)")
	quota := fs.Int("quota", 150, "requests per window, store-wide (0 = no rate limit)")
	window := fs.Duration("window", 30*time.Second, "rate-limit window")
	latency := fs.Duration("latency", 0, "added latency per request (±50% jitter)")
	faultRate := fs.Float64("fault-rate", 0, "fraction of requests failed with 500/502/503 or a cut connection")
	generate := fs.Int("generate", 0, "generate N customers at start (only into an empty store)")
	seed := fs.Int64("seed", 1, "seed for generated data, jitter and faults")
	state := fs.String("state", "", "persist the store in FILE (snapshot + journal); loaded at start")
	loose := fs.Bool("loose-emails", false, "compare emails as a loose collation might (ß = ss, ﬁ = fi): the worst case for a client")
	config := fs.String("config", "", "a new store's configuration: JSON with customer_groups, channels, customer_fields, address_fields (internal/sandbox/config.go); default: a new BigCommerce store's")
	fidelity := addFidelityFlags(fs)
	return func(ctx context.Context, a *app) error {
		if *token == "" {
			return usagef("--token is required")
		}
		if *generate < 0 || *quota < 0 || *faultRate < 0 || *faultRate > 1 {
			return usagef("--generate and --quota must be >= 0, --fault-rate within [0, 1]")
		}
		opts, err := fidelity.apply(sandbox.Options{
			StoreHash: *storeHash, Token: *token, Quota: *quota, Window: *window, Latency: *latency,
			FaultRate: *faultRate, Seed: *seed, StatePath: *state, LooseEmails: *loose, Logger: a.log,
		})
		if err != nil {
			return err
		}
		if opts.Config, err = readStoreConfig(*config); err != nil {
			return err
		}
		start := time.Now()
		srv, err := sandbox.New(opts)
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
		cfg := srv.Config()
		// Never log the token.
		a.log.Info("sandbox ready", "listen", ln.Addr().String(), "store_hash", *storeHash, "quota", *quota,
			"window", *window, "latency", *latency, "fault_rate", *faultRate, "state", *state,
			"error_keys", opts.ErrorKeys, "shapes", opts.Shapes, "date_bounds", opts.DateBounds,
			"send_counts", opts.SendCounts, "max_url_bytes", opts.MaxURLBytes,
			"customers", customers, "addresses", addresses, "attribute_values", values, "form_field_values", forms,
			"customer_groups", len(cfg.Groups), "channels", len(cfg.Channels),
			"custom_form_fields", len(cfg.CustomerFields)+len(cfg.AddressFields),
			"storefront_form_fields", "http://"+ln.Addr().String()+"/api/storefront/form-fields",
			"startup", time.Since(start))
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

// readStoreConfig reads --config: "" is none; a file that cannot be read
// or is not a configuration (unknown fields included) is an error naming
// it.
func readStoreConfig(path string) (*sandbox.StoreConfig, error) {
	if path == "" {
		return nil, nil
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, usagef("--config %s: %v", path, err)
	}
	var c sandbox.StoreConfig
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&c); err != nil {
		return nil, usagef("--config %s: not a store configuration: %v", path, err)
	}
	return &c, nil
}

// fidelityFlags choose how the sandbox answers where the official document
// is silent (internal/sandbox/fidelity.go). The defaults are the recorded
// behaviour of the real API, or else the stricter one; the other values are
// the sandbox's earlier answers.
type fidelityFlags struct {
	errorKeys, shapes, dateBounds *string
	sendCounts                    *bool
	maxURLBytes                   *int
}

func addFidelityFlags(fs *pflag.FlagSet) fidelityFlags {
	return fidelityFlags{
		errorKeys: fs.String("error-keys", sandbox.ErrorKeysRecorded,
			"error bodies: recorded (keys like 0.email, one .customer_create error for a duplicate email) or bracketed (keys like [0].email, an error per item)"),
		shapes: fs.String("shapes", sandbox.ShapesRecorded,
			"customer objects and meta: recorded (channel_ids null, store_credit_amounts always, no pagination links) or documented"),
		dateBounds: fs.String("date-bounds", sandbox.DateBoundsExclusive,
			"date filters' :min/:max: exclusive (a date-only :max gets the current time of day) or inclusive"),
		sendCounts: fs.Bool("send-counts", false, "send address_count and attribute_count on customer objects (recorded answers lack them)"),
		maxURLBytes: fs.Int("max-url-bytes", sandbox.DefaultMaxURLBytes,
			"longest request URI served; longer is refused with 414 (-1 = no limit)"),
	}
}

// apply sets the fidelity options on o; a value out of its choices is a
// usage error naming the flag.
func (f fidelityFlags) apply(o sandbox.Options) (sandbox.Options, error) {
	for _, c := range []struct {
		flag, value, def, other string
	}{
		{"--error-keys", *f.errorKeys, sandbox.ErrorKeysRecorded, sandbox.ErrorKeysBracketed},
		{"--shapes", *f.shapes, sandbox.ShapesRecorded, sandbox.ShapesDocumented},
		{"--date-bounds", *f.dateBounds, sandbox.DateBoundsExclusive, sandbox.DateBoundsInclusive},
	} {
		if c.value != c.def && c.value != c.other {
			return o, usagef("%s must be %s or %s, got %q", c.flag, c.def, c.other, c.value)
		}
	}
	if *f.maxURLBytes == 0 || *f.maxURLBytes < -1 {
		return o, usagef("--max-url-bytes must be a positive number of bytes or -1 (no limit)")
	}
	o.ErrorKeys, o.Shapes, o.DateBounds, o.SendCounts, o.MaxURLBytes = *f.errorKeys, *f.shapes, *f.dateBounds, *f.sendCounts, *f.maxURLBytes
	return o, nil
}
