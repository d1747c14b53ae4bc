// Package warehouse is the dataset that export and nightly write (--out):
// one Hive-partitioned Parquet table per dataset, all of one store,
//
//	OUT/customers/extracted_on=2026-11-25/part-00000.parquet            an export run's part (numbered)
//	OUT/customers/extracted_on=2026-11-25/part-created-3-9-4.parquet    a nightly claim's part (labelled)
//	OUT/cart_events/extracted_on=2026-11-25/part-cart-12-16-5.parquet
//	OUT/_manifests/20261125T103000.000Z.json                            one run manifest per committed extract
//	OUT/_staging/…                                                      runs in progress; never part of the dataset
//
// so DuckDB, Spark and pandas read each dataset as one table with the
// partition as a column. Several runs a day add part-00001, part-00002….
//
// Every file enters the dataset one way (File): written complete in the
// staging area, then published under its final name by the Backend, whole
// at once and only if no file has that name. An extract's run manifest is
// published after its parts (Commit), so a manifest names only files in
// place, and a caller that moves a watermark does so after Commit returned:
// a crash at any point leaves at worst a run that is read again.
//
// One store per warehouse: every row carries a store_hash column (schema.go)
// and every run manifest names the store, and Open refuses a warehouse
// whose manifests name another one. Several stores' warehouses read as one
// table, their rows told apart by store_hash.
//
// A new dataset (customer_deletions, say) is a name and a row type with
// store_hash in schema.go; its producer writes the rows into a file of its
// Stage directory and Files it: as a numbered part per run, or as a
// labelled part named after the nightly claim it comes from. Nothing else
// changes: numbering, publishing, the store check and the sweep of killed
// runs are the warehouse's.
package warehouse
