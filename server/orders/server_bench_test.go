package orders_test

import (
	"bufio"
	"bytes"
	"context"
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"wemart/server/apitest"
	"wemart/server/app"
	"wemart/server/config"
	"wemart/server/storage"
	"wemart/server/storage/storagetest"
	"wemart/server/wechat/sandbox"
	"wemart/server/wechat/sandbox/sandboxtest"
)

// The CPU benchmarks run wemart as production does, in a process of its own
// (this test binary started again with envServe): its CPU, read from
// /proc, is wemart's alone. The WeChat sandbox (a shared one, as `wemart
// sandbox` serves) and the shoppers' HTTP clients stay in the benchmark's
// process, so neither is counted. On PostgreSQL the database server's
// backends serving the benchmark's database are counted too.
const (
	// envServe holds the JSON serveSpec of the server process.
	envServe = "WEMART_BENCH_SERVE"
	// envServerProfile, when set, is a directory the server process writes
	// a CPU profile of each measured phase to (see cpuProfile).
	envServerProfile = "WEMART_BENCH_SERVER_PROFILE"
)

// serveSpec is what the server process serves.
type serveSpec struct {
	DB      string `json:"db"`
	DataDir string `json:"data_dir"`
	Sandbox string `json:"sandbox"`
}

func TestMain(m *testing.M) {
	if spec := os.Getenv(envServe); spec != "" {
		os.Exit(serveForBench(spec))
	}
	os.Exit(m.Run())
}

// serveForBench is the server process: wemart on a loopback port (printed
// on stdout) until stdin closes. The line "profile <path>" on stdin starts
// a CPU profile into that file; the next line (or EOF) stops it.
func serveForBench(specJSON string) int {
	var spec serveSpec
	fail := func(err error) int { fmt.Fprintln(os.Stderr, "bench server:", err); return 1 }
	if err := json.Unmarshal([]byte(specJSON), &spec); err != nil {
		return fail(err)
	}
	cfg, err := config.LoadFrom(nil)
	if err != nil {
		return fail(err)
	}
	cfg.DataDir, cfg.SandboxURL = spec.DataDir, spec.Sandbox
	cfg.AdminUser, cfg.AdminPassword = apitest.AdminUser, apitest.AdminPassword
	cfg.TokenSecret = strings.Repeat("bench-secret", 4)
	// The shoppers check out as fast as they can: the per-shopper limits are
	// lifted (they are still checked), since this measures the checkout.
	cfg.ShopperOpenOrders, cfg.ShopperCheckoutsPerMinute = 1_000_000, 1_000_000
	cfg.LoginRate = 1_000_000 // every shopper logs in from the same address
	ctx := context.Background()
	db, err := storage.Open(ctx, spec.DB, "")
	if err != nil {
		return fail(err)
	}
	defer db.Close()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return fail(err)
	}
	log := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelError}))
	a, err := app.New(ctx, cfg, log, db, app.Options{BcryptCost: bcrypt.MinCost, SelfURL: app.SelfURL(ln.Addr()), NoSweeper: true})
	if err != nil {
		return fail(err)
	}
	defer a.Close()
	srv := &http.Server{Handler: a.Echo, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = srv.Serve(ln) }()
	defer srv.Close()
	fmt.Println(ln.Addr().String())
	in := bufio.NewScanner(os.Stdin)
	for in.Scan() {
		path, ok := strings.CutPrefix(in.Text(), "profile ")
		if !ok {
			continue
		}
		f, err := os.Create(path)
		if err != nil {
			return fail(err)
		}
		if err := pprof.StartCPUProfile(f); err != nil {
			return fail(err)
		}
		in.Scan() // any line (or EOF) stops it
		pprof.StopCPUProfile()
		f.Close()
	}
	return 0
}

// server is wemart running in a process of its own, with its shared
// sandbox in this one.
type server struct {
	b      *testing.B
	engine string
	db     *storage.DB // the same database, for checks after a run
	url    string
	cmd    *exec.Cmd
	stdin  io.WriteCloser
	dbName string // PostgreSQL: the database whose backends are counted
	client *http.Client
	admin  string
}

