package sandbox

import "strings"

// Email comparison. The document says only that an email "Must be unique";
// how BigCommerce compares two emails is unconfirmed (bigcommerce-facts
// (h)). Choice: by default emails compare after strings.ToLower, the
// case-insensitive reading every client must survive. Options.LooseEmails
// turns on the worst case a client must also survive: a comparison that
// treats the expansions of Unicode full case folding as equal (ß = ss,
// ﬁ = fi, ſ = s, …), as a database collation might. Then "straße@" is
// "already in use" when "strasse@" exists, and email:in=straße@ answers
// with the strasse@ customer: a client that trusted that answer would load
// one person's data into another's account. The same key serves
// uniqueness, the email index and the email:in filter, so the store agrees
// with itself.

// looseFold maps the characters whose full case folding expands (or folds
// onto ASCII) to what they fold to; the rest is lower-cased as usual.
var looseFold = strings.NewReplacer(
	"ß", "ss", "ẞ", "ss", "ſ", "s",
	"ﬀ", "ff", "ﬁ", "fi", "ﬂ", "fl", "ﬃ", "ffi", "ﬄ", "ffl", "ﬅ", "st", "ﬆ", "st",
)

// emailKey is the store's comparison key of an email.
func (st *store) emailKey(email string) string {
	k := strings.ToLower(email)
	if st.looseEmails {
		k = looseFold.Replace(k)
	}
	return k
}
