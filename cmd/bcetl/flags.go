package main

import (
	"errors"
	"fmt"
	"math"
	"os"
	"runtime/debug"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/pflag"

	"github.com/bcetl/bcetl/internal/accounting"
	"github.com/bcetl/bcetl/internal/bigcommerce"
	"github.com/bcetl/bcetl/internal/results"
	"github.com/bcetl/bcetl/internal/warehouse"
	"github.com/bcetl/bcetl/load"
	"github.com/bcetl/bcetl/transform"
)

// storeFlags are the flags that name a store and its credentials: the
// store read from (side "source") or written to ("target"), the same
// names in every command (vocabulary.go).
type storeFlags struct {
	side                     string // "source" or "target"
	apiURL, storeHash, token *string
}

func addStoreFlags(fs *pflag.FlagSet, side string) storeFlags {
	what := map[string]string{"source": "the store read from", "target": "the store written to"}[side]
	p := side + "-"
	return storeFlags{
		side:      side,
		apiURL:    fs.String(p+"api-url", "", "API root of "+what+" (default "+bigcommerce.DefaultBaseURL+")"),
		storeHash: fs.String(p+"store-hash", "", "store hash of "+what),
		token:     fs.String(p+"token", "", "access token of "+what+" (prefer the environment: flags show in ps)"),
	}
}

// client builds the client. A missing store hash or token is a usage
// error, found before any request: without a token every request is a 401,
// and the store hash names the store a state file belongs to even when
// --*-api-url already points at it.
func (s storeFlags) client(opts ...bigcommerce.Option) (*bigcommerce.Client, error) {
	if *s.storeHash == "" {
		return nil, s.configError(&bigcommerce.ConfigError{Setting: bigcommerce.SettingStoreHash})
	}
	c, err := bigcommerce.NewClient(bigcommerce.Config{BaseURL: *s.apiURL, StoreHash: *s.storeHash, Token: *s.token}, opts...)
	if err != nil {
		return nil, s.configError(err)
	}
	return c, nil
}

// configError turns the client's ConfigError into this command's words:
// the flag of the setting and its variable (--source-token,
// BIGCOMMERCE_SOURCE_ACCESS_TOKEN).
func (s storeFlags) configError(err error) error {
	ce, ok := errors.AsType[*bigcommerce.ConfigError](err)
	if !ok {
		return err
	}
	flag := s.side + "-" + map[string]string{bigcommerce.SettingAPIURL: "api-url", bigcommerce.SettingStoreHash: "store-hash",
		bigcommerce.SettingToken: "token"}[ce.Setting]
	what := map[string]string{"source": "the store read from", "target": "the store written to"}[s.side]
	if ce.Problem == "" {
		return usagef("--%s (or %s) is required: the %s of %s", flag, envUnscoped(flag), ce.Setting, what)
	}
	return usagef("--%s: %s", flag, ce.Problem)
}

// progressFlag is --progress-every, the one interval of the progress lines
// of every command that shows progress.
type progressFlag struct{ every *time.Duration }

func addProgressFlag(fs *pflag.FlagSet) progressFlag {
	return progressFlag{fs.Duration("progress-every", accounting.DefaultEvery,
		"interval of progress log lines when stderr is not a terminal (on a terminal: bars); 0: none")}
}

// options are what every stage reports with: bars when stderr is a
// terminal, log lines every --progress-every otherwise, never both.
func (p progressFlag) options(a *app) accounting.Options {
	every := *p.every
	if every <= 0 {
		every = -1 // none (accounting reads 0 as its default)
	}
	return accounting.Options{Progress: a.terminal(), Log: a.log, Every: every}
}

// loadFlags are the load options shared by load, migrate and nightly.
type loadFlags struct {
	dryRun       *bool
	onExisting   *string
	force        *bool
	conc         *int
	createGroups *bool
	missingGroup *string
	channelMap   *string
	storefront   *string
	withConsent  *bool
}

