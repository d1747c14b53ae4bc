package webhooks

import (
	"encoding/base64"
	"net/http"
	"strconv"
	"strings"
	"testing"
)

// TestStandardWebhooksReferenceVector checks interoperability with the
// reference implementation: the vector from standard-webhooks'
// libraries/go/webhook_test.go (TestWebhookSign).
func TestStandardWebhooksReferenceVector(t *testing.T) {
	key, err := ParseSigningSecret("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")
	if err != nil {
		t.Fatal(err)
	}
	got := "v1," + signStandardWebhook(key, "msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330, []byte(`{"test": 2432232314}`))
	if want := "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="; got != want {
		t.Fatalf("signature %s, want %s", got, want)
	}
}

// TestSigningSecretForms: BigCommerce's samples pass base64(client secret)
// to a library that base64-decodes it, so the HMAC key is the client secret
// itself. The raw secret and "whsec_"+base64(secret) must give the same key.
func TestSigningSecretForms(t *testing.T) {
	raw, err := ParseSigningSecret(testClientSecret)
	if err != nil {
		t.Fatal(err)
	}
	wh, err := ParseSigningSecret("whsec_" + base64.StdEncoding.EncodeToString([]byte(testClientSecret)))
	if err != nil {
		t.Fatal(err)
	}
	if string(raw) != testClientSecret || string(wh) != testClientSecret {
		t.Fatalf("keys %q and %q, want both %q", raw, wh, testClientSecret)
	}
	for _, bad := range []string{"", "whsec_", "whsec_not base64!"} {
		if _, err := ParseSigningSecret(bad); err == nil {
			t.Errorf("ParseSigningSecret(%q) accepted", bad)
		}
	}
}

func TestVerifyStandardWebhook(t *testing.T) {
	key := []byte(testClientSecret)
	body := []byte(seedCustomerCreated)
	now := testNow
	good := "v1," + signStandardWebhook(key, "msg_1", now.Unix(), body)
	other := "v1," + signStandardWebhook([]byte("old rotated key"), "msg_1", now.Unix(), body)
	cases := []struct {
		name    string
		id, sig string
		ts      int64
		ok      bool
	}{
		{"good", "msg_1", good, now.Unix(), true},
		{"good, 299 s old", "msg_1", "v1," + signStandardWebhook(key, "msg_1", now.Unix()-299, body), now.Unix() - 299, true},
		{"good, 299 s ahead", "msg_1", "v1," + signStandardWebhook(key, "msg_1", now.Unix()+299, body), now.Unix() + 299, true},
		{"multiple, valid one last", "msg_1", other + " v1a,c2lnbmF0dXJl " + good, now.Unix(), true},
		{"multiple, valid one first", "msg_1", good + " " + other, now.Unix(), true},
		{"bad", "msg_1", other, now.Unix(), false},
		{"bad, several", "msg_1", other + " " + other, now.Unix(), false},
		{"right signature, wrong version", "msg_1", "v2," + strings.TrimPrefix(good, "v1,"), now.Unix(), false},
		{"no version", "msg_1", strings.TrimPrefix(good, "v1,"), now.Unix(), false},
		{"other message id", "msg_2", good, now.Unix(), false},
		{"stale, 301 s old", "msg_1", "v1," + signStandardWebhook(key, "msg_1", now.Unix()-301, body), now.Unix() - 301, false},
		{"stale, 301 s ahead", "msg_1", "v1," + signStandardWebhook(key, "msg_1", now.Unix()+301, body), now.Unix() + 301, false},
		{"signed for another timestamp", "msg_1", good, now.Unix() - 10, false},
		{"missing id", "", good, now.Unix(), false},
		{"missing signature", "msg_1", "", now.Unix(), false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			h := http.Header{}
			if tc.id != "" {
				h.Set("webhook-id", tc.id)
			}
			if tc.sig != "" {
				h.Set("webhook-signature", tc.sig)
			}
			h.Set("webhook-timestamp", strconv.FormatInt(tc.ts, 10))
			err := verifyStandardWebhook(key, h, body, now)
			if (err == nil) != tc.ok {
				t.Fatalf("err = %v, want ok=%v", err, tc.ok)
			}
			if err != nil && strings.Contains(err.Error(), strings.TrimPrefix(good, "v1,")) {
				t.Errorf("error reveals the expected signature: %v", err)
			}
		})
	}
	h := http.Header{}
	h.Set("webhook-id", "msg_1")
	h.Set("webhook-signature", good)
	h.Set("webhook-timestamp", "yesterday")
	if verifyStandardWebhook(key, h, body, now) == nil {
		t.Error("non-numeric timestamp accepted")
	}
}

func TestVerifyVoucherify(t *testing.T) {
	body := voucherifyEnvelope("evcus_1", VoucherifyCustomerCreated, seedVoucherifyData)
	sig := voucherifySignature(testVFSecret, body)
	for name, tc := range map[string]struct {
		sig string
		ok  bool
	}{
		"good":            {sig, true},
		"good, uppercase": {strings.ToUpper(sig), true},
		"bad":             {voucherifySignature("wrong", body), false},
		"truncated":       {sig[:40], false},
		"not hex":         {"xyz", false},
		"missing":         {"", false},
	} {
		t.Run(name, func(t *testing.T) {
			h := http.Header{}
			if tc.sig != "" {
				h.Set("X-Voucherify-Signature", tc.sig)
			}
			if err := verifyVoucherify([]byte(testVFSecret), h, body); (err == nil) != tc.ok {
				t.Fatalf("err = %v, want ok=%v", err, tc.ok)
			}
		})
	}
}

func TestCheckHeaders(t *testing.T) {
	want := []HeaderAuth{{Name: "X-Bcetl-Auth", Value: "v"}, {Name: "Authorization", Value: "Basic abc"}}
	h := http.Header{}
	h.Set("x-bcetl-auth", "v")
	h.Set("authorization", "Basic abc")
	if err := checkHeaders(want, h); err != nil {
		t.Fatalf("all headers right: %v", err)
	}
	h.Set("authorization", "Basic abd")
	if err := checkHeaders(want, h); err == nil || strings.Contains(err.Error(), "abc") || strings.Contains(err.Error(), "abd") {
		t.Fatalf("one header wrong: err = %v (must fail without echoing values)", err)
	}
	for _, bad := range []string{"", "=v", "X-A", "X-A=", "X A=v"} {
		if _, err := ParseHeaderAuth(bad); err == nil {
			t.Errorf("ParseHeaderAuth(%q) accepted", bad)
		}
	}
	if ha, err := ParseHeaderAuth("x-bcetl-auth=a=b"); err != nil || ha.Name != "X-Bcetl-Auth" || ha.Value != "a=b" {
		t.Errorf("ParseHeaderAuth = %+v, %v", ha, err)
	}
}
