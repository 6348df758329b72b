package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"wemart/server/metrics/metricstest"
	"wemart/server/storage/storagetest"
	"wemart/server/version"
)

// binary is the wemart binary built once for these tests, as `make build` does.
var binary string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "wemart-bin")
	if err != nil {
		panic(err)
	}
	binary = filepath.Join(dir, "wemart")
	out, err := exec.Command("go", "build", "-o", binary, ".").CombinedOutput()
	if err != nil {
		fmt.Fprintf(os.Stderr, "building wemart: %v\n%s", err, out)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// wemart runs the binary with env (on top of a clean WEMART_* environment)
// and returns its exit error, stdout and stderr.
func wemart(t *testing.T, env []string, args ...string) (stdout, stderr string, err error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, binary, args...)
	cmd.Env = append(cleanEnv(), env...)
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	err = cmd.Run()
	return out.String(), errOut.String(), err
}

func cleanEnv() []string {
	var out []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "WEMART_") {
			out = append(out, kv)
		}
	}
	return out
}

func TestHelp(t *testing.T) {
	for _, args := range [][]string{{"--help"}, {"serve", "--help"}, {"migrate", "--help"}, {"seed", "--help"}, {"reindex", "--help"}, {"sandbox", "--help"}, {"version", "--help"}} {
		out, _, err := wemart(t, nil, args...)
		if err != nil || !strings.Contains(out, "Usage:") {
			t.Fatalf("wemart %v: %v\n%s", args, err, out)
		}
	}
	out, _, err := wemart(t, nil, "--help")
	for _, cmd := range []string{"serve", "migrate", "seed", "reindex", "sandbox", "version", "WEMART_METRICS_ADDR", "WEMART_METRICS_TOKEN"} {
		if err != nil || !strings.Contains(out, cmd) {
			t.Fatalf("root help lacks %s:\n%s", cmd, out)
		}
	}
}

// TestVersion: `wemart version` and `wemart --version` print the same four
// lines; a binary stamped as `make build` stamps it prints exactly its stamps.
func TestVersion(t *testing.T) {
	out, stderr, err := wemart(t, nil, "version")
	if err != nil {
		t.Fatalf("version: %v %s", err, stderr)
	}
	if again, _, err := wemart(t, nil, "--version"); err != nil || again != out {
		t.Fatalf("--version printed %q, version %q (%v)", again, out, err)
	}
	lines := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
	commit := regexp.MustCompile(`^commit: ([0-9a-f]{40}|unknown)$`)
	if len(lines) != 4 || !strings.HasPrefix(lines[0], "wemart ") || !commit.MatchString(lines[1]) ||
		!strings.HasPrefix(lines[2], "built:  ") || !strings.HasPrefix(lines[3], "go:     go") {
		t.Fatalf("version output:\n%s", out)
	}
	// The same as in-process.
	var buf bytes.Buffer
	root := rootCommand()
	root.SetOut(&buf)
	root.SetArgs([]string{"version"})
	if err := root.Execute(); err != nil || buf.String() != version.Get().String() {
		t.Fatalf("in-process version: %v %q", err, buf.String())
	}

	stamped := filepath.Join(t.TempDir(), "wemart")
	ldflags := "-X wemart/server/version.version=v9.8.7-1-gabcdef0-dirty -X wemart/server/version.commit=abcdef0123456789abcdef0123456789abcdef01 " +
		"-X wemart/server/version.built=2026-11-21T10:00:00Z"
	if b, err := exec.Command("go", "build", "-ldflags", ldflags, "-o", stamped, ".").CombinedOutput(); err != nil {
		t.Fatalf("building with -ldflags: %v\n%s", err, b)
	}
	cmd := exec.Command(stamped, "version")
	cmd.Env = cleanEnv()
	b, err := cmd.Output()
	want := "wemart v9.8.7-1-gabcdef0-dirty\ncommit: abcdef0123456789abcdef0123456789abcdef01\nbuilt:  2026-11-21T10:00:00Z\ngo:     "
	if err != nil || !strings.HasPrefix(string(b), want) {
		t.Fatalf("stamped version: %v\n%s", err, b)
	}
}