// startServer starts wemart on a fresh database of engine.
func startServer(b *testing.B, engine string) *server {
	b.Helper()
	if runtime.GOOS != "linux" {
		b.Skip("process CPU is read from /proc")
	}
	s := &server{b: b, engine: engine,
		client: &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 1200, MaxConnsPerHost: 0}}}
	var dbURL string
	if engine == "sqlite" {
		s.db = storagetest.New(b, engine)
		dbURL = s.db.Location
	} else {
		dbURL = storagetest.URL(b, engine)
		db, err := storage.Open(context.Background(), dbURL, "")
		if err != nil {
			b.Fatal(err)
		}
		b.Cleanup(func() { db.Close() })
		if _, err := db.Migrate(context.Background(), slog.New(slog.NewTextHandler(io.Discard, nil))); err != nil {
			b.Fatal(err)
		}
		s.db = db
		u, err := url.Parse(dbURL)
		if err != nil {
			b.Fatal(err)
		}
		s.dbName = strings.TrimPrefix(u.Path, "/")
	}
	_, sandboxURL, _ := sandboxtest.Serve(b, sandbox.Options{Dir: b.TempDir(), TimeScale: apitest.TimeScale})
	spec, _ := json.Marshal(serveSpec{DB: dbURL, DataDir: b.TempDir(), Sandbox: sandboxURL})
	s.cmd = exec.Command(os.Args[0], "-test.run=^$")
	s.cmd.Env = append(os.Environ(), envServe+"="+string(spec))
	s.cmd.Stderr = os.Stderr
	stdout, err := s.cmd.StdoutPipe()
	if err != nil {
		b.Fatal(err)
	}
	if s.stdin, err = s.cmd.StdinPipe(); err != nil {
		b.Fatal(err)
	}
	if err := s.cmd.Start(); err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() {
		s.stdin.Close()
		done := make(chan struct{})
		go func() { _ = s.cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			_ = s.cmd.Process.Kill()
			<-done
		}
	})
	addr, err := bufio.NewReader(stdout).ReadString('\n')
	if err != nil {
		b.Fatalf("the server process did not start: %v", err)
	}
	s.url = "http://" + strings.TrimSpace(addr)
	var login struct{ Token string }
	s.must("POST", "/admin/v1/login", "", map[string]string{"username": apitest.AdminUser, "password": apitest.AdminPassword},
		http.StatusOK, &login)
	s.admin = login.Token
	return s
}

// do sends a JSON request and returns the status and body.
func (s *server) do(method, path, token, key string, body any) (int, []byte, error) {
	var rd io.Reader
	if body != nil {
		js, err := json.Marshal(body)
		if err != nil {
			return 0, nil, err
		}
		rd = bytes.NewReader(js)
	}
	req, err := http.NewRequest(method, s.url+path, rd)
	if err != nil {
		return 0, nil, err
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	if key != "" {
		req.Header.Set("Idempotency-Key", key)
	}
	res, err := s.client.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer res.Body.Close()
	out, err := io.ReadAll(res.Body)
	return res.StatusCode, out, err
}

// must sends a request that must answer want, and decodes the answer into out.
func (s *server) must(method, path, token string, body any, want int, out any) {
	s.b.Helper()
	status, res, err := s.do(method, path, token, "", body)
	if err != nil || status != want {
		s.b.Fatalf("%s %s: %d %v %s", method, path, status, err, res)
	}
	if out != nil {
		if err := json.Unmarshal(res, out); err != nil {
			s.b.Fatal(err)
		}
	}
}

// shop is a store selling n SKUs of a product each, stocked with onHand.
func (s *server) shop(n int, onHand int64) (storeID int, skus []int) {
	s.b.Helper()
	var st struct{ ID int }
	s.must("POST", "/admin/v1/stores", s.admin, map[string]any{"name": "压测店", "lat": 31.23, "lng": 121.47}, http.StatusCreated, &st)
	for i := range n {
		var p struct{ Skus []struct{ ID int } }
		s.must("POST", "/admin/v1/products", s.admin, map[string]any{"title": fmt.Sprintf("商品 %d", i),
			"skus": []map[string]any{{"name": "标准装", "price_fen": 100 + i}}}, http.StatusCreated, &p)
		skus = append(skus, p.Skus[0].ID)
		s.stock(st.ID, p.Skus[0].ID, onHand)
	}
	return st.ID, skus
}

// stock sets a SKU's units on hand at a store.
func (s *server) stock(storeID, sku int, onHand int64) {
	s.b.Helper()
	s.must("PUT", fmt.Sprintf("/admin/v1/stores/%d/stock/%d", storeID, sku), s.admin, map[string]any{"on_hand": onHand}, http.StatusOK, nil)
}

// shoppers logs n new shoppers in (logins go to the sandbox, a few at once).
func (s *server) shoppers(prefix string, n int) []string {
	s.b.Helper()
	tokens := make([]string, n)
	var wg sync.WaitGroup
	sem := make(chan struct{}, 8)
	for i := range n {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			status, res, err := s.do("POST", "/api/v1/auth/login", "", "", map[string]string{"code": fmt.Sprintf("%s-%d", prefix, i)})
			var l struct{ Token string }
			if err == nil && status == http.StatusOK {
				err = json.Unmarshal(res, &l)
			}
			if err != nil || status != http.StatusOK {
				s.b.Errorf("login: %d %v %s", status, err, res)
			}
			tokens[i] = l.Token
		}()
	}
	wg.Wait()
	if s.b.Failed() {
		s.b.FailNow()
	}
	return tokens
}