func addLoadFlags(fs *pflag.FlagSet) loadFlags {
	return loadFlags{
		dryRun:     fs.Bool("dry-run", false, "validate and print the plan (requests, minimum time at the quota); write nothing"),
		onExisting: fs.String("on-existing", load.OnExistingSkip, "when the target already has a customer's email: skip, update or fail"),
		force:      fs.Bool("force-password-reset", true, "set force_password_reset on created customers (passwords cannot be imported)"),
		conc:       fs.Int("concurrency", 0, "requests in flight per endpoint at most: lowers every documented cap to N (0 = the documented caps)"),
		createGroups: fs.Bool("create-groups", true, "create the customer groups the target lacks (matched by name), with what of their settings "+
			"does not name the source's catalog; false: see --missing-group"),
		missingGroup: fs.String("missing-group", load.MissingGroupReject, "a customer whose group the target cannot have: "+
			"reject (the customer, naming the group) or default (the target's default group)"),
		channelMap: fs.String("channel-map", "", "SRC=DST,…: the target channel of each source channel id "+
			"(default: the same id if the target has that channel, else the customer is rejected naming it)"),
		storefront: fs.String("target-storefront-url", "", "the target's storefront (https://shop.example.com): its form field definitions "+
			"are read first and values of names its forms lack are rejected before sending (without it: learned from the first refusal)"),
		withConsent: fs.Bool("with-consent", false, "carry the customers' data preferences (consent): one request per customer to read, one to write"),
	}
}

func (l loadFlags) options() (load.Options, error) {
	switch *l.onExisting {
	case load.OnExistingSkip, load.OnExistingUpdate, load.OnExistingFail:
	default:
		return load.Options{}, usagef("--on-existing must be skip, update or fail")
	}
	if *l.conc < 0 {
		return load.Options{}, usagef("--concurrency must be >= 0")
	}
	o := load.Options{DryRun: *l.dryRun, OnExisting: *l.onExisting, ForcePasswordReset: l.force, MaxConcurrency: *l.conc,
		CreateGroups: l.createGroups, MissingGroup: *l.missingGroup, WithConsent: *l.withConsent}
	switch o.MissingGroup {
	case load.MissingGroupReject, load.MissingGroupDefault:
	default:
		return o, usagef("--missing-group must be reject or default")
	}
	var err error
	if o.ChannelMap, err = parseChannelMap(*l.channelMap); err != nil {
		return o, err
	}
	if *l.storefront != "" {
		if o.Storefront, err = bigcommerce.NewStorefront(*l.storefront); err != nil {
			return o, usagef("--target-storefront-url: %v", err)
		}
	}
	return o, nil
}

// parseChannelMap reads --channel-map: SRC=DST pairs of channel ids,
// comma-separated.
func parseChannelMap(s string) (map[int64]int64, error) {
	m := map[int64]int64{}
	for _, pair := range strings.Split(s, ",") {
		pair = strings.TrimSpace(pair)
		if pair == "" {
			continue
		}
		src, dst, ok := strings.Cut(pair, "=")
		a, err1 := strconv.ParseInt(strings.TrimSpace(src), 10, 64)
		b, err2 := strconv.ParseInt(strings.TrimSpace(dst), 10, 64)
		if !ok || err1 != nil || err2 != nil || a < 1 || b < 1 {
			return nil, usagef("--channel-map: %q is not SRC=DST (two channel ids)", pair)
		}
		if _, dup := m[a]; dup {
			return nil, usagef("--channel-map: source channel %d is mapped twice", a)
		}
		m[a] = b
	}
	return m, nil
}

// transformFlags are the transform options shared by transform and migrate.
type transformFlags struct {
	disable  *string
	survivor *string
	memory   *string
}

func addTransformFlags(fs *pflag.FlagSet) transformFlags {
	return transformFlags{
		disable: fs.String("disable", "", "comma-separated normalisation rules to turn off: "+strings.Join(transform.Rules, ", ")),
		survivor: fs.String("customer-survivor", transform.SurvivorNewest,
			"which of several customers with one email is kept: newest (latest date_modified), first or last (input order)"),
		memory: fs.String("memory-limit", fmt.Sprintf("%dMiB", transform.DefaultMemoryLimit>>20), "the transform's memory budget (512MiB, 2GiB, bytes): past a thirty-second of it a dedupe table "+
			"is sorted on disk, and the Go runtime's soft limit is set to it"),
	}
}

