package main

import (
	"bytes"
	"io"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
)

// commandTree is every command a user can call, bcetl itself ("") and
// the groups included, by path.
func commandTree(t *testing.T) map[string]*cobra.Command {
	t.Helper()
	out := map[string]*cobra.Command{}
	walk(newCLI(io.Discard, io.Discard).root, func(cmd *cobra.Command) {
		for p := cmd; p != nil; p = p.Parent() {
			if p.Hidden {
				return
			}
		}
		out[commandPath(cmd)] = cmd
	})
	if len(out) < 15 {
		t.Fatalf("only %d commands", len(out))
	}
	return out
}

func runArgs(path string, args ...string) []string {
	return append(strings.Fields(path), args...)
}

// Every command's help is on stdout (so bcetl CMD --help | less works),
// exit 0, nothing on stderr; bcetl help CMD prints the same bytes; each
// shows its flags with two dashes and has an example.
func TestHelpOnStdoutForEveryCommand(t *testing.T) {
	for path := range commandTree(t) {
		var out, errOut bytes.Buffer
		if code := run(runArgs(path, "--help"), &out, &errOut); code != exitOK || errOut.Len() > 0 {
			t.Errorf("bcetl %s --help: exit %d, stderr %q", path, code, errOut.String())
			continue
		}
		name := strings.TrimSpace("bcetl " + path)
		if !strings.HasPrefix(out.String(), name+": ") {
			t.Errorf("bcetl %s --help does not start with %q:\n%.200s", path, name, out.String())
		}
		var viaHelp bytes.Buffer
		if code := run(runArgs("help "+path), &viaHelp, &errOut); code != exitOK || viaHelp.String() != out.String() {
			t.Errorf("bcetl help %s (exit %d) differs from bcetl %s --help:\n%s\n---\n%s", path, code, path, viaHelp.String(), out.String())
		}
		if !strings.Contains(out.String(), "\nExample:\n  ") {
			t.Errorf("bcetl %s --help has no example", path)
		}
		for _, l := range strings.Split(out.String(), "\n") {
			if strings.HasPrefix(l, "  -") && !regexp.MustCompile(`^  (-[a-z], )?--[a-z]`).MatchString(l) {
				t.Errorf("bcetl %s --help: flag line %q", path, l)
			}
		}
	}
	// bcetl --help | head shows the commands.
	var out, errOut bytes.Buffer
	run([]string{"--help"}, &out, &errOut)
	head := strings.Join(strings.SplitN(out.String(), "\n", 11)[:10], "\n")
	if !strings.Contains(head, "Commands:") || !strings.Contains(out.String(), "\n  migrate ") {
		t.Errorf("bcetl --help | head:\n%s", head)
	}
}

// An example is runnable as written: every bcetl command line in it names
// a command that exists and only flags that command has under their
// current names, and a command that takes a credential gets it from the
// environment, never from a flag (which ps shows).
func TestHelpExamplesUseCurrentFlagsAndTheEnvironment(t *testing.T) {
	tree := commandTree(t)
	invocation := regexp.MustCompile(`(?:^|\s)bcetl((?:\s+[a-z][a-z-]*)*)((?:\s+\S+)*)`)
	for path, cmd := range tree {
		example := strings.ReplaceAll(cmd.Example, "\\\n", " ")
		for _, line := range strings.Split(example, "\n") {
			line, _, _ = strings.Cut(line, "#")
			m := invocation.FindStringSubmatch(line)
			if m == nil {
				continue
			}
			// The longest run of words that names a command.
			words := strings.Fields(m[1])
			target, rest := "", words
			for i := len(words); i > 0; i-- {
				if _, ok := tree[strings.Join(words[:i], " ")]; ok {
					target, rest = strings.Join(words[:i], " "), words[i:]
					break
				}
			}
			called := tree[target]
			if target == "" && len(rest) > 0 && rest[0] != "" && !strings.HasPrefix(rest[0], "-") {
				t.Errorf("bcetl %s example: %q names no command", path, line)
				continue
			}
			for _, w := range append(rest, strings.Fields(m[2])...) {
				name, ok := strings.CutPrefix(w, "--")
				if !ok {
					continue
				}
				name, _, _ = strings.Cut(name, "=")
				f := called.Flags().Lookup(name)
				if f == nil {
					f = called.InheritedFlags().Lookup(name)
				}
				switch {
				case f == nil:
					t.Errorf("bcetl %s example: %q: bcetl %s has no --%s", path, line, target, name)
				case f.Hidden:
					t.Errorf("bcetl %s example: %q: --%s is deprecated", path, line, name)
				case isCredential(name):
					t.Errorf("bcetl %s example: %q passes a credential as a flag", path, line)
				}
			}
		}
		// A command with a credential flag shows how its variable is set.
		cmd.Flags().VisitAll(func(f *pflag.Flag) {
			if f.Hidden || !isCredential(f.Name) || path == "nightly" && strings.HasPrefix(f.Name, "target-") {
				return // nightly's target is its optional Voucherify sync
			}
			if !slices.ContainsFunc(envNames(path, f.Name), func(v string) bool { return strings.Contains(cmd.Example, v+"=") }) {
				t.Errorf("bcetl %s: the example does not set --%s through %v", path, f.Name, envNames(path, f.Name))
			}
		})
	}
}

// --help names each flag's variables and the value the environment gives
// it now; a credential's is never shown.
func TestHelpShowsTheEnvironmentsValue(t *testing.T) {
	for _, v := range storeVariables {
		t.Setenv(v, "")
	}
	const token = "help-t0ken-never-shown"
	t.Setenv("BCETL_EXPORT_OUT", "/data/warehouse")
	t.Setenv("BIGCOMMERCE_SOURCE_ACCESS_TOKEN", token)
	t.Setenv("BIGCOMMERCE_STORE_HASH", "oldhash")
	var out, errOut bytes.Buffer
	if code := run([]string{"export", "--help"}, &out, &errOut); code != exitOK {
		t.Fatalf("exit %d", code)
	}
	for _, want := range []string{
		`env BCETL_EXPORT_OUT; now "/data/warehouse" from BCETL_EXPORT_OUT`,
		"env BCETL_EXPORT_SOURCE_TOKEN, BIGCOMMERCE_SOURCE_ACCESS_TOKEN; now set (not shown) from BIGCOMMERCE_SOURCE_ACCESS_TOKEN",
		`now "oldhash" from BIGCOMMERCE_STORE_HASH (deprecated)`,
	} {
		if !strings.Contains(strings.Join(strings.Fields(out.String()), " "), want) {
			t.Errorf("export --help lacks %q:\n%s", want, out.String())
		}
	}
	if strings.Contains(out.String(), token) {
		t.Error("the token is in the help")
	}
	// load's --state is not export's: no value shown for it there.
	if strings.Contains(out.String(), "BCETL_LOAD_") {
		t.Error("export --help names a variable of load")
	}
}

// A misspelt command is a usage error that names the closest ones.
func TestUnknownCommandSuggests(t *testing.T) {
	for args, want := range map[string]string{"expotr": "did you mean export?", "webhooks srve": "did you mean serve?"} {
		var out, errOut bytes.Buffer
		if code := run(strings.Fields(args), &out, &errOut); code != exitUsage || !strings.Contains(errOut.String(), want) {
			t.Errorf("bcetl %s: exit %d\n%s", args, code, errOut.String())
		}
	}
}
