package bigcommerce

import (
	"errors"

	"github.com/bcetl/bcetl/internal/pacer"
)

// Pacing and retrying are the project's shared machinery (internal/pacer);
// this client translates BigCommerce's answers into its terms: the four
// X-Rate-Limit-* headers into a pacer.Rate (response.go), its errors into
// a pacer.Failure (failure, below). The names stay here for callers.
type (
	// Pacer spends the store-wide quota (see pacer.Pacer).
	Pacer = pacer.Pacer
	// PacerState is a snapshot of a Pacer.
	PacerState = pacer.State
	// Clock is the time source of the pacer and the retry policy.
	Clock = pacer.Clock
	// RetryPolicy decides whether and when a failed request is sent again
	// (see pacer.RetryPolicy).
	RetryPolicy = pacer.RetryPolicy
)

// DefaultRetryPolicy is used unless WithRetryPolicy says otherwise.
var DefaultRetryPolicy = pacer.DefaultRetryPolicy

// NewPacer returns a pacer for one store (see pacer.New).
func NewPacer(clock Clock) *Pacer { return pacer.New(clock) }

// failure is a failed attempt in the retry policy's terms: a 429 with the
// store's quota state, a transport error, or the status of the answer.
func failure(method string, resp *Response, err error) pacer.Failure {
	f := pacer.Failure{Method: method, Err: err}
	if resp != nil {
		f.Status = resp.StatusCode
	}
	var rl *RateLimitError
	var te *transportError
	switch {
	case errors.As(err, &rl):
		f.RateLimited, f.Rate, f.RetryAfter = true, rl.Rate, rl.RetryAfter
	case errors.As(err, &te):
		f.Transport, f.Reached = true, te.reached
	}
	return f
}
