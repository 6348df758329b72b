package app_test

import (
	"context"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"wemart/server/apitest"
	"wemart/server/app"
	"wemart/server/config"
	"wemart/server/metrics/metricstest"
	"wemart/server/storage/storagetest"
)

func get(t *testing.T, url string) (int, string, []byte) {
	t.Helper()
	res, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res.StatusCode, res.Header.Get("Content-Type"), b
}

// mainAndMetricsListeners opens the main listener and the metrics listener
// on loopback ports of their own.
func mainAndMetricsListeners(t *testing.T) (main, metrics net.Listener) {
	t.Helper()
	var lns [2]net.Listener
	for i := range lns {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		lns[i] = ln
	}
	return lns[0], lns[1]
}

// TestMetricsListener: with WEMART_METRICS_ADDR, Serve serves /metrics (no
// token) on that listener and nothing else there, while the main listener
// keeps /metrics closed; both stop with the server.
func TestMetricsListener(t *testing.T) {
	ln, mln := mainAndMetricsListeners(t)
	h := apitest.New(t, storagetest.New(t, "sqlite"), func(_ *config.Config, o *app.Options) { o.MetricsListener = mln })
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- h.App.Serve(ctx, ln) }()
	main, metrics := "http://"+ln.Addr().String(), "http://"+mln.Addr().String()

	if code, _, body := get(t, main+"/healthz"); code != http.StatusOK {
		t.Fatalf("main listener /healthz: %d %s", code, body)
	}
	code, ctype, body := get(t, metrics+"/metrics")
	if code != http.StatusOK || !strings.HasPrefix(ctype, "text/plain") {
		t.Fatalf("metrics listener /metrics: %d %s %s", code, ctype, body)
	}
	s, err := metricstest.Parse(body)
	if err != nil {
		t.Fatal(err)
	}
	if got := s.Get("wemart_http_requests_total", "method", "GET", "route", "/healthz", "status", "200"); got != 1 {
		t.Fatalf("the main listener's /healthz counted %v times, want 1:\n%s", got, body)
	}
	if !s.Has("wemart_sweeper_lag_seconds") || len(s.Labels("wemart_build_info", "commit")) != 1 {
		t.Fatalf("gauges missing:\n%s", body)
	}
	if code, ctype, body := get(t, metrics+"/healthz"); code != http.StatusNotFound || ctype != "application/json" || !strings.Contains(string(body), `"not_found"`) {
		t.Fatalf("the metrics listener answers /healthz: %d %s %s (want the error envelope)", code, ctype, body)
	}
	if res, err := http.Post(metrics+"/metrics", "text/plain", nil); err != nil || res.StatusCode != http.StatusMethodNotAllowed ||
		res.Header.Get("Content-Type") != "application/json" {
		t.Fatalf("POST /metrics on the metrics listener: %v %v", res, err)
	} else {
		res.Body.Close()
	}
	if code, _, _ := get(t, main+"/metrics"); code != http.StatusNotFound {
		t.Fatalf("the main listener serves /metrics without a token configured: %d", code)
	}
	if code, _, _ := get(t, metrics+"/debug/pprof/heap"); code != http.StatusNotFound {
		t.Fatalf("profiles served without WEMART_PPROF: %d", code)
	}

	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("Serve did not return after its context ended")
	}
	if _, err := http.Get(metrics + "/metrics"); err == nil {
		t.Fatal("the metrics listener still answers after shutdown")
	}
}

// TestPprofOnTheMetricsListener: with WEMART_PPROF the metrics listener also
// serves net/http/pprof (the index, a named profile, a short CPU profile),
// and the main listener still does not.
func TestPprofOnTheMetricsListener(t *testing.T) {
	ln, mln := mainAndMetricsListeners(t)
	h := apitest.New(t, storagetest.New(t, "sqlite"), func(c *config.Config, o *app.Options) {
		c.Pprof = true
		o.MetricsListener = mln
	})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- h.App.Serve(ctx, ln) }()
	defer func() { cancel(); <-done }()
	main, metrics := "http://"+ln.Addr().String(), "http://"+mln.Addr().String()
	if code, _, body := get(t, metrics+"/debug/pprof/"); code != http.StatusOK || !strings.Contains(string(body), "goroutine") {
		t.Fatalf("pprof index: %d %.200s", code, body)
	}
	if code, _, body := get(t, metrics+"/debug/pprof/goroutine?debug=1"); code != http.StatusOK || !strings.Contains(string(body), "goroutine profile") {
		t.Fatalf("goroutine profile: %d %.200s", code, body)
	}
	if code, ctype, body := get(t, metrics+"/debug/pprof/profile?seconds=1"); code != http.StatusOK || ctype != "application/octet-stream" || len(body) == 0 {
		t.Fatalf("CPU profile: %d %s %d bytes", code, ctype, len(body))
	}
	if code, _, _ := get(t, metrics+"/metrics"); code != http.StatusOK {
		t.Fatalf("/metrics beside pprof: %d", code)
	}
	if code, _, _ := get(t, main+"/debug/pprof/"); code != http.StatusNotFound {
		t.Fatalf("the main listener serves pprof: %d", code)
	}
}

// TestListenSaysWhichVariableMovesIt: an address in use names the variable
// that changes it.
func TestListenSaysWhichVariableMovesIt(t *testing.T) {
	busy, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer busy.Close()
	addr := busy.Addr().String()
	cfg := config.Config{Addr: addr, MetricsAddr: addr}
	if _, err := app.Listen(cfg); err == nil || err.Error() != "listen on "+addr+": address already in use; set WEMART_ADDR to another address" {
		t.Fatalf("Listen: %v", err)
	}
	if _, err := app.ListenMetrics(cfg); err == nil || err.Error() != "listen on "+addr+": address already in use; set WEMART_METRICS_ADDR to another address" {
		t.Fatalf("ListenMetrics: %v", err)
	}
	if _, err := app.ListenSandbox(config.Config{SandboxAddr: addr}); err == nil || !strings.Contains(err.Error(), "set WEMART_SANDBOX_ADDR (or --addr) to another address") {
		t.Fatalf("ListenSandbox: %v", err)
	}
	if ln, err := app.ListenMetrics(config.Config{Addr: addr}); ln != nil || err != nil {
		t.Fatalf("ListenMetrics without WEMART_METRICS_ADDR: %v %v", ln, err)
	}
	// Other failures keep their cause.
	if _, err := app.Listen(config.Config{Addr: "127.0.0.1:99999"}); err == nil ||
		!strings.HasPrefix(err.Error(), "listen on 127.0.0.1:99999: ") || strings.Contains(err.Error(), "in use") {
		t.Fatalf("Listen on an impossible port: %v", err)
	}
}
