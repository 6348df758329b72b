package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"time"
)

// proc is one process of the fleet, restartable on the same address and
// data directory.
type proc struct {
	name  string // "sandbox", "s1", ..., "haproxy"
	bin   string
	args  []string
	env   []string
	addr  string // host:port it serves on
	probe string // URL that answers 200 once it serves
	log   string // its stdout and stderr, appended across restarts

	mu     sync.Mutex
	cmd    *exec.Cmd
	exited chan struct{} // closed when the current run ends
	up     bool          // started and healthy, not killed since
}

// fleet is the sandbox, the servers and haproxy, and the record of when
// each process was down.
type fleet struct {
	cfg      config
	dir      string
	sandbox  *proc
	servers  []*proc
	haproxy  *proc
	lbURL    string // http://haproxy
	admin    credentials
	dbURL    string
	downtime downtime
}

// credentials are the bootstrap admin's.
type credentials struct{ user, password string }

// freePort asks the kernel for a free loopback port.
func freePort() (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer ln.Close()
	return ln.Addr().String(), nil
}

// secret is n random bytes in hex.
func secret(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// newFleet lays out the fleet's processes in dir (nothing runs yet).
func newFleet(cfg config, dir, dbURL string) (*fleet, error) {
	bin, err := filepath.Abs(cfg.Binary)
	if err != nil {
		return nil, err
	}
	if _, err := os.Stat(bin); err != nil {
		return nil, fmt.Errorf("the wemart binary %s is missing (run make build, or set CHAOS_BINARY): %w", cfg.Binary, err)
	}
	haproxy, err := lookHAProxy(cfg.HAProxy)
	if err != nil {
		return nil, err
	}
	f := &fleet{cfg: cfg, dir: dir, dbURL: dbURL, admin: credentials{"chaos", secret(12)}}
	addrs := make([]string, cfg.Servers+2)
	for i := range addrs {
		if addrs[i], err = freePort(); err != nil {
			return nil, err
		}
	}
	lb, sb := addrs[0], addrs[1]
	f.lbURL = "http://" + lb
	base := []string{
		"WEMART_LOG_LEVEL=info",
		fmt.Sprintf("WEMART_SANDBOX_TIME_SCALE=%g", sandboxTimeScale),
	}
	f.sandbox = &proc{
		name: "sandbox", bin: bin, args: []string{"sandbox", "--addr", sb}, addr: sb,
		env:   append(base, "WEMART_DATA_DIR="+filepath.Join(dir, "sandbox")),
		probe: "http://" + sb + "/healthz", log: filepath.Join(dir, "sandbox.log"),
	}
	tokenSecret := secret(24)
	for i := range cfg.Servers {
		name, addr := fmt.Sprintf("s%d", i+1), addrs[i+2]
		f.servers = append(f.servers, &proc{
			name: name, bin: bin, args: []string{"serve"}, addr: addr,
			env: append(base,
				"WEMART_ADDR="+addr,
				"WEMART_DATA_DIR="+filepath.Join(dir, name),
				"WEMART_DATABASE_URL="+dbURL,
				"WEMART_WECHAT_MODE=sandbox",
				"WEMART_SANDBOX_URL=http://"+sb,
				"WEMART_PUBLIC_URL="+f.lbURL,
				"WEMART_TOKEN_SECRET="+tokenSecret,
				"WEMART_TRUST_PROXY=true",
				"WEMART_ORDER_TTL="+cfg.TTL.String(),
				"WEMART_SWEEP_INTERVAL=1s",
				"WEMART_SHOPPER_CHECKOUTS_PER_MINUTE=30",
				"WEMART_ADMIN_USER="+f.admin.user,
				"WEMART_ADMIN_PASSWORD="+f.admin.password,
			),
			probe: "http://" + addr + "/readyz", log: filepath.Join(dir, name+".log"),
		})
	}
	cfgPath := filepath.Join(dir, "haproxy.cfg")
	if err := os.WriteFile(cfgPath, []byte(haproxyConfig(lb, f.servers)), 0o644); err != nil {
		return nil, err
	}
	f.haproxy = &proc{
		name: "haproxy", bin: haproxy, args: []string{"-db", "-f", cfgPath}, addr: lb,
		probe: f.lbURL + "/healthz", log: filepath.Join(dir, "haproxy.log"),
	}
	return f, nil
}

// lookHAProxy finds the haproxy executable name: on PATH, or, for the
// plain name, in /usr/sbin or /usr/local/sbin, where Debian installs it
// and a normal user's PATH does not look.
func lookHAProxy(name string) (string, error) {
	path, err := exec.LookPath(name)
	if err == nil || name != "haproxy" {
		if err != nil {
			return "", fmt.Errorf("CHAOS_HAPROXY=%s: %w", name, err)
		}
		return path, nil
	}
	for _, dir := range []string{"/usr/sbin", "/usr/local/sbin"} {
		if path, err := exec.LookPath(filepath.Join(dir, name)); err == nil {
			return path, nil
		}
	}
	return "", fmt.Errorf("haproxy is not installed (not on PATH, nor in /usr/sbin or /usr/local/sbin): make chaos installs it, "+
		"or apt-get install haproxy as root, or set CHAOS_HAPROXY: %w", err)
}

// sandboxTimeScale compresses WeChat's delays: notification retries after
// 0.3 s, 0.3 s, 0.6 s, 3.6 s, 12 s, ...; refunds settle in 60 ms.
const sandboxTimeScale = 0.02

// haproxyConfig balances over the servers, checking each one's /readyz
// every half second; a connection refused (a dead server not yet marked
// down) is retried on another server, as production configurations do.
// Two headers say who answered: X-Chaos-Server names the server on its own
// answers only (http-response rules never see the answers haproxy makes
// itself: its 502, 503 and 504), and X-Chaos-Tried, on every answer, the
// server haproxy had chosen ("<NOSRV>" when none was up). Its own log
// (one line a request, with the X-Request-Id, the server and how the
// request ended) goes to haproxy.log.
func haproxyConfig(listen string, servers []*proc) string {
	var b strings.Builder
	fmt.Fprintf(&b, `global
    maxconn 4096
    log stdout format raw local0 info

defaults
    mode http
    log global
    option httplog
    timeout connect 1s
    timeout client 60s
    timeout server 40s
    timeout check 1s
    retries 3
    option redispatch
    option forwardfor

frontend shop
    bind %s
    capture request header X-Request-Id len 64
    http-after-response set-header X-Chaos-Tried %%s
    default_backend wemart

backend wemart
    balance roundrobin
    option httpchk GET /readyz
    http-check expect status 200
    http-response set-header X-Chaos-Server %%s
    default-server inter 500ms fastinter 250ms downinter 250ms fall 2 rise 1
`, listen)
	for _, s := range servers {
		fmt.Fprintf(&b, "    server %s %s check\n", s.name, s.addr)
	}
	return b.String()
}

// env is the environment of a child: ours without any WEMART_ variable,
// plus its own.
func childEnv(own []string) []string {
	var out []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "WEMART_") {
			out = append(out, kv)
		}
	}
	return append(out, own...)
}

