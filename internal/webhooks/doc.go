// Package webhooks receives BigCommerce and Voucherify webhooks and keeps
// them in a durable spool until the nightly job has processed them.
//
// # Receiver
//
// Server answers POST /webhooks/bigcommerce, POST /webhooks/voucherify and
// GET /healthz. A delivery is checked in this order, and the first failure
// answers a 4xx with {"error": "..."} and stores nothing: method (405 with
// Allow), content type (415), BigCommerce's custom auth header (401), body
// size (413), signature (401), UTF-8 and JSON (400), schema (422). A valid
// delivery is inserted and answered 200 with an empty body only after the
// insert is committed; a duplicate (same dedupe key) is also answered 200 so
// the sender stops retrying, but stores nothing new. Nothing else happens in
// the request path: both senders punish slow or failing endpoints
// (BigCommerce blocklists the domain below a 90% success ratio, Voucherify
// disables the webhook after 12 failures).
//
// Decisions, each explained where it is implemented:
//   - unknown BigCommerce scopes are spooled after the base checks
//     (parseBigCommerce);
//   - the BigCommerce dedupe key is producer|scope|created_at|hash, not the
//     hash alone (bigCommerceDedupeKey);
//   - Voucherify events other than customer.created are answered 200 and not
//     stored (Server.handleVoucherify);
//   - the Standard Webhooks key is the raw client secret, or the decoded
//     whsec_ form (ParseSigningSecret);
//   - an endpoint with no authentication configured is disabled (Config);
//   - customer and address ids outside 1…2³¹−1 are refused (reqID);
//   - with Config.StoreHash, another store's producer is refused; without
//     it every producer is spooled and the nightly job fails the others'
//     events (Config.StoreHash).
//
// # Spool
//
// The spool is one SQLite file (table events; see schema in spool.go).
// SQLite because the spool must survive restarts without another service to
// run, one file is easy to back up and move, and an operator can inspect or
// repair it with the stock sqlite3 shell:
//
//	sqlite3 spool.db "SELECT provider, scope, status, count(*) FROM events GROUP BY 1, 2, 3"
//	sqlite3 spool.db "SELECT id, json_extract(payload, '$.data.id') FROM events WHERE status = 'pending'"
//
// It runs in WAL mode with synchronous=FULL, so a 200 is only sent for an
// event that would survive a power cut (see Open). Inserts are funnelled
// through one goroutine that commits whatever is waiting as one transaction
// (writer.go): concurrent deliveries never fight over SQLite's write lock,
// and a burst costs one fsync per group rather than per event. The nightly
// job, possibly in another process, reads with Pending and acknowledges with
// MarkDone (or MarkFailed, with a reason) after its own output is committed; busy_timeout covers the
// moments when the two processes want the write lock together. The file is
// created owner-only (0600): Voucherify payloads carry names, emails and
// addresses.
package webhooks
