package main

import (
	"os"
	"path/filepath"
	"testing"
)

func TestStaleDatabase(t *testing.T) {
	const now = 1_800_000_000
	cases := []struct {
		name, comment string
		connected     int64
		want          bool
	}{
		{"wemart_chaos_1799999990_42_ab12", "wemart chaos lease until 1800000100 host a pid 42", 0, false}, // leased
		{"wemart_chaos_1799999000_42_ab12", "wemart chaos lease until 1799999999 host b pid 42", 0, true},  // ran out
		{"wemart_chaos_1799999000_42_ab12", "wemart chaos lease until 1799999999 host b pid 42", 3, false}, // ran out, but in use
		{"wemart_chaos_1799999990_42_ab12", "", 0, false},                                                  // being made
		{"wemart_chaos_1799990000_42_ab12", "", 0, true},                                                   // died before its lease
		{"wemart_chaos_4242", "", 0, true},                                                                 // an older version's, unused
		{"wemart_chaos_4242", "", 1, false},                                                                // an older version's, in use
		{"wemart_chaos_notes", "", 0, false},                                                               // not ours
	}
	for _, c := range cases {
		if got, why := staleDatabase(c.name, c.comment, now, c.connected); got != c.want {
			t.Errorf("%s %q connected %d: stale %v (%s), want %v", c.name, c.comment, c.connected, got, why, c.want)
		}
	}
}

func TestStaleDir(t *testing.T) {
	tmp := t.TempDir()
	mk := func(name, owner string, kept bool) string {
		dir := filepath.Join(tmp, name)
		if err := os.Mkdir(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		if owner != "" {
			if err := os.WriteFile(filepath.Join(dir, ownerFile), []byte(owner), 0o644); err != nil {
				t.Fatal(err)
			}
		}
		if kept {
			markKept(dir)
		}
		return dir
	}
	isAlive := func(pid int, started string) bool { return pid == 1 && started == "100" }
	cases := []struct {
		dir  string
		want bool
	}{
		{mk("live", "h 1 100\n", false), false},
		{mk("dead", "h 2 100\n", false), true},
		{mk("pid-reused", "h 1 99\n", false), true},
		{mk("kept", "h 2 100\n", true), false},
		{mk("other-host", "g 2 100\n", false), false},
		{mk("no-owner", "", false), false},
	}
	for _, c := range cases {
		if got := staleDir(c.dir, "h", isAlive); got != c.want {
			t.Errorf("%s: stale %v, want %v", filepath.Base(c.dir), got, c.want)
		}
	}
	// This process is alive by its own record.
	dir, err := makeWorkDir(tmp)
	if err != nil {
		t.Fatal(err)
	}
	host, _ := os.Hostname()
	if staleDir(dir, host, alive) {
		t.Errorf("the work dir of a live run is stale")
	}
}
