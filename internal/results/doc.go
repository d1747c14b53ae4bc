// Package results writes what a person opens after a load or a migration:
// success.csv and error.csv, the pair Salesforce Data Loader writes, so
// that the people who know it find their way at once.
//
// Every input record is in exactly one row of one of the two files:
//
//   - success.csv: loaded, skipped-existing (the target had it already),
//     updated, and merged — a duplicate the transform folded into another
//     record of the input (its survivor), whose target id it gets, with
//     "merged into <survivor key>" as its message;
//   - error.csv: rejected by the extract (a record that could not be read),
//     by the transform (a rule it breaks) or by the load (the API's answer,
//     or a check before any request), and pending (an interrupted run: run
//     it again). A merged record whose survivor was rejected or is pending
//     is here too: its data did not reach the target either.
//
// One pair for all entities, with an entity column, rather than a pair per
// entity: a Data Loader user opens one error file and filters, and the
// "every record in exactly one row" promise is checked over two files, not
// eighteen. Rows come entity by entity in load order (attributes, groups,
// customers, then what hangs off them), each entity's in input order, then
// that entity's extract rejects. A child record (an address, a value, a
// metafield…) carries its customer's source key and email, so a person can
// find whose record it is.
//
// Both files have the same columns (Header), so they can be read as one
// table. They are written for spreadsheets: RFC 4180 quoting
// (encoding/csv), CRLF line ends, a UTF-8 byte order mark (without it
// Excel reads UTF-8 as the local code page, and 山田 or Müller come out
// garbled), and every cell that a spreadsheet would take for a formula —
// one starting with = + - @, a tab or a carriage return — prefixed with an
// apostrophe (the OWASP advice against CSV injection: an email or a note
// from a source system is data, never a formula). bcetl's own CSV source
// drops that apostrophe again, as Shopify's exports need. The files are
// owner-only and appear whole (internal/atomicfile): they hold personal
// data.
//
// The rows are joined from what the stages already write (Join): the
// input records from a staging directory (the extract's output, or a
// load's --in), the rejects and merges of the stages between it and the
// load (the transform's rejects.parquet, which copies the extract's, and
// its merges.parquet), and the load's results.parquet. Memory holds the
// customers' emails and one entity's load results at a time.
package results