// checkout places an order of lines at storeID and returns the status.
func (s *server) checkout(token, key string, storeID int, lines []map[string]int) (int, []byte, error) {
	return s.do("POST", "/api/v1/orders", token, key, map[string]any{"store_id": storeID, "fulfilment": "pickup", "items": lines})
}

// cpu is the CPU time wemart used so far: its process and, on PostgreSQL,
// the database server's backends connected to the benchmark's database
// (by pid, so that a backend that started since is counted from zero).
type cpu struct {
	wemart   time.Duration
	backends map[int]time.Duration
}

// total is the CPU used between c and a later reading.
func (c cpu) since(earlier cpu) (wemart, db time.Duration) {
	wemart = c.wemart - earlier.wemart
	for pid, t := range c.backends {
		db += t - earlier.backends[pid]
	}
	return wemart, db
}

func (s *server) cpu() cpu {
	s.b.Helper()
	c := cpu{backends: map[int]time.Duration{}}
	var err error
	if c.wemart, err = procCPU(s.cmd.Process.Pid); err != nil {
		s.b.Fatal(err)
	}
	if s.dbName == "" {
		return c
	}
	procs, _ := os.ReadDir("/proc")
	for _, p := range procs {
		pid, err := strconv.Atoi(p.Name())
		if err != nil {
			continue
		}
		// A backend's title: "postgres: [<cluster>: ]<user> <database> <client> <state>".
		title, err := os.ReadFile(filepath.Join("/proc", p.Name(), "cmdline"))
		if err != nil || !strings.HasPrefix(string(title), "postgres: ") || !slices.Contains(strings.Fields(string(title)), s.dbName) {
			continue
		}
		if t, err := backendCPU(pid); err == nil {
			c.backends[pid] = t
		}
	}
	return c
}

// clockTick is USER_HZ, the unit of /proc/<pid>/stat's times (100 on Linux).
const clockTick = 10 * time.Millisecond

// backendCPU is the CPU time of a single-threaded process (a PostgreSQL
// backend) to the nanosecond, from the scheduler's own accounting
// (/proc/<pid>/schedstat); procCPU's clock ticks where the kernel keeps
// none (no file, or a kernel without schedstats that reads 0). Summed over
// dozens of backends, ticks would not do: each reading is truncated to
// 10 ms, and the refusal phase's whole database share is some 180 ms
// (3200 refusals; 50 ms when it was 960).
func backendCPU(pid int) (time.Duration, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/schedstat", pid))
	if err != nil {
		return procCPU(pid)
	}
	f := strings.Fields(string(b))
	if len(f) < 1 {
		return procCPU(pid)
	}
	ns, err := strconv.ParseInt(f[0], 10, 64)
	if err != nil {
		return 0, fmt.Errorf("/proc/%d/schedstat: %q", pid, b)
	}
	if ns == 0 {
		return procCPU(pid) // no schedstats kept: a backend that ran reads more than 0
	}
	return time.Duration(ns), nil
}

