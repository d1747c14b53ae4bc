// Command bcetl is a bulk ETL pipeline for BigCommerce customer data: it
// extracts a store's customers into Parquet, transforms them, loads them into
// a store, and runs the sandbox that emulates the Customers V3 API.
//
// Each subcommand lives in its own file and registers itself in init; this
// file holds only dispatch, exit codes, logging and flag/env plumbing.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"sort"
	"strings"
	"syscall"

	"golang.org/x/term"

	"github.com/bcetl/bcetl/extract"
	"github.com/bcetl/bcetl/internal/bigcommerce"
	"github.com/bcetl/bcetl/internal/lockfile"
	"github.com/bcetl/bcetl/internal/sqlitever"
	"github.com/bcetl/bcetl/load"
)

// Exit codes, documented in the README.
const (
	exitOK       = 0 // everything done, every record loaded
	exitFailed   = 1 // the run failed
	exitUsage    = 2 // bad command line
	exitRejected = 3 // finished, but some records were rejected
)

// command is one subcommand.
type command struct {
	name    string
	summary string
	// usage is printed by --help, after the flags: a runnable example.
	usage string
	// setup declares the command's flags and returns the function to run.
	setup func(fs *flag.FlagSet) func(ctx context.Context, app *app) error
}

var commands = map[string]*command{}

func register(c *command) { commands[c.name] = c }

// app is what every command gets: output streams and the logger.
type app struct {
	stdout, stderr io.Writer
	log            *slog.Logger
	args           []string // positional arguments after flags
}

// terminal returns stderr when it is a terminal, for progress bars, and nil
// otherwise: a scheduler's log gets slog lines, never bars, and never both.
func (a *app) terminal() io.Writer {
	if f, ok := a.stderr.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		return a.stderr
	}
	return nil
}

// usageError is a command-line mistake: exit code 2.
type usageError struct{ msg string }

func (e usageError) Error() string { return e.msg }

func usagef(format string, a ...any) error { return usageError{fmt.Sprintf(format, a...)} }

// RejectedError reports that a run finished but some records were rejected:
// exit code 3.
type rejectedError struct{ n int64 }

func (e rejectedError) Error() string { return fmt.Sprintf("%d records were rejected", e.n) }

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

func run(args []string, stdout, stderr io.Writer) int {
	if isVersionFlag(args) {
		args = []string{"version"}
	}
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		printCommands(stderr)
		if len(args) == 0 {
			return exitUsage
		}
		return exitOK
	}
	name := args[0]
	if name == "webhooks" && len(args) > 1 && !strings.HasPrefix(args[1], "-") {
		name, args = "webhooks "+args[1], args[1:]
	}
	cmd, ok := commands[name]
	if !ok {
		fmt.Fprintf(stderr, "bcetl: unknown command %q\n\n", args[0])
		printCommands(stderr)
		return exitUsage
	}
	fs := flag.NewFlagSet("bcetl "+cmd.name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	logFormat := fs.String("log-format", "text", "log format: text or json (env BCETL_LOG_FORMAT)")
	logLevel := fs.String("log-level", "info", "log level: debug, info, warn, error (env BCETL_LOG_LEVEL)")
	runFn := cmd.setup(fs)
	fs.Usage = func() {
		fmt.Fprintf(stderr, "bcetl %s: %s\n\nFlags (each also read from the environment as BCETL_<FLAG>, credentials as BIGCOMMERCE_*, VOUCHERIFY_*):\n", cmd.name, cmd.summary)
		fs.PrintDefaults()
		if cmd.usage != "" {
			fmt.Fprintf(stderr, "\nExample:\n%s\n", cmd.usage)
		}
	}
	if err := applyEnv(fs); err != nil {
		fmt.Fprintf(stderr, "bcetl %s: %v\n", cmd.name, err)
		return exitUsage
	}
	if err := fs.Parse(args[1:]); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return exitOK
		}
		return exitUsage
	}
	// Everything logged, and the final error, is scrubbed of the
	// credentials given on the command line or in the environment: the
	// clients scrub what they build, this catches what did not come
	// through them.
	errOut := bigcommerce.RedactingWriter(stderr, credentials(fs)...)
	logger, err := newLogger(errOut, *logFormat, *logLevel)
	if err != nil {
		fmt.Fprintf(errOut, "bcetl %s: %v\n", cmd.name, err)
		return exitUsage
	}
	// The first SIGINT/SIGTERM cancels the context: commands finish the
	// batches in flight, record them and return. A second one kills.
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	go func() {
		<-ctx.Done()
		stop() // restore default handling: a second signal ends the process
	}()
	a := &app{stdout: stdout, stderr: stderr, log: logger, args: fs.Args()}
	err = runFn(ctx, a)
	return exitCode(cmd.name, err, logger, errOut)
}

