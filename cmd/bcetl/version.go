package main

import (
	"context"
	"fmt"

	"github.com/spf13/pflag"

	"github.com/bcetl/bcetl/internal/version"
)

// bcetl version (and bcetl --version) prints the module version and VCS
// revision the toolchain recorded: what a bug report or an image tag needs.
func init() {
	register(&command{
		name:    "version",
		summary: "print bcetl's module version and VCS revision (also: bcetl --version)",
		example: `  bcetl version`,
		setup: func(fs *pflag.FlagSet) func(ctx context.Context, a *app) error {
			return func(ctx context.Context, a *app) error {
				fmt.Fprintln(a.stdout, version.Read())
				return nil
			}
		},
	})
}
