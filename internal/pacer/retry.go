package pacer

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"math/rand/v2"
	"net"
	"net/http"
	"time"
)

// RetryPolicy decides whether a failed request is sent again, and when.
//
//   - 429 with quota information (Failure.Rate.Known): the quota is spent;
//     wait until it refreshes (Rate.Reset, else RetryAfter), longer on
//     repeats, and hold every worker as long. Every method: the request was
//     not executed.
//   - 429 without it: the platform is under load; exponential backoff with
//     jitter, at least RetryAfter. Every method.
//   - 5xx, timeouts, resets: retried with capped exponential backoff and
//     jitter for idempotent methods (GET, PUT, DELETE). A POST that may
//     have reached the server is not retried: the decision says the
//     outcome is unknown, and the caller reconciles.
//   - A request that never left (connection refused) is retried, any method.
//   - A TLS certificate error, and any other 4xx, is final.
type RetryPolicy struct {
	MaxRetries          int           // for 5xx and transport errors
	MaxRateLimitRetries int           // for 429s, which are expected in a long run
	BaseDelay           time.Duration // first backoff
	MaxDelay            time.Duration // backoff cap
}

// DefaultRetryPolicy is what the clients use unless told otherwise.
var DefaultRetryPolicy = RetryPolicy{
	MaxRetries:          6,
	MaxRateLimitRetries: 30,
	BaseDelay:           250 * time.Millisecond,
	MaxDelay:            30 * time.Second,
}

// Failure is one failed attempt, in the policy's terms; each client
// translates its own errors into it.
type Failure struct {
	Method string
	// RateLimited is a 429. Rate is what its headers said (Known: the
	// quota is spent until Rate.Reset), RetryAfter its Retry-After.
	RateLimited bool
	Rate        Rate
	RetryAfter  time.Duration
	// Transport is a round trip that got no complete answer; Reached says
	// whether the request may have reached the server (see MayHaveReached).
	// Err is the error, for BadCertificate.
	Transport bool
	Reached   bool
	Err       error
	// Status is the answer's HTTP status (0 for none).
	Status int
}

// Decision is what to do about a Failure.
type Decision struct {
	Retry bool
	// Wait is how long this request waits before it is sent again;
	// GlobalWait how long every request waits (the quota is spent): the
	// caller passes it to Pacer.Block.
	Wait, GlobalWait time.Duration
	// OutcomeUnknown: a write that may have been applied; not retried.
	OutcomeUnknown bool
}

// Idempotent reports whether sending method twice does no more than once.
func Idempotent(method string) bool {
	switch method {
	case http.MethodGet, http.MethodHead, http.MethodPut, http.MethodDelete, http.MethodOptions:
		return true
	}
	return false
}

// backoff is capped exponential backoff with full jitter in [d/2, d].
func (p RetryPolicy) backoff(attempt int) time.Duration {
	d := p.BaseDelay << min(attempt, 20)
	if d <= 0 || d > p.MaxDelay {
		d = p.MaxDelay
	}
	return d/2 + rand.N(d/2+1)
}

// Decide says what to do after attempt (0 for the first) failed with f.
func (p RetryPolicy) Decide(attempt int, f Failure) Decision {
	switch {
	case f.RateLimited:
		if attempt >= p.MaxRateLimitRetries {
			return Decision{}
		}
		if f.Rate.Known {
			wait := f.Rate.Reset
			if f.Rate.NoReset || wait <= 0 {
				wait = f.RetryAfter
			}
			if attempt > 0 {
				// Repeated 429s: the quota is shared with other apps
				// that spend it too; back off beyond the reset.
				wait += p.backoff(attempt - 1)
			}
			return Decision{Retry: true, Wait: wait, GlobalWait: wait}
		}
		return Decision{Retry: true, Wait: max(f.RetryAfter, p.backoff(attempt))}
	case f.Transport:
		if BadCertificate(f.Err) {
			return Decision{} // retrying will not change a certificate
		}
		if f.Reached && !Idempotent(f.Method) {
			return Decision{OutcomeUnknown: true}
		}
	case f.Status >= 500:
		if !Idempotent(f.Method) {
			return Decision{OutcomeUnknown: true}
		}
	default:
		return Decision{}
	}
	if attempt >= p.MaxRetries {
		return Decision{}
	}
	return Decision{Retry: true, Wait: p.backoff(attempt)}
}

// MayHaveReached reports whether a failed round trip may have delivered
// the request: only failures to connect or to set up TLS prove it did not.
func MayHaveReached(err error) bool {
	var op *net.OpError
	if errors.As(err, &op) && op.Op == "dial" {
		return false
	}
	var dns *net.DNSError
	if errors.As(err, &dns) {
		return false
	}
	return !BadCertificate(err)
}

// BadCertificate reports a TLS verification failure. TLS verification stays
// on: such an error is final, never a reason to retry or to skip the check.
func BadCertificate(err error) bool {
	if err == nil {
		return false
	}
	var unknownCA x509.UnknownAuthorityError
	var hostname x509.HostnameError
	var certInvalid x509.CertificateInvalidError
	var tlsRecord tls.RecordHeaderError
	var verify *tls.CertificateVerificationError
	return errors.As(err, &unknownCA) || errors.As(err, &hostname) || errors.As(err, &certInvalid) ||
		errors.As(err, &tlsRecord) || errors.As(err, &verify)
}
