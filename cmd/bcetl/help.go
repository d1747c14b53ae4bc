package main

import (
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
)

// writeHelp prints cmd's help: what it does, how it is called, its
// subcommands, a runnable example, and each flag with its meaning, its
// default, the variables that set it and the value the environment sets it
// to now. bcetl CMD --help and bcetl help CMD both print it, on stdout.
func writeHelp(w io.Writer, cmd *cobra.Command) {
	path := commandPath(cmd)
	name := strings.TrimSpace("bcetl " + path)
	fmt.Fprintf(w, "%s: %s\n", name, cmd.Short)
	if cmd.Long != "" {
		fmt.Fprintf(w, "\n%s\n", strings.TrimRight(cmd.Long, "\n"))
	}
	fmt.Fprintln(w, "\nUsage:")
	if cmd.HasAvailableSubCommands() {
		fmt.Fprintf(w, "  %s <command> [flags]\n", name)
		fmt.Fprintln(w, "\nCommands:")
		var subs []*cobra.Command
		width := 0
		for _, sub := range cmd.Commands() {
			if sub.IsAvailableCommand() || sub.Name() == "help" && !sub.Hidden {
				subs = append(subs, sub)
				width = max(width, len(sub.Name()))
			}
		}
		for _, sub := range subs {
			fmt.Fprintf(w, "  %-*s  %s\n", width, sub.Name(), sub.Short)
		}
	} else {
		fmt.Fprintf(w, "  %s\n", cmd.UseLine())
	}
	if cmd.Example != "" {
		fmt.Fprintf(w, "\nExample:\n%s\n", strings.TrimRight(cmd.Example, "\n"))
	}
	if fs := cmd.LocalFlags(); fs.HasAvailableFlags() {
		fmt.Fprintln(w, "\nFlags:")
		writeFlags(w, fs, path)
	}
	if fs := cmd.InheritedFlags(); fs.HasAvailableFlags() {
		fmt.Fprintln(w, "\nGlobal flags:")
		writeFlags(w, fs, path)
	}
	if cmd.HasAvailableSubCommands() {
		fmt.Fprintf(w, "\nRun 'bcetl help COMMAND' (the same as '%s COMMAND --help') for a command's flags and an example.\n", name)
	}
	fmt.Fprintln(w, "\nA flag not given on the command line is read from the first variable under it that is set. Old flag\n"+
		"and variable names (--store-hash, BIGCOMMERCE_ACCESS_TOKEN, …) still work for this release, with a warning.")
}

// helpIndent is where a flag's description starts, under its name.
const helpIndent = "      "

func writeFlags(w io.Writer, fs *pflag.FlagSet, path string) {
	fs.VisitAll(func(f *pflag.Flag) {
		if f.Hidden {
			return
		}
		varname, usage := pflag.UnquoteUsage(f)
		line := "  "
		if f.Shorthand != "" {
			line += "-" + f.Shorthand + ", "
		}
		line += "--" + f.Name
		if varname != "" {
			line += " " + varname
		}
		fmt.Fprintln(w, line)
		if d, ok := shownDefault(f); ok {
			usage += " (default " + d + ")"
		}
		wrap(w, usage)
		names := envNames(path, f.Name)
		if len(names) == 0 {
			return
		}
		env := "env " + strings.Join(names, ", ")
		if ev, ok := lookupEnv(path, f.Name); ok {
			shown := strconv.Quote(ev.value)
			if isCredential(f.Name) {
				shown = "set (not shown)"
			}
			env += "; now " + shown + " from " + ev.name
			if ev.deprecated {
				env += " (deprecated)"
			}
		}
		wrap(w, env)
	})
}

// shownDefault is the flag's default, when it is not its type's zero.
func shownDefault(f *pflag.Flag) (string, bool) {
	switch d := f.DefValue; {
	case d == "" || d == "[]":
		return "", false
	case f.Value.Type() == "bool":
		return d, d != "false"
	case f.Value.Type() == "string":
		return strconv.Quote(d), true
	case d == "0" || d == "0s":
		return "", false
	default:
		return d, true
	}
}

// wrap prints s indented under a flag, in lines of at most about 110
// characters.
func wrap(w io.Writer, s string) {
	const width = 110
	line := helpIndent
	for _, word := range strings.Fields(s) {
		if len(line) > len(helpIndent) && len(line)+1+len(word) > width {
			fmt.Fprintln(w, line)
			line = helpIndent
		}
		if len(line) > len(helpIndent) {
			line += " "
		}
		line += word
	}
	fmt.Fprintln(w, line)
}
