package webhooks

import (
	"log/slog"
	"sync/atomic"
)

// counters count deliveries by outcome. They are atomics because every
// request goroutine bumps them and the stats logger and /healthz read them.
type counters struct {
	accepted  atomic.Int64
	duplicate atomic.Int64
	ignored   atomic.Int64
	refused   atomic.Int64
	failed    atomic.Int64
}

// Counts is a snapshot of the delivery counters since the server started.
type Counts struct {
	// Accepted deliveries were stored as new events.
	Accepted int64 `json:"accepted"`
	// Duplicate deliveries were valid but already spooled: answered 200,
	// nothing stored.
	Duplicate int64 `json:"duplicate"`
	// Ignored deliveries were authentic Voucherify events of a type we do
	// not spool: answered 200, nothing stored.
	Ignored int64 `json:"ignored"`
	// Refused deliveries got a 4xx (bad method, type, size, JSON, schema or
	// authentication): nothing stored.
	Refused int64 `json:"refused"`
	// Failed deliveries got a 5xx because the spool could not store them;
	// the sender will retry.
	Failed int64 `json:"failed"`
}

func (c *counters) snapshot() Counts {
	return Counts{
		Accepted:  c.accepted.Load(),
		Duplicate: c.duplicate.Load(),
		Ignored:   c.ignored.Load(),
		Refused:   c.refused.Load(),
		Failed:    c.failed.Load(),
	}
}

func (c Counts) logAttrs() []any {
	return []any{
		slog.Int64("accepted", c.Accepted),
		slog.Int64("duplicate", c.Duplicate),
		slog.Int64("ignored", c.Ignored),
		slog.Int64("refused", c.Refused),
		slog.Int64("failed", c.Failed),
	}
}