// TestConfigurationMessages: a value that does not parse is refused with the
// variable, the value and what would do; a misspelt variable draws a
// warning naming the right one; variables of tests and tools do not.
func TestConfigurationMessages(t *testing.T) {
	_, stderr, err := wemart(t, []string{"WEMART_TRUST_PROXY=yes", "WEMART_DATA_DIR=" + t.TempDir()}, "migrate")
	if err == nil || !strings.Contains(stderr, `WEMART_TRUST_PROXY must be true or false (got "yes")`) {
		t.Fatalf("want the variable, value and expectation, got %v:\n%s", err, stderr)
	}
	env := []string{"WEMART_ORDR_TTL=20m", "WEMART_TEST_POSTGRES=postgres://nowhere", "WEMART_DATA_DIR=" + t.TempDir()}
	_, stderr, err = wemart(t, env, "migrate")
	if err != nil || !strings.Contains(stderr, "WEMART_ORDR_TTL is not a wemart variable and is ignored; did you mean WEMART_ORDER_TTL?") {
		t.Fatalf("want a warning about WEMART_ORDR_TTL, got %v:\n%s", err, stderr)
	}
	if strings.Contains(stderr, "WEMART_TEST_POSTGRES") || strings.Contains(stderr, "20m") {
		t.Fatalf("a tool variable warned about, or a value logged:\n%s", stderr)
	}
}

// TestPortInUse: serve on a taken address says which variable moves it.
func TestPortInUse(t *testing.T) {
	busy, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer busy.Close()
	_, stderr, err := wemart(t, []string{"WEMART_ADDR=" + busy.Addr().String(), "WEMART_DATA_DIR=" + t.TempDir()}, "serve")
	want := "listen on " + busy.Addr().String() + ": address already in use; set WEMART_ADDR to another address"
	if err == nil || !strings.Contains(stderr, want) {
		t.Fatalf("want %q, got %v:\n%s", want, err, stderr)
	}
}

func TestBadConfigurationIsRefused(t *testing.T) {
	_, stderr, err := wemart(t, []string{"WEMART_WECHAT_MODE=prod", "WEMART_DATA_DIR=" + t.TempDir()}, "migrate")
	if err == nil || !strings.Contains(stderr, "WEMART_WECHAT_MODE") {
		t.Fatalf("want a refusal naming WEMART_WECHAT_MODE, got %v:\n%s", err, stderr)
	}
	_, stderr, err = wemart(t, []string{"WEMART_DATA_DIR=" + t.TempDir()}, "seed")
	if err == nil || !strings.Contains(stderr, "--demo") {
		t.Fatalf("seed without a mode must say how to use it, got %v:\n%s", err, stderr)
	}
	// A production-shaped configuration never falls into the sandbox.
	_, stderr, err = wemart(t, []string{"WEMART_DATA_DIR=" + t.TempDir(), "WEMART_ADDR=0.0.0.0:0",
		"WEMART_PUBLIC_URL=https://shop.example.com"}, "serve")
	if err == nil || !strings.Contains(stderr, "WEMART_WECHAT_MODE must be set") {
		t.Fatalf("serve without a WeChat mode on a production-shaped configuration: %v\n%s", err, stderr)
	}
}

