package main

import (
	"context"
	"io"
	"log/slog"
	"sort"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/bcetl/bcetl/extract"
	"github.com/bcetl/bcetl/internal/bigcommerce"
	"github.com/bcetl/bcetl/internal/version"
)

// command is one subcommand, registered from its file's init.
type command struct {
	// name is the path below bcetl: "export", "webhooks serve" (a
	// command of the group "webhooks").
	name    string
	summary string
	// example is printed by --help: runnable, tokens through the
	// environment.
	example string
	long    string // more about it, printed before the usage
	// use is the usage after the name, for a command that takes
	// positional arguments ("FILE"); args checks them. Without them the
	// command refuses any: a stray word never swallows the flags after
	// it.
	use  string
	args cobra.PositionalArgs
	// setup declares the command's flags and returns the function to run.
	setup func(fs *pflag.FlagSet) func(ctx context.Context, a *app) error
}

var commands = map[string]*command{}

func register(c *command) { commands[c.name] = c }

// groups are the commands that only hold others: summary and example.
var groups = map[string][2]string{
	"webhooks": {"the webhook receiver: bcetl webhooks serve",
		"  export BCETL_BIGCOMMERCE_HEADER='X-Bcetl-Auth=<value given when creating the hook>' BIGCOMMERCE_SOURCE_STORE_HASH=abc123\n" +
			"  bcetl webhooks serve --spool /var/lib/bcetl/webhooks.db"},
}

// cli is one run of bcetl: the command tree, and what the run learnt
// before its command ran.
type cli struct {
	stdout, stderr io.Writer
	root           *cobra.Command

	used    []deprecation     // old flag and variable names used
	fromEnv map[string]string // flag → the variable that set it
	errOut  io.Writer         // stderr scrubbed of the run's credentials
	log     *slog.Logger
}

func newCLI(stdout, stderr io.Writer) *cli {
	c := &cli{stdout: stdout, stderr: stderr}
	root := &cobra.Command{
		Use:   "bcetl",
		Short: "bulk ETL for BigCommerce customer data",
		Example: "  bcetl demo                        # the whole pipeline against in-process sandboxes\n" +
			"  bcetl help migrate                # = bcetl migrate --help\n" +
			"  source <(bcetl completion bash)   # shell completion",
		Version:           version.Read().String(),
		SilenceUsage:      true, // a runtime error is not a usage error: no help after it
		SilenceErrors:     true, // exitCode prints errors, in the log format
		PersistentPreRunE: c.prepare,
	}
	root.SetVersionTemplate("{{.Version}}\n")
	root.SetOut(stdout)
	root.SetErr(stderr)
	root.SetHelpFunc(func(cmd *cobra.Command, _ []string) { writeHelp(cmd.OutOrStdout(), cmd) })
	root.SetFlagErrorFunc(func(cmd *cobra.Command, err error) error {
		msg := err.Error()
		if strings.Contains(msg, "shorthand flag") {
			msg += " (long flags take two dashes: --out, not -out)"
		}
		return usageError{msg}
	})
	pf := root.PersistentFlags()
	pf.SortFlags = false
	pf.String("log-format", "text", "log format: text or json")
	pf.String("log-level", "info", "log level: debug, info, warn, error")

	root.SetHelpCommand(&cobra.Command{
		Use:     "help [command]",
		Short:   "print a command's help: bcetl help CMD is bcetl CMD --help",
		Example: "  bcetl help migrate\n  bcetl help webhooks serve",
		Args:    cobra.ArbitraryArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			target, rest, err := root.Find(args)
			if err != nil || len(rest) > 0 {
				return usagef("no command %q", strings.Join(args, " "))
			}
			return target.Help()
		},
	})

	names := make([]string, 0, len(commands))
	for n := range commands {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		c.add(root, commands[n])
	}
	root.InitDefaultHelpCmd() // now that root has commands: it adds none before
	root.InitDefaultCompletionCmd()
	for _, sh := range []string{"bash", "zsh", "fish", "powershell"} {
		if cmd, _, err := root.Find([]string{"completion", sh}); err == nil && cmd.Name() == sh {
			cmd.Example = "  source <(bcetl completion " + sh + ")   # this shell only; see above to install it"
		}
	}
	if cmd, _, err := root.Find([]string{"completion"}); err == nil {
		cmd.Short = "print the shell completion script of bash, zsh, fish or powershell"
		cmd.Example = "  bcetl completion bash > /etc/bash_completion.d/bcetl"
	}
	root.Flags().BoolP("version", "v", false, "print bcetl's version and exit")
	walk(root, func(cmd *cobra.Command) {
		// Declared here, not when it runs: help CMD shows the flags CMD
		// --help does.
		cmd.Flags().BoolP("help", "h", false, "print this help and exit")
		cmd.Flags().SortFlags = false
		if cmd.HasAvailableSubCommands() && !cmd.Runnable() || cmd == root {
			groupCommand(cmd)
		}
		cmd.Args = usageArgs(cmd.Args)
	})
	c.root = root
	return c
}

