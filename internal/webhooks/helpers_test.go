package webhooks

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strconv"
	"testing"
	"time"
)

// Test credentials. The client secret is used raw by the server (see
// ParseSigningSecret), so the test signs with the same bytes.
const (
	testAuthHeader   = "X-Bcetl-Auth"
	testAuthValue    = "s3cr3t-header-value"
	testClientSecret = "bc-client-secret-for-tests"
	testVFSecret     = "voucherify-secret-key"
)

// testNow is the server's clock in tests; signatures are made for it.
var testNow = time.Unix(1_760_000_000, 0)

// referenceDir holds the official documents, copied into the repository
// (testdata/reference/SOURCE.md).
const referenceDir = "../../testdata/reference"

func openTestSpool(t testing.TB) *Spool {
	t.Helper()
	s, err := Open(filepath.Join(t.TempDir(), "spool.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func testConfig(sp *Spool) Config {
	return Config{
		Spool:              sp,
		BigCommerceHeaders: []HeaderAuth{{Name: testAuthHeader, Value: testAuthValue}},
		BigCommerceSecret:  testClientSecret,
		VoucherifySecret:   testVFSecret,
		Now:                func() time.Time { return testNow },
	}
}

// newTestServer runs a Server on an httptest server and returns both.
func newTestServer(t testing.TB, modify ...func(*Config)) (*Server, *httptest.Server) {
	t.Helper()
	cfg := testConfig(openTestSpool(t))
	for _, m := range modify {
		m(&cfg)
	}
	srv, err := NewServer(cfg)
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(srv.Handler())
	t.Cleanup(ts.Close)
	return srv, ts
}

// bigCommerceRequest builds a correctly authenticated BigCommerce delivery.
func bigCommerceRequest(t testing.TB, base string, body []byte, msgID string) *http.Request {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, base+PathBigCommerce, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set(testAuthHeader, testAuthValue)
	signStandard(req.Header, []byte(testClientSecret), msgID, testNow.Unix(), body)
	return req
}

func signStandard(h http.Header, key []byte, msgID string, unix int64, body []byte) {
	h.Set("webhook-id", msgID)
	h.Set("webhook-timestamp", strconv.FormatInt(unix, 10))
	h.Set("webhook-signature", "v1,"+signStandardWebhook(key, msgID, unix, body))
}

// voucherifyRequest builds a correctly signed Voucherify delivery.
func voucherifyRequest(t testing.TB, base string, body []byte) *http.Request {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, base+PathVoucherify, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("x-voucherify-signature", voucherifySignature(testVFSecret, body))
	return req
}

func voucherifySignature(secret string, body []byte) string {
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write(body)
	return hex.EncodeToString(mac.Sum(nil))
}

// do sends req and returns the status and body.
func do(t testing.TB, c *http.Client, req *http.Request) (int, string) {
	t.Helper()
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, string(b)
}

// countEvents counts spooled rows, optionally for one provider.
func countEvents(t testing.TB, sp *Spool) int {
	t.Helper()
	var n int
	if err := sp.r.QueryRowContext(context.Background(), `SELECT count(*) FROM events`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}
