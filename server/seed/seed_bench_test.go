package seed_test

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"entgo.io/ent/dialect"

	"wemart/server/internal/benchtable"
	"wemart/server/seed"
	"wemart/server/storage"
	"wemart/server/storage/storagetest"
)

// The seeding goal of issue 15: a million stores on SQLite in at most 60 s,
// writing at most three times the database's size.
const (
	goalStoresPerSec = 1e6 / 60
	goalWriteAmp     = 3
)

// BenchmarkSeedStores seeds 100000 stores (stores only) on each engine and,
// on SQLite, reports the rate beside the floor of writing the same rows (a
// raw prepared multi-row INSERT into the table without its indexes) and the
// bytes written for each byte of the database.
func BenchmarkSeedStores(b *testing.B) {
	for _, engine := range storagetest.Engines() {
		b.Run(engine, func(b *testing.B) { benchSeedStores(b, engine, 100000) })
	}
}

// BenchmarkSeedStoresScale is BenchmarkSeedStores for a million stores on
// SQLite: opt-in (WEMART_BENCH_SCALE=1, `make bench-scale`), a few GB of disk.
func BenchmarkSeedStoresScale(b *testing.B) {
	if os.Getenv("WEMART_BENCH_SCALE") != "1" {
		b.Skip("WEMART_BENCH_SCALE=1 runs the million-store points")
	}
	benchSeedStores(b, "sqlite", 1000000)
}

func benchSeedStores(b *testing.B, engine string, n int) {
	ctx := context.Background()
	for b.Loop() {
		b.StopTimer()
		db := storagetest.New(b, engine)
		w0, cpu0 := written(b), cpuTime()
		b.StartTimer()
		start := time.Now()
		sum, err := seed.Synthetic(ctx, db, seed.Spec{Stores: n, Seed: 1}, nil)
		if err != nil {
			b.Fatal(err)
		}
		took, cpu := time.Since(start), cpuTime()-cpu0
		b.StopTimer()
		seedWritten, seedSize := written(b)-w0, dbSize(b, db)
		if sum.Stores != n {
			b.Fatalf("seeded %d stores, want %d", sum.Stores, n)
		}
		raw := storagetest.New(b, engine)
		w0, cpu0 = written(b), cpuTime()
		rawTook, err := seed.RawStoreInsert(ctx, raw, n, 1)
		rawCPU := cpuTime() - cpu0
		if err != nil {
			b.Fatal(err)
		}
		rawWritten, rawSize := written(b)-w0, dbSize(b, raw)
		b.StartTimer()

		rate, rawRate := float64(n)/took.Seconds(), float64(n)/rawTook.Seconds()
		b.ReportMetric(rate, "stores/s")
		b.ReportMetric(rawRate, "raw_stores/s")
		if engine != "sqlite" {
			continue // the goals are SQLite's, and a server's writes are not ours to count
		}
		amp, rawAmp := float64(seedWritten)/float64(seedSize), float64(rawWritten)/float64(rawSize)
		label := fmt.Sprintf("seed %s stores", count(n))
		note := fmt.Sprintf("%.2f GB written for a %.0f MB database, %.1f s of CPU; the raw INSERT %.2f GB for %.0f MB, "+
			"%.1f s of CPU (making its rows included)", float64(seedWritten)/1e9, float64(seedSize)/1e6, cpu.Seconds(),
			float64(rawWritten)/1e9, float64(rawSize)/1e6, rawCPU.Seconds())
		b.Log(label + ": " + note)
		if n >= 1000000 {
			benchtable.Report(b, benchtable.Row{Measure: label + ": time", Engine: "SQLite",
				Value: took.Seconds(), Unit: "s", Baseline: rawTook.Seconds(), BaseUnit: "s",
				BaseName: "raw prepared multi-row INSERT of the same rows (made beforehand) into the table without its indexes",
				Goal:     "≤ 60 s", Met: took.Seconds() <= 60})
		} else {
			benchtable.Report(b, benchtable.Row{Measure: label + ": rate", Engine: "SQLite",
				Value: rate, Unit: "stores/s", Baseline: rawRate, BaseUnit: "stores/s",
				BaseName: "raw prepared multi-row INSERT of the same rows (made beforehand) into the table without its indexes",
				Goal:     fmt.Sprintf("≥ %.0f stores/s (1M in ≤ 60 s)", goalStoresPerSec), Met: rate >= goalStoresPerSec})
		}
		benchtable.Report(b, benchtable.Row{Measure: label + ": bytes written ÷ database size", Engine: "SQLite",
			Value: amp, Unit: "×", Baseline: rawAmp, BaseUnit: "×",
			BaseName: "the raw INSERT's bytes written ÷ its database size",
			Goal:     fmt.Sprintf("≤ %d×", goalWriteAmp), Met: amp <= goalWriteAmp, Note: note})
	}
}

// count names a number of stores as the table does: 100k, 1M.
func count(n int) string {
	if n >= 1000000 && n%1000000 == 0 {
		return fmt.Sprintf("%dM", n/1000000)
	}
	return fmt.Sprintf("%dk", n/1000)
}

// written is how many bytes this process has caused to be written to
// storage (/proc/self/io: write_bytes less cancelled_write_bytes).
func written(b *testing.B) int64 {
	b.Helper()
	f, err := os.Open("/proc/self/io")
	if err != nil {
		b.Skipf("bytes written are read from /proc/self/io: %v", err)
	}
	defer f.Close()
	var w, cancelled int64
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		k, v, _ := strings.Cut(sc.Text(), ": ")
		n, _ := strconv.ParseInt(strings.TrimSpace(v), 10, 64)
		switch k {
		case "write_bytes":
			w = n
		case "cancelled_write_bytes":
			cancelled = n
		}
	}
	return w - cancelled
}

// cpuTime is the CPU time this process has used, user and system.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// dbSize is the size of an SQLite database's files (main and WAL; 0 on PostgreSQL).
func dbSize(b *testing.B, db *storage.DB) int64 {
	b.Helper()
	if db.Dialect != dialect.SQLite {
		return 0
	}
	path := strings.TrimPrefix(db.Location, "sqlite:")
	var total int64
	for _, p := range []string{path, path + "-wal"} {
		if st, err := os.Stat(p); err == nil {
			total += st.Size()
		}
	}
	return total
}
