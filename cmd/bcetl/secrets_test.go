package main

import (
	"bytes"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// A target that echoes the token into its refusal, and an API URL with a
// password in it: the failed run's log (what a scheduler keeps) shows the
// 401 and neither credential.
func TestLogsCarryNoCredentials(t *testing.T) {
	const token, password = "cli-t0ken-echoed-back", "cli-url-passw0rd"
	hs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		tok := r.Header.Get("X-Auth-Token")
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(401)
		fmt.Fprintf(w, `{"status":401,"title":"token %s is unknown","errors":{"token":"%s"}}`, tok, tok)
	}))
	t.Cleanup(hs.Close)
	url := strings.Replace(hs.URL, "http://", "http://bcetl:"+password+"@", 1) + "/stores/abc/v3"
	t.Setenv("BIGCOMMERCE_TARGET_ACCESS_TOKEN", token)
	for _, format := range []string{"text", "json"} {
		var out, errOut bytes.Buffer
		code := run([]string{"migrate", "--from", "shopify-csv:../../samples/shopify/customers_export.csv", "--work", t.TempDir(),
			"--target-api-url", url, "--target-store-hash", "abc", "--log-format", format, "--log-level", "debug"}, &out, &errOut)
		if code != exitFailed || !strings.Contains(errOut.String(), "401") {
			t.Fatalf("%s: exit %d, want %d with the 401 logged:\n%s", format, code, exitFailed, errOut.String())
		}
		for _, s := range []string{token, password} {
			if strings.Contains(out.String()+errOut.String(), s) {
				t.Errorf("%s: %q in the output:\n%s", format, s, errOut.String())
			}
		}
	}
}

// The Voucherify secret key, which only the environment gives (no flag
// holds it), is scrubbed from the log and the final error like the token
// flags' values: here it is pasted into the API URL by mistake, which the
// usage error quotes.
func TestLogsCarryNoVoucherifyKey(t *testing.T) {
	const key = "vf-s3cret-key-pasted"
	t.Setenv("VOUCHERIFY_APP_ID", "app-id-1")
	t.Setenv("VOUCHERIFY_SECRET_KEY", key)
	var out, errOut bytes.Buffer
	code := run([]string{"extract", "--from", "voucherify-api", "--out", t.TempDir(),
		"--voucherify-api-url", "http://127.0.0.1:1/?key=" + key}, &out, &errOut)
	if code != exitUsage || !strings.Contains(errOut.String(), "invalid API URL") {
		t.Fatalf("exit %d, want %d with the URL refused:\n%s", code, exitUsage, errOut.String())
	}
	if strings.Contains(out.String()+errOut.String(), key) {
		t.Errorf("the key is in the output:\n%s", errOut.String())
	}
}
