// Package apitest drives the real wemart HTTP API in tests: the app wired by
// package app on a real database, requests through the real echo router, and
// every response checked against its OpenAPI document (status documented,
// body of the documented shape: openapi.yaml of server/api, or the WeChat
// sandbox's for /sandbox/ paths; a request the server accepted, one the
// document allows), and so is the loopback traffic its server sees (the
// WeChat clients' calls to the sandbox, the sandbox's notifications), so the
// spec cannot drift from the code.
package apitest

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/gorillamux"
	"github.com/labstack/echo/v4"
	"golang.org/x/crypto/bcrypt"

	"wemart/server/api"
	"wemart/server/app"
	"wemart/server/config"
	"wemart/server/storage"
	"wemart/server/wechat/sandbox"
	"wemart/server/wechat/sandbox/sandboxtest"
)

// Bootstrap admin of every harness.
const (
	AdminUser     = "admin"
	AdminPassword = "admin-pass-1"
)

// Harness is a wemart app under test, served on a loopback HTTP server too
// (the WeChat client reaches the sandbox over real HTTP, as in production).
type Harness struct {
	t   testing.TB
	App *app.App
	// URL is the base URL of the app's HTTP server.
	URL string
	// AdminToken is a staff token of the bootstrap admin.
	AdminToken string
	// DataDir is the app's data dir (sandbox state, keys).
	DataDir string

	close    func()
	loopback *loopback // what its server's traffic did that the spec does not allow
}

// Close stops the app and its server, as a process exit would (tests of
// restarts build a new harness on the same database and DataDir afterwards).
func (h *Harness) Close() { h.close() }

// TimeScale compresses the sandbox's WeChat delays in tests: WeChat's first
// notification retry (15 s) comes after 15 ms.
const TimeScale = 0.001

// Options adjust a harness's configuration and app options before the app is built.
type Options func(*config.Config, *app.Options)

// New builds the app on db with a bootstrap admin, serves it on loopback and
// logs in as that admin.
func New(t testing.TB, db *storage.DB, opts ...Options) *Harness {
	t.Helper()
	// The defaults, whatever the developer's shell exports.
	cfg, err := config.LoadFrom(nil)
	if err != nil {
		t.Fatal(err)
	}
	cfg.DataDir = t.TempDir()
	cfg.AdminUser, cfg.AdminPassword = AdminUser, AdminPassword
	cfg.TokenSecret = strings.Repeat("test-secret-", 4)
	cfg.SandboxTimeScale = TimeScale
	srv := httptest.NewUnstartedServer(nil)
	// The sweeper is off: tests that expire orders run Sweep themselves, at
	// the moment they choose (see Sweeper to turn it on).
	appOpts := app.Options{BcryptCost: bcrypt.MinCost, SelfURL: app.SelfURL(srv.Listener.Addr()), NoSweeper: true}
	for _, o := range opts {
		o(&cfg, &appOpts)
	}
	shareSandboxIdentity(t, cfg.DataDir)
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	if testing.Verbose() {
		log = slog.New(slog.NewTextHandler(testWriter{t}, &slog.HandlerOptions{Level: slog.LevelWarn}))
	}
	a, err := app.New(context.Background(), cfg, log, db, appOpts)
	if err != nil {
		srv.Close()
		t.Fatal(err)
	}
	lb := &loopback{}
	srv.Config.Handler = validated(trafficRouter(t), recording(a.Echo), lb.add)
	noteRoutes(a.Echo)
	srv.Start()
	h := &Harness{t: t, App: a, URL: srv.URL, DataDir: cfg.DataDir, loopback: lb}
	t.Cleanup(func() { lb.report(t, t.Errorf) }) // after close: all traffic is in
	h.close = sync.OnceFunc(func() {
		srv.Close()
		a.Close()
	})
	t.Cleanup(h.close)
	h.AdminToken = h.Login(AdminUser, AdminPassword)
	return h
}