// add declares cmd under root, in its group when it has one.
func (c *cli) add(root *cobra.Command, cmd *command) {
	parent := root
	words := strings.Fields(cmd.name)
	for _, g := range words[:len(words)-1] {
		var next *cobra.Command
		for _, sub := range parent.Commands() {
			if sub.Name() == g {
				next = sub
			}
		}
		if next == nil {
			next = &cobra.Command{Use: g, Short: groups[g][0], Example: groups[g][1]}
			parent.AddCommand(next)
		}
		parent = next
	}
	use := words[len(words)-1]
	if cmd.use != "" {
		use += " " + cmd.use
	}
	args := cmd.args
	if args == nil {
		args = noArgs
	}
	cc := &cobra.Command{Use: use, Short: cmd.summary, Long: cmd.long, Example: cmd.example, Args: args}
	fs := cc.Flags()
	fs.SortFlags = false
	runFn := cmd.setup(fs)
	fs.VisitAll(func(f *pflag.Flag) {
		if _, ok := vocabulary[f.Name]; !ok {
			panic("bcetl " + cmd.name + ": --" + f.Name + " is not in the flag vocabulary (vocabulary.go)")
		}
	})
	addDeprecatedFlags(fs, cmd.name, &c.used)
	cc.RunE = func(cc *cobra.Command, args []string) error {
		return runFn(cc.Context(), &app{stdout: c.stdout, stderr: c.stderr, log: c.log, args: args})
	}
	parent.AddCommand(cc)
}

// prepare runs before every command: the environment sets the flags the
// command line did not, then the logger is made and told of every old name
// used.
func (c *cli) prepare(cmd *cobra.Command, _ []string) error {
	fs := cmd.Flags()
	from, err := applyEnv(fs, commandPath(cmd), &c.used)
	c.fromEnv = from
	if err != nil {
		return err
	}
	// Everything logged, and the final error, is scrubbed of the
	// credentials given on the command line or in the environment: the
	// clients scrub what they build, this catches what did not come
	// through them.
	c.errOut = redacting(c.stderr, cmd)
	format, _ := fs.GetString("log-format")
	level, _ := fs.GetString("log-level")
	if c.log, err = newLogger(c.errOut, format, level); err != nil {
		return err
	}
	for _, d := range c.used {
		c.log.Warn("deprecated name: it goes in the next release", "deprecated", d.old, "use", d.use)
	}
	return nil
}

// redacting is w scrubbed of the values of cmd's credential flags
// (--source-token, --voucherify-secret, …), however they were set, and of
// the variables the sources read their keys from (VOUCHERIFY_SECRET_KEY:
// extract.Registration.Credentials).
func redacting(w io.Writer, cmd *cobra.Command) io.Writer {
	secrets := extract.Credentials()
	if cmd != nil {
		cmd.Flags().VisitAll(func(f *pflag.Flag) {
			if isCredential(f.Name) {
				if v := f.Value.String(); v != "" {
					secrets = append(secrets, v)
				}
			}
		})
	}
	return bigcommerce.RedactingWriter(w, secrets...)
}

// isCredential tells the flags whose values are never shown: help prints
// only whether the environment set them.
func isCredential(name string) bool {
	return strings.HasSuffix(name, "token") || strings.HasSuffix(name, "secret")
}

// commandPath is cmd's path below bcetl: "webhooks serve"; "" for bcetl.
func commandPath(cmd *cobra.Command) string {
	if cmd == nil {
		return ""
	}
	p := cmd.CommandPath()
	if i := strings.IndexByte(p, ' '); i >= 0 {
		return p[i+1:]
	}
	return ""
}

func walk(cmd *cobra.Command, f func(*cobra.Command)) {
	f(cmd)
	for _, sub := range cmd.Commands() {
		walk(sub, f)
	}
}

// groupCommand makes a command that only holds others (bcetl, bcetl
// webhooks) a usage error without one: its help on stderr, exit 2. A word
// that names none of them is refused with the closest names.
func groupCommand(cmd *cobra.Command) {
	cmd.Args = func(cmd *cobra.Command, args []string) error {
		if len(args) == 0 {
			return nil
		}
		msg := "unknown command " + quote(args[0]) + " for " + quote(cmd.CommandPath())
		cmd.SuggestionsMinimumDistance = 2 // cobra's default, which only its own lookup sets
		if s := cmd.SuggestionsFor(args[0]); len(s) > 0 {
			msg += "; did you mean " + strings.Join(s, " or ") + "?"
		}
		return usageError{msg}
	}
	cmd.RunE = func(cmd *cobra.Command, _ []string) error {
		writeHelp(cmd.ErrOrStderr(), cmd)
		return errUsageShown
	}
}

// noArgs refuses positional arguments: flags take their values, and a
// stray word is a mistake, never silently dropped.
func noArgs(cmd *cobra.Command, args []string) error {
	if len(args) > 0 {
		return usagef("unexpected argument %s: %s takes only flags (--name VALUE)", quote(args[0]), cmd.CommandPath())
	}
	return nil
}

// usageArgs makes every refusal of positional arguments a usage error,
// cobra's own checks included (completion's).
func usageArgs(check cobra.PositionalArgs) cobra.PositionalArgs {
	if check == nil {
		check = noArgs
	}
	return func(cmd *cobra.Command, args []string) error {
		if err := check(cmd, args); err != nil {
			if _, ok := err.(usageError); ok {
				return err
			}
			return usageError{err.Error()}
		}
		return nil
	}
}

func quote(s string) string { return `"` + s + `"` }