// parseSize reads a byte count: a number, optionally followed by KiB,
// MiB, GiB (or K, M, G, also powers of 1024) or B.
func parseSize(s string) (int64, error) {
	t := strings.ToUpper(strings.TrimSpace(s))
	mult := int64(1)
	for _, u := range []struct {
		suffix string
		mult   int64
	}{{"KIB", 1 << 10}, {"MIB", 1 << 20}, {"GIB", 1 << 30}, {"K", 1 << 10}, {"M", 1 << 20}, {"G", 1 << 30}, {"B", 1}} {
		if strings.HasSuffix(t, u.suffix) {
			t, mult = strings.TrimSpace(strings.TrimSuffix(t, u.suffix)), u.mult
			break
		}
	}
	n, err := strconv.ParseInt(t, 10, 64)
	if err != nil || n <= 0 || n > math.MaxInt64/mult {
		return 0, fmt.Errorf("%q is not a size such as 512MiB or 2GiB", s)
	}
	return n * mult, nil
}

func (t transformFlags) options() (transform.Options, error) {
	disabled, err := transform.ParseDisabled(*t.disable)
	if err != nil {
		return transform.Options{}, usagef("--disable: %v", err)
	}
	limit, err := parseSize(*t.memory)
	if err != nil {
		return transform.Options{}, usagef("--memory-limit: %v", err)
	}
	if limit < transform.MinMemoryLimit {
		return transform.Options{}, usagef("--memory-limit: %s is below the minimum of %d MiB", *t.memory, transform.MinMemoryLimit>>20)
	}
	// The process's soft limit too, with a tenth to spare for what the
	// runtime does not count and its overshoot: the garbage collector works
	// harder as the heap nears it, rather than letting it grow past the
	// budget.
	debug.SetMemoryLimit(limit / 10 * 9)
	// The transform's tables live for the whole run; at 75 the heap grows
	// to 1.75 times what is live between collections, not twice (about
	// 90 MiB less at a million addresses, for a few percent more CPU).
	// GOGC, when set, wins.
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(75)
	}
	o := transform.Options{Disabled: disabled, CustomerSurvivor: *t.survivor, MemoryLimit: limit}
	switch o.CustomerSurvivor {
	case transform.SurvivorNewest, transform.SurvivorFirst, transform.SurvivorLast:
	default:
		return o, usagef("--customer-survivor must be newest, first or last")
	}
	return o, nil
}

// stageFlags are the transform and load flags of the commands that run
// both stages (migrate, nightly).
type stageFlags struct {
	load      loadFlags
	transform transformFlags
}

func addStageFlags(fs *pflag.FlagSet) stageFlags {
	return stageFlags{load: addLoadFlags(fs), transform: addTransformFlags(fs)}
}

func (s stageFlags) options() (load.Options, transform.Options, error) {
	lo, err := s.load.options()
	if err != nil {
		return lo, transform.Options{}, err
	}
	to, err := s.transform.options()
	return lo, to, err
}

// blobFlags reach an --out or --state in an object store. Credentials have
// no flag: each cloud's SDK reads them from its standard environment and
// files (README, "Object storage").
type blobFlags struct{ endpoint, region *string }

func addBlobFlags(fs *pflag.FlagSet) blobFlags {
	return blobFlags{
		endpoint: fs.String("s3-endpoint", "", "API root of an S3-compatible store for s3:// URLs (e.g. http://127.0.0.1:9000); default AWS"),
		region:   fs.String("s3-region", "", "region of the s3:// bucket (default: AWS_REGION or the profile's)"),
	}
}

func (b blobFlags) options() warehouse.BlobOptions {
	return warehouse.BlobOptions{S3Endpoint: *b.endpoint, S3Region: *b.region}
}

// resultsFlag is --results-format, of the commands that load (load,
// migrate): internal/results.
type resultsFlag struct{ format *string }

func addResultsFlag(fs *pflag.FlagSet) resultsFlag {
	return resultsFlag{fs.String("results-format", results.DefaultFormat.String(), "the records' outcomes: "+results.FormatHelp)}
}

func (r resultsFlag) options() (results.Format, error) {
	f, err := results.ParseFormat(*r.format)
	if err != nil {
		return f, usagef("--results-format: %v", err)
	}
	return f, nil
}
