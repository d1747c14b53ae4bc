package main

import (
	"bytes"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/bcetl/bcetl/internal/sandbox"
	"github.com/bcetl/bcetl/internal/sandboxtest"
)

// Every value of every JSON log line a machine reads is usable as it is:
// durations are numbers of milliseconds under a key ending in _ms (no
// "1.5s" strings, no nanosecond integers), and rates are numbers.
func TestJSONLogValuesAreNumbers(t *testing.T) {
	clearStoreEnv(t)
	st := sandboxtest.Start(t, sandbox.Options{StoreHash: "logs", Token: "tok"})
	t.Setenv("BIGCOMMERCE_TARGET_ACCESS_TOKEN", "tok")
	var out, errOut bytes.Buffer
	code := run([]string{"migrate", "--from", "shopify-csv:../../samples/shopify/customers_export.csv", "--work", t.TempDir(),
		"--target-api-url", st.URL, "--target-store-hash", "logs", "--log-format", "json", "--log-level", "debug"}, &out, &errOut)
	if code != exitRejected {
		t.Fatalf("exit %d\n%s", code, errOut.String())
	}
	lines := jsonLines(t, errOut.String())
	ms := 0
	for _, l := range lines {
		for k, v := range l {
			s, isString := v.(string)
			switch {
			case strings.HasSuffix(k, "_ms") || k == "per_second":
				if _, ok := v.(float64); !ok {
					t.Errorf("%s = %#v in %v: want a number", k, v, l)
				}
				ms++
			case isString && looksLikeDuration(s):
				t.Errorf("%s = %q in %v: a duration as a string", k, s, l)
			case k == "took" || k == "startup" || k == "window":
				t.Errorf("%s = %#v in %v: want %s_ms", k, v, l, k)
			}
		}
	}
	if ms < 3 {
		t.Errorf("only %d *_ms values in %d lines:\n%s", ms, len(lines), errOut.String())
	}
}

func looksLikeDuration(s string) bool {
	_, err := time.ParseDuration(s)
	return err == nil && strings.IndexAny(s, "smh") > 0
}

// The JSON handler rewrites any duration attribute, whoever logs it.
func TestDurationAttributesBecomeMilliseconds(t *testing.T) {
	var b bytes.Buffer
	log, err := newLogger(&b, "json", "info")
	if err != nil {
		t.Fatal(err)
	}
	log.Info("x", "took", 1500*time.Millisecond, slog.Duration("wait_ms", 250*time.Microsecond), "uptime", 2*time.Hour)
	l := jsonLines(t, b.String())[0]
	if l["took_ms"] != 1500.0 || l["wait_ms"] != 0.25 || l["uptime_ms"] != 7.2e6 || l["took"] != nil {
		t.Errorf("%s", b.String())
	}
}