// start runs p (not waiting for it to be healthy).
func (p *proc) start() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.cmd != nil {
		return fmt.Errorf("%s is running already", p.name)
	}
	logf, err := os.OpenFile(p.log, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return err
	}
	fmt.Fprintf(logf, "=== chaos: starting %s at %s\n", p.name, time.Now().UTC().Format(time.RFC3339Nano))
	cmd := exec.Command(p.bin, p.args...)
	cmd.Env = childEnv(p.env)
	cmd.Stdout, cmd.Stderr = logf, logf
	// Its own process group (a ^C on the terminal is ours to handle), and
	// killed with us if we die.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		logf.Close()
		return fmt.Errorf("start %s: %w", p.name, err)
	}
	exited := make(chan struct{})
	p.cmd, p.exited = cmd, exited
	go func() {
		_ = cmd.Wait()
		logf.Close()
		close(exited)
	}()
	return nil
}

// waitHealthy polls p's probe until it answers 200, p exits, or the
// deadline passes.
func (p *proc) waitHealthy(ctx context.Context, within time.Duration) error {
	p.mu.Lock()
	exited := p.exited
	p.mu.Unlock()
	if exited == nil {
		return fmt.Errorf("%s is not running", p.name)
	}
	client := &http.Client{Timeout: time.Second}
	deadline := time.Now().Add(within)
	for {
		res, err := client.Get(p.probe)
		if err == nil {
			res.Body.Close()
			if res.StatusCode == http.StatusOK {
				p.mu.Lock()
				p.up = p.exited == exited
				p.mu.Unlock()
				return nil
			}
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("%s did not become healthy within %s (see %s)", p.name, within, p.log)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-exited:
			return fmt.Errorf("%s exited while starting (see %s)", p.name, p.log)
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// kill ends p with SIGKILL, as a crash would, and waits for it to be gone.
func (p *proc) kill() {
	p.mu.Lock()
	cmd, exited := p.cmd, p.exited
	p.cmd, p.up = nil, false
	p.mu.Unlock()
	if cmd == nil {
		return
	}
	_ = cmd.Process.Signal(syscall.SIGKILL)
	<-exited
}

// isUp reports whether p runs and was healthy since it last started.
func (p *proc) isUp() bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.up
}

// startAll brings the sandbox, the servers and haproxy up, and waits until
// each is healthy.
func (f *fleet) startAll(ctx context.Context) error {
	if err := f.sandbox.start(); err != nil {
		return err
	}
	if err := f.sandbox.waitHealthy(ctx, 30*time.Second); err != nil {
		return err
	}
	for _, s := range f.servers {
		if err := s.start(); err != nil {
			return err
		}
	}
	for _, s := range f.servers {
		if err := s.waitHealthy(ctx, 60*time.Second); err != nil {
			return err
		}
	}
	if err := f.haproxy.start(); err != nil {
		return err
	}
	return f.waitBalanced(ctx)
}

// waitBalanced waits until haproxy sees every server up: each answers
// through it (X-Chaos-Server names it).
func (f *fleet) waitBalanced(ctx context.Context) error {
	client := &http.Client{Timeout: time.Second}
	seen := map[string]bool{}
	deadline := time.Now().Add(30 * time.Second)
	for len(seen) < len(f.servers) {
		if res, err := client.Get(f.lbURL + "/healthz"); err == nil {
			if res.StatusCode == http.StatusOK {
				seen[res.Header.Get(headerServer)] = true
			}
			res.Body.Close()
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("haproxy does not reach every server (saw %v; see %s)", seen, f.haproxy.log)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(50 * time.Millisecond):
		}
	}
	return nil
}

// migrate runs `wemart migrate` on the run's database.
func (f *fleet) migrate(ctx context.Context) error {
	cmd := exec.CommandContext(ctx, f.sandbox.bin, "migrate")
	cmd.Env = childEnv([]string{"WEMART_DATABASE_URL=" + f.dbURL, "WEMART_WECHAT_MODE=sandbox", "WEMART_DATA_DIR=" + filepath.Join(f.dir, "migrate")})
	out, err := cmd.CombinedOutput()
	if err != nil {
		return fmt.Errorf("wemart migrate: %w\n%s", err, out)
	}
	return nil
}

// stopAll kills every process of the fleet that still runs.
func (f *fleet) stopAll() {
	f.haproxy.kill()
	for _, s := range f.servers {
		s.kill()
	}
	f.sandbox.kill()
}

// crash kills p with SIGKILL, records it down from now, and restarts it
// after pause; the down window closes when p is healthy again.
func (f *fleet) crash(ctx context.Context, p *proc, pause time.Duration) error {
	w := f.downtime.open(p.name)
	p.kill()
	select {
	case <-ctx.Done():
	case <-time.After(pause):
	}
	if err := p.start(); err != nil {
		return err
	}
	// A server waits up to 30 s for a sandbox that is itself down.
	err := p.waitHealthy(ctx, 90*time.Second)
	f.downtime.close(w)
	return err
}

// downtime is when each process was down: from its kill until it was
// healthy again.
type downtime struct {
	mu      sync.Mutex
	windows []window
}

// window is one process's time down; To is zero while it is still down.
type window struct {
	Proc     string
	From, To time.Time
}

func (d *downtime) open(name string) int {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.windows = append(d.windows, window{Proc: name, From: time.Now()})
	return len(d.windows) - 1
}

func (d *downtime) close(i int) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.windows[i].To = time.Now()
}

// all is a copy of the windows.
func (d *downtime) all() []window {
	d.mu.Lock()
	defer d.mu.Unlock()
	return append([]window(nil), d.windows...)
}
