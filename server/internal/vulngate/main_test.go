package main

import (
	"strings"
	"testing"
)

// stream is govulncheck -format json output cut down to one called finding
// (GO-1), one that is only imported (GO-2) and one accepted call (GO-3).
const stream = `{"SBOM":{"roots":["wemart/server/api"]}}
{"osv":{"id":"GO-1","summary":"bad thing"}}
{"osv":{"id":"GO-2","summary":"other thing"}}
{"osv":{"id":"GO-3","summary":"reviewed thing"}}
{"finding":{"osv":"GO-1","fixed_version":"v1.2.7","trace":[
 {"module":"example.com/m","version":"v1.2.6","package":"example.com/m","function":"Read"},
 {"module":"wemart","package":"wemart/server/api","function":"get","receiver":"*handlers","position":{"filename":"server/api/x.go","line":7}}]}}
{"finding":{"osv":"GO-2","trace":[{"module":"example.com/n","version":"v1.0.0","package":"example.com/n"}]}}
{"finding":{"osv":"GO-3","trace":[{"module":"example.com/o","version":"v1.0.0","package":"example.com/o","function":"F"}]}}
`

func TestGateFailsOnCalledUnreviewed(t *testing.T) {
	r, err := gate(strings.NewReader(stream), map[string]string{"GO-3": "not reachable with our config"})
	if err != nil {
		t.Fatal(err)
	}
	if !r.failed {
		t.Fatalf("a called, unreviewed vulnerability passed:\n%s", r.text)
	}
	for _, want := range []string{
		"VULNERABLE GO-1: bad thing", "fixed in v1.2.7",
		"called from wemart/server/api.handlers.get (server/api/x.go:7)",
		"accepted GO-3", "2 called (1 accepted), 1 more",
	} {
		if !strings.Contains(r.text, want) {
			t.Errorf("report lacks %q:\n%s", want, r.text)
		}
	}
	if strings.Contains(r.text, "VULNERABLE GO-2") {
		t.Errorf("an imported-only finding was judged:\n%s", r.text)
	}
}

func TestGatePassesWhenAllReviewed(t *testing.T) {
	r, err := gate(strings.NewReader(stream), map[string]string{"GO-1": "r", "GO-3": "r", "GO-9": "r"})
	if err != nil {
		t.Fatal(err)
	}
	if r.failed {
		t.Fatalf("failed with every called finding reviewed:\n%s", r.text)
	}
	if !strings.Contains(r.text, "GO-9 is no longer reported") {
		t.Errorf("stale acceptance not pointed out:\n%s", r.text)
	}
}

func TestAcceptedNeedsReasons(t *testing.T) {
	if _, err := parseAccepted("# c\n\nGO-1\n"); err == nil {
		t.Fatal("an ID without a reason was accepted")
	}
	got, err := parseAccepted(acceptedList)
	if err != nil || len(got) == 0 {
		t.Fatalf("accepted.txt: %v %v", got, err)
	}
}

func TestGarbageIsAnError(t *testing.T) {
	if _, err := gate(strings.NewReader("{not json"), nil); err == nil {
		t.Fatal("garbage input was read as a clean report")
	}
}
