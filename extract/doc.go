// Package extract is the first stage of the pipeline: it reads customers
// and their sub-resources from a source and writes a staging directory
// (internal/staging): one Parquet file per entity plus manifest.json.
//
// Every source sits behind one interface, as rclone's backends do behind
// fs.Fs and benthos's inputs behind BatchInput:
//
//   - Source (source.go): Describe says what the source is and which files
//     it reads; Read writes its rows into a Sink.
//   - The registry (registry.go): each source package registers its --from
//     scheme in init, with what it Needs (a mapping file, a store client, a
//     watermark, id lists, an entity selection). Open(spec, options) is the
//     one place a spec is parsed and a wrong combination refused, with a
//     UsageError, before anything is read; Help lists the sources for
//     --help. cmd and pipelines call Open, never a source directly.
//   - Run (run.go): the output directory checked and swept of what a killed
//     run left, a Sink (sink.go: one table per entity, rejects.parquet, the
//     inputs hashed as read, scratch space) given to the source, then every
//     file committed and the manifest, built in one place, written last; a
//     source's checkpoint moves only after that (Report.Committed).
//   - Record (record.go) is what a file source makes of one record, and
//     Sink.Add the one way it is written: source keys checked, attribute
//     definitions collected.
//
// One package per source, named for what it reads:
//
//	extract/store       bigcommerce        a store through the Customers V3 API: windowed cursor
//	                                       walks, overflow, sorted runs and merge, the --state
//	                                       watermark (STORE.md). Not "bigcommerce", the name of
//	                                       the client it uses (internal/bigcommerce).
//	extract/voucherify  voucherify:PATH    a Voucherify export (JSON array, NDJSON, concatenated)
//	extract/csv         csv:PATH           any CSV with a --mapping file, and the presets that
//	                    shopify-csv:PATH   choose their mapping from the header (Shopify's export)
//	extract/parquet     parquet:DIR        an existing staging directory
//	extract/all         -                  imports every source (rclone's backend/all)
//
// The file sources' formats and mappings are in SOURCES.md.
//
// Adding a source: a package under extract/ whose init calls Register with
// its scheme, a Summary for --help, its Needs and a New that checks its
// options without I/O; its Source describes itself (FileDescription for
// one export file) and reads through the Sink (Sink.Open or Sink.Hash for
// every input it declared, Sink.Add or the tables for rows, Sink.Reject
// for records it cannot read); one line in extract/all. Nothing in cmd or
// pipelines changes: the flags it takes are declared in Needs, and
// migrate's "inputs unchanged" check uses its Description. For example a
// Voucherify API source would register "voucherify-api" in
// extract/voucherify (the customer mapping is the export's), take the base
// URL as its location, read X-App-Id and X-App-Token from the environment
// in New, declare Needs{Watermark: true} and keep its watermark on
// updated_at as the store does: Report.Watermark, and the state file saved
// in Report.Committed. A Voucherify CSV export would be a preset in
// extract/csv beside Shopify's.
//
// Every file is written under a temporary name and renamed into place
// when complete, owner-only: the files hold personal data.
package extract
