package extract

import (
	"context"
	"fmt"
	"os"
	"slices"
	"strings"

	"github.com/bcetl/bcetl/internal/staging"
)

// Registration introduces a source to the registry (rclone's fs.RegInfo).
type Registration struct {
	// Scheme is the part of --from before the colon, and the manifest's
	// source kind: "csv" in "csv:crm.csv".
	Scheme string
	// Location names what follows the colon in usage ("PATH", "DIR");
	// empty when nothing does ("bigcommerce").
	Location string
	// Summary is the source's line in --help.
	Summary string
	Needs   Needs
	// New opens the source at location (never empty when Location is
	// set). It checks o but does no I/O.
	New func(location string, o Options) (Source, error)
	// Credentials names the environment variables holding secrets the
	// source reads itself (an API source's key): cmd scrubs their values
	// from every log line and error, as it does the token flags'.
	Credentials []string
}

// Needs declares which Options a source requires or takes, so that cmd
// and Open can refuse a wrong combination before anything is read,
// without knowing the source.
type Needs struct {
	Mapping   bool     // requires --mapping FILE; others refuse it
	Store     bool     // reads a BigCommerce store: requires Options.Store
	Watermark bool     // takes --state and --since
	IDs       bool     // takes an id list (nightly's created customers)
	Entities  []string // the entities --entities may select; nil: it writes all
	APIURL    bool     // takes Options.APIURL (an API it reaches itself)
}

// UsageError is a --from spec, or an option given with it, that no source
// takes: a command-line mistake, found before anything is read.
type UsageError struct{ msg string }

func (e *UsageError) Error() string { return e.msg }

func usagef(format string, a ...any) error { return &UsageError{fmt.Sprintf(format, a...)} }

// Usagef is a UsageError for a source's New: an option or credential it
// needs and was not given, found before anything is read.
func Usagef(format string, a ...any) error { return usagef(format, a...) }

var registry = map[string]*Registration{}

// Register adds a source; each source package calls it from init. A
// scheme registered twice is a programming error.
func Register(r *Registration) {
	if _, dup := registry[r.Scheme]; dup {
		panic("extract: source " + r.Scheme + " registered twice")
	}
	registry[r.Scheme] = r
}

// Registered returns every registration, by scheme.
func Registered() []*Registration {
	out := make([]*Registration, 0, len(registry))
	for _, r := range registry {
		out = append(out, r)
	}
	slices.SortFunc(out, func(a, b *Registration) int { return strings.Compare(a.Scheme, b.Scheme) })
	return out
}

// Spec is how the source is written on the command line.
func (r *Registration) Spec() string {
	if r.Location == "" {
		return r.Scheme
	}
	return r.Scheme + ":" + r.Location
}

// Credentials returns the values of the registered sources' Credentials
// variables that are set, for scrubbing.
func Credentials() []string {
	var out []string
	for _, r := range Registered() {
		for _, name := range r.Credentials {
			if v := os.Getenv(name); v != "" {
				out = append(out, v)
			}
		}
	}
	return out
}

// Specs lists the --from forms, for a flag's help: "bigcommerce, csv:PATH, …".
func Specs() string {
	var s []string
	for _, r := range Registered() {
		s = append(s, r.Spec())
	}
	return strings.Join(s, ", ")
}

// Help lists the registered sources, one per line, for --help.
func Help() string {
	var b strings.Builder
	for _, r := range Registered() {
		fmt.Fprintf(&b, "  %-18s %s\n", r.Spec(), r.Summary)
	}
	return b.String()
}

// Lookup finds the source of a --from spec ("bigcommerce", "csv:PATH").
func Lookup(spec string) (*Registration, string, error) {
	scheme, location, colon := strings.Cut(spec, ":")
	r := registry[scheme]
	switch {
	case r == nil:
		want := fmt.Sprintf("want %s or KIND:PATH with KIND one of %s",
			schemes(func(r *Registration) bool { return r.Location == "" }), schemes(func(r *Registration) bool { return r.Location != "" }))
		if !colon {
			return nil, "", usagef("source %q: %s", spec, want)
		}
		return nil, "", usagef("source %q: unknown kind %q (%s)", spec, scheme, want)
	case r.Location == "" && colon:
		return nil, "", usagef("source %q: %s takes no path", spec, r.Scheme)
	case r.Location != "" && location == "":
		return nil, "", usagef("source %q: want %s", spec, r.Spec())
	}
	return r, location, nil
}

// Open finds the source of spec, checks o against what it declares it
// needs, and opens it. Its errors are *UsageError but for the source's
// own checks of o.
func Open(spec string, o Options) (*Job, error) {
	r, location, err := Lookup(spec)
	if err != nil {
		return nil, err
	}
	n := r.Needs
	switch {
	case o.Mapping != "" && !n.Mapping:
		return nil, usagef("source %q: --mapping applies to %s: sources only", spec, schemes(func(r *Registration) bool { return r.Needs.Mapping }))
	case o.Mapping == "" && n.Mapping:
		return nil, usagef("source %q: a %s: source needs --mapping FILE (see extract/SOURCES.md)", spec, r.Scheme)
	case o.Store == nil && n.Store:
		return nil, usagef("source %q: no store client for the source store", spec)
	case (o.StatePath != "" || o.Since != nil) && !n.Watermark:
		return nil, usagef("--state and --since apply to a source with a watermark (%s), not to --from %s", schemes(func(r *Registration) bool { return r.Needs.Watermark }), spec)
	case o.APIURL != "" && !n.APIURL:
		return nil, usagef("source %q: an API URL applies to %s only", spec, schemes(func(r *Registration) bool { return r.Needs.APIURL }))
	case len(o.IDs) > 0 && !n.IDs:
		return nil, usagef("source %q: a run restricted to ids applies to %s only", spec, schemes(func(r *Registration) bool { return r.Needs.IDs }))
	}
	for _, e := range o.Entities {
		switch {
		case n.Entities == nil:
			return nil, usagef("--entities applies to %s, not to --from %s (it writes every entity)", schemes(func(r *Registration) bool { return r.Needs.Entities != nil }), spec)
		case !slices.Contains(n.Entities, e):
			return nil, usagef("--entities: unknown entity %q (want %s)", e, strings.Join(n.Entities, ","))
		}
	}
	src, err := r.New(location, o)
	if err != nil {
		return nil, err
	}
	return &Job{Source: src, opts: o}, nil
}

// schemes lists the schemes of the registrations that have a property.
func schemes(has func(*Registration) bool) string {
	var s []string
	for _, r := range Registered() {
		if has(r) {
			s = append(s, r.Scheme)
		}
	}
	return strings.Join(s, ", ")
}

// Job is a source opened with its options: what cmd and pipelines hold.
type Job struct {
	Source
	opts Options
}

// Extract reads the source into the staging directory dir (see Run).
func (j *Job) Extract(ctx context.Context, dir string) (*staging.Manifest, error) {
	return Run(ctx, j.Source, dir, j.opts)
}
