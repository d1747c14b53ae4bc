package bigcommerce

import (
	"encoding/json"
	"io"
	"net/url"
	"regexp"
	"strconv"
	"strings"
)

// minSecretLen is the shortest secret Redact searches for. A one-letter
// sandbox token ("--token t") would otherwise turn every "t" of a message
// into [REDACTED]; no real credential is this short (BigCommerce access
// tokens have 31 characters).
const minSecretLen = 6

// userinfo matches the user:password@ part of a URL in free text. It stops
// at the characters that end an authority, so an email address after a URL
// ("http://host/x?email=a@b.co") is not taken for userinfo.
var userinfo = regexp.MustCompile(`(?i)\b([a-z][a-z0-9+.-]*://)[^/?#@\s"'<>]+@`)

// Redact returns s with every secret (in the spellings a log or JSON
// encoder gives it) replaced by [REDACTED] and the userinfo of every URL in
// it dropped. It is for text that is about to be stored or printed: error
// bodies, log lines, result messages. Secrets shorter than six characters
// are not searched for (see minSecretLen).
func Redact(s string, secrets ...string) string {
	if strings.Contains(s, "://") {
		s = userinfo.ReplaceAllString(s, "$1")
	}
	for _, sec := range secrets {
		if len(sec) < minSecretLen {
			continue
		}
		for _, v := range spellings(sec) {
			if strings.Contains(s, v) {
				s = strings.ReplaceAll(s, v, redacted)
			}
		}
	}
	return s
}

// spellings is sec as it is written raw and as the encoders that may carry
// it write it: JSON (with and without HTML escaping), Go quoting (slog's
// text handler), URL query and path escaping. A token of letters and digits
// has one spelling.
func spellings(sec string) []string {
	out := []string{sec}
	add := func(v string) {
		for _, o := range out {
			if o == v {
				return
			}
		}
		out = append(out, v)
	}
	if b, err := json.Marshal(sec); err == nil {
		add(string(b[1 : len(b)-1]))
	}
	var sb strings.Builder
	enc := json.NewEncoder(&sb)
	enc.SetEscapeHTML(false)
	if enc.Encode(sec) == nil {
		js := strings.TrimSpace(sb.String())
		add(js[1 : len(js)-1])
	}
	q := strconv.Quote(sec)
	add(q[1 : len(q)-1])
	add(url.QueryEscape(sec))
	add(url.PathEscape(sec))
	return out
}

// RedactURL returns raw without its userinfo, or Redact's reading of it
// when it does not parse as a URL.
func RedactURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return Redact(raw)
	}
	u.User = nil
	return u.String()
}

// Redact is the package Redact with this client's secrets: its access
// token and the password of its API URL, if any. The load uses it for every
// message it stores; the client's own errors have been through it already.
func (c *Client) Redact(s string) string { return Redact(s, c.token.all...) }

// RedactingWriter returns a writer that passes everything written to w
// through Redact with secrets. Each Write is redacted on its own: slog
// handlers write one whole record per call, so no secret is split between
// two writes.
func RedactingWriter(w io.Writer, secrets ...string) io.Writer {
	return &redactingWriter{w: w, secrets: secrets}
}

type redactingWriter struct {
	w       io.Writer
	secrets []string
}

func (r *redactingWriter) Write(p []byte) (int, error) {
	if _, err := io.WriteString(r.w, Redact(string(p), r.secrets...)); err != nil {
		return 0, err
	}
	return len(p), nil
}
