// Package load writes a staging directory into a BigCommerce store: attribute
// definitions, then customers in batches of ten with their first ten
// addresses, attribute values and form fields inline, then what did not fit
// inline. Every write is recorded in a SQLite state file before it is sent
// and confirmed after, so a run that is killed resumes where it stopped
// without doubling a record (STATE.md).
package load

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/bcetl/bcetl/internal/accounting"
	"github.com/bcetl/bcetl/internal/atomicfile"
	"github.com/bcetl/bcetl/internal/bigcommerce"
	"github.com/bcetl/bcetl/internal/lockfile"
	"github.com/bcetl/bcetl/internal/staging"
)

// On-existing policies: what to do when the target already has a customer
// with the email of one being loaded.
const (
	OnExistingSkip   = "skip"   // map to the existing customer; load nothing of it
	OnExistingUpdate = "update" // PUT the customer by id, then add its sub-records
	OnExistingFail   = "fail"   // record it as rejected
)

// ResultsPath and SummaryPath name a load's results.parquet and summary
// after its state file — x/load.db → x/load.results.parquet and
// x/load.summary.json — so that two loads in one directory never
// overwrite each other's results. They are not written into the staging
// directory, which is the previous stage's hash-checked output and may be
// read-only or shared by several loads.
func ResultsPath(statePath string) string { return outputStem(statePath) + ".results.parquet" }

// SummaryPath: see ResultsPath.
func SummaryPath(statePath string) string { return outputStem(statePath) + ".summary.json" }

func outputStem(statePath string) string {
	return strings.TrimSuffix(statePath, filepath.Ext(statePath))
}

// Options configure Run.
type Options struct {
	In        string // staging directory
	StatePath string // SQLite state file; results and summary are named after it
	Client    *bigcommerce.Client
	// StoreHash is the target's store hash. The state file records it and
	// the client's API URL on the first real run, and refuses any other
	// target afterwards: its id map holds that store's ids.
	StoreHash string
	DryRun    bool
	// OnExisting is skip (default), update or fail.
	OnExisting string
	// ForcePasswordReset sets authentication.force_password_reset on every
	// created customer; nil means true (password hashes cannot be
	// imported, so customers must choose a new password).
	ForcePasswordReset *bool
	// MaxConcurrency lowers every per-endpoint cap to at most this (0 = the
	// documented caps).
	MaxConcurrency int

	// Store to store (mapping.go). CreateGroups: create the groups the
	// target lacks (nil: true). MissingGroup: what becomes of a customer
	// whose group the target cannot have, MissingGroupReject (default) or
	// MissingGroupDefault. ChannelMap: source channel id → target channel
	// id (a channel not in it keeps its id when the target has it).
	// Storefront: the target's storefront, whose form field definitions
	// say which values can be sent (nil: learned from refusals).
	// WithConsent: write the customers' data preferences (a request per
	// customer).
	CreateGroups *bool
	MissingGroup string
	ChannelMap   map[int64]int64
	Storefront   *bigcommerce.Storefront
	WithConsent  bool
	// Options are the run's logger and progress: bars on a terminal,
	// progress lines every interval otherwise (internal/accounting).
	accounting.Options
}

// loader is one run.
type loader struct {
	opts  Options
	c     *bigcommerce.Client
	st    *state
	log   *slog.Logger
	acct  *accounting.Stats
	sems  map[string]chan struct{}
	force bool
	attrs map[string]int64 // source attribute name → target id (usable ones)
	start time.Time
	// tm is the target's groups, channels, forms and states (mapping.go);
	// srcKind is the input's source kind (its manifest).
	tm      *targetMap
	srcKind string

	mu       sync.Mutex
	requests map[string]int64 // endpoint → calls made by this run
	items    map[string]int64 // endpoint → items sent

	// firstAttrs waits for the target's attribute list, fetched while the
	// input was imported.
	firstAttrs func() (map[string]bigcommerce.Attribute, error)

	customersDone atomic.Int64 // customers given an outcome by this run (observe)
	running       atomic.Pointer[tracked]
	// knownExisting: the target holds customers of this input, so emails
	// are looked up before they are sent (customerStep).
	knownExisting atomic.Bool
	attrCreates   atomic.Int64 // attribute definitions this input needs created
	// inputRows is the number of staging rows of the input: the results
	// file has one row per each.
	inputRows int64
	// minBase is the input's minimum of requests without the attribute
	// creations (minimumRequests).
	minBase int64
}