// TestDemoServeAndShutdown is `make run` in miniature: seed the demo into a
// fresh data dir, serve it with a bootstrap admin, use it, stop it with SIGTERM.
func TestDemoServeAndShutdown(t *testing.T) {
	data := t.TempDir()
	env := []string{"WEMART_DATA_DIR=" + data, "WEMART_ADDR=127.0.0.1:0", "WEMART_METRICS_ADDR=127.0.0.1:0",
		"WEMART_ADMIN_USER=boss", "WEMART_ADMIN_PASSWORD=boss-password", "WEMART_LOG_FORMAT=json"}
	out, stderr, err := wemart(t, env, "seed", "--demo", "--if-empty")
	if err != nil || !strings.Contains(out, "21 stores") {
		t.Fatalf("seed --demo: %v\n%s\n%s", err, out, stderr)
	}
	if !regexp.MustCompile(`"msg":"config".*"admin":"boss password=\*\*\*"`).MatchString(stderr) || strings.Contains(stderr, "boss-password") {
		t.Fatalf("the config summary must be logged with the password masked:\n%s", stderr)
	}
	// --if-empty makes a second run a no-op (what `make run` relies on).
	if out, _, err := wemart(t, env, "seed", "--demo", "--if-empty"); err != nil || strings.Contains(out, "seeded") {
		t.Fatalf("second seed: %v %s", err, out)
	}
	if _, stderr, err := wemart(t, env, "seed", "--demo"); err == nil || !strings.Contains(stderr, "already has stores") {
		t.Fatalf("seeding a non-empty database must fail: %v %s", err, stderr)
	}

	cmd := exec.Command(binary, "serve")
	cmd.Env = append(cleanEnv(), env...)
	stderrPipe, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill() })
	lines := make(chan string, 100)
	go func() {
		sc := bufio.NewScanner(stderrPipe)
		for sc.Scan() {
			lines <- sc.Text()
		}
		close(lines)
	}()
	// The metrics listener starts just before the API's.
	var logged struct{ Addr string }
	_ = json.Unmarshal([]byte(waitFor(t, lines, `"msg":"serving metrics"`)), &logged)
	metricsURL := "http://" + logged.Addr + "/metrics"
	_ = json.Unmarshal([]byte(waitFor(t, lines, `"msg":"serving"`)), &logged)
	base := "http://" + logged.Addr

	call := func(method, path, token, body string, header ...string) (int, []byte) {
		req, _ := http.NewRequest(method, base+path, strings.NewReader(body))
		if token != "" {
			req.Header.Set("Authorization", "Bearer "+token)
		}
		for i := 0; i+1 < len(header); i += 2 {
			req.Header.Set(header[i], header[i+1])
		}
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		return res.StatusCode, b
	}
	get := func(path, token string) (int, []byte) { return call("GET", path, token, "") }
	post := func(path, token, body string, header ...string) (int, []byte) {
		return call("POST", path, token, body, header...)
	}
	for _, p := range []string{"/healthz", "/readyz"} {
		if code, body := get(p, ""); code != 200 {
			t.Fatalf("%s: %d %s", p, code, body)
		}
	}
	res, err := http.Post(base+"/admin/v1/login", "application/json",
		strings.NewReader(`{"username":"boss","password":"boss-password"}`))
	if err != nil {
		t.Fatal(err)
	}
	var login struct{ Token string }
	_ = json.NewDecoder(res.Body).Decode(&login)
	res.Body.Close()
	if login.Token == "" {
		t.Fatalf("login: %d", res.StatusCode)
	}
	code, body := get("/admin/v1/stores?page_size=1", login.Token)
	var stores struct{ Total int }
	_ = json.Unmarshal(body, &stores)
	if code != 200 || stores.Total != 21 {
		t.Fatalf("stores: %d %s", code, body)
	}
	// The demo has its search synonym groups.
	code, body = get("/admin/v1/search/synonyms", login.Token)
	var groups struct{ Items []struct{ Terms []string } }
	_ = json.Unmarshal(body, &groups)
	if code != 200 || len(groups.Items) < 10 {
		t.Fatalf("synonyms: %d %s", code, body)
	}
	code, body = get("/admin/v1/products?page_size=1", login.Token)
	var products struct{ Total int }
	_ = json.Unmarshal(body, &products)
	if code != 200 || products.Total < 200 {
		t.Fatalf("products: %d %s", code, body)
	}
	// seed --demo gave every product a picture, served from the fresh
	// data dir's media store.
	served := map[string]bool{}
	for page := 1; (page-1)*100 < products.Total; page++ {
		code, body := get(fmt.Sprintf("/admin/v1/products?page_size=100&page=%d", page), login.Token)
		var list struct {
			Items []struct {
				Title    string  `json:"title"`
				ImageURL *string `json:"image_url"`
			} `json:"items"`
		}
		if err := json.Unmarshal(body, &list); code != 200 || err != nil {
			t.Fatalf("products page %d: %d %s", page, code, body)
		}
		for _, p := range list.Items {
			if p.ImageURL == nil || !strings.HasPrefix(*p.ImageURL, "/media/") {
				t.Fatalf("demo product %s has image_url %v", p.Title, p.ImageURL)
			}
			if served[*p.ImageURL] {
				continue
			}
			res, err := http.Get(base + *p.ImageURL)
			if err != nil {
				t.Fatal(err)
			}
			res.Body.Close()
			if res.StatusCode != 200 || res.Header.Get("Content-Type") != "image/jpeg" {
				t.Fatalf("GET %s: %d %s", *p.ImageURL, res.StatusCode, res.Header.Get("Content-Type"))
			}
			served[*p.ImageURL] = true
		}
	}
	if len(served) < 50 {
		t.Fatalf("only %d distinct demo pictures", len(served))
	}

	// A shopper logs in through the sandbox's code2session, over HTTP to itself.
	res, err = http.Post(base+"/api/v1/auth/login", "application/json", strings.NewReader(`{"code":"dev-tools-user"}`))
	if err != nil {
		t.Fatal(err)
	}
	var shopper struct{ Token string }
	_ = json.NewDecoder(res.Body).Decode(&shopper)
	res.Body.Close()
	if res.StatusCode != 200 || shopper.Token == "" {
		t.Fatalf("shopper login: %d", res.StatusCode)
	}
	if code, body := get("/api/v1/me", shopper.Token); code != 200 {
		t.Fatalf("/api/v1/me: %d %s", code, body)
	}

	// Search the demo catalogue in Chinese; rebuild the index while serving.
	searchMilk := func() int {
		code, body := get("/api/v1/products?q=%E7%89%9B%E5%A5%B6", "") // 牛奶
		var res struct{ Total int }
		_ = json.Unmarshal(body, &res)
		if code != 200 {
			t.Fatalf("search: %d %s", code, body)
		}
		return res.Total
	}
	before := searchMilk()
	if before < 10 {
		t.Fatalf("牛奶 finds %d demo products", before)
	}
	if out, stderr, err := wemart(t, env, "reindex"); err != nil || !strings.Contains(out, "generation 2") {
		t.Fatalf("reindex while serving: %v\n%s\n%s", err, out, stderr)
	}
	waitFor(t, lines, `search index open.*generation=2|"generation":2`)
	if after := searchMilk(); after != before {
		t.Fatalf("after reindex 牛奶 finds %d, before %d", after, before)
	}

	// The money path on the demo data: the nearest store open now, milk in
	// stock there, checkout, pay in the sandbox's cashier, a paid order.
	code, body = get("/api/v1/stores/nearby?lat=31.2304&lng=121.4737&open_now=true&pickup=true&limit=1", "")
	var near struct{ Items []struct{ ID int } }
	if _ = json.Unmarshal(body, &near); code != 200 || len(near.Items) != 1 {
		t.Fatalf("nearby open store: %d %s", code, body)
	}
	storeID := near.Items[0].ID
	code, body = get(fmt.Sprintf("/api/v1/products?q=%%E7%%89%%9B%%E5%%A5%%B6&store_id=%d&in_stock=true", storeID), "")
	var found struct{ Items []struct{ ID int } }
	if _ = json.Unmarshal(body, &found); code != 200 || len(found.Items) == 0 {
		t.Fatalf("milk in stock at store %d: %d %s", storeID, code, body)
	}
	code, body = get(fmt.Sprintf("/api/v1/products/%d?store_id=%d", found.Items[0].ID, storeID), "")
	var product struct {
		Skus []struct {
			ID    int
			Stock int
		}
	}
	if _ = json.Unmarshal(body, &product); code != 200 || len(product.Skus) == 0 || product.Skus[0].Stock < 1 {
		t.Fatalf("product: %d %s", code, body)
	}
	code, body = post("/api/v1/orders", shopper.Token,
		fmt.Sprintf(`{"store_id": %d, "fulfilment": "pickup", "items": [{"sku_id": %d, "quantity": 1}]}`, storeID, product.Skus[0].ID),
		"Idempotency-Key", "demo-order-1")
	var placed struct {
		Order   struct{ ID int }
		Payment struct{ Package string }
	}
	if _ = json.Unmarshal(body, &placed); code != 201 || !strings.HasPrefix(placed.Payment.Package, "prepay_id=") {
		t.Fatalf("checkout: %d %s", code, body)
	}
	code, body = post("/sandbox/pay", "", fmt.Sprintf(`{"prepay_id": %q}`, strings.TrimPrefix(placed.Payment.Package, "prepay_id=")))
	if code != 200 || !strings.Contains(string(body), `"notify_status":200`) {
		t.Fatalf("sandbox pay: %d %s", code, body)
	}
	code, body = get(fmt.Sprintf("/api/v1/orders/%d", placed.Order.ID), shopper.Token)
	if code != 200 || !strings.Contains(string(body), `"status":"paid"`) {
		t.Fatalf("order after paying: %d %s", code, body)
	}

	// The operator's view of it, on the metrics listener.
	res, err = http.Get(metricsURL)
	if err != nil {
		t.Fatal(err)
	}
	scraped, _ := io.ReadAll(res.Body)
	res.Body.Close()
	samples, err := metricstest.Parse(scraped)
	if err != nil || res.StatusCode != 200 {
		t.Fatalf("metrics: %d %v\n%s", res.StatusCode, err, scraped)
	}
	if samples.Get("wemart_order_transitions_total", "from", "none", "to", "pending_payment") != 1 ||
		samples.Get("wemart_order_transitions_total", "from", "pending_payment", "to", "paid") != 1 ||
		samples.Get("wemart_http_requests_total", "method", "POST", "route", "/api/v1/orders", "status", "201") != 1 {
		t.Fatalf("metrics after one paid order:\n%s", scraped)
	}

	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	waitFor(t, lines, `"msg":"stopped"`)
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("serve exited with %v after SIGTERM", err)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("serve did not exit after SIGTERM")
	}
}

