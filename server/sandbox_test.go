package main

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"wemart/server/wechat"
	"wemart/server/wechat/sandbox"
	"wemart/server/wechat/wxpay"
)

// process is a running wemart command.
type process struct {
	cmd   *exec.Cmd
	base  string // http://addr it serves on
	lines chan string

	mu  sync.Mutex
	all []string // every line logged so far
}

// logged reports whether some line logged so far matches pattern.
func (p *process) logged(pattern string) bool {
	re := regexp.MustCompile(pattern)
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, l := range p.all {
		if re.MatchString(l) {
			return true
		}
	}
	return false
}

// start runs the binary with env until it logs that it serves.
func start(t *testing.T, env []string, args ...string) *process {
	t.Helper()
	cmd := exec.Command(binary, args...)
	cmd.Env = append(cleanEnv(), append([]string{"WEMART_LOG_FORMAT=json"}, env...)...)
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	p := &process{cmd: cmd, lines: make(chan string, 1000)}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	go func() {
		sc := bufio.NewScanner(stderr)
		sc.Buffer(make([]byte, 1<<20), 1<<20)
		for sc.Scan() {
			p.mu.Lock()
			p.all = append(p.all, sc.Text())
			p.mu.Unlock()
			select {
			case p.lines <- sc.Text():
			default: // nobody is reading: drop
			}
		}
		close(p.lines)
	}()
	var logged struct{ Addr string }
	_ = json.Unmarshal([]byte(waitFor(t, p.lines, `"msg":"serving"`)), &logged)
	p.base = "http://" + logged.Addr
	return p
}

// kill9 ends the process the way a crash does: no shutdown, no flush.
func (p *process) kill9(t *testing.T) {
	t.Helper()
	if err := p.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	_ = p.cmd.Wait()
}

// merchant is the test playing the merchant against a sandbox at base: the
// real WeChat clients with the sandbox identity kept in dataDir.
func merchant(t *testing.T, dataDir, base, notifyURL string) (wechat.MiniProgram, wechat.Pay) {
	t.Helper()
	dir := filepath.Join(dataDir, "sandbox")
	id, err := sandbox.LoadOrCreateIdentity(dir)
	if err != nil {
		t.Fatal(err)
	}
	creds := wechat.Credentials{AppID: id.AppID, AppSecret: id.AppSecret, MchID: id.MchID, MchSerial: id.MchSerial,
		APIv3Key: id.APIv3Key, PlatformKeyID: id.PlatformKeyID}
	if err := wechat.LoadKeys(&creds, sandbox.MchKeyPath(dir), sandbox.PlatformPublicKeyPath(dir)); err != nil {
		t.Fatal(err)
	}
	ep := wechat.Endpoints{APIBase: base + sandbox.APIPrefix + "/", MchBase: base, MchPrefix: sandbox.MchPrefix, NotifyURL: notifyURL}
	mp, err := wechat.NewMiniProgram(creds, ep)
	if err != nil {
		t.Fatal(err)
	}
	pay, err := wechat.NewPay(creds, ep)
	if err != nil {
		t.Fatal(err)
	}
	return mp, pay
}

