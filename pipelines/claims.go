package pipelines

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
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
type claim struct {
	ID     string  `json:"id"`
	Phase  string  `json:"phase"`
	Events []int64 `json:"events"`
	// Day is the partition the phase's output goes to, fixed at claim
	// time so a rerun after midnight writes where the first try did.
	Day string `json:"day"`
}

func claimPath(work, phase string) string { return filepath.Join(work, "claims", phase+".json") }

// claimEvents returns the phase's open claim with its events, or claims
// the pending events of provider/scope. It returns nil when there is
// nothing to do.
func claimEvents(ctx context.Context, sp *webhooks.Spool, work, phase, provider, scope string, now func() time.Time) (*claim, []webhooks.Event, error) {
	pending, err := sp.Pending(ctx, provider, scope, 0)
	if err != nil {
		return nil, nil, err
	}
	path := claimPath(work, phase)
	b, err := os.ReadFile(path)
	switch {
	case errors.Is(err, os.ErrNotExist):
		if len(pending) == 0 {
			return nil, nil, nil
		}
		c := &claim{Phase: phase, Day: now().UTC().Format("2006-01-02")}
		for _, e := range pending {
			c.Events = append(c.Events, e.ID)
		}
		c.ID = fmt.Sprintf("%d-%d-%d", c.Events[0], c.Events[len(c.Events)-1], len(c.Events))
		data, _ := json.Marshal(c)
		if err := atomicfile.WriteFile(path, data); err != nil {
			return nil, nil, err
		}
		return c, pending, nil
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

// finish marks the claim's events done and drops the claim. Call it only
// after the phase's output is committed.
func (c *claim) finish(ctx context.Context, sp *webhooks.Spool, work string) error {
	if err := sp.MarkDone(ctx, c.Events); err != nil {
		return err
	}
	return os.Remove(claimPath(work, c.Phase))
}
