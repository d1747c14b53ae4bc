package load

import (
	"context"
	"log/slog"
	"path/filepath"
	"syscall"
	"testing"
	"time"
)

// BenchmarkImportInput measures importInput alone: a generated staging
// directory of 20,000 customers (about 148,000 rows, close to what `bcetl
// bench --customers 20000` loads) copied into a fresh state file.
//
//	go test -run '^$' -bench ImportInput -benchtime 5x ./load/
//
// cpu-s/op (user + system time of the process) is reported beside the wall
// time: on a shared machine it is the steadier figure.
func BenchmarkImportInput(b *testing.B) {
	in := b.TempDir()
	n := writeStaging(b, in, genSpec{customers: 20000, bigEvery: 50})
	fp := inputFingerprint(b, in)
	var cpu time.Duration
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		st, err := openState(filepath.Join(b.TempDir(), "state.db"))
		if err != nil {
			b.Fatal(err)
		}
		l := &loader{opts: Options{In: in, StatePath: "x"}, st: st, log: slog.New(slog.DiscardHandler)}
		c0 := cpuTime()
		b.StartTimer()
		if err := l.importInput(context.Background(), fp); err != nil {
			b.Fatal(err)
		}
		b.StopTimer()
		cpu += cpuTime() - c0
		st.Close()
		b.StartTimer()
	}
	b.ReportMetric(float64(n.total())*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
	b.ReportMetric(cpu.Seconds()/float64(b.N), "cpu-s/op")
}

func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
