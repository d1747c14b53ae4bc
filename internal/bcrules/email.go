package bcrules

import (
	"errors"
	"fmt"
	"net/mail"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// ErrInvalidEmail wraps every reason CheckEmail refuses an address.
var ErrInvalidEmail = errors.New("invalid email")

// CheckEmail checks an email as it will be sent. The document says only
// that it is 3–250 characters and unique; its syntax is our reading, the
// strict one a mail system holds to: valid when net/mail parses it as a
// bare addr-spec (no display name, no comments, no angle brackets) and, in
// addition, it has exactly one @, no white space or control characters, a
// local part of at most 64 bytes (RFC 5321), and a domain made of two or
// more non-empty dot-separated labels of letters, digits and hyphens (or
// non-ASCII, for internationalised domains) that do not start or end with
// a hyphen.
func CheckEmail(s string) error {
	if s == "" {
		return fmt.Errorf("%w: empty", ErrInvalidEmail)
	}
	if strings.Count(s, "@") != 1 {
		return fmt.Errorf("%w: %q must contain exactly one @", ErrInvalidEmail, s)
	}
	for _, r := range s {
		if unicode.IsSpace(r) || unicode.IsControl(r) || r == utf8.RuneError {
			return fmt.Errorf("%w: %q contains white space or a control character", ErrInvalidEmail, s)
		}
	}
	at := strings.IndexByte(s, '@')
	if local := s[:at]; local == "" || len(local) > 64 {
		return fmt.Errorf("%w: %q: the part before @ must be 1 to 64 bytes", ErrInvalidEmail, s)
	}
	if err := checkDomain(strings.ToLower(s[at+1:])); err != nil {
		return fmt.Errorf("%w: %q: %v", ErrInvalidEmail, s, err)
	}
	a, err := mail.ParseAddress(s)
	if err != nil || a.Name != "" || a.Address != s {
		return fmt.Errorf("%w: %q is not a plain email address", ErrInvalidEmail, s)
	}
	return nil
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

// NormalizeEmail is the transform's email rule on a value the text rule
// has cleaned: it trims the address, lower-cases the domain (in NFC) and
// checks it. The local part keeps its case — it is the customer's to
// choose — but addresses are compared lower-cased as a whole (EmailKey).
func NormalizeEmail(s string) (string, error) {
	s = strings.TrimSpace(s)
	if strings.Count(s, "@") == 1 {
		at := strings.IndexByte(s, '@')
		s = s[:at+1] + norm.NFC.String(strings.ToLower(s[at+1:]))
	}
	return s, CheckEmail(s)
}

// EmailKey is how two emails are compared, to deduplicate customers (the
// transform) and to match an input record to a target customer (the
// load): trimmed and lower-cased with strings.ToLower — never Unicode case
// folding. Folding makes "straße@" and "strasse@", or "ﬁnn@" and "finn@",
// one key, so two people who are two customers to the API would be
// merged, one person's addresses and values moved into the other's
// account. How BigCommerce compares emails is unconfirmed
// (bigcommerce-facts (h)); only plain lower-casing is safe: at worst two
// spellings of one address are loaded twice, and the API refuses the
// second.
func EmailKey(email string) string { return strings.ToLower(strings.TrimSpace(email)) }
