// Package bcrules holds the BigCommerce Customers V3 API's value rules in
// one place: what the API takes in a field (CheckCustomer, CheckAddress,
// CheckEmail, IsCountryCode, CheckAttributeValue, CheckFormField and the
// limit tables), and the normalisations that turn a source's value into
// that form (NormalizeEmail, CountryCode, NormalizeAttributeValue). The
// transform, the load's dry run and the file sources use it, so a value
// the transform passes is one the dry run passes and the API takes, and a
// reject is blamed on the stage that found it.
//
// Where the document is silent the rules take the hardest reading for a
// client: the smallest set of values every plausible reading of the API
// takes. The one bound that is ours and not the API's, MaxLongText (notes
// and form field values), is named as such.
//
// # Numbers and dates
//
// The document says only that an attribute value is "always a string,
// regardless of the attribute's type", at most 255 characters. We read it
// so:
//
//   - a number attribute takes a plain decimal: an optional leading minus,
//     ASCII digits, and optionally a decimal point followed by digits
//     ("42", "-12.50", "007"). No white space, no plus sign, no exponent,
//     no bare point (".5", "5."), no NaN or infinity, no hexadecimal, no
//     thousands separator. Every numeric parser takes this form; each of
//     the others is refused by some.
//   - a date attribute takes an ISO 8601 calendar date, 2006-01-02, that
//     exists (2024-02-30 does not). Not a date-time: a date attribute is a
//     date, and a strict server parses it as one.
//
// NormalizeAttributeValue rewrites what can be rewritten without a guess:
// white space, a plus sign, a bare point and exponents, exactly; the date
// of an ISO date-time (RFC 3339, with or without a zone) as written, its
// time dropped. Everything else is refused.
//
// # The oracle
//
// The sandbox (internal/sandbox) keeps its own copy of these rules on
// purpose, written without this package: it is the oracle. The agreement
// test (agreement_test.go) sends every case of cases_test.go to a sandbox
// over HTTP, as the loader sends it, and fails when the sandbox's answer
// and this package's verdict differ — except where a case is one of our
// own bounds, which the API takes and we refuse on purpose.
package bcrules
