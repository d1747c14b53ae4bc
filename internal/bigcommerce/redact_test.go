package bigcommerce

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"testing"
)

func TestRedact(t *testing.T) {
	const sec = `s3cr3t"<&>\value`
	for _, c := range []struct{ in, want string }{
		{"token " + sec + " echoed", "token [REDACTED] echoed"},
		{`{"title":"` + `s3cr3t\"\u003c\u0026\u003e\\value` + `"}`, `{"title":"[REDACTED]"}`}, // encoding/json's spelling
		{`msg="s3cr3t\"<&>\\value"`, `msg="[REDACTED]"`},                                      // strconv.Quote's (slog text)
		{"GET http://user:pass@host:8080/x?email=a@b.co", "GET http://host:8080/x?email=a@b.co"},
		{`"https://TOKEN@api.example.com"`, `"https://api.example.com"`},
		{"mail a@b.co via http://host/a@b", "mail a@b.co via http://host/a@b"}, // an @ after the authority is not userinfo
		{"tiny t tokens are not searched for", "tiny t tokens are not searched for"},
	} {
		if got := Redact(c.in, sec, "t"); got != c.want {
			t.Errorf("Redact(%q) = %q, want %q", c.in, got, c.want)
		}
	}
	if got := RedactURL("https://u:p@h.example/stores/x/v3"); got != "https://h.example/stores/x/v3" {
		t.Errorf("RedactURL: %q", got)
	}
}

// A server that echoes the X-Auth-Token into every part of its answers
// (error titles, field errors, raw bodies, 429s, 5xx after a POST, a
// malformed status line) gets it into none of the client's errors, neither
// their text nor their fields, nor a log line that prints them.
func TestEchoedTokenIsScrubbedFromErrors(t *testing.T) {
	var mode string
	c, _ := newTestClient(t, func(w http.ResponseWriter, r *http.Request) {
		tok := r.Header.Get(headerAuthToken)
		w.Header().Set("X-Echo", tok)
		switch mode {
		case "422":
			writeJSON(w, 422, ErrorBody{Status: 422, Title: "bad token " + tok, Type: "/" + tok, Instance: tok,
				Errors: map[string]string{"[0].email" + tok: "in use by " + tok}})
		case "raw":
			w.WriteHeader(400)
			fmt.Fprintf(w, "<html>%s%s</html>", strings.Repeat("x", 288), tok) // straddles the 300-byte cut
		case "429":
			w.WriteHeader(429)
			fmt.Fprintf(w, `{"title":"slow down %s"}`, tok)
		case "500":
			writeJSON(w, 500, ErrorBody{Status: 500, Title: "oops " + tok})
		case "malformed":
			conn, buf, _ := w.(http.Hijacker).Hijack()
			buf.WriteString(tok + "\r\n\r\n") // net/http quotes a bad status line in its error
			buf.Flush()
			conn.Close()
		}
	})
	c.retry = RetryPolicy{MaxRetries: 1, MaxRateLimitRetries: 1}
	ctx := context.Background()
	var logs bytes.Buffer
	log := slog.New(slog.NewJSONHandler(&logs, nil))
	for _, mode = range []string{"422", "raw", "429", "500", "malformed"} {
		_, _, err := c.Customers.Create(ctx, []CustomerCreate{{Email: "a@b.co", FirstName: "A", LastName: "B"}})
		if err == nil {
			t.Fatalf("%s: no error", mode)
		}
		log.Error("failed", "err", err)
		texts := []string{err.Error(), fmt.Sprintf("%+v", err), fmt.Sprintf("%#v", err)}
		var er *ErrorResponse
		if errors.As(err, &er) {
			texts = append(texts, er.Raw, er.Body.Title, er.Body.Type, er.Body.Instance, strings.Join(er.FieldErrors(), ";"))
		}
		for _, s := range texts {
			if strings.Contains(s, testToken[:6]) {
				t.Errorf("%s: the token in %q", mode, s)
			}
		}
		if all := strings.Join(texts, "|"); !strings.Contains(all, "[REDAC") {
			t.Errorf("%s: %q does not show that something was removed", mode, all)
		}
	}
	if strings.Contains(logs.String(), testToken) {
		t.Errorf("the token in the log: %s", logs.String())
	}
}

// The API URL's userinfo is part of no printed URL, and its password is
// one of the secrets Redact removes.
func TestBaseURLDropsUserinfo(t *testing.T) {
	c, err := NewClient(Config{BaseURL: "https://bcetl:url-password@api.example.com/stores/{store_hash}/v3", StoreHash: "abc", Token: testToken})
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{c.BaseURL(), c.String(), fmt.Sprintf("%v|%+v|%#v", c, c, *c), c.Redact("echo url-password")} {
		if strings.Contains(s, "url-password") || strings.Contains(s, "bcetl:") {
			t.Errorf("userinfo in %q", s)
		}
	}
	if c.BaseURL() != "https://api.example.com/stores/abc/v3" {
		t.Errorf("BaseURL %q", c.BaseURL())
	}
	_, err = NewClient(Config{BaseURL: "ftp://bcetl:url-password@x", Token: testToken})
	if err == nil || strings.Contains(err.Error(), "url-password") {
		t.Errorf("invalid URL error %v", err)
	}
}

func TestRedactingWriter(t *testing.T) {
	var b bytes.Buffer
	log := slog.New(slog.NewTextHandler(RedactingWriter(&b, testToken), nil))
	log.Info("echo "+testToken, "url", "http://u:p@h/x", "err", errors.New("said "+testToken))
	if s := b.String(); strings.Contains(s, testToken) || strings.Contains(s, "u:p@") || strings.Count(s, redacted) != 2 {
		t.Fatalf("log line %q", s)
	}
}