// shareSandboxIdentity gives every harness of a test binary the same sandbox
// identity (generating two RSA keys per test would dominate the run time).
func shareSandboxIdentity(t testing.TB, dataDir string) {
	t.Helper()
	identityDir, _ := sandboxtest.Identity(t)
	dst := filepath.Join(dataDir, "sandbox")
	if err := os.MkdirAll(dst, 0o700); err != nil {
		t.Fatal(err)
	}
	entries, err := os.ReadDir(identityDir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		b, err := os.ReadFile(filepath.Join(identityDir, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dst, e.Name()), b, 0o600); err != nil {
			t.Fatal(err)
		}
	}
}

// SandboxIdentity is the sandbox identity every harness of the test binary
// uses, for tests that run a sandbox of their own (`wemart sandbox`-style).
func SandboxIdentity(t testing.TB) *sandbox.Identity {
	t.Helper()
	_, id := sandboxtest.Identity(t)
	return id
}

// recording notes which routes answered 2xx (see Succeeded), or 3xx (a
// redirect is what some routes are for), whether the request came through
// Do or over HTTP from the WeChat client.
func recording(e *echo.Echo) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c := e.NewContext(r, nil)
		e.Router().Find(r.Method, r.URL.Path, c)
		route := c.Path()
		rw := &statusWriter{ResponseWriter: w, status: http.StatusOK}
		e.ServeHTTP(rw, r)
		if rw.status < 400 {
			succeeded.Store(r.Method+" "+route, true)
		}
	})
}

type statusWriter struct {
	http.ResponseWriter
	status int
	wrote  bool
}

// WriteHeader records the first status written.
func (w *statusWriter) WriteHeader(code int) {
	if !w.wrote {
		w.status, w.wrote = code, true
	}
	w.ResponseWriter.WriteHeader(code)
}

// Unwrap lets http.ResponseController reach the writer's Flush (a proxied
// /sandbox/ answer of unknown length is flushed as it streams).
func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

type testWriter struct{ t testing.TB }

// Write sends a log line to the test log.
func (w testWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimSpace(string(p)))
	return len(p), nil
}

// At fixes the app's clock (for "open now").
func At(t time.Time) Options {
	return func(_ *config.Config, o *app.Options) { o.Now = func() time.Time { return t } }
}

// Clock is a clock tests move by hand; the app places and expires orders by
// it. (WeChat's side, the sandbox, keeps real time.)
type Clock struct {
	mu sync.Mutex
	t  time.Time
}

// NewClock returns a clock showing t.
func NewClock(t time.Time) *Clock { return &Clock{t: t} }

// Now is the clock's time.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

