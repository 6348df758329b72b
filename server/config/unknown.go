package config

import (
	"slices"
	"strings"

	"github.com/caarlos0/env/v11"
)

// Prefix starts the name of every variable wemart reads.
const Prefix = "WEMART_"

// toolVariables are WEMART_* variables read by tests and development tools,
// not by the server: set in a developer's shell, they are not typos.
func toolVariables() []string {
	return []string{
		"WEMART_TEST_POSTGRES", // tests: the PostgreSQL server to test against
		"WEMART_DEV_POSTGRES",  // make migration: the PostgreSQL server to diff against
		// make bench and make bench-scale (see README "Performance"):
		"WEMART_BENCH_TABLE",          // the file benchmark rows are appended to
		"WEMART_BENCH_SCALE",          // 1: run the million-row points too
		"WEMART_BENCH_SERVE",          // set by the checkout benchmark on the server process it starts
		"WEMART_BENCH_SERVER_PROFILE", // a directory for that server's CPU profiles
		"WEMART_BENCH_PROFILE",        // a CPU profile of the reads benchmark's serving phase
		"WEMART_BENCH_READS_PRODUCTS", // the reads benchmark's catalogue size (default 100000)
	}
}

// Known lists every variable the configuration reads, taken from Config's
// env tags (so it cannot drift from them), sorted.
func Known() []string {
	params, err := env.GetFieldParams(&Config{})
	if err != nil {
		panic(err) // Config's tags are fixed at compile time; a test covers them
	}
	names := make([]string, 0, len(params))
	for _, p := range params {
		names = append(names, p.Key)
	}
	slices.Sort(names)
	return slices.Compact(names)
}

// UnknownVariable is a WEMART_* variable in the environment that nothing
// reads: most likely a typo, which would otherwise be ignored in silence.
type UnknownVariable struct {
	Name string
	// Closest is the known variable nearest to Name by edit distance, if
	// one is near enough to be the likely intent ("" otherwise).
	Closest string
}

// String is the warning for an operator.
func (u UnknownVariable) String() string {
	if u.Closest == "" {
		return u.Name + " is not a wemart variable and is ignored (README.md lists them)"
	}
	return u.Name + " is not a wemart variable and is ignored; did you mean " + u.Closest + "?"
}

// Unknown returns the WEMART_* variables of environ (os.Environ's
// "NAME=value" form) that neither the configuration nor a tool reads, in
// name order, each with the closest known variable when one is close.
// Values are never looked at.
func Unknown(environ []string) []UnknownVariable {
	known := Known()
	ignore := append(slices.Clone(known), toolVariables()...)
	var out []UnknownVariable
	for _, kv := range environ {
		name, _, _ := strings.Cut(kv, "=")
		if !strings.HasPrefix(strings.ToUpper(name), Prefix) || slices.Contains(ignore, name) {
			continue
		}
		u := UnknownVariable{Name: name}
		// A suggestion is a typo's repair: a third of the name may differ
		// (two characters in a short one), not more.
		best := max(2, len(strings.TrimPrefix(name, Prefix))/3) + 1
		for _, k := range known {
			// Case is not a typo worth a distance: WEMART_wechat_mode means
			// WEMART_WECHAT_MODE.
			if d := distance(strings.ToUpper(name), k); d < best {
				u.Closest, best = k, d
			}
		}
		out = append(out, u)
	}
	slices.SortFunc(out, func(a, b UnknownVariable) int { return strings.Compare(a.Name, b.Name) })
	return slices.CompactFunc(out, func(a, b UnknownVariable) bool { return a.Name == b.Name })
}

// distance is the Levenshtein edit distance between a and b (single-byte
// insertions, deletions and substitutions: variable names are ASCII).
func distance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}
