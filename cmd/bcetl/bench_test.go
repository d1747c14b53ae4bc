package main

import (
	"bytes"
	"regexp"
	"strings"
	"testing"
)

// bcetl bench prints, from its one run, a line per stage with its wall
// time, rows/s, CPU time and CPU/wall, the peak RSS sampled within it and
// the peak so far, beside the figures it printed before.
func TestBenchPrintsEachStage(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the whole pipeline")
	}
	var out, errOut bytes.Buffer
	if code := run([]string{"bench", "--customers", "300", "--quota", "0", "--latency", "0s", "--log-level", "error"}, &out, &errOut); code != exitOK {
		t.Fatalf("exit %d\n%s\n%s", code, out.String(), errOut.String())
	}
	o := out.String()
	for _, stage := range []string{"extract", "transform", "load", "all"} {
		// stage, wall, [rows/s], CPU, CPU/wall, peak MiB, so-far MiB
		re := regexp.MustCompile(`(?m)^` + stage + `\s+\S+\s+(\d+\s+)?\S+\s+\d+\.\d\d\s+\d+ MiB\s+\d+ MiB$`)
		if !re.MatchString(o) {
			t.Errorf("no %s line in\n%s", stage, o)
		}
	}
	for _, kept := range []string{"requests ÷ theoretical minimum", "customers/s (no quota)", "429s seen by the target", "warehouse export", "peak RSS"} {
		if !strings.Contains(o, kept) {
			t.Errorf("%q is no longer printed:\n%s", kept, o)
		}
	}
}
