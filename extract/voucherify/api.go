package voucherify

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/bcetl/bcetl/extract"
	"github.com/bcetl/bcetl/internal/staging"
	"github.com/bcetl/bcetl/internal/voucherify"
)

// APIScheme is the --from scheme and source kind of a Voucherify project
// read through its API.
const APIScheme = "voucherify-api"

func init() {
	extract.Register(&extract.Registration{Scheme: APIScheme,
		Summary: "a Voucherify project through List Customers (keys from " + voucherify.EnvAppID + ", " +
			voucherify.EnvSecretKey + "; --voucherify-api-url for another region)",
		Needs:       extract.Needs{Watermark: true, APIURL: true},
		Credentials: []string{voucherify.EnvSecretKey},
		New:         func(_ string, o extract.Options) (extract.Source, error) { return newAPISource(o) }})
}

// apiSource is a Voucherify project opened as a source. Options it reads:
// APIURL (else VOUCHERIFY_API_URL, else the European cluster); Since, or
// the StatePath file's watermark minus StateOverlap, for an incremental
// run; Log. The keys come from the environment only, never from a flag (a
// command line shows in ps), and stay in the client.
type apiSource struct {
	c    *voucherify.Client
	opts extract.Options
}

// newAPISource opens the project; copts are for tests (a fake clock).
func newAPISource(o extract.Options, copts ...voucherify.Option) (*apiSource, error) {
	cfg := voucherify.ConfigFromEnv(voucherify.Config{BaseURL: o.APIURL})
	if cfg.AppID == "" || cfg.AppToken == "" {
		return nil, extract.Usagef("--from %s reads the project's keys from the environment: set %s (the Application ID) and %s (the Secret key)",
			APIScheme, voucherify.EnvAppID, voucherify.EnvSecretKey)
	}
	c, err := voucherify.NewClient(cfg, copts...)
	if err != nil {
		return nil, extract.Usagef("--from %s: %v", APIScheme, err)
	}
	return &apiSource{c: c, opts: o}, nil
}

// Describe names the project by its API URL and Application ID (in the
// manifest's store_hash, the field that names a source's account): a
// migration rerun in the same work directory does not read the project
// again, as for a store, and another project is another source.
func (s *apiSource) Describe() extract.Description {
	return extract.Description{Source: staging.Source{Kind: APIScheme, APIURL: s.c.BaseURL(), StoreHash: s.c.AppID()}, Rejects: true}
}

// Read walks the project's customers into the sink (walk.go). A full run
// walks every customer by created_at; an incremental run walks those
// updated at or after since by updated_at, then those created at or after
// since that were never updated (they have no updated_at, so the first
// walk cannot see them) by created_at. The watermark is the run's start,
// as for the store: a customer changed while the run goes on is read by
// the next one.
func (s *apiSource) Read(ctx context.Context, out *extract.Sink) (extract.Report, error) {
	started := out.Started()
	r := extract.Report{Watermark: &started}
	since := s.opts.Since
	if since == nil {
		st, err := loadAPIState(s.opts.StatePath, s.c.BaseURL(), s.c.AppID())
		if err != nil {
			return r, err
		}
		if st != nil {
			t := st.Watermark.Add(-StateOverlap)
			since = &t
		}
	}
	run := &apiRun{c: s.c, out: out, seen: map[string]bool{}}
	out.Log.Info("extract started", "source", APIScheme, "api_url", s.c.BaseURL(), "incremental", since != nil, "since", since)
	if since == nil {
		if err := run.walk(ctx, voucherify.OrderCreatedAt, time.Time{}, nil); err != nil {
			return r, err
		}
	} else {
		u := since.UTC()
		r.Incremental, r.Since = true, &u
		// The cursor is exclusive: 1 ms before since is "at or after".
		from := u.Add(-time.Millisecond)
		if err := run.walk(ctx, voucherify.OrderUpdatedAt, from, nil); err != nil {
			return r, err
		}
		neverUpdated := func(h *listed) bool { return h.UpdatedAt == "" }
		if err := run.walk(ctx, voucherify.OrderCreatedAt, from, neverUpdated); err != nil {
			return r, err
		}
	}
	r.Requests = map[string]extract.Requests{staging.EntityCustomers: {Made: run.requests, Minimum: run.minimum}}
	if s.opts.StatePath != "" {
		r.Committed = func(m *staging.Manifest) error {
			st := &apiState{APIURL: s.c.BaseURL(), AppID: s.c.AppID(), Watermark: started, LastOutput: out.Dir(), FinishedAt: m.FinishedAt}
			if err := saveAPIState(s.opts.StatePath, st); err != nil {
				return fmt.Errorf("files written, but saving the state failed (the next run repeats this one's window): %w", err)
			}
			return nil
		}
	}
	st := s.c.Stats()
	r.Stats = []any{"requests", run.requests, "min_requests", run.minimum, "windows", run.windows, "reread", run.reread,
		"http_requests", st.Requests.Load(), "retries", st.Retries.Load(), "rate_limited", st.RateLimited.Load()}
	return r, nil
}

// listed is what the walk reads of each customer of a page; the whole
// object goes to the mapping.
type listed struct {
	ID        string `json:"id"`
	CreatedAt string `json:"created_at"`
	UpdatedAt string `json:"updated_at"`
}

// record maps one customer of a page and writes it, or its Reject.
func (r *apiRun) record(raw json.RawMessage, id string) error {
	where := APIScheme + " customer " + id
	// List Customers carries no consent (consent.go): no one is opted in
	// on its word.
	rec, rerr := mapVoucherify(raw, Scheme+":"+id, ExportConsent)
	if rerr != nil {
		key := rerr.key
		if key == "" {
			key = Scheme + ":" + id
		}
		return r.out.Reject(staging.Reject{Entity: staging.EntityCustomers, SourceKey: key, Field: rerr.field, Rule: rerr.rule,
			Value: string(raw), Message: where + ": " + rerr.msg})
	}
	return r.out.Add(rec, where)
}
