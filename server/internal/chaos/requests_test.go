package main

import (
	"strings"
	"testing"
	"time"
)

func TestExcuse(t *testing.T) {
	t0 := time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)
	at := func(s float64) time.Time { return t0.Add(time.Duration(s * float64(time.Second))) }
	windows := []window{
		{Proc: "s2", From: at(10), To: at(11)},
		{Proc: "sandbox", From: at(20), To: at(21)},
		{Proc: "s1", From: at(30)},               // still down
		{Proc: "s4", From: at(19), To: at(19.6)}, // down with the sandbox
	}
	const sandbox = "127.0.0.1:8090"
	refused := []logLine{{"s1", `level=ERROR msg="request failed" request_id=r code=unavailable error="unavailable: the WeChat sandbox at 127.0.0.1:8090 cannot be reached: dial tcp 127.0.0.1:8090: connect: connection refused"`}}
	deadlock := []logLine{{"s1", `level=ERROR msg="request failed" request_id=r code=unavailable error="ERROR: deadlock detected (SQLSTATE 40P01)"`}}
	cases := []struct {
		name string
		c    call
		logs []logLine
		want string
	}{
		{"haproxy 503 while the server it chose was down", call{Status: 503, Tried: "s2", Start: at(10.5), End: at(10.6)}, nil, excuseHAProxy},
		{"haproxy 502 within the grace after it came back", call{Status: 502, Tried: "s2", Start: at(12.5), End: at(12.6)}, nil, excuseHAProxy},
		{"haproxy 502 after the grace", call{Status: 502, Tried: "s2", Start: at(13.5), End: at(13.6)}, nil, ""},
		{"haproxy 503 naming a server that was up while another was down", call{Status: 503, Tried: "s3", Start: at(10.5), End: at(10.6)}, nil, ""},
		{"haproxy 503 with no server up", call{Status: 503, Tried: "<NOSRV>", Start: at(10.5), End: at(10.6)}, nil, excuseHAProxy},
		{"no answer while a server was down", call{Status: 0, Start: at(10.9), End: at(11.2)}, nil, excuseHAProxy},
		{"no answer with every server up", call{Status: 0, Start: at(15), End: at(15.2)}, nil, ""},
		{"no answer while only the sandbox was down", call{Status: 0, Start: at(21.8), End: at(21.9)}, nil, ""},
		{"a server's 503 while another server was down", call{Status: 503, Server: "s3", Tried: "s3", Code: "unavailable", Start: at(10.5), End: at(10.6)}, nil, ""},
		{"a server's 503 as it was killed", call{Status: 503, Server: "s1", Tried: "s1", Start: at(29.9), End: at(30.1)}, nil, excuseRestart},
		{"a server's 503 starting up", call{Status: 503, Server: "s2", Tried: "s2", Start: at(11.5), End: at(11.6)}, nil, excuseRestart},
		{"a server's 500 starting up", call{Status: 500, Server: "s2", Tried: "s2", Start: at(11.5), End: at(11.6)}, nil, ""},
		{"a haproxy 500", call{Status: 500, Tried: "s2", Start: at(10.5), End: at(10.6)}, nil, ""},
		{"sandbox unreachable while it was down", call{Status: 503, Server: "s1", Tried: "s1", Code: "unavailable", Start: at(20.5), End: at(20.6)}, refused, excuseSandbox},
		{"sandbox unreachable said by another server's log", call{Status: 503, Server: "s3", Tried: "s3", Code: "unavailable", Start: at(20.5), End: at(20.6)}, refused, ""},
		{"sandbox unreachable while it was up", call{Status: 503, Server: "s1", Tried: "s1", Code: "unavailable", Start: at(25), End: at(25.1)}, refused, ""},
		{"a deadlock while the sandbox was down", call{Status: 503, Server: "s1", Tried: "s1", Code: "unavailable", Start: at(20.5), End: at(20.6)}, deadlock, ""},
		{"a 502 from a server while the sandbox was down", call{Status: 502, Server: "s1", Tried: "s1", Code: "unavailable", Start: at(20.5), End: at(20.6)}, refused, ""},
		{"sandbox unreachable from a server starting up", call{Status: 503, Server: "s2", Tried: "s2", Code: "unavailable", Start: at(11.5), End: at(11.6)},
			[]logLine{{"s2", refused[0].text}}, excuseRestart},
		{"sandbox unreachable from a server starting up while the sandbox was down", call{Status: 503, Server: "s4", Tried: "s4", Code: "unavailable", Start: at(20.5), End: at(20.6)},
			[]logLine{{"s4", refused[0].text}}, excuseSandbox},
	}
	for _, tc := range cases {
		if got := excuse(tc.c, windows, 2*time.Second, tc.logs, sandbox); got != tc.want {
			t.Errorf("%s: excused %q, want %q", tc.name, got, tc.want)
		}
	}
}

// checkRequests counts the excused by rule and reports the rest, with
// the server's log lines about them.
func TestCheckRequests(t *testing.T) {
	t0 := time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)
	windows := []window{{Proc: "s2", From: t0, To: t0.Add(time.Second)}}
	calls := []call{
		{What: "cart", Status: 200, RequestID: "a", Server: "s1", Start: t0, End: t0},
		{What: "cart", Status: 502, RequestID: "b", Tried: "s2", Start: t0, End: t0},
		{What: "pay", Status: 503, RequestID: "c", Server: "s1", Tried: "s1", Code: "unavailable", Start: t0, End: t0},
	}
	logs := map[string][]logLine{"c": {{"s1", "level=INFO msg=request request_id=c"}, {"s1", "level=ERROR msg=\"request failed\" request_id=c code=unavailable"}}}
	r := &report{}
	r.checkRequests(calls, windows, 2*time.Second, logs, "127.0.0.1:1")
	if r.excused[excuseHAProxy] != 1 || len(r.violations) != 1 || r.byWhat["pay"][3] != 1 || r.byWhat["cart"][3] != 0 {
		t.Fatalf("excused %v, violations %q, by kind cart %v pay %v", r.excused, r.violations, r.byWhat["cart"], r.byWhat["pay"])
	}
	if v := r.violations[0]; !strings.Contains(v, "→ 503 (request c, answered by \"s1\"") || !strings.Contains(v, "log: s1: level=ERROR") {
		t.Errorf("violation %q", v)
	}
}
