package transform

import (
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/bcetl/bcetl/internal/staging"
	"github.com/bcetl/bcetl/internal/stagingtest"
)

// BenchmarkTransform runs the whole transform over about 100,000 generated
// messy addresses (20,000 customers) and reports addresses per second.
//
//	go test -run '^$' -bench BenchmarkTransform -benchtime 3x ./transform/
func BenchmarkTransform(b *testing.B) {
	in := b.TempDir()
	m := stagingtest.Write(b, in, stagingtest.Spec{Messy: true, Customers: 20000, AddressesPer: 4, Seed: 42})
	addrs := float64(m.Addresses)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		out := filepath.Join(b.TempDir(), strconv.Itoa(i))
		rep, err := Run(b.Context(), in, out, Options{})
		if err != nil {
			b.Fatal(err)
		}
		if err := rep.Balanced(); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(addrs*float64(b.N)/b.Elapsed().Seconds(), "addresses/s")
}

// TestGenerateLarge writes a large messy staging directory for measuring
// the transform by hand; it is skipped unless asked for:
//
//	BCETL_GEN_ADDRESSES=10000000 BCETL_GEN_DIR=/tmp/big go test -run TestGenerateLarge -timeout 1h ./transform/
//	/usr/bin/time -v bcetl transform --in /tmp/big --out /tmp/big-clean
//
// About 4.9 addresses are generated per customer.
func TestGenerateLarge(t *testing.T) {
	n, _ := strconv.Atoi(os.Getenv("BCETL_GEN_ADDRESSES"))
	dir := os.Getenv("BCETL_GEN_DIR")
	if n == 0 || dir == "" {
		t.Skip("set BCETL_GEN_ADDRESSES and BCETL_GEN_DIR to generate a large staging directory")
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	m := stagingtest.Write(t, dir, stagingtest.Spec{Messy: true, Customers: n * 10 / 49, AddressesPer: 4, Seed: 7})
	t.Logf("generated %d addresses in %s into %s", m.Addresses, time.Since(start), dir)
}

// TestTransformLarge runs the transform over a directory made by
// TestGenerateLarge and logs throughput and the process's peak RSS.
//
//	BCETL_BENCH_DIR=/tmp/big go test -run TestTransformLarge -v -timeout 1h ./transform/
func TestTransformLarge(t *testing.T) {
	in := os.Getenv("BCETL_BENCH_DIR")
	if in == "" {
		t.Skip("set BCETL_BENCH_DIR to a directory made by TestGenerateLarge")
	}
	out := t.TempDir()
	start := time.Now()
	rep, err := Run(t.Context(), in, out, Options{})
	if err != nil {
		t.Fatal(err)
	}
	d := time.Since(start)
	if err := rep.Balanced(); err != nil {
		t.Fatal(err)
	}
	a := rep.Entities["addresses"]
	t.Logf("%d addresses in %s: %.0f addresses/s; peak RSS %s; %+v", a.RowsIn, d.Round(time.Millisecond),
		float64(a.RowsIn)/d.Seconds(), peakRSS(), *a)
}

// peakRSS reads the high-water mark of resident memory from /proc.
func peakRSS() string {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return "unknown"
	}
	for _, l := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(l, "VmHWM:") {
			return strings.TrimSpace(strings.TrimPrefix(l, "VmHWM:"))
		}
	}
	return "unknown"
}

// benchAddresses are generated messy addresses, as the address pass sees
// them.
func benchAddresses(b *testing.B) (string, []staging.Address) {
	in := b.TempDir()
	stagingtest.Write(b, in, stagingtest.Spec{Messy: true, Customers: 2000, AddressesPer: 4, Seed: 42})
	path := filepath.Join(in, staging.FileName(staging.EntityAddresses))
	rows, err := staging.ReadAll[staging.Address](path)
	if err != nil {
		b.Fatal(err)
	}
	return path, rows
}

// BenchmarkAddressPass is the work a worker does for one address in the
// first pass: normalise and validate, then the uniqueness key with the
// phone in E.164.
func BenchmarkAddressPass(b *testing.B) {
	_, rows := benchAddresses(b)
	n := &normalizer{opts: Options{}, phones: newPhoneCache()}
	kb := keyBuilder{seeds: newSeeds()}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		a := rows[i%len(rows)]
		if n.address(&a) == nil {
			kb.address(a.CustomerSourceKey, &a, n.phoneKey(&a)).sum()
		}
	}
}

func BenchmarkAddressKey(b *testing.B) {
	a := staging.Address{FirstName: "Ann", LastName: "Lee", Address1: "12 Main St", City: "Springfield", CountryCode: "US",
		StateOrProvince: "California", PostalCode: "94103", Phone: "+14155550100", AddressType: "residential"}
	kb := keyBuilder{seeds: newSeeds()}
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		kb.address("c123456", &a, a.Phone).sum()
	}
}

func BenchmarkEmailKey(b *testing.B) {
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		EmailKey("user123456@example.com")
	}
}

func BenchmarkSourceKey(b *testing.B) {
	s := newSeeds()
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		s.sourceKey("a123456-3")
	}
}

// BenchmarkKeyTable sorts a million source-key hashes, finds their
// duplicates and the wanted ones (all), then looks them up.
func BenchmarkKeyTable(b *testing.B) {
	s := newSeeds()
	keys := make([]Key, 1<<20)
	for i := range keys {
		keys[i] = s.sourceKey(strconv.Itoa(i))
	}
	wanted := wantedKeys(slices.Clone(keys))
	state := make([]uint8, len(keys))
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		t := &keyTable{dupFirst: map[uint32]uint32{}}
		for r, k := range keys {
			if err := t.add(k, uint32(r)); err != nil {
				b.Fatal(err)
			}
		}
		t.sort()
		if err := t.build(state, wanted); err != nil {
			b.Fatal(err)
		}
		for _, k := range keys {
			t.first(k)
		}
	}
	b.ReportMetric(float64(len(keys))*float64(b.N)/b.Elapsed().Seconds(), "keys/s")
}

// BenchmarkStagingRead decodes addresses.parquet into rows, as a pass's
// reader does.
func BenchmarkStagingRead(b *testing.B) {
	path, rows := benchAddresses(b)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if err := staging.Scan(path, func(staging.Address) error { return nil }); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(len(rows))*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
}

// BenchmarkStagingWrite encodes and compresses addresses.parquet, as the
// pass's writer goroutine does.
func BenchmarkStagingWrite(b *testing.B) {
	_, rows := benchAddresses(b)
	dir := b.TempDir()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := staging.WriteAll(filepath.Join(dir, strconv.Itoa(i)+".parquet"), rows); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(len(rows))*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
}
