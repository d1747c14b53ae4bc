package main

import (
	"context"
	"fmt"
	"io"
	"text/tabwriter"

	"github.com/spf13/pflag"

	"github.com/bcetl/bcetl/internal/staging"
	"github.com/bcetl/bcetl/transform"
)

// bcetl transform: normalise, validate and deduplicate a staging directory
// into a clean one.
func init() {
	register(&command{
		name:    "transform",
		summary: "normalise, validate and deduplicate a staging directory into a clean one",
		example: "  bcetl transform --in staging/ --out clean/\n" +
			"  bcetl transform --in staging/ --out clean/ --disable state,postal --customer-survivor first",
		setup: setupTransform,
	})
}

func setupTransform(fs *pflag.FlagSet) func(ctx context.Context, a *app) error {
	in := fs.String("in", "", "staging directory to read (required)")
	out := fs.String("out", "", "directory to write the clean staging files to (required, not --in)")
	tf := addTransformFlags(fs)
	return func(ctx context.Context, a *app) error {
		if *in == "" || *out == "" {
			return usagef("--in and --out are required")
		}
		if err := needDir("in", *in); err != nil {
			return err
		}
		opts, err := tf.options()
		if err != nil {
			return err
		}
		a.log.Info("transform started", "in", *in, "out", *out, "disabled", *tf.disable, "customer_survivor", opts.CustomerSurvivor)
		rep, err := transform.Run(ctx, *in, *out, opts)
		if err != nil {
			return err
		}
		printLedger(a.stdout, rep)
		a.log.Info("transform written", "out", *out, "rejected", rep.Rejected(), "extract_rejects", rep.ExtractRejects)
		if n := rep.Rejected(); n > 0 {
			return rejectedError{n: n}
		}
		return nil
	}
}

// printLedger prints, per entity, rows in = out + merged + rejected, then
// what each rule changed.
func printLedger(w io.Writer, rep *transform.Report) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "entity\tin\tout\tmerged\trejected\t")
	for _, e := range staging.Entities {
		c := rep.Entities[e]
		fmt.Fprintf(tw, "%s\t%d\t%d\t%d\t%d\t\n", e, c.RowsIn, c.RowsOut, c.Merged, c.Rejected)
	}
	tw.Flush()
	fmt.Fprintln(w)
	tw = tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "rule\tvalues changed\tunrecognised\t")
	for _, r := range transform.Rules {
		state := ""
		for _, d := range rep.DisabledRules {
			if d == r {
				state = " (disabled)"
			}
		}
		fmt.Fprintf(tw, "%s%s\t%d\t%d\t\n", r, state, rep.RuleChanges[r], rep.Unrecognised[r])
	}
	tw.Flush()
}
