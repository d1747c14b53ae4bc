package transform

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/cases"
	"golang.org/x/text/unicode/norm"
)

// Text is the "text" rule for single-line values (names, address lines,
// city, company, phone, email, attribute values…):
//
//   - every run of white space (spaces, tabs, line breaks, no-break and other
//     Unicode spaces) becomes one ASCII space, and the value is trimmed;
//   - control characters (C0, DEL, C1) are dropped, as are the byte-order
//     mark U+FEFF and the zero-width space U+200B, which spreadsheets and
//     copy-paste leave behind and which make equal-looking values differ;
//   - the result is put in Unicode NFC, so "é" typed as e + combining acute
//     and "é" precomposed are the same string, as they are to a person.
//
// Letter case is never changed: case-folding happens only inside
// comparison keys. Invalid UTF-8 bytes become U+FFFD (the pipeline rejects
// such rows before normalising, under rule "utf8").
//
// Controls are dropped before NFC is applied, because removing a control
// that sat between a letter and a combining mark would otherwise leave a
// string that is not NFC, and Text would not be idempotent.
func Text(s string) string {
	if isCleanASCII(s) {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	space := false
	for _, r := range s {
		switch {
		case unicode.IsSpace(r):
			space = b.Len() > 0
		case dropRune(r):
		default:
			if space {
				b.WriteByte(' ')
				space = false
			}
			b.WriteRune(r)
		}
	}
	return norm.NFC.String(b.String())
}

// MultilineText is the "text" rule for free text whose line breaks matter
// (customer notes, form field string values): NFC, CRLF and CR become LF,
// controls other than LF and TAB are dropped, and the value is trimmed.
// Inner white space is kept.
func MultilineText(s string) string {
	s = strings.ReplaceAll(s, "\r\n", "\n")
	var b strings.Builder
	b.Grow(len(s))
	for _, r := range s {
		switch {
		case r == '\r':
			b.WriteByte('\n')
		case r == '\n' || r == '\t':
			b.WriteRune(r)
		case dropRune(r):
		default:
			b.WriteRune(r)
		}
	}
	return strings.TrimSpace(norm.NFC.String(b.String()))
}

func dropRune(r rune) bool {
	return unicode.IsControl(r) || r == '\uFEFF' || r == '\u200B'
}

// isCleanASCII reports whether Text would return s unchanged without
// looking at it rune by rune: the common case, kept allocation-free.
func isCleanASCII(s string) bool {
	if s == "" {
		return true
	}
	if s[0] == ' ' || s[len(s)-1] == ' ' {
		return false
	}
	prevSpace := false
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= utf8.RuneSelf || c < 0x20 || c == 0x7f {
			return false
		}
		if c == ' ' {
			if prevSpace {
				return false
			}
			prevSpace = true
		} else {
			prevSpace = false
		}
	}
	return true
}

// appendFold appends the case-folded form of s to dst, for comparison keys.
// ASCII is lower-cased in place; anything else goes through Unicode full
// case folding (so "STRASSE" and "straße" compare equal).
func appendFold(dst []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return append(dst, cases.Fold().String(s)...)
		}
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		dst = append(dst, c)
	}
	return dst
}
