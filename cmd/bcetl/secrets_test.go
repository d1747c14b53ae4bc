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
	t.Setenv("BIGCOMMERCE_ACCESS_TOKEN", token)
	for _, format := range []string{"text", "json"} {
		var out, errOut bytes.Buffer
		code := run([]string{"migrate", "--from", "shopify-csv:../../samples/shopify/customers_export.csv", "--work", t.TempDir(),
			"--api-url", url, "--store-hash", "abc", "--log-format", format, "--log-level", "debug"}, &out, &errOut)
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
