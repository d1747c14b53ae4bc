package pipelines

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"time"

	"github.com/bcetl/bcetl/internal/atomicfile"
	"github.com/bcetl/bcetl/internal/webhooks"
)

// A claim fixes which spooled events one nightly phase is working on,
// before any work starts. A run that crashes leaves its claim behind; the
// next run takes up exactly the same events again (same claim id, so the
// same output names and the same load state) instead of a new, larger
// batch, and so does no work twice. The events are marked done only after
// the phase's output is committed, and the claim is dropped after that.
//
// An event the phase cannot process (a poison event: an id the API
// refuses, another store's producer) is recorded in the claim's Failed
// before the output is committed, and marked failed with its reason when
// the others are marked done: it never holds up the rest of its claim, and
// a rerun after a crash fails it again rather than forgetting why.
type claim struct {
	ID     string  `json:"id"`
	Phase  string  `json:"phase"`
	Events []int64 `json:"events"`
	// Day is the partition the phase's output goes to, fixed at claim
	// time so a rerun after midnight writes where the first try did.
	Day    string             `json:"day"`
	Failed []webhooks.Failure `json:"failed,omitempty"`
}

func claimPath(work, phase string) string { return filepath.Join(work, "claims", phase+".json") }

// pendingOf returns the pending events of provider in any of scopes,
// oldest first.
func pendingOf(ctx context.Context, sp *webhooks.Spool, provider string, scopes []string) ([]webhooks.Event, error) {
	var all []webhooks.Event
	for _, scope := range scopes {
		pending, err := sp.Pending(ctx, provider, scope, 0)
		if err != nil {
			return nil, err
		}
		all = append(all, pending...)
	}
	slices.SortFunc(all, func(a, b webhooks.Event) int { return cmp.Compare(a.ID, b.ID) })
	return all, nil
}

// claimable returns what the phase's next run takes up, writing nothing:
// the open claim with its events still pending, or (c nil) every pending
// event of provider in scopes.
func claimable(ctx context.Context, sp *webhooks.Spool, work, phase, provider string, scopes ...string) (*claim, []webhooks.Event, error) {
	pending, err := pendingOf(ctx, sp, provider, scopes)
	if err != nil {
		return nil, nil, err
	}
	path := claimPath(work, phase)
	b, err := os.ReadFile(path)
	switch {
	case errors.Is(err, os.ErrNotExist):
		return nil, pending, nil
	case err != nil:
		return nil, nil, err
	}
	var c claim
	if err := json.Unmarshal(b, &c); err != nil {
		return nil, nil, fmt.Errorf("%s: %w", path, err)
	}
	// Take up exactly the claimed events; those already done (the crash
	// came after MarkDone) need no work.
	want := map[int64]bool{}
	for _, id := range c.Events {
		want[id] = true
	}
	var events []webhooks.Event
	for _, e := range pending {
		if want[e.ID] {
			events = append(events, e)
		}
	}
	return &c, events, nil
}

// claimEvents returns the phase's open claim with its events, or claims
// the pending events of provider in scopes. It returns nil when there is
// nothing to do.
func claimEvents(ctx context.Context, sp *webhooks.Spool, work, phase, provider string, now func() time.Time, scopes ...string) (*claim, []webhooks.Event, error) {
	c, events, err := claimable(ctx, sp, work, phase, provider, scopes...)
	if err != nil || c != nil {
		return c, events, err
	}
	if len(events) == 0 {
		return nil, nil, nil
	}
	c = &claim{Phase: phase, Day: now().UTC().Format("2006-01-02")}
	for _, e := range events {
		c.Events = append(c.Events, e.ID)
	}
	c.ID = fmt.Sprintf("%d-%d-%d", c.Events[0], c.Events[len(c.Events)-1], len(c.Events))
	if err := c.save(work); err != nil {
		return nil, nil, err
	}
	return c, events, nil
}

func (c *claim) save(work string) error {
	data, _ := json.Marshal(c)
	return atomicfile.WriteFile(claimPath(work, c.Phase), data)
}

// fail records that event id cannot be processed; once per event.
func (c *claim) fail(id int64, reason string) {
	if !slices.ContainsFunc(c.Failed, func(f webhooks.Failure) bool { return f.ID == id }) {
		c.Failed = append(c.Failed, webhooks.Failure{ID: id, Reason: reason})
	}
}

// finish marks the claim's failed events failed and the others done,
// reports the failures in res and drops the claim. Call it only after the
// phase's output is committed (and the claim saved with its failures).
func (c *claim) finish(ctx context.Context, o NightlyOptions, work string, res *NightlyResult) error {
	failed := map[int64]bool{}
	for _, f := range c.Failed {
		failed[f.ID] = true
		o.Log.Warn("spooled event failed; the rest of its claim goes on", "phase", c.Phase, "event", f.ID, "reason", f.Reason)
	}
	var done []int64
	for _, id := range c.Events {
		if !failed[id] {
			done = append(done, id)
		}
	}
	if err := o.Spool.MarkFailed(ctx, c.Failed); err != nil {
		return err
	}
	if err := o.Spool.MarkDone(ctx, done); err != nil {
		return err
	}
	res.Failed = append(res.Failed, c.Failed...)
	return os.Remove(claimPath(work, c.Phase))
}
