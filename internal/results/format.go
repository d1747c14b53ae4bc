package results

import (
	"fmt"
	"strings"
)

// Format is what --results-format asks for: the load's results.parquet,
// the CSV pair, or both.
type Format struct {
	Parquet, CSV bool
}

// DefaultFormat is results.parquet alone, as before the CSV pair existed.
var DefaultFormat = Format{Parquet: true}

// FormatHelp is the flag's description of its values.
const FormatHelp = "parquet (results.parquet, one row per record the load read), csv (success.csv and error.csv: every input record, " +
	"rejected and merged ones included, in one row of one of them), or parquet,csv"

// ParseFormat reads "parquet", "csv" or both comma-separated, in either
// order.
func ParseFormat(s string) (Format, error) {
	var f Format
	for _, part := range strings.Split(s, ",") {
		switch strings.ToLower(strings.TrimSpace(part)) {
		case "parquet":
			f.Parquet = true
		case "csv":
			f.CSV = true
		default:
			return Format{}, fmt.Errorf("%q is not a results format: use parquet, csv or parquet,csv", part)
		}
	}
	return f, nil
}

func (f Format) String() string {
	switch {
	case f.Parquet && f.CSV:
		return "parquet,csv"
	case f.CSV:
		return "csv"
	default:
		return "parquet"
	}
}
