// Package extract is the first stage of the pipeline: it reads customers
// and their sub-resources from a source and writes a staging directory
// (internal/staging): one Parquet file per entity plus manifest.json.
//
// Two kinds of source share that layout:
//
//   - ExtractStore reads a BigCommerce store through the Customers V3 API
//     (store*.go, merge.go, progress.go, state.go; design and limits in
//     STORE.md): cursor-paged date_created windows walked in parallel,
//     sub-resources embedded in the customer pages with only the overflow
//     fetched separately, id-sorted output through sorted runs and a k-way
//     merge in bounded memory, and incremental runs from a watermark kept
//     in a state file.
//   - ExtractFile reads an export of another system (Voucherify JSON,
//     mapped CSV, Shopify CSV) or an existing staging directory
//     (source_*.go, arrowcsv.go; see SOURCES.md).
//
// Every file is written under a temporary name and renamed into place
// when complete, owner-only: the files hold personal data.
package extract