// waitFor returns the first line matching pattern, failing after 30 s.
func waitFor(t *testing.T, lines <-chan string, pattern string) string {
	t.Helper()
	re := regexp.MustCompile(pattern)
	deadline := time.After(30 * time.Second)
	for {
		select {
		case l, ok := <-lines:
			if !ok {
				t.Fatalf("process ended before logging %s", pattern)
			}
			if re.MatchString(l) {
				return l
			}
		case <-deadline:
			t.Fatalf("no log line matching %s", pattern)
		}
	}
}

// TestPostgresMigrateThenServe: on PostgreSQL, serve refuses an unmigrated
// database and names the fix; migrate brings it up (twice is harmless).
func TestPostgresMigrateThenServe(t *testing.T) {
	if os.Getenv(storagetest.EnvPostgres) == "" {
		t.Skip(storagetest.EnvPostgres + " is not set")
	}
	env := []string{"WEMART_DATABASE_URL=" + storagetest.URL(t, "postgres"), "WEMART_DATA_DIR=" + t.TempDir(), "WEMART_ADDR=127.0.0.1:0",
		"WEMART_WECHAT_MODE=sandbox"}
	_, stderr, err := wemart(t, env, "serve")
	if err == nil || !strings.Contains(stderr, "wemart migrate") {
		t.Fatalf("serve on an unmigrated database: %v\n%s", err, stderr)
	}
	for range 2 {
		out, stderr, err := wemart(t, env, "migrate")
		if err != nil || !strings.Contains(out, "schema version") {
			t.Fatalf("migrate: %v\n%s\n%s", err, out, stderr)
		}
	}
	out, stderr, err := wemart(t, env, "seed", "--stores", "50", "--products", "20", "--stock-per-store", "3")
	if err != nil || !strings.Contains(out, "50 stores") || !strings.Contains(out, "150 stock rows") {
		t.Fatalf("seed on postgres: %v\n%s\n%s", err, out, stderr)
	}
}
