package results

import (
	"errors"
	"io/fs"
	"os"
	"strings"

	"github.com/bcetl/bcetl/internal/atomicfile"
	"github.com/bcetl/bcetl/load"
)

// Paths names a load's pair after its state file, beside its
// results.parquet: load.db → load.success.csv and load.error.csv.
func Paths(statePath string) (success, errors string) {
	stem := strings.TrimSuffix(load.ResultsPath(statePath), ".results.parquet")
	return stem + "." + SuccessFile, stem + "." + ErrorFile
}

// Finish writes the formats f asks for once a load has written its
// results (sum.ResultsPath): the pair joined from in (whose Results it
// sets), and, when f leaves Parquet out, removes results.parquet and the
// summary's mention of it; without CSV, removes a pair an earlier run
// left there, which would disagree with this run. A dry run, or a load that got no results
// written, has nothing to finish: nil, nil.
func Finish(sum *load.Summary, in Inputs, successPath, errorPath string, f Format) (*Counts, error) {
	if sum == nil || sum.DryRun || sum.ResultsPath == "" {
		return nil, nil
	}
	var c *Counts
	if !f.CSV {
		for _, p := range []string{successPath, errorPath} {
			if err := os.Remove(p); err != nil && !errors.Is(err, fs.ErrNotExist) {
				return nil, err
			}
		}
	}
	if f.CSV {
		if err := atomicfile.Sweep(successPath, errorPath); err != nil {
			return nil, err
		}
		in.Results = sum.ResultsPath
		var err error
		if c, err = Write(in, successPath, errorPath); err != nil {
			return nil, err
		}
	}
	if !f.Parquet {
		if err := os.Remove(sum.ResultsPath); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return c, err
		}
		sum.ResultsPath = ""
		if sum.SummaryPath != "" {
			if err := atomicfile.WriteJSON(sum.SummaryPath, sum); err != nil {
				return c, err
			}
		}
	}
	return c, nil
}