// Advance moves the clock forward by d.
func (c *Clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// WithClock runs the app on c.
func WithClock(c *Clock) Options {
	return func(_ *config.Config, o *app.Options) { o.Now = c.Now }
}

// SandboxClock runs the app's own WeChat sandbox on c too (its delays:
// payment indexing, notification and push retries), so a test moves
// WeChat's time by hand with the app's.
func SandboxClock(c *Clock) Options {
	return func(_ *config.Config, o *app.Options) { o.SandboxNow, o.SandboxSleep = c.Now, c.sleep }
}

// sleep waits until the clock shows at, or reports false once stop closes.
func (c *Clock) sleep(at time.Time, stop <-chan struct{}) bool {
	for c.Now().Before(at) {
		select {
		case <-stop:
			return false
		case <-time.After(time.Millisecond):
		}
	}
	select {
	case <-stop:
		return false
	default:
		return true
	}
}

// Sweeper turns the app's background order sweeper on, every interval.
func Sweeper(interval time.Duration) Options {
	return func(cfg *config.Config, o *app.Options) { o.NoSweeper, cfg.SweepInterval = false, interval }
}

// SharedSandbox runs the app against the sandbox served at url (what
// WEMART_SANDBOX_URL does): no sandbox of its own, /sandbox/ forwarded there.
func SharedSandbox(url string) Options {
	return func(cfg *config.Config, _ *app.Options) { cfg.SandboxURL = url }
}

// DataDir runs the app on an existing data dir (a restart).
func DataDir(dir string) Options {
	return func(cfg *config.Config, _ *app.Options) { cfg.DataDir = dir }
}

// For returns the harness reporting to t (a subtest's), sharing the same app.
func (h *Harness) For(t testing.TB) *Harness {
	c := *h
	c.t = t
	return &c
}

// Login returns a staff token for username/password, failing the test if refused.
func (h *Harness) Login(username, password string) string {
	h.t.Helper()
	var out struct{ Token string }
	h.Do("POST", "/admin/v1/login", "", map[string]string{"username": username, "password": password}).
		OK(http.StatusOK, &out)
	if out.Token == "" {
		h.t.Fatal("login returned no token")
	}
	return out.Token
}

// Response is a recorded response.
type Response struct {
	t      testing.TB
	Method string
	Path   string
	Status int
	Header http.Header
	Body   []byte
}

// RemoteAddr, given to Do as a header name, sets the client address of the
// request instead (httptest's default is 192.0.2.1:1234).
const RemoteAddr = "X-Test-Remote-Addr"

// Do sends a request through the router. body may be nil, a string or []byte
// (sent as is), an io.Reader (sent with no length), or anything else (sent as
// JSON). token, if set, is sent as a
// bearer token. The response is validated against its document (CheckSpec),
// and so is the request if the server accepted it (2xx); so is the loopback
// traffic the harness's server saw since the last Do.
func (h *Harness) Do(method, path, token string, body any, headers ...string) *Response {
	h.t.Helper()
	var r io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		r = strings.NewReader(b)
	case []byte:
		r = bytes.NewReader(b)
	case io.Reader:
		r = b // sent without a Content-Length
	default:
		js, err := json.Marshal(b)
		if err != nil {
			h.t.Fatal(err)
		}
		r = bytes.NewReader(js)
	}
	req := httptest.NewRequest(method, path, r)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	for i := 0; i+1 < len(headers); i += 2 {
		if headers[i] == RemoteAddr {
			req.RemoteAddr = headers[i+1]
			continue
		}
		req.Header.Set(headers[i], headers[i+1])
	}
	rec := httptest.NewRecorder()
	var problem error
	validated(trafficRouter(h.t), recording(h.App.Echo), func(err error) { problem = err }).ServeHTTP(rec, req)
	res := &Response{t: h.t, Method: method, Path: path, Status: rec.Code, Header: rec.Header(), Body: rec.Body.Bytes()}
	if problem != nil {
		h.t.Fatal(problem)
	}
	h.loopback.report(h.t, h.t.Fatalf)
	return res
}

// succeeded records every route that answered 2xx to some test, so a test
// binary can check that each endpoint was exercised successfully at least once.
var succeeded sync.Map

// routed holds every route of every harness's router built in this test
// binary (see Untested).
var routed sync.Map

// noteRoutes adds e's routes to routed: not echo's catch-alls for unmatched
// paths, nor a forwarding wildcard (/sandbox/* of a shared sandbox, every
// method of which is a route).
func noteRoutes(e *echo.Echo) {
	for _, r := range e.Routes() {
		if r.Method != echo.RouteNotFound && !strings.HasSuffix(r.Path, "/*") {
			routed.Store(r.Method+" "+r.Path, true)
		}
	}
}

// Untested lists, sorted, the routes some harness of this test binary served
// that no request answered 2xx: a test binary's TestMain fails on them, so
// no endpoint goes untested.
func Untested() []string {
	var out []string
	routed.Range(func(k, _ any) bool {
		if _, ok := succeeded.Load(k); !ok {
			out = append(out, k.(string))
		}
		return true
	})
	sort.Strings(out)
	return out
}

// Succeeded reports whether a request to route (echo's pattern, e.g.
// "GET /admin/v1/stores/:id") has answered 2xx in this test binary.
func Succeeded(method, route string) bool {
	_, ok := succeeded.Load(method + " " + route)
	return ok
}

// OK fails the test unless the status is want, then decodes the body into out
// (if not nil).
func (r *Response) OK(want int, out any) *Response {
	r.t.Helper()
	if r.Status != want {
		r.t.Fatalf("%s %s: status %d, want %d; body: %s", r.Method, r.Path, r.Status, want, r.Body)
	}
	if out != nil {
		if err := json.Unmarshal(r.Body, out); err != nil {
			r.t.Fatalf("%s %s: decoding %s: %v", r.Method, r.Path, r.Body, err)
		}
	}
	return r
}

