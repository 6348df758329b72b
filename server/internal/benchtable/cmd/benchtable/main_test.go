package main

import (
	"bytes"
	"strings"
	"testing"
)

func TestRunGroupsRowsIntoRanges(t *testing.T) {
	in := strings.Join([]string{
		`{"measure":"checkout CPU","engine":"SQLite","value":5.1,"unit":"ms","baseline":3.5,"base_unit":"ms","base_name":"crypto floor","goal":"≤ 5.5 ms","met":true}`,
		`{"measure":"cart read","engine":"SQLite","value":0.3,"unit":"of healthz","goal":"≥ 0.25","met":true}`,
		`{"measure":"checkout CPU","engine":"SQLite","value":6,"unit":"ms","baseline":3.5,"base_unit":"ms","base_name":"crypto floor","goal":"≤ 5.5 ms","met":false}`,
		``,
	}, "\n")
	var out bytes.Buffer
	if err := run(strings.NewReader(in), &out); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	if len(lines) != 4 {
		t.Fatalf("want header, rule and 2 rows, got:\n%s", out.String())
	}
	want := "| checkout CPU | SQLite | 5.10–6.00 ms | crypto floor: 3.50 ms | 1.46–1.71 | ≤ 5.5 ms | 1 of 2 runs |"
	if lines[2] != want {
		t.Errorf("row\n got %s\nwant %s", lines[2], want)
	}
	if !strings.HasPrefix(lines[3], "| cart read | SQLite | 0.3 of healthz | — | — |") {
		t.Errorf("row without baseline: %s", lines[3])
	}
}

func TestRunRefusesGarbage(t *testing.T) {
	if err := run(strings.NewReader("not json\n"), &bytes.Buffer{}); err == nil {
		t.Fatal("a bad line was accepted")
	}
}
