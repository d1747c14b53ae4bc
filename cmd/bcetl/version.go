package main

import (
	"context"
	"flag"
	"fmt"

	"github.com/bcetl/bcetl/internal/version"
)

// bcetl version (and bcetl --version) prints the module version and VCS
// revision the toolchain recorded: what a bug report or an image tag needs.
func init() {
	register(&command{
		name:    "version",
		summary: "print bcetl's module version and VCS revision (also: bcetl --version)",
		usage:   `  bcetl version`,
		setup: func(fs *flag.FlagSet) func(ctx context.Context, a *app) error {
			return func(ctx context.Context, a *app) error {
				if len(a.args) > 0 {
					return usagef("unexpected arguments %q", a.args)
				}
				fmt.Fprintln(a.stdout, version.Read())
				return nil
			}
		},
	})
}

// isVersionFlag reports whether args ask for the version the way most
// tools spell it: bcetl --version (or Go's single-dash -version).
func isVersionFlag(args []string) bool {
	return len(args) == 1 && (args[0] == "--version" || args[0] == "-version")
}
