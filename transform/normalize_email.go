package transform

import (
	"errors"
	"fmt"
	"net/mail"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// ErrInvalidEmail wraps every reason NormalizeEmail refuses an address.
var ErrInvalidEmail = errors.New("invalid email")

// NormalizeEmail is the "email" rule: it trims the address (after the text
// rule), lower-cases the domain and checks the syntax. The local part keeps
// its case — it is the customer's to choose — but addresses are compared
// lower-cased as a whole (see EmailKey: plain lower-casing, never Unicode
// case folding), the safe reading of BigCommerce's uniqueness rule.
//
// An address is valid when net/mail parses it as a bare addr-spec (no
// display name, no comments, no angle brackets) and, in addition: it has
// exactly one @, no white space or control characters, a local part of at
// most 64 bytes (RFC 5321), and a domain made of two or more non-empty dot-
// separated labels that do not start or end with a hyphen. An invalid
// email rejects the customer: the API would refuse it.
func NormalizeEmail(s string) (string, error) {
	return normalizeEmail(Text(s))
}

func normalizeEmail(s string) (string, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return "", fmt.Errorf("%w: empty", ErrInvalidEmail)
	}
	if strings.Count(s, "@") != 1 {
		return s, fmt.Errorf("%w: %q must contain exactly one @", ErrInvalidEmail, s)
	}
	for _, r := range s {
		if unicode.IsSpace(r) || unicode.IsControl(r) || r == utf8.RuneError {
			return s, fmt.Errorf("%w: %q contains white space or a control character", ErrInvalidEmail, s)
		}
	}
	at := strings.IndexByte(s, '@')
	local, domain := s[:at], norm.NFC.String(strings.ToLower(s[at+1:]))
	s = local + "@" + domain
	if local == "" || len(local) > 64 {
		return s, fmt.Errorf("%w: %q: the part before @ must be 1 to 64 bytes", ErrInvalidEmail, s)
	}
	if err := checkDomain(domain); err != nil {
		return s, fmt.Errorf("%w: %q: %v", ErrInvalidEmail, s, err)
	}
	a, err := mail.ParseAddress(s)
	if err != nil || a.Name != "" || a.Address != s {
		return s, fmt.Errorf("%w: %q is not a plain email address", ErrInvalidEmail, s)
	}
	return s, nil
}

func checkDomain(d string) error {
	if !strings.Contains(d, ".") {
		return errors.New("the domain has no dot")
	}
	for _, l := range strings.Split(d, ".") {
		if l == "" {
			return errors.New("the domain has an empty label")
		}
		if l[0] == '-' || l[len(l)-1] == '-' {
			return errors.New("a domain label starts or ends with a hyphen")
		}
		for _, r := range l {
			if !(r == '-' || r >= utf8.RuneSelf || 'a' <= r && r <= 'z' || '0' <= r && r <= '9') {
				return fmt.Errorf("the domain contains %q", r)
			}
		}
	}
	return nil
}
