package pipelines

import (
	"errors"
	"io/fs"
	"os"
	"strings"

	"github.com/bcetl/bcetl/internal/atomicfile"
	"github.com/bcetl/bcetl/internal/results"
	"github.com/bcetl/bcetl/load"
)

// LoadResultPaths names a load's pair (internal/results) after its state
// file, beside its results.parquet: load.db → load.success.csv and
// load.error.csv. A migration's are WORK/success.csv and WORK/error.csv.
func LoadResultPaths(statePath string) (success, errors string) {
	stem := strings.TrimSuffix(load.ResultsPath(statePath), ".results.parquet")
	return stem + "." + results.SuccessFile, stem + "." + results.ErrorFile
}

// FinishResults writes the formats f asks for once a load has written its
// results (sum.ResultsPath): the pair joined from in (whose Results it
// sets), and, when f leaves Parquet out, removes results.parquet and the
// summary's mention of it; without CSV, removes a pair an earlier run
// left there, which would disagree with this run. A dry run, or a load that got no results
// written, has nothing to finish: nil, nil.
func FinishResults(sum *load.Summary, in results.Inputs, successPath, errorPath string, f results.Format) (*results.Counts, error) {
	if sum == nil || sum.DryRun || sum.ResultsPath == "" {
		return nil, nil
	}
	var c *results.Counts
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
		if c, err = results.Write(in, successPath, errorPath); err != nil {
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
