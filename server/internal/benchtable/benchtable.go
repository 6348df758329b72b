// Package benchtable collects the rows of `make bench`'s summary table. A
// benchmark measures one figure and, in the same run, the baseline it is
// judged against (the machine's own `/healthz`, a cryptographic floor, the
// same work before a fix); Report records both, their ratio and the goal, as
// one JSON line appended to the file named by WEMART_BENCH_TABLE, and as
// benchmark metrics. `make bench` prints the collected rows as one Markdown
// table (cmd/benchtable).
package benchtable

import (
	"encoding/json"
	"fmt"
	"os"
	"sync"
	"testing"
)

// EnvFile names the file rows are appended to; without it rows are only
// reported as benchmark metrics.
const EnvFile = "WEMART_BENCH_TABLE"

// Row is one measured figure beside its baseline.
type Row struct {
	Measure  string  `json:"measure"`  // what was measured, e.g. "checkout CPU per order"
	Engine   string  `json:"engine"`   // "SQLite", "PostgreSQL" or "" when no database is involved
	Value    float64 `json:"value"`    // the figure
	Unit     string  `json:"unit"`     // its unit, e.g. "ms", "req/s", "MB"
	Baseline float64 `json:"baseline"` // the baseline's figure in the same run (0: none)
	BaseUnit string  `json:"base_unit"`
	BaseName string  `json:"base_name"` // what the baseline is, e.g. "GET /healthz req/s"
	Goal     string  `json:"goal"`      // the target, e.g. "≤ 5.5 ms" or "ratio ≥ 0.2"
	Met      bool    `json:"met"`       // whether the figure meets the goal
	Note     string  `json:"note,omitempty"`
}

// Ratio is Value over Baseline (0 without a baseline).
func (r Row) Ratio() float64 {
	if r.Baseline == 0 {
		return 0
	}
	return r.Value / r.Baseline
}

var mu sync.Mutex

// Report records r: as metrics of b (the figure and, with a baseline, the
// ratio) and, when WEMART_BENCH_TABLE is set, as a line of that file. A
// failure to write the file fails the benchmark.
func Report(b testing.TB, r Row) {
	b.Helper()
	if bb, ok := b.(*testing.B); ok {
		bb.ReportMetric(r.Value, unitMetric(r.Unit))
		if r.Baseline != 0 {
			bb.ReportMetric(r.Ratio(), "x-baseline")
		}
	}
	b.Logf("%s %s: %.4g %s (baseline %s %.4g %s, ratio %.3g; goal %s; met %v)",
		r.Measure, r.Engine, r.Value, r.Unit, r.BaseName, r.Baseline, r.BaseUnit, r.Ratio(), r.Goal, r.Met)
	path := os.Getenv(EnvFile)
	if path == "" {
		return
	}
	line, err := json.Marshal(r)
	if err != nil {
		b.Fatal(err)
	}
	mu.Lock()
	defer mu.Unlock()
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o644)
	if err != nil {
		b.Fatalf("bench table: %v", err)
	}
	_, err = f.Write(append(line, '\n'))
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		b.Fatalf("bench table: %v", err)
	}
}

// unitMetric makes a unit usable as a benchmark metric name (no spaces).
func unitMetric(u string) string {
	out := make([]rune, 0, len(u))
	for _, c := range u {
		if c == ' ' {
			c = '_'
		}
		out = append(out, c)
	}
	if len(out) == 0 {
		return "value"
	}
	return string(out)
}

// Format renders v with a precision fitting its size.
func Format(v float64) string {
	switch {
	case v == 0:
		return "0"
	case v >= 100 || v <= -100:
		return fmt.Sprintf("%.0f", v)
	case v >= 10 || v <= -10:
		return fmt.Sprintf("%.1f", v)
	case v >= 1 || v <= -1:
		return fmt.Sprintf("%.2f", v)
	default:
		return fmt.Sprintf("%.3g", v)
	}
}
