package bigcommerce

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
//   - 429 with rate-limit headers: the quota is spent; wait until it
//     refreshes (X-Rate-Limit-Time-Reset-Ms), longer on repeats. Every
//     method: the request was not executed.
//   - 429 without them: the platform is under load; exponential backoff with
//     jitter. Every method.
//   - 5xx, timeouts, resets: retried with capped exponential backoff and
//     jitter for idempotent methods (GET, PUT, DELETE). A POST that may
//     have reached the server is not retried: the caller gets an
//     OutcomeUnknownError and reconciles.
//   - A request that never left (connection refused) is retried, any method.
//   - Any other 4xx is final.
type RetryPolicy struct {
	MaxRetries          int           // for 5xx and transport errors
	MaxRateLimitRetries int           // for 429s, which are expected in a long run
	BaseDelay           time.Duration // first backoff
	MaxDelay            time.Duration // backoff cap
}

// DefaultRetryPolicy is used unless WithRetryPolicy says otherwise.
var DefaultRetryPolicy = RetryPolicy{
	MaxRetries:          6,
	MaxRateLimitRetries: 30,
	BaseDelay:           250 * time.Millisecond,
	MaxDelay:            30 * time.Second,
}

type decision struct {
	retry          bool
	wait           time.Duration // this request waits
	globalWait     time.Duration // every request waits (quota spent)
	outcomeUnknown bool
}

func idempotent(method string) bool {
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

func (p RetryPolicy) decide(method string, attempt int, resp *Response, err error) decision {
	var rl *RateLimitError
	if errors.As(err, &rl) {
		if attempt >= p.MaxRateLimitRetries {
			return decision{}
		}
		if rl.Rate.Known {
			wait := rl.Rate.Reset
			if wait <= 0 && rl.RetryAfter > 0 {
				wait = rl.RetryAfter
			}
			if attempt > 0 {
				// Repeated 429s: the quota is shared with other apps
				// that spend it too; back off beyond the reset.
				wait += p.backoff(attempt - 1)
			}
			return decision{retry: true, wait: wait, globalWait: wait}
		}
		return decision{retry: true, wait: max(rl.RetryAfter, p.backoff(attempt))}
	}
	var te *transportError
	if errors.As(err, &te) {
		if badCertificate(err) {
			return decision{} // retrying will not change a certificate
		}
		if !te.reached {
			if attempt >= p.MaxRetries {
				return decision{}
			}
			return decision{retry: true, wait: p.backoff(attempt)}
		}
		if !idempotent(method) {
			return decision{outcomeUnknown: true}
		}
		if attempt >= p.MaxRetries {
			return decision{}
		}
		return decision{retry: true, wait: p.backoff(attempt)}
	}
	if resp != nil && resp.StatusCode >= 500 {
		if !idempotent(method) {
			return decision{outcomeUnknown: true}
		}
		if attempt >= p.MaxRetries {
			return decision{}
		}
		return decision{retry: true, wait: p.backoff(attempt)}
	}
	return decision{}
}

// mayHaveReached reports whether a failed round trip may have delivered the
// request: only failures to connect or to set up TLS prove it did not.
func mayHaveReached(err error) bool {
	var op *net.OpError
	if errors.As(err, &op) && op.Op == "dial" {
		return false
	}
	var dns *net.DNSError
	if errors.As(err, &dns) {
		return false
	}
	return !badCertificate(err)
}

// badCertificate reports a TLS verification failure. TLS verification stays
// on: such an error is final, never a reason to retry or to skip the check.
func badCertificate(err error) bool {
	var unknownCA x509.UnknownAuthorityError
	var hostname x509.HostnameError
	var certInvalid x509.CertificateInvalidError
	var tlsRecord tls.RecordHeaderError
	var verify *tls.CertificateVerificationError
	return errors.As(err, &unknownCA) || errors.As(err, &hostname) || errors.As(err, &certInvalid) ||
		errors.As(err, &tlsRecord) || errors.As(err, &verify)
}