// credentials are the values of the flags that hold one (--token,
// --source-token, --voucherify-secret, …), however they were set, and of
// the environment variables the sources read their keys from
// (VOUCHERIFY_SECRET_KEY: extract.Registration.Credentials).
func credentials(fs *flag.FlagSet) []string {
	out := extract.Credentials()
	fs.VisitAll(func(f *flag.Flag) {
		if strings.HasSuffix(f.Name, "token") || strings.HasSuffix(f.Name, "secret") {
			if v := f.Value.String(); v != "" {
				out = append(out, v)
			}
		}
	})
	return out
}

func exitCode(name string, err error, logger *slog.Logger, stderr io.Writer) int {
	if err == nil {
		return exitOK
	}
	var ue usageError
	if errors.As(err, &ue) {
		fmt.Fprintf(stderr, "bcetl %s: %v (see bcetl %s --help)\n", name, err, name)
		return exitUsage
	}
	if errors.Is(err, context.Canceled) {
		logger.Warn("interrupted: work in flight was recorded; run the same command again to resume", "command", name)
		return exitFailed
	}
	// Refusals to touch a state that is not this run's: said plainly, once.
	var held *lockfile.HeldError
	var target *load.TargetError
	var newer *sqlitever.NewerError
	if errors.As(err, &held) || errors.As(err, &target) || errors.As(err, &newer) {
		fmt.Fprintf(stderr, "bcetl %s: refused: %v\n", name, err)
		return exitFailed
	}
	var re rejectedError
	if errors.As(err, &re) {
		logger.Warn("finished with rejected records", "rejected", re.n)
		return exitRejected
	}
	logger.Error("failed", "command", name, "err", err)
	return exitFailed
}

// applyEnv sets every flag not given on the command line from BCETL_<FLAG>
// (dashes become underscores), so a scheduler can configure a job through
// its environment. Flags named in envAliases also read the BIGCOMMERCE_*
// variables.
func applyEnv(fs *flag.FlagSet) error {
	var err error
	fs.VisitAll(func(f *flag.Flag) {
		if err != nil {
			return
		}
		names := []string{"BCETL_" + strings.ToUpper(strings.ReplaceAll(f.Name, "-", "_"))}
		names = append(names, envAliases[f.Name]...)
		for _, n := range names {
			if v, ok := os.LookupEnv(n); ok && v != "" {
				if e := f.Value.Set(v); e != nil {
					err = fmt.Errorf("environment %s: %v", n, e)
				}
				return
			}
		}
	})
	return err
}

// envAliases are the conventional BigCommerce variable names.
var envAliases = map[string][]string{
	"store-hash":        {"BIGCOMMERCE_STORE_HASH"},
	"token":             {"BIGCOMMERCE_ACCESS_TOKEN"},
	"api-url":           {"BIGCOMMERCE_API_URL"},
	"source-store-hash": {"BIGCOMMERCE_SOURCE_STORE_HASH"},
	"source-token":      {"BIGCOMMERCE_SOURCE_ACCESS_TOKEN"},
	"source-api-url":    {"BIGCOMMERCE_SOURCE_API_URL"},
	"target-store-hash": {"BIGCOMMERCE_TARGET_STORE_HASH"},
	"target-token":      {"BIGCOMMERCE_TARGET_ACCESS_TOKEN"},
	"target-api-url":    {"BIGCOMMERCE_TARGET_API_URL"},
}

func newLogger(w io.Writer, format, level string) (*slog.Logger, error) {
	var lv slog.Level
	if err := lv.UnmarshalText([]byte(level)); err != nil {
		return nil, usagef("--log-level: %v", err)
	}
	opts := &slog.HandlerOptions{Level: lv}
	switch format {
	case "text":
		return slog.New(slog.NewTextHandler(w, opts)), nil
	case "json":
		return slog.New(slog.NewJSONHandler(w, opts)), nil
	}
	return nil, usagef("--log-format must be text or json, not %q", format)
}

func printCommands(w io.Writer) {
	fmt.Fprintln(w, "bcetl: bulk ETL for BigCommerce customer data\n\nUsage: bcetl <command> [flags]\n\nCommands:")
	names := make([]string, 0, len(commands))
	for n := range commands {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		fmt.Fprintf(w, "  %-18s %s\n", n, commands[n].summary)
	}
	fmt.Fprintln(w, "\nRun 'bcetl <command> --help' for a command's flags and an example.")
}