// Run loads opts.In into the store opts.Client talks to. It returns the
// summary even with an error when it got far enough to have one. On ctx
// cancellation it stops taking new batches, lets the ones in flight finish
// and be recorded, and returns ctx.Err(): the next run resumes.
func Run(ctx context.Context, opts Options) (*Summary, error) {
	if opts.Client == nil {
		return nil, errors.New("load: no client")
	}
	if opts.In == "" || opts.StatePath == "" {
		return nil, errors.New("load: --in and --state are required")
	}
	switch opts.OnExisting {
	case "":
		opts.OnExisting = OnExistingSkip
	case OnExistingSkip, OnExistingUpdate, OnExistingFail:
	default:
		return nil, fmt.Errorf("load: --on-existing must be skip, update or fail, not %q", opts.OnExisting)
	}
	switch opts.MissingGroup {
	case "":
		opts.MissingGroup = MissingGroupReject
	case MissingGroupReject, MissingGroupDefault:
	default:
		return nil, fmt.Errorf("load: --missing-group must be reject or default, not %q", opts.MissingGroup)
	}
	if opts.Log == nil {
		opts.Log = slog.New(slog.DiscardHandler)
	}
	// One writer per state file, for the whole run (lockfile): a second
	// loader on the same state would take the same records, and its
	// "already done" answers would hide what the first had not finished.
	lock, err := lockfile.Acquire(opts.StatePath, "bcetl load")
	if err != nil {
		return nil, err
	}
	defer lock.Release()
	// The input is checked against its manifest before anything else, so
	// an incomplete or changed staging directory costs no request.
	in, err := staging.VerifyInput(opts.In)
	if err != nil {
		return nil, err
	}
	// Results and summary a killed run was writing hold personal data.
	if err := atomicfile.Sweep(ResultsPath(opts.StatePath), SummaryPath(opts.StatePath)); err != nil {
		return nil, err
	}
	st, err := openState(opts.StatePath)
	if err != nil {
		return nil, err
	}
	defer st.Close()
	st.redact = opts.Client.Redact
	if err := st.bindTarget(context.WithoutCancel(ctx), opts); err != nil {
		return nil, err
	}
	l := &loader{
		opts:     opts,
		c:        opts.Client,
		st:       st,
		log:      opts.Log,
		sems:     map[string]chan struct{}{},
		force:    opts.ForcePasswordReset == nil || *opts.ForcePasswordReset,
		start:    time.Now(),
		requests: map[string]int64{},
		items:    map[string]int64{},
		srcKind:  in.Source.Kind,
	}
	l.acct = accounting.New("load", opts.Options, l.c.Stats())
	defer l.acct.Close()
	st.observe = l.observe
	for ep, n := range endpointCaps {
		if opts.MaxConcurrency > 0 && opts.MaxConcurrency < n {
			n = opts.MaxConcurrency
		}
		l.sems[ep] = make(chan struct{}, n)
	}
	// The target's attribute list needs nothing from the input: it is
	// asked for while the input is imported. Being the run's first
	// request, it also opens the first quota window, which a fixed window
	// hands out whole: an import that ends within that window delays no
	// other request.
	l.firstAttrs = goFetch(func() (map[string]bigcommerce.Attribute, error) { return l.targetAttributes(ctx) })
	if err := l.importInput(ctx, fingerprint(in)); err != nil {
		l.firstAttrs() // let the request finish before the state file closes
		return nil, err
	}
	if err := l.readTarget(ctx); err != nil {
		return nil, err
	}
	if opts.DryRun {
		return l.dryRun(ctx)
	}
	if _, l.minBase, err = l.planRequests(ctx, 0); err != nil {
		return nil, err
	}
	// The results are written as the batches complete (results.go).
	for _, em := range in.Entities {
		l.inputRows += em.Rows
	}
	if l.st.results, err = openResultStream(ResultsPath(opts.StatePath), st.scrub); err != nil {
		return nil, err
	}
	runErr := l.run(ctx)
	sum, err := l.finish(ctx, runErr == nil)
	if runErr != nil {
		return sum, runErr
	}
	return sum, err
}

func (l *loader) run(ctx context.Context) error {
	steps := []loadStep{
		&attributeStep{l: l},
		groupStep{l},
		newCustomerStep(l),
		pagedStep(l, addressStep{l}),
		pagedStep(l, valueStep{l}),
		pagedStep(l, formStep{l}),
		pagedStep(l, metafieldStep{l}),
		pagedStep(l, subscriberStep{l}),
		pagedStep(l, consentStep{l}),
	}
	for _, s := range steps {
		if err := ctx.Err(); err != nil {
			return err
		}
		if err := s.load(ctx); err != nil {
			return fmt.Errorf("%s: %w", s.name(), err)
		}
	}
	return nil
}

// goFetch runs fn now and returns a function that waits for its result.
func goFetch[T any](fn func() (T, error)) func() (T, error) {
	var v T
	var err error
	done := make(chan struct{})
	go func() {
		defer close(done)
		v, err = fn()
	}()
	return func() (T, error) {
		<-done
		return v, err
	}
}
