// Package pacer spends an API's request quota and retries what failed, for
// every client of the project: the BigCommerce client (internal/bigcommerce)
// and the Voucherify client (internal/voucherify). It knows nothing of HTTP
// headers or of either API's errors — the model is rclone's lib/pacer:
// each client translates its own answers into the pacer's terms.
//
//   - Rate (pacer.go) is what an answer said about the quota: how many
//     requests are left, of how many per window, and when the window
//     refreshes — if the answer says. BigCommerce says it on every answer
//     (X-Rate-Limit-Time-Reset-Ms); Voucherify only once none are left
//     (X-Rate-Limit-Retry is "now" while requests remain), so its Rate has
//     NoReset set until then.
//   - Pacer.Wait is called before a request, Observe after it, Block when a
//     429 says the quota is spent for every worker.
//   - RetryPolicy.Decide (retry.go) takes a failed attempt as a Failure — a
//     429 with or without quota information, a transport error that may or
//     may not have reached the server, a 5xx — and says whether and when
//     to send it again, or that a write's outcome is unknown.
//
// Clock (clock.go) is the time source of both; tests replace it so that
// waiting out a quota window takes no real time.
package pacer
