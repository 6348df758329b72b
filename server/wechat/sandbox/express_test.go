package sandbox_test

import (
	"crypto/md5"
	"encoding/hex"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"wemart/server/api"
	"wemart/server/wechat/sandbox"
	"wemart/server/wechat/sandbox/sandboxtest"
)

// pushSink records the pushes a simulated service posts to it.
type pushSink struct {
	mu     sync.Mutex
	pushes []url.Values
	srv    *httptest.Server
}

func newPushSink(t *testing.T) *pushSink {
	p := &pushSink{}
	p.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_ = r.ParseForm()
		p.mu.Lock()
		p.pushes = append(p.pushes, r.PostForm)
		p.mu.Unlock()
		_, _ = w.Write([]byte(`{"result":true,"returnCode":"200","message":"成功"}`))
	}))
	t.Cleanup(p.srv.Close)
	return p
}

func (p *pushSink) got() []url.Values {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]url.Values(nil), p.pushes...)
}

func md5Upper(s string) string {
	sum := md5.Sum([]byte(s))
	return strings.ToUpper(hex.EncodeToString(sum[:]))
}

// k100 is a sandbox's Kuaidi100 on a clock of the test's.
type k100 struct {
	t    *testing.T
	sb   *sandbox.Sandbox
	clk  *sandboxtest.Clock
	url  string
	sink *pushSink
}

func newK100(t *testing.T, dir string) *k100 {
	t.Helper()
	_, id := sandboxtest.Identity(t)
	clk := sandboxtest.NewClock(time.Date(2025, 3, 1, 9, 0, 0, 0, time.UTC))
	sb, err := sandbox.New(clk.Options(sandbox.Options{Identity: id, Dir: dir}))
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(api.NewSandbox(slog.New(slog.NewTextHandler(io.Discard, nil)), sb))
	t.Cleanup(func() { srv.Close(); sb.Close() })
	return &k100{t: t, sb: sb, clk: clk, url: srv.URL, sink: newPushSink(t)}
}

// form posts a form and decodes the JSON answer.
func (k *k100) form(path string, v url.Values) (int, map[string]any) {
	k.t.Helper()
	res, err := http.PostForm(k.url+path, v)
	if err != nil {
		k.t.Fatal(err)
	}
	defer res.Body.Close()
	var out map[string]any
	if err := json.NewDecoder(res.Body).Decode(&out); err != nil {
		k.t.Fatal(err)
	}
	return res.StatusCode, out
}

// subscribe subscribes a parcel and returns Kuaidi100's returnCode.
func (k *k100) subscribe(com, no, key, phone, callback string) string {
	k.t.Helper()
	param, _ := json.Marshal(map[string]any{"company": com, "number": no, "key": key,
		"parameters": map[string]string{"callbackurl": callback, "salt": "salty", "resultv2": "1", "phone": phone}})
	_, a := k.form(sandbox.Kuaidi100Prefix+"/poll", url.Values{"schema": {"json"}, "param": {string(param)}})
	return a["returnCode"].(string)
}

