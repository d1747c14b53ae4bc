package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"time"

	"github.com/spf13/pflag"

	"github.com/bcetl/bcetl/internal/vsandbox"
)

// bcetl voucherify-sandbox: serve the Voucherify emulator (List Customers,
// Exports and the CSV download) on loopback for tests and demos. A command
// of its own rather than a mode of `bcetl sandbox`: its credentials,
// limits and options are Voucherify's, none of the BigCommerce sandbox's
// flags would apply.
func init() {
	register(&command{
		name:    "voucherify-sandbox",
		summary: "run a local emulator of the Voucherify customers and exports API",
		example: "  BCETL_VOUCHERIFY_SANDBOX_APP_TOKEN=secret bcetl voucherify-sandbox --listen 127.0.0.1:8090 --app-id my-app \\\n" +
			"    --quota 100 --window 1m --generate 12000 --seed 1\n" +
			"  # prints http://127.0.0.1:8090 once listening; then:\n" +
			"  curl -H 'X-App-Id: my-app' -H 'X-App-Token: secret' 'http://127.0.0.1:8090/v1/customers?limit=100'",
		setup: setupVoucherifySandbox,
	})
}

func setupVoucherifySandbox(fs *pflag.FlagSet) func(ctx context.Context, a *app) error {
	listen := fs.String("listen", "127.0.0.1:8090", "address to listen on (host:port; port 0 picks a free one)")
	appID := fs.String("app-id", "", "X-App-Id clients must send (required)")
	appToken := fs.String("app-token", "", "X-App-Token clients must send (required; prefer the environment: flags show in ps)")
	quota := fs.Int("quota", 100, "API calls per window (Voucherify Business: 100 per minute; 0 = no limit)")
	window := fs.Duration("window", time.Minute, "rate-limit window")
	generate := fs.Int("generate", 0, "generate N customers at start")
	seed := fs.Int64("seed", 1, "seed for generated data and ids")
	burstShare := fs.Float64("burst-share", vsandbox.DefaultBurstShare, "fraction of generated customers in bursts sharing one created_at (negative: none)")
	maxBurst := fs.Int("max-burst", vsandbox.DefaultMaxBurst, "largest burst of customers sharing one created_at")
	polls := fs.Int("export-polls", vsandbox.DefaultExportPolls, "Get Export answers that show an export IN_PROGRESS before DONE (-1: none)")
	downloadURL := fs.String("download-url", "", "root of the export result URLs (default: this server under /download)")
	csvHeader := fs.String("csv-header", vsandbox.CSVHeaderLabels, "export file headings: labels (Source ID, Created At) or fields (source_id, created_at)")
	csvBOM := fs.Bool("csv-bom", true, "start the export file with a UTF-8 byte order mark")
	csvCRLF := fs.Bool("csv-crlf", true, "end export file lines with CRLF (false: LF)")
	return func(ctx context.Context, a *app) error {
		if *appID == "" || *appToken == "" {
			return usagef("--app-id and --app-token (or %s, %s) are required", envScoped("voucherify-sandbox", "app-id"), envScoped("voucherify-sandbox", "app-token"))
		}
		if *generate < 0 || *quota < 0 || *polls == 0 || *polls < -1 {
			return usagef("--generate and --quota must be >= 0, --export-polls > 0 or -1")
		}
		if *csvHeader != vsandbox.CSVHeaderLabels && *csvHeader != vsandbox.CSVHeaderFields {
			return usagef("--csv-header must be labels or fields, got %q", *csvHeader)
		}
		srv, err := vsandbox.New(vsandbox.Options{AppID: *appID, AppToken: *appToken, Quota: *quota, Window: *window,
			Seed: *seed, ExportPolls: *polls, DownloadURL: *downloadURL, Logger: a.log,
			CSV: vsandbox.CSVOptions{Header: *csvHeader, NoBOM: !*csvBOM, LF: !*csvCRLF}})
		if err != nil {
			return usagef("%v", err)
		}
		start := time.Now()
		if err := srv.Generate(vsandbox.GenOptions{Customers: *generate, Seed: *seed, BurstShare: *burstShare, MaxBurst: *maxBurst}); err != nil {
			return usagef("%v", err)
		}
		ln, err := net.Listen("tcp", *listen)
		if err != nil {
			return err
		}
		// Never log the credentials.
		a.log.Info("voucherify sandbox ready", "listen", ln.Addr().String(), "quota", *quota, "window", *window,
			"customers", srv.Count(), "export_polls", *polls, "csv_header", *csvHeader, "csv_bom", *csvBOM,
			"csv_crlf", *csvCRLF, "startup", time.Since(start))
		fmt.Fprintf(a.stdout, "http://%s\n", ln.Addr().String())

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
		if err != nil && !errors.Is(err, http.ErrServerClosed) {
			return err
		}
		return nil
	}
}
