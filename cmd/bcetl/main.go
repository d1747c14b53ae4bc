// Command bcetl is a bulk ETL pipeline for BigCommerce customer data: it
// extracts a store's customers into Parquet, transforms them, loads them into
// a store, and runs the sandbox that emulates the Customers V3 API.
//
// Each subcommand lives in its own file and registers itself in init; the
// command tree is github.com/spf13/cobra's (cli.go), the flags' names,
// meanings and environment variables are vocabulary.go's, and this file
// holds only exit codes and logging.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math"
	"os"
	"os/signal"
	"regexp"
	"strings"
	"syscall"
	"time"

	"github.com/spf13/cobra"
	"golang.org/x/term"

	"github.com/bcetl/bcetl/internal/lockfile"
	"github.com/bcetl/bcetl/internal/sqlitever"
	"github.com/bcetl/bcetl/load"
)

// Exit codes, documented in the README.
const (
	exitOK       = 0 // everything done, every record loaded
	exitFailed   = 1 // the run failed
	exitUsage    = 2 // a mistake in flags, paths or environment
	exitRejected = 3 // finished, but some records were rejected
)

// app is what every command gets: output streams and the logger.
type app struct {
	stdout, stderr io.Writer
	log            *slog.Logger
	args           []string // positional arguments (only commands that take them get any)
}

// terminal returns stderr when it is a terminal, for progress bars, and nil
// otherwise: a scheduler's log gets slog lines, never bars, and never both.
func (a *app) terminal() io.Writer {
	if f, ok := a.stderr.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		return a.stderr
	}
	return nil
}

// usageError is a mistake in flags, paths or environment: exit code 2.
type usageError struct{ msg string }

func (e usageError) Error() string { return e.msg }

func usagef(format string, a ...any) error { return usageError{fmt.Sprintf(format, a...)} }

// errUsageShown is a usage error whose help was printed already.
var errUsageShown = errors.New("usage shown")

// RejectedError reports that a run finished but some records were rejected:
// exit code 3.
type rejectedError struct{ n int64 }

func (e rejectedError) Error() string { return fmt.Sprintf("%d records were rejected", e.n) }

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

func run(args []string, stdout, stderr io.Writer) int {
	// The first SIGINT/SIGTERM cancels the context: commands finish the
	// batches in flight, record them and return. A second one kills.
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	go func() {
		<-ctx.Done()
		stop() // restore default handling: a second signal ends the process
	}()
	c := newCLI(stdout, stderr)
	c.root.SetArgs(append([]string{}, args...)) // never nil: cobra would read os.Args
	cmd, err := c.root.ExecuteContextC(ctx)
	return c.exitCode(cmd, err)
}

func (c *cli) exitCode(cmd *cobra.Command, err error) int {
	if err == nil {
		return exitOK
	}
	name := "bcetl"
	if p := commandPath(cmd); p != "" {
		name += " " + p
	}
	stderr, logger := c.errOut, c.log
	if stderr == nil { // refused before the command ran: flags or environment
		stderr = redacting(c.stderr, cmd)
	}
	if logger == nil {
		logger = slog.New(slog.NewTextHandler(stderr, nil))
	}
	if errors.Is(err, errUsageShown) {
		return exitUsage
	}
	var ue usageError
	if errors.As(err, &ue) {
		fmt.Fprintf(stderr, "%s: %v%s (see %s --help)\n", name, err, c.fromEnvNote(err.Error()), name)
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
		fmt.Fprintf(stderr, "%s: refused: %v\n", name, err)
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

var flagInMessage = regexp.MustCompile(`--([a-z0-9-]+)`)

// fromEnvNote names the variables that set the flags a usage message
// names, so the user knows where to look: "--in was set by BCETL_LOAD_IN".
func (c *cli) fromEnvNote(msg string) string {
	var notes []string
	seen := map[string]bool{}
	for _, m := range flagInMessage.FindAllStringSubmatch(msg, -1) {
		if v, ok := c.fromEnv[m[1]]; ok && !seen[m[1]] && !strings.Contains(msg, v) {
			seen[m[1]] = true
			notes = append(notes, fmt.Sprintf("--%s was set by %s", m[1], v))
		}
	}
	if len(notes) == 0 {
		return ""
	}
	return " (" + strings.Join(notes, "; ") + ")"
}

// newLogger is the run's logger on w. JSON lines carry every duration as
// a number of milliseconds under its key + "_ms" (took → took_ms): a
// machine reading them needs no parser of Go's "1m2.5s".
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
		opts.ReplaceAttr = durationsInMilliseconds
		return slog.New(slog.NewJSONHandler(w, opts)), nil
	}
	return nil, usagef("--log-format must be text or json, not %q", format)
}

func durationsInMilliseconds(_ []string, a slog.Attr) slog.Attr {
	if a.Value.Kind() != slog.KindDuration {
		return a
	}
	key := a.Key
	if !strings.HasSuffix(key, "_ms") {
		key += "_ms"
	}
	ms := float64(a.Value.Duration()) / float64(time.Millisecond)
	return slog.Float64(key, math.Round(ms*1000)/1000) // to the microsecond
}
