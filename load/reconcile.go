package load

import "time"

// Reconciliation settles a write whose answer never came (the process was
// killed, the connection was cut, a 5xx came after the commit). Nothing is
// sent again before the target has been asked what it holds, and what it
// holds is not taken for what the batch did: a record found may have been
// there before the batch was sent.
//
// Each recorded writer says how its batches are looked up (reconcile):
// customers by email and date_created (step_customers.go), addresses by
// their customers' addresses (step_addresses.go), attribute definitions
// by name and date_created (step_attributes.go). The runner calls it at
// once for an unknown outcome, and at a step's start for the batches a
// killed run left in-flight (resume).

// clockSkew is how far the target's clock may run behind ours when a
// record's date_created is compared with a batch's start, which our clock
// recorded. Hosts kept by NTP agree to milliseconds; the margin is for a
// drifting one. The price is the one case told wrong: a customer someone
// else created less than this before the batch would count as ours.
const clockSkew = 5 * time.Second

// existedBefore reports whether a record the target says was created at
// created existed before a batch recorded at start. The API gives seconds,
// so start is cut to its second first. Without a date nothing is proved.
func existedBefore(created *time.Time, start time.Time) bool {
	return created != nil && created.Before(start.Truncate(time.Second).Add(-clockSkew))
}
