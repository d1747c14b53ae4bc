package load

import (
	"context"
	"fmt"
)

// A state file belongs to one target store. Its id map holds that store's
// customer, address and attribute ids, and its outcomes say what that store
// already has: resumed against another store, a run would report every
// record loaded while the new store has none, and attach addresses to the
// first store's customer ids — other people's accounts, if those ids
// exist there. So the first real run records the target (meta
// target_store_hash, target_api_url) and every later run must name the
// same one.
//
// A dry run is checked like any run but records nothing: a state first
// used for a dry run against a test store stays free for the real target.
// And a state that has written nothing yet (no batch, no outcome) may be
// bound again: until then no id in it belongs to any store.

// TargetError refuses a run against another target than the state file's.
type TargetError struct {
	StatePath                string
	StateStore, StateURL     string // the state's target
	RequestStore, RequestURL string // this run's
}

func (e *TargetError) Error() string {
	return fmt.Sprintf("the state file %s belongs to store %q (%s), not to store %q (%s): its id map holds that store's ids; "+
		"use a new --state for this target", e.StatePath, e.StateStore, e.StateURL, e.RequestStore, e.RequestURL)
}

const (
	metaTargetStore = "target_store_hash"
	metaTargetURL   = "target_api_url"
	// metaTargetHasCustomers is set when a changed input dropped the
	// outcome of a customer the target has (delta.go): the next customers
	// are looked up before they are sent.
	metaTargetHasCustomers = "target_has_customers"
)

// bindTarget refuses a target other than the one the state belongs to, and
// records the target on the first real run.
func (s *state) bindTarget(ctx context.Context, o Options) error {
	url := o.Client.BaseURL()
	haveStore, err := s.meta(ctx, metaTargetStore)
	if err != nil {
		return err
	}
	haveURL, err := s.meta(ctx, metaTargetURL)
	if err != nil {
		return err
	}
	other := (haveURL != "" && haveURL != url) || (haveStore != "" && o.StoreHash != "" && haveStore != o.StoreHash)
	if other {
		used, err := s.used(ctx)
		if err != nil {
			return err
		}
		if used {
			return &TargetError{StatePath: o.StatePath, StateStore: haveStore, StateURL: haveURL, RequestStore: o.StoreHash, RequestURL: url}
		}
	}
	if o.DryRun || (!other && haveURL == url && (haveStore != "" || o.StoreHash == "")) {
		return nil
	}
	if err := s.setMeta(ctx, metaTargetURL, url); err != nil {
		return err
	}
	if o.StoreHash != "" {
		return s.setMeta(ctx, metaTargetStore, o.StoreHash)
	}
	return nil
}

// used reports whether the state has recorded any write or outcome.
func (s *state) used(ctx context.Context) (bool, error) {
	// Batches first: most states that recorded anything have one, and
	// src has no index on status (an outcome without a batch, such as a
	// record rejected before any request, is found by a scan).
	var used bool
	err := s.db.QueryRowContext(ctx, `SELECT EXISTS(SELECT 1 FROM batches)`).Scan(&used)
	if err != nil || used {
		return used, err
	}
	err = s.db.QueryRowContext(ctx, `SELECT EXISTS(SELECT 1 FROM src WHERE status IS NOT NULL)`).Scan(&used)
	return used, err
}
