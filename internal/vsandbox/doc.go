// Package vsandbox emulates the parts of the Voucherify API a migration
// reads customers through, over real HTTP: List Customers (GET
// /v1/customers: limit, page, filters, order, starting_after), Get
// Customer, and the Exports endpoints (create, get, list, delete, and the
// CSV download the export's result URL points to). Its documents are
// shared/reference/voucherify/customers.json and exports.json; a test
// validates every kind of answer against them with kin-openapi.
//
// As with internal/sandbox (the BigCommerce emulator), whatever the
// documents forbid the emulator refuses, and where they are silent it
// answers the way that is harder for a client: a test that passes only
// because the emulator is kinder than Voucherify is a production failure.
// Each such choice is written next to its rule (query.go, list.go,
// ratelimit.go, exports.go, exportfilter.go, csv.go) and summarised in the
// README's sandbox section.
//
// It is a sibling of internal/sandbox, not a part of it: the two share no
// code (different APIs, auth, errors and limits), and tests that start both
// emulators import both packages by distinct names. Like the BigCommerce
// sandbox it imports only the standard library, is reached only over HTTP,
// and offers hooks (hooks.go) for Go tests to arrange the project and
// change it while a client pages.
//
// Request pipeline (ServeHTTP): route → X-App-Id/X-App-Token (or the
// export's download token) → rate limit → method → handler.
package vsandbox
