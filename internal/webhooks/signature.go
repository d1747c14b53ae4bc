package webhooks

import (
	"crypto/hmac"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// authError is a delivery that failed authentication: 401. Its message goes
// to the sender and the log, so it never contains a secret, a header value
// or an expected signature.
type authError struct{ msg string }

func (e *authError) Error() string { return e.msg }

func authErrorf(format string, a ...any) error { return &authError{fmt.Sprintf(format, a...)} }

// HeaderAuth is one custom header BigCommerce sends with every callback: the
// "headers" object given when the hook was created (webhook_Base.headers).
type HeaderAuth struct {
	Name  string
	Value string
}

// ParseHeaderAuth parses "NAME=VALUE" as given to --bigcommerce-header.
// Its errors never quote the input: a mistyped flag may hold the secret
// anywhere.
func ParseHeaderAuth(s string) (HeaderAuth, error) {
	name, value, ok := strings.Cut(s, "=")
	if !ok || name == "" || value == "" {
		return HeaderAuth{}, errors.New("want NAME=VALUE with a non-empty name and value")
	}
	if !isToken(name) {
		return HeaderAuth{}, errors.New("NAME must be an HTTP header name (letters, digits, - and _ …)")
	}
	return HeaderAuth{Name: http.CanonicalHeaderKey(name), Value: value}, nil
}

// isToken reports whether s is an RFC 9110 token, the syntax of a header
// name.
func isToken(s string) bool {
	for _, r := range s {
		switch {
		case 'a' <= r && r <= 'z', 'A' <= r && r <= 'Z', '0' <= r && r <= '9':
		case strings.ContainsRune("!#$%&'*+-.^_`|~", r):
		default:
			return false
		}
	}
	return s != ""
}

// checkHeaders verifies every configured header. Values are compared as
// SHA-256 digests with crypto/subtle: constant time, and unlike a direct
// ConstantTimeCompare it does not leak the expected value's length.
func checkHeaders(want []HeaderAuth, h http.Header) error {
	for _, w := range want {
		got := h.Values(w.Name)
		if len(got) != 1 {
			return authErrorf("missing or invalid authentication header")
		}
		a, b := sha256.Sum256([]byte(got[0])), sha256.Sum256([]byte(w.Value))
		if subtle.ConstantTimeCompare(a[:], b[:]) != 1 {
			return authErrorf("missing or invalid authentication header")
		}
	}
	return nil
}

// Standard Webhooks (https://www.standardwebhooks.com, spec/standard-webhooks.md)
// as used by BigCommerce (docs/integrations/webhooks/https-webhook-overview.mdx).
const (
	headerWebhookID        = "Webhook-Id"
	headerWebhookTimestamp = "Webhook-Timestamp"
	headerWebhookSignature = "Webhook-Signature"

	// signatureTolerance is the reference libraries' window, applied both
	// ways: older is a replay, newer is a skewed or forged clock.
	signatureTolerance = 5 * time.Minute

	secretPrefix = "whsec_"
)

// ParseSigningSecret turns --bigcommerce-secret into the HMAC key.
//
// BigCommerce's docs say to verify with the standardwebhooks library as
// Webhook(base64(CLIENT_SECRET)). That library's constructor strips an
// optional "whsec_" prefix and base64-decodes the rest to get the key
// (libraries/go/webhook.go NewWebhook; the same in the other languages), so
// the bytes that key the HMAC are the client secret itself. Hence:
//   - "whsec_<base64>" (the spec's serialisation) is decoded to its bytes;
//   - anything else is taken as the raw client secret, as shown in the
//     BigCommerce developer portal, and used byte for byte.
//
// Passing base64(client secret) without the prefix would therefore be wrong;
// write it as "whsec_" + base64(client secret) instead.
func ParseSigningSecret(s string) ([]byte, error) {
	if s == "" {
		return nil, errors.New("signing secret is empty")
	}
	rest, ok := strings.CutPrefix(s, secretPrefix)
	if !ok {
		return []byte(s), nil
	}
	key, err := base64.StdEncoding.DecodeString(rest)
	if err != nil {
		return nil, errors.New("whsec_ secret is not valid base64") // not %w: the error quotes input
	}
	if len(key) == 0 {
		return nil, errors.New("whsec_ secret is empty")
	}
	return key, nil
}

// verifyStandardWebhook checks the webhook-signature header against
// HMAC-SHA256(key, "{webhook-id}.{webhook-timestamp}.{body}"). The header is
// a space-separated list (several signatures during key rotation); one
// matching "v1," entry is enough, other versions (v1a: asymmetric) are
// skipped.
func verifyStandardWebhook(key []byte, h http.Header, body []byte, now time.Time) error {
	id := h.Get(headerWebhookID)
	ts := h.Get(headerWebhookTimestamp)
	sigs := h.Get(headerWebhookSignature)
	if id == "" || ts == "" || sigs == "" {
		return authErrorf("missing webhook-id, webhook-timestamp or webhook-signature header")
	}
	sec, err := strconv.ParseInt(ts, 10, 64)
	if err != nil {
		return authErrorf("webhook-timestamp is not a unix time in seconds")
	}
	sent := time.Unix(sec, 0)
	if d := now.Sub(sent); d > signatureTolerance || d < -signatureTolerance {
		return authErrorf("webhook-timestamp is more than %v away from the server clock", signatureTolerance)
	}
	expected := []byte(signStandardWebhook(key, id, sec, body))
	for _, s := range strings.Fields(sigs) {
		version, sig, ok := strings.Cut(s, ",")
		if !ok || version != "v1" {
			continue
		}
		if hmac.Equal([]byte(sig), expected) {
			return nil
		}
	}
	return authErrorf("no valid v1 signature in webhook-signature")
}

// signStandardWebhook returns the base64 signature (without "v1,"). The
// timestamp is re-formatted from its parsed value, as the reference
// libraries do.
func signStandardWebhook(key []byte, id string, unix int64, body []byte) string {
	mac := hmac.New(sha256.New, key)
	mac.Write([]byte(id))
	mac.Write([]byte{'.'})
	mac.Write(strconv.AppendInt(nil, unix, 10))
	mac.Write([]byte{'.'})
	mac.Write(body)
	return base64.StdEncoding.EncodeToString(mac.Sum(nil))
}

// headerVoucherifySignature carries hex(HMAC-SHA256(secret, raw body)).
const headerVoucherifySignature = "X-Voucherify-Signature"

// verifyVoucherify checks the Voucherify signature over the raw body as
// received (their Java sample re-serialises the JSON first; the bytes on the
// wire are what was signed).
func verifyVoucherify(secret []byte, h http.Header, body []byte) error {
	sig := strings.TrimSpace(h.Get(headerVoucherifySignature))
	if sig == "" {
		return authErrorf("missing x-voucherify-signature header")
	}
	got, err := hex.DecodeString(sig)
	if err != nil {
		return authErrorf("x-voucherify-signature is not hex")
	}
	mac := hmac.New(sha256.New, secret)
	mac.Write(body)
	if !hmac.Equal(got, mac.Sum(nil)) {
		return authErrorf("invalid x-voucherify-signature")
	}
	return nil
}
