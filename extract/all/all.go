// Package all registers every source (as rclone's backend/all does): a
// program that imports it can open any --from spec with extract.Open.
// A new source is added here, and nowhere else outside its own package.
package all

import (
	// Each registers its schemes in init.
	_ "github.com/bcetl/bcetl/extract/csv"
	_ "github.com/bcetl/bcetl/extract/parquet"
	_ "github.com/bcetl/bcetl/extract/store"
	_ "github.com/bcetl/bcetl/extract/voucherify"
)