func (k *k100) advance(no string) (int, string) {
	k.t.Helper()
	res, err := http.Post(k.url+"/sandbox/logistics/advance", "application/json", strings.NewReader(`{"tracking_no":"`+no+`"}`))
	if err != nil {
		k.t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res.StatusCode, string(b)
}

// wantPushes waits for the sandbox to settle and checks the pushes so far:
// their number, each signed upper(md5(param+salt)), the last in state.
func (k *k100) wantPushes(n int, state string) map[string]any {
	k.t.Helper()
	k.clk.Settle(k.t, k.sb)
	got := k.sink.got()
	if len(got) != n {
		k.t.Fatalf("%d pushes, want %d", len(got), n)
	}
	if n == 0 {
		return nil
	}
	last := got[n-1]
	if last.Get("sign") != md5Upper(last.Get("param")+"salty") {
		k.t.Fatalf("push sign %s is not upper(md5(param+salt))", last.Get("sign"))
	}
	var p struct {
		Status     string         `json:"status"`
		LastResult map[string]any `json:"lastResult"`
	}
	if err := json.Unmarshal([]byte(last.Get("param")), &p); err != nil {
		k.t.Fatal(err)
	}
	if p.LastResult["state"] != state {
		k.t.Fatalf("push state %v, want %s: %s", p.LastResult["state"], state, last.Get("param"))
	}
	return map[string]any{"status": p.Status, "data": p.LastResult["data"]}
}

func TestKuaidi100Sandbox(t *testing.T) {
	dir := t.TempDir()
	k := newK100(t, dir)
	customer, key := k.sb.Identity().Kuaidi100()
	cb := k.sink.srv.URL + "/notify"
	const no = "SF1234567890123"

	for name, c := range map[string]struct{ com, no, key, phone, cb, want string }{
		"wrong key":       {"shunfeng", no, "nope", "13800138000", cb, "600"},
		"unknown carrier": {"nosuch", no, key, "13800138000", cb, "702"},
		"SF, no phone":    {"shunfeng", no, key, "", cb, "700"},
		"bad callback":    {"shunfeng", no, key, "13800138000", "ftp://x", "700"},
		"no number":       {"shunfeng", "", key, "13800138000", cb, "700"},
	} {
		if got := k.subscribe(c.com, c.no, c.key, c.phone, c.cb); got != c.want {
			t.Errorf("%s: returnCode %s, want %s", name, got, c.want)
		}
	}
	if got := k.subscribe("shunfeng", no, key, "13800138000", cb); got != "200" {
		t.Fatalf("subscribe: %s", got)
	}
	if got := k.subscribe("shunfeng", no, key, "13800138000", cb); got != "501" {
		t.Fatalf("a second subscription: %s, want 501", got)
	}

	query := func(customer, key string) map[string]any {
		param := `{"com":"shunfeng","num":"` + no + `","resultv2":"1"}`
		_, a := k.form(sandbox.Kuaidi100Prefix+"/poll/query.do",
			url.Values{"customer": {customer}, "param": {param}, "sign": {md5Upper(param + key + customer)}})
		return a
	}
	if a := query(customer, "wrong"); a["returnCode"] != "503" {
		t.Fatalf("a query signed with another key: %v", a)
	}
	if a := query(customer, key); a["returnCode"] != "500" {
		t.Fatalf("a query before the parcel was collected: %v", a)
	}

	// By itself: collected 10 minutes after the subscription, not before.
	k.wantPushes(0, "")
	k.clk.Advance(9 * time.Minute)
	k.wantPushes(0, "")
	k.clk.Advance(time.Minute)
	k.wantPushes(1, "1")
	if a := query(customer, key); a["state"] != "1" || a["nu"] != no || len(a["data"].([]any)) != 1 {
		t.Fatalf("query: %v", a)
	}
	// By hand: one step per call, each pushed.
	for i, want := range []struct{ status, state string }{{"in_transit", "0"}, {"out_for_delivery", "5"}, {"signed", "3"}} {
		if code, body := k.advance(no); code != http.StatusOK || body != `{"status":"`+want.status+`"}`+"\n" {
			t.Fatalf("advance: %d %s", code, body)
		}
		p := k.wantPushes(i+2, want.state)
		if len(p["data"].([]any)) != i+2 {
			t.Fatalf("push %d has %d events", i+2, len(p["data"].([]any)))
		}
		if want.status == "signed" && p["status"] != "shutdown" {
			t.Fatalf("the signed push says %v, want shutdown", p["status"])
		}
	}
	if code, _ := k.advance(no); code != http.StatusConflict {
		t.Fatalf("advance a signed parcel: %d", code)
	}
	if code, _ := k.advance("YT0000000000000"); code != http.StatusNotFound {
		t.Fatalf("advance an unknown parcel: %d", code)
	}
	k.clk.Advance(48 * time.Hour)
	k.wantPushes(4, "3")

	// A restart keeps the parcel, signed and subscribed.
	k.sb.Close()
	again := newK100(t, dir)
	if got := again.subscribe("shunfeng", no, key, "13800138000", cb); got != "501" {
		t.Fatalf("after a restart, a second subscription: %s", got)
	}
	var rec struct {
		Parcels []sandbox.ParcelRecord `json:"parcels"`
	}
	res, err := http.Get(again.url + "/sandbox/records")
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	if err := json.NewDecoder(res.Body).Decode(&rec); err != nil {
		t.Fatal(err)
	}
	if len(rec.Parcels) != 1 || rec.Parcels[0].Status != "signed" || rec.Parcels[0].Events != 4 || rec.Parcels[0].Phone != "13800138000" {
		t.Fatalf("records after a restart: %+v", rec.Parcels)
	}
}