// ErrorBody is the error envelope.
type ErrorBody struct {
	Error struct {
		Code      string         `json:"code"`
		Message   string         `json:"message"`
		Field     string         `json:"field"`
		Details   map[string]any `json:"details"`
		RequestID string         `json:"request_id"`
	} `json:"error"`
}

// Fails asserts an error response with status and code, and returns its body.
func (r *Response) Fails(status int, code string) ErrorBody {
	r.t.Helper()
	var e ErrorBody
	if r.Status != status {
		r.t.Fatalf("%s %s: status %d, want %d (%s); body: %s", r.Method, r.Path, r.Status, status, code, r.Body)
	}
	if ct := r.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		r.t.Fatalf("%s %s: error with Content-Type %q", r.Method, r.Path, ct)
	}
	if err := json.Unmarshal(r.Body, &e); err != nil {
		r.t.Fatalf("%s %s: error body is not the envelope: %s", r.Method, r.Path, r.Body)
	}
	if e.Error.Code != code || e.Error.Message == "" {
		r.t.Fatalf("%s %s: error %q (%q), want code %q", r.Method, r.Path, e.Error.Code, e.Error.Message, code)
	}
	return e
}

// JSON decodes the body as a generic map.
func (r *Response) JSON() map[string]any {
	r.t.Helper()
	var m map[string]any
	if err := json.Unmarshal(r.Body, &m); err != nil {
		r.t.Fatalf("%s %s: body is not a JSON object: %s", r.Method, r.Path, r.Body)
	}
	return m
}

// document is an OpenAPI document the tests check responses against,
// parsed and validated once per test binary.
type document struct {
	name   string
	data   []byte
	once   sync.Once
	doc    *openapi3.T
	router routers.Router
	err    error
}

var (
	apiDoc     = &document{name: "openapi.yaml", data: api.OpenAPI}
	sandboxDoc = &document{name: "the sandbox's openapi.yaml", data: sandbox.OpenAPI}
)

func (d *document) load(t testing.TB) (*openapi3.T, routers.Router) {
	t.Helper()
	d.once.Do(func() {
		openapi3filter.RegisterBodyDecoder("text/html", openapi3filter.FileBodyDecoder)
		// WeChat's message push posts XML.
		openapi3filter.RegisterBodyDecoder("text/xml", openapi3filter.FileBodyDecoder)
		openapi3filter.RegisterBodyDecoder("application/xml", openapi3filter.FileBodyDecoder)
		loader := openapi3.NewLoader()
		d.doc, d.err = loader.LoadFromData(d.data)
		if d.err != nil {
			return
		}
		if d.err = d.doc.Validate(context.Background()); d.err != nil {
			return
		}
		d.router, d.err = gorillamux.NewRouter(d.doc)
	})
	if d.err != nil {
		t.Fatalf("%s: %v", d.name, d.err)
	}
	return d.doc, d.router
}

// Spec returns the parsed, validated openapi.yaml of wemart's API.
func Spec(t testing.TB) (*openapi3.T, routers.Router) {
	t.Helper()
	return apiDoc.load(t)
}

// SandboxSpec returns the parsed, validated openapi.yaml of the WeChat
// sandbox (server/wechat/sandbox), which documents every /sandbox/ path.
func SandboxSpec(t testing.TB) (*openapi3.T, routers.Router) {
	t.Helper()
	return sandboxDoc.load(t)
}

// CheckSpec fails the test if res is not what the document of its path (the
// sandbox's for /sandbox/, else the API's) says for req: an undocumented endpoint (unless the server itself
// said 404/405), an undocumented status, or a body of another shape. (The
// request is not checked: its body is gone; Do checks both.)
func CheckSpec(t testing.TB, req *http.Request, res *Response) {
	t.Helper()
	if err := checkExchange(trafficRouter(t), req, nil, res.Status, res.Header, res.Body); err != nil {
		t.Fatal(err)
	}
}

// Path formats a path with fmt verbs.
func Path(format string, args ...any) string { return fmt.Sprintf(format, args...) }