// procCPU is a process's user + system CPU time (its threads included, and
// those that ended), in clock ticks: each reading is truncated to 10 ms.
func procCPU(pid int) (time.Duration, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, err
	}
	// The command (field 2) is in parentheses and may hold spaces.
	i := bytes.LastIndexByte(b, ')')
	if i < 0 {
		return 0, fmt.Errorf("/proc/%d/stat: %q", pid, b)
	}
	f := strings.Fields(string(b[i+1:]))
	if len(f) < 13 {
		return 0, fmt.Errorf("/proc/%d/stat: %q", pid, b)
	}
	utime, err1 := strconv.ParseInt(f[11], 10, 64) // field 14
	stime, err2 := strconv.ParseInt(f[12], 10, 64) // field 15
	if err1 != nil || err2 != nil {
		return 0, fmt.Errorf("/proc/%d/stat: %q", pid, b)
	}
	return time.Duration(utime+stime) * clockTick, nil
}

// measure runs phase and returns the CPU it cost wemart and the database
// server. With WEMART_BENCH_SERVER_PROFILE set, the server process writes
// a CPU profile of the phase to <dir>/<name>-<engine>.pprof.
func (s *server) measure(name string, phase func()) (wemart, db time.Duration) {
	s.b.Helper()
	if dir := os.Getenv(envServerProfile); dir != "" {
		path, err := filepath.Abs(filepath.Join(dir, name+"-"+s.engine+".pprof"))
		if err != nil {
			s.b.Fatal(err)
		}
		if _, err := fmt.Fprintf(s.stdin, "profile %s\n", path); err != nil {
			s.b.Fatal(err)
		}
		defer func() { _, _ = fmt.Fprintln(s.stdin, "stop") }()
	}
	before := s.cpu()
	phase()
	return s.cpu().since(before)
}

// cryptoFloor is the CPU of the cryptography a checkout cannot do without,
// measured on this goroutine's thread: WeChat Pay's JSAPI prepay signed
// (SHA256-RSA-2048, the merchant key), its answer's signature verified
// (the platform key) and the wx.requestPayment parameters signed.
func cryptoFloor(b *testing.B) time.Duration {
	b.Helper()
	_, id := sandboxtest.Identity(b)
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	request := []byte("POST\n/v3/pay/transactions/jsapi\n1764660000\n5K8264ILTKCH16CQ2502SI8ZNMTM67VS\n" +
		`{"appid":"wx0000000000000000","mchid":"1900000000","description":"压测店-商品 1","out_trade_no":"26120215300012345678",` +
		`"notify_url":"http://127.0.0.1:8080/wechat/pay/notify","amount":{"total":100,"currency":"CNY"},"payer":{"openid":"o-bench"}}` + "\n")
	answer := []byte("1764660000\n5K8264ILTKCH16CQ2502SI8ZNMTM67VS\n" + `{"prepay_id":"wx02153000123456789012345678901234"}` + "\n")
	pay := []byte("wx0000000000000000\n1764660000\n5K8264ILTKCH16CQ2502SI8ZNMTM67VS\nprepay_id=wx02153000123456789012345678901234\n")
	answerSum := sha256.Sum256(answer)
	answerSig, err := rsa.SignPKCS1v15(rand.Reader, id.PlatformKey, crypto.SHA256, answerSum[:])
	if err != nil {
		b.Fatal(err)
	}
	const rounds = 200
	start := threadCPU(b)
	for range rounds {
		for _, msg := range [][]byte{request, pay} {
			sum := sha256.Sum256(msg)
			if _, err := rsa.SignPKCS1v15(rand.Reader, id.MchKey, crypto.SHA256, sum[:]); err != nil {
				b.Fatal(err)
			}
		}
		sum := sha256.Sum256(answer)
		if err := rsa.VerifyPKCS1v15(&id.PlatformKey.PublicKey, crypto.SHA256, sum[:], answerSig); err != nil {
			b.Fatal(err)
		}
	}
	return (threadCPU(b) - start) / rounds
}

// threadCPU is the calling thread's CPU time (RUSAGE_THREAD).
func threadCPU(b *testing.B) time.Duration {
	const rusageThread = 1
	var ru syscall.Rusage
	if err := syscall.Getrusage(rusageThread, &ru); err != nil {
		b.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// waitAll runs n goroutines released together and returns the wall time
// from their release until the last one ended.
func waitAll(n int, fn func(i int)) time.Duration {
	var wg sync.WaitGroup
	gate := make(chan struct{})
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-gate
			fn(i)
		}()
	}
	time.Sleep(50 * time.Millisecond) // every goroutine waits at the gate
	start := time.Now()
	close(gate)
	wg.Wait()
	return time.Since(start)
}

// perUnit is d over n, in milliseconds.
func perUnit(d time.Duration, n int) float64 { return ms(d) / float64(n) }
