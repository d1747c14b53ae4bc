// Package warehouse is the dataset that export and nightly write (--out):
// one Hive-partitioned Parquet table per dataset, all of one store, on a
// disk (Disk) or in an object store (Blob: s3://, gs://, azblob://),
//
//	OUT/customers/extracted_on=2026-11-25/part-00000.parquet            an export run's part (numbered)
//	OUT/customers/extracted_on=2026-11-25/part-created-3-9-4.parquet    a nightly claim's part (labelled)
//	OUT/customers/extracted_on=2026-11-25/part-changed-7-19-9.parquet   customers re-read for their sub-resources
//	OUT/customer_deletions/extracted_on=2026-11-25/part-deleted-5-8-2.parquet   tombstones
//	OUT/cart_events/extracted_on=2026-11-25/part-cart-12-16-5.parquet
//	OUT/_manifests/20261125T103000.000Z.json                            one run manifest per committed extract
//	OUT/_staging/…                                                      runs in progress; never part of the dataset
//
// so DuckDB, Spark and pandas read each dataset as one table with the
// partition as a column. Several runs a day add part-00001, part-00002….
//
// # Versions and tombstones
//
// Every row carries store_hash and extracted_at, the start of the run
// that read it (schema.go), and a run that writes a customer writes all of
// its addresses, attribute values and form field values with it. The
// store's current state is therefore each customer's row with the newest
// extracted_at, its children those of the same read, minus the customers
// in customer_deletions; the README's views say it in SQL. Commit files a
// run's customers after their children (fileOrder), so a killed run never
// leaves a customer version without its children.
//
// # One way in: Publish
//
// Every file enters the dataset one way (File): written complete in the
// staging area, then published under its final name by the Backend, whole
// at once and only if no file has that name. An extract's run manifest is
// published after its parts (Commit), so a manifest names only files in
// place, and a caller that moves a watermark does so after Commit returned:
// a crash at any point leaves at worst a run that is read again.
//
// On a disk Publish is link(2) from the staging area (on the same
// filesystem), which refuses a taken name where rename(2) would replace
// it. In an object store there is no rename, and none is needed: an object
// is visible only once its upload has completed, never in part, so Publish
// uploads straight to the final key with a condition (If-None-Match: *,
// ifGenerationMatch=0) that refuses a taken key. A temporary key copied
// into place would write every byte twice for no gain, and a protocol in
// which only the manifests make files visible would not hold for readers
// that glob (DuckDB's read_parquet). See Blob.
//
// # The state
//
// The watermark (StateFile) is a local file, locked for the run, or an
// S3 object next to the data; either way it is written back only if it is
// still what the run read (an If-Match on the ETag in S3), so two runs
// cannot both advance it.
//
// One store per warehouse: every row carries a store_hash column (schema.go)
// and every run manifest names the store, and Open refuses a warehouse
// whose manifests name another one. Several stores' warehouses read as one
// table, their rows told apart by store_hash.
//
// A new dataset is a name and a row type with store_hash and extracted_at
// in schema.go; its producer writes the rows into a file of its Stage
// directory and Files it: as a numbered part per run, or as a labelled part
// named after the nightly claim it comes from. Nothing else changes:
// numbering, publishing, the store check and the sweep of killed runs are
// the warehouse's.
package warehouse
