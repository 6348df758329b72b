// Command benchtable prints the rows `make bench` collected (JSON lines
// written by benchtable.Report) as one Markdown table: each figure, its
// baseline in the same run, their ratio, the goal and whether it was met.
// Rows measured more than once (several -count runs) are shown as the range
// of their figures and ratios.
package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"slices"

	"wemart/server/internal/benchtable"
)

func main() {
	var in io.Reader = os.Stdin
	if len(os.Args) > 1 {
		f, err := os.Open(os.Args[1])
		if err != nil {
			fmt.Fprintln(os.Stderr, "benchtable:", err)
			os.Exit(1)
		}
		defer f.Close()
		in = f
	}
	if err := run(in, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "benchtable:", err)
		os.Exit(1)
	}
}

// group is every measurement of one row (same measure and engine).
type group struct {
	rows []benchtable.Row
}

func run(in io.Reader, out io.Writer) error {
	var order []string
	groups := map[string]*group{}
	sc := bufio.NewScanner(in)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		if len(sc.Bytes()) == 0 {
			continue
		}
		var r benchtable.Row
		if err := json.Unmarshal(sc.Bytes(), &r); err != nil {
			return fmt.Errorf("bad row %q: %w", sc.Text(), err)
		}
		key := r.Measure + "\x00" + r.Engine
		g, ok := groups[key]
		if !ok {
			g = &group{}
			groups[key] = g
			order = append(order, key)
		}
		g.rows = append(g.rows, r)
	}
	if err := sc.Err(); err != nil {
		return err
	}
	fmt.Fprintln(out, "| measure | engine | figure | baseline (same run) | ratio | goal | met |")
	fmt.Fprintln(out, "|---|---|---|---|---|---|---|")
	for _, key := range order {
		g := groups[key]
		first := g.rows[0]
		var vals, bases, ratios []float64
		met := 0
		for _, r := range g.rows {
			vals = append(vals, r.Value)
			bases = append(bases, r.Baseline)
			ratios = append(ratios, r.Ratio())
			if r.Met {
				met++
			}
		}
		base := "—"
		ratio := "—"
		if first.Baseline != 0 || first.BaseName != "" {
			base = fmt.Sprintf("%s: %s %s", first.BaseName, span(bases), first.BaseUnit)
			ratio = span(ratios)
		}
		engine := first.Engine
		if engine == "" {
			engine = "—"
		}
		verdict := "yes"
		switch {
		case met == 0:
			verdict = "**no**"
		case met < len(g.rows):
			verdict = fmt.Sprintf("%d of %d runs", met, len(g.rows))
		}
		measure := first.Measure
		if first.Note != "" {
			measure += " (" + first.Note + ")"
		}
		fmt.Fprintf(out, "| %s | %s | %s %s | %s | %s | %s | %s |\n",
			measure, engine, span(vals), first.Unit, base, ratio, first.Goal, verdict)
	}
	return nil
}

// span is "v" for one value and "min–max" for several.
func span(vs []float64) string {
	lo, hi := slices.Min(vs), slices.Max(vs)
	if benchtable.Format(lo) == benchtable.Format(hi) {
		return benchtable.Format(lo)
	}
	return benchtable.Format(lo) + "–" + benchtable.Format(hi)
}
