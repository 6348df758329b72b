package sandbox

import (
	"fmt"
	"syscall"
	"testing"
	"time"

	"wemart/server/internal/benchtable"
)

// BenchmarkStateWrite measures what one change of the sandbox's state costs
// (a new transaction journaled and made durable, as a prepay does) with a
// short history and with a long one, in the same run: with an append-only
// journal the cost per change must not grow with the history. The long
// history's figure includes its share of the compaction that rewrites the
// journal once it has doubled (timed here, divided by the changes between
// two compactions), so the amortized cost is what is compared.
func BenchmarkStateWrite(b *testing.B) {
	const changes = 1000
	short := stateWriteCost(b, 1_000, changes)
	long := stateWriteCost(b, 100_000, changes)
	b.Logf("per change: %d transactions before %.1f µs CPU (%.1f µs wall), %d before %.1f µs CPU (%.1f µs wall; compaction %.1f ms CPU every %d changes)",
		1_000, short.cpu, short.wall, 100_000, long.cpu, long.wall, long.compactCPU, long.every)
	benchtable.Report(b, benchtable.Row{
		Measure: "sandbox state write: CPU per change at 100k transactions (amortized compaction)",
		Value:   long.cpu, Unit: "µs",
		Baseline: short.cpu, BaseUnit: "µs", BaseName: "the same at 1k transactions",
		Goal: "constant per change (ratio ≤ 1.5)", Met: long.cpu <= 1.5*short.cpu,
	})
}

type writeCost struct {
	cpu, wall  float64 // µs per change
	compactCPU float64 // ms CPU of one compaction
	every      int     // changes between two compactions
}

func stateWriteCost(b *testing.B, history, changes int) writeCost {
	b.Helper()
	sb := newTestSandbox(b, b.TempDir(), 0)
	defer sb.Close()
	now := time.Now().UTC()
	tx := func(i int) *transaction {
		return &transaction{AppID: "wx0000000000000000", MchID: "1900000000", OutTradeNo: fmt.Sprintf("B%020d", i),
			Description: "牛奶 x2", NotifyURL: "http://127.0.0.1:1/notify", OpenID: "oOpenIDOpenIDOpenIDOpenID00",
			Total: 1990, TimeExpire: now.Add(15 * time.Minute), PrepayID: fmt.Sprintf("wx%030d", i), PrepayAt: now, State: "NOTPAY"}
	}
	sb.mu.Lock()
	for i := range history {
		t := tx(i)
		sb.st.Transactions[t.OutTradeNo] = t
		sb.st.Prepays[t.PrepayID] = t.OutTradeNo
	}
	recs := sb.st.snapshot()
	if err := sb.j.rewrite(recs); err != nil {
		b.Fatal(err)
	}
	sb.compactAt = max(4096, 2*len(recs))
	sb.mu.Unlock()

	cpu0, wall0 := cpuTime(), time.Now()
	for i := history; i < history+changes; i++ {
		sb.mu.Lock()
		t := tx(i)
		sb.st.Transactions[t.OutTradeNo] = t
		sb.st.Prepays[t.PrepayID] = t.OutTradeNo
		sb.put(recTransaction, t.OutTradeNo, t)
		sb.put(recPrepay, t.PrepayID, t.OutTradeNo)
		sb.mu.Unlock()
		if err := sb.commit(); err != nil {
			b.Fatal(err)
		}
	}
	c := writeCost{
		cpu:  float64(cpuTime()-cpu0) / float64(time.Microsecond) / float64(changes),
		wall: float64(time.Since(wall0)) / float64(time.Microsecond) / float64(changes),
	}
	// One compaction, as the compactor makes it, and the changes it is
	// spread over: the journal doubles before the next one.
	sb.mu.Lock()
	cpu1 := cpuTime()
	recs = sb.st.snapshot()
	if err := sb.j.rewrite(recs); err != nil {
		b.Fatal(err)
	}
	compact := cpuTime() - cpu1
	sb.mu.Unlock()
	c.every = max(4096, len(recs)) / 2 // two records (tx, prepay) a change
	c.compactCPU = float64(compact) / float64(time.Millisecond)
	c.cpu += float64(compact) / float64(time.Microsecond) / float64(c.every)
	return c
}

// cpuTime is the CPU this process has used (user + system).
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		panic(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