// TestSandboxSurvivesKill9: the shopper pays in the sandbox of a running
// server, whose notification the merchant refuses for now; the server is
// killed with SIGKILL right after the cashier answered. Restarted, the
// sandbox still says SUCCESS (nothing it answered is forgotten) and carries
// on delivering the notification until the merchant takes it.
func TestSandboxSurvivesKill9(t *testing.T) {
	data := t.TempDir()
	var mu sync.Mutex
	accept := false
	var received []string
	sink := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var n wxpay.Notification
		_ = json.NewDecoder(r.Body).Decode(&n)
		mu.Lock()
		defer mu.Unlock()
		received = append(received, n.ID)
		if !accept {
			w.WriteHeader(http.StatusInternalServerError)
		}
	}))
	defer sink.Close()
	// Retries after 150 ms, 150 ms, 300 ms, 1.8 s, 6 s, ...: the kill comes
	// long before the schedule runs out.
	env := []string{"WEMART_DATA_DIR=" + data, "WEMART_ADDR=127.0.0.1:0", "WEMART_SANDBOX_TIME_SCALE=0.01"}
	srv := start(t, env, "serve")
	ctx := context.Background()
	mp, pay := merchant(t, data, srv.base, sink.URL)
	s, err := mp.Code2Session(ctx, "kill-9-shopper")
	if err != nil {
		t.Fatal(err)
	}
	prepayID, err := pay.Prepay(ctx, wechat.Prepay{OutTradeNo: "W20261121KILL9", Description: "x", AmountFen: 1234,
		OpenID: s.OpenID, Expires: time.Now().Add(15 * time.Minute)})
	if err != nil {
		t.Fatal(err)
	}
	res, err := http.Post(srv.base+"/sandbox/pay", "application/json", strings.NewReader(`{"prepay_id": "`+prepayID+`"}`))
	if err != nil {
		t.Fatal(err)
	}
	var paid struct {
		TransactionID string `json:"transaction_id"`
		NotifyStatus  int    `json:"notify_status"`
	}
	_ = json.NewDecoder(res.Body).Decode(&paid)
	res.Body.Close()
	srv.kill9(t)
	if res.StatusCode != http.StatusOK || paid.NotifyStatus != http.StatusInternalServerError {
		t.Fatalf("cashier: %d %+v", res.StatusCode, paid)
	}
	mu.Lock()
	notification := received[0]
	accept = true
	mu.Unlock()

	srv = start(t, env, "serve")
	_, pay = merchant(t, data, srv.base, sink.URL)
	tx, err := pay.Query(ctx, "W20261121KILL9")
	if err != nil || tx.TradeState != wechat.TradeSuccess || tx.TransactionID != paid.TransactionID || tx.TotalFen != 1234 {
		t.Fatalf("after kill -9 the sandbox says %+v (%v), want SUCCESS %s", tx, err, paid.TransactionID)
	}
	deadline := time.Now().Add(30 * time.Second)
	for {
		var rec struct {
			Pending    int                `json:"pending"`
			Deliveries []sandbox.Delivery `json:"deliveries"`
		}
		res, err := http.Get(srv.base + "/sandbox/records")
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(res.Body)
		res.Body.Close()
		_ = json.Unmarshal(b, &rec)
		last := rec.Deliveries[len(rec.Deliveries)-1]
		if rec.Pending == 0 && last.Status == http.StatusOK && last.NotificationID == notification {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the notification was not delivered after the restart: %s", b)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestSharedSandboxCommand: `wemart sandbox` serves the sandbox alone; a
// server with WEMART_SANDBOX_URL uses it (login through its code2session,
// /sandbox/ forwarded to it), and, being production-shaped (a fleet's token
// secret), says loudly that it runs on the sandbox.
func TestSharedSandboxCommand(t *testing.T) {
	sbData := t.TempDir()
	sb := start(t, []string{"WEMART_DATA_DIR=" + sbData}, "sandbox", "--addr", "127.0.0.1:0")
	srv := start(t, []string{"WEMART_DATA_DIR=" + t.TempDir(), "WEMART_ADDR=127.0.0.1:0", "WEMART_WECHAT_MODE=sandbox",
		"WEMART_SANDBOX_URL=" + sb.base, "WEMART_TOKEN_SECRET=" + strings.Repeat("fleet-secret-", 3)}, "serve")
	if !srv.logged(`"level":"WARN".*WECHAT SANDBOX MODE ON A NON-LAPTOP CONFIGURATION`) {
		t.Fatal("no loud warning of the sandbox on a production-shaped configuration")
	}
	if !srv.logged(`"msg":"wechat ready".*"sandbox":"http://127.0.0.1`) {
		t.Fatal("the server does not say which sandbox it uses")
	}
	get := func(url string) string {
		t.Helper()
		res, err := http.Get(url)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		if res.StatusCode != http.StatusOK {
			t.Fatalf("GET %s: %d %s", url, res.StatusCode, b)
		}
		return string(b)
	}
	if body := get(srv.base + "/readyz"); !strings.Contains(body, `"wechat":"sandbox"`) {
		t.Fatalf("readyz: %s", body)
	}
	res, err := http.Post(srv.base+"/api/v1/auth/login", "application/json", strings.NewReader(`{"code": "fleet-shopper"}`))
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusOK {
		t.Fatalf("shopper login through the shared sandbox: %d", res.StatusCode)
	}
	id := get(srv.base + "/sandbox/identity") // forwarded
	if direct := get(sb.base + "/sandbox/identity"); id != direct || !strings.Contains(id, `"mch_private_key"`) {
		t.Fatalf("identity through the server %s, from the sandbox %s", id, direct)
	}
}
