// Command vulngate reads govulncheck's JSON output (-format json) on standard
// input and fails when the code calls a vulnerable symbol that is not on the
// reviewed list in accepted.txt. It is how `make vuln` decides: govulncheck
// itself reports and exits 0 in JSON mode, and some advisories have no fixed
// version to move to, so each of those is reviewed once and written down with
// the reason it does not apply, instead of failing every run forever.
package main

import (
	"bufio"
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"sort"
	"strings"
)

//go:embed accepted.txt
var acceptedList string

// message is one value of govulncheck's JSON stream; only the parts the gate
// reads are decoded.
type message struct {
	SBOM    *struct{ Roots []string } `json:"SBOM"`
	OSV     *osv                      `json:"osv"`
	Finding *finding                  `json:"finding"`
}

type osv struct {
	ID      string `json:"id"`
	Summary string `json:"summary"`
}

type finding struct {
	OSV          string  `json:"osv"`
	FixedVersion string  `json:"fixed_version"`
	Trace        []frame `json:"trace"`
}

type frame struct {
	Module   string `json:"module"`
	Version  string `json:"version"`
	Package  string `json:"package"`
	Function string `json:"function"`
	Receiver string `json:"receiver"`
	Position *struct {
		Filename string `json:"filename"`
		Line     int    `json:"line"`
	} `json:"position"`
}

func main() {
	accepted, err := parseAccepted(acceptedList)
	if err != nil {
		fmt.Fprintln(os.Stderr, "vulngate: accepted.txt:", err)
		os.Exit(2)
	}
	r, err := gate(os.Stdin, accepted)
	if err != nil {
		fmt.Fprintln(os.Stderr, "vulngate:", err)
		os.Exit(2)
	}
	fmt.Print(r.text)
	if r.failed {
		os.Exit(1)
	}
}

// parseAccepted reads "ID reason..." lines; blank lines and # comments are
// skipped, and every ID needs a reason.
func parseAccepted(s string) (map[string]string, error) {
	out := map[string]string{}
	for n, line := range strings.Split(s, "\n") {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		id, reason, _ := strings.Cut(line, " ")
		if strings.TrimSpace(reason) == "" {
			return nil, fmt.Errorf("line %d: %s has no reason", n+1, id)
		}
		out[id] = strings.TrimSpace(reason)
	}
	return out, nil
}

// result is what the gate prints and whether it fails.
type result struct {
	text   string
	failed bool
}

// gate decodes the stream and judges the findings at symbol level (those whose
// trace starts at a function: the code calls it); findings that only import a
// vulnerable package or require a vulnerable module are counted, not judged.
func gate(in io.Reader, accepted map[string]string) (result, error) {
	summaries := map[string]string{}
	called := map[string]*finding{}
	uncalled := map[string]bool{}
	var roots []string
	dec := json.NewDecoder(bufio.NewReader(in))
	for {
		var m message
		if err := dec.Decode(&m); errors.Is(err, io.EOF) {
			break
		} else if err != nil {
			return result{}, fmt.Errorf("reading govulncheck output: %w", err)
		}
		switch {
		case m.SBOM != nil:
			roots = m.SBOM.Roots
		case m.OSV != nil:
			summaries[m.OSV.ID] = m.OSV.Summary
		case m.Finding != nil && len(m.Finding.Trace) > 0:
			if m.Finding.Trace[0].Function == "" {
				uncalled[m.Finding.OSV] = true
			} else if called[m.Finding.OSV] == nil {
				called[m.Finding.OSV] = m.Finding
			}
		}
	}
	var b strings.Builder
	var ids []string
	for id := range called {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	failed, nAccepted := false, 0
	for _, id := range ids {
		f := called[id]
		if reason, ok := accepted[id]; ok {
			fmt.Fprintf(&b, "accepted %s (%s): %s\n", id, summaries[id], reason)
			nAccepted++
			continue
		}
		failed = true
		fixed := f.FixedVersion
		if fixed == "" {
			fixed = "no fixed version"
		}
		fmt.Fprintf(&b, "VULNERABLE %s: %s\n  in %s@%s, fixed in %s\n  called from %s\n",
			id, summaries[id], f.Trace[0].Module, f.Trace[0].Version, fixed, caller(f.Trace, roots))
	}
	for id := range uncalled {
		if called[id] != nil {
			delete(uncalled, id)
		}
	}
	for id := range accepted {
		if called[id] == nil {
			fmt.Fprintf(&b, "note: accepted %s is no longer reported; remove it from accepted.txt\n", id)
		}
	}
	verdict := "no called vulnerability outside accepted.txt"
	if failed {
		verdict = "FAIL: the code calls vulnerable symbols (upgrade, or review and add to server/internal/vulngate/accepted.txt)"
	}
	fmt.Fprintf(&b, "make vuln: %s; %d called (%d accepted), %d more in packages or modules the code does not call\n",
		verdict, len(called), nAccepted, len(uncalled))
	return result{text: b.String(), failed: failed}, nil
}

// caller names the frame in the scanned packages (roots) nearest to
// the vulnerable symbol: where a reader starts looking.
func caller(trace []frame, roots []string) string {
	for _, fr := range trace {
		if slices.Contains(roots, fr.Package) {
			name := fr.Package + "." + fr.Function
			if fr.Receiver != "" {
				name = fr.Package + "." + strings.TrimPrefix(fr.Receiver, "*") + "." + fr.Function
			}
			if fr.Position != nil {
				return fmt.Sprintf("%s (%s:%d)", name, fr.Position.Filename, fr.Position.Line)
			}
			return name
		}
	}
	last := trace[len(trace)-1]
	return last.Package + "." + last.Function
}
