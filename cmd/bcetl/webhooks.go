package main

import (
	"context"
	"fmt"
	"net"
	"strings"
	"time"

	"github.com/spf13/pflag"

	"github.com/bcetl/bcetl/internal/webhooks"
)

func init() {
	register(&command{
		name:    "webhooks serve",
		summary: "receive BigCommerce and Voucherify webhooks into a spool for the nightly job",
		example: `  export BCETL_BIGCOMMERCE_HEADER='X-Bcetl-Auth=<random value given when creating the hook>'
  export BCETL_BIGCOMMERCE_SECRET='<app client secret>'   # or whsec_<base64>
  export BCETL_VOUCHERIFY_SECRET='<webhook secret key>'
  export BIGCOMMERCE_SOURCE_STORE_HASH=abc123
  bcetl webhooks serve --listen 127.0.0.1:8090 --spool /var/lib/bcetl/webhooks.db`,
		long: `Put it behind a TLS proxy on port 443 (BigCommerce only calls port 443). Pass
secrets through the environment rather than flags, which other users can see
in the process list. See internal/webhooks/REGISTER.md to register the hooks.`,
		setup: setupWebhooksServe,
	})
}

// headerFlags collects repeated --bigcommerce-header NAME=VALUE flags.
// Set never fails: the flag package would echo the rejected value, which is
// a credential, in its error message. The first problem is kept in err and
// reported without the value.
type headerFlags struct {
	list []webhooks.HeaderAuth
	err  error
}

// String never shows values: the help output prints defaults.
func (h *headerFlags) String() string {
	names := make([]string, len(h.list))
	for i, x := range h.list {
		names[i] = x.Name + "=…"
	}
	return strings.Join(names, ",")
}

// Type names the value in the help.
func (h *headerFlags) Type() string { return "NAME=VALUE" }

func (h *headerFlags) Set(s string) error {
	ha, err := webhooks.ParseHeaderAuth(s)
	if err != nil {
		if h.err == nil {
			h.err = err
		}
		return nil
	}
	h.list = append(h.list, ha)
	return nil
}

func setupWebhooksServe(fs *pflag.FlagSet) func(ctx context.Context, a *app) error {
	listen := fs.String("listen", "127.0.0.1:8090", "address to listen on")
	spoolPath := fs.String("spool", "", "SQLite spool file, created owner-only if missing (required)")
	storeHash := fs.String("source-store-hash", "", "the store whose callbacks are accepted (the store nightly reads): another producer than stores/HASH gets a 422 (empty: any store, and nightly fails the others' events)")
	var headers headerFlags
	fs.Var(&headers, "bigcommerce-header", "NAME=VALUE custom header set when the BigCommerce hook was created; repeatable, all must match")
	bcSecret := fs.String("bigcommerce-secret", "", "also require a Standard Webhooks signature keyed with this app client secret, raw or whsec_<base64>")
	vfSecret := fs.String("voucherify-secret", "", "Voucherify webhook secret key; enables /webhooks/voucherify")
	maxBody := fs.Int64("max-body-bytes", webhooks.DefaultMaxBodyBytes, "largest request body accepted")
	statsEvery := fs.Duration("stats-every", webhooks.DefaultStatsEvery, "how often to log the delivery counters")

	return func(ctx context.Context, a *app) error {
		if *spoolPath == "" {
			return usagef("--spool is required")
		}
		if err := needParent("spool", *spoolPath); err != nil {
			return err
		}
		if headers.err != nil {
			return usagef("--bigcommerce-header: %v", headers.err)
		}
		if len(headers.list) == 0 && *bcSecret == "" && *vfSecret == "" {
			return usagef("nothing to receive: give --bigcommerce-header and/or --bigcommerce-secret, and/or --voucherify-secret")
		}
		if *bcSecret != "" {
			if _, err := webhooks.ParseSigningSecret(*bcSecret); err != nil {
				return usagef("--bigcommerce-secret: %v", err)
			}
		}
		if *maxBody <= 0 || *statsEvery <= 0 {
			return usagef("--max-body-bytes and --stats-every must be positive")
		}

		sp, err := webhooks.Open(*spoolPath)
		if err != nil {
			return err
		}
		defer sp.Close()
		srv, err := webhooks.NewServer(webhooks.Config{
			Spool:              sp,
			Log:                a.log,
			BigCommerceHeaders: headers.list,
			BigCommerceSecret:  *bcSecret,
			VoucherifySecret:   *vfSecret,
			StoreHash:          *storeHash,
			MaxBodyBytes:       *maxBody,
			StatsEvery:         *statsEvery,
		})
		if err != nil {
			return usagef("%v", err)
		}
		ln, err := net.Listen("tcp", *listen)
		if err != nil {
			return err
		}
		bc, vf := srv.Endpoints()
		if bc && srv.Producer() == "" {
			a.log.Warn("no --source-store-hash: BigCommerce callbacks of any store are spooled; nightly marks other stores' events failed")
		}
		// Header names are logged, never values or secrets.
		names := make([]string, len(headers.list))
		for i, h := range headers.list {
			names[i] = h.Name
		}
		a.log.Info("receiving webhooks",
			"listen", ln.Addr().String(), "spool", sp.Path(),
			"bigcommerce", bc, "bigcommerce_producer", srv.Producer(), "bigcommerce_auth_headers", names, "bigcommerce_signature", *bcSecret != "",
			"voucherify", vf, "shutdown_timeout", webhooks.DefaultShutdownTimeout)
		fmt.Fprintf(a.stdout, "http://%s\n", ln.Addr())
		start := time.Now()
		err = srv.Serve(ctx, ln)
		a.log.Info("stopped receiving webhooks", "uptime", time.Since(start).Round(time.Millisecond))
		return err
	}
}
