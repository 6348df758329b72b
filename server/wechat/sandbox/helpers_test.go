package sandbox

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/labstack/echo/v4"

	"wemart/server/wechat"
)

var (
	idOnce sync.Once
	testID *Identity
	idErr  error
)

// newTestSandbox is a sandbox journaling into dir (one identity for the
// whole test binary: RSA keys are slow to make).
func newTestSandbox(t testing.TB, dir string, compactAfter int) *Sandbox {
	t.Helper()
	idOnce.Do(func() {
		var d string
		if d, idErr = os.MkdirTemp("", "sandbox-test"); idErr == nil {
			testID, idErr = LoadOrCreateIdentity(d)
		}
	})
	if idErr != nil {
		t.Fatal(idErr)
	}
	sb, err := New(Options{Identity: testID, Dir: dir, TimeScale: 0.001, CompactAfter: compactAfter})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(sb.Close)
	return sb
}

// testServer serves a sandbox over HTTP, with a merchant notify URL that
// acknowledges (/ok) and one that keeps failing (/fail).
type testServer struct {
	t    *testing.T
	sb   *Sandbox
	url  string
	sink string
	mp   wechat.MiniProgram
	ok   wechat.Pay // notifications to /ok
	bad  wechat.Pay // notifications to /fail
	// step, when set, runs after each step of a workout.
	step func(what string)
}

var orderSeq atomic.Int64

func newTestServer(t *testing.T, sb *Sandbox) *testServer {
	t.Helper()
	e := echo.New()
	sb.Mount(e)
	srv := httptest.NewServer(e)
	t.Cleanup(srv.Close)
	sink := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/fail" {
			w.WriteHeader(http.StatusServiceUnavailable)
		}
	}))
	t.Cleanup(sink.Close)
	pub := sb.Identity().Public()
	creds := wechat.Credentials{AppID: pub.AppID, AppSecret: pub.AppSecret, MchID: pub.MchID, MchSerial: pub.MchSerial,
		APIv3Key: pub.APIv3Key, PlatformKeyID: pub.PlatformKeyID}
	if err := wechat.ParseKeys(&creds, []byte(pub.MchPrivateKey), []byte(pub.PlatformPublicKey)); err != nil {
		t.Fatal(err)
	}
	h := &testServer{t: t, sb: sb, url: srv.URL, sink: sink.URL}
	var err error
	ep := wechat.Endpoints{APIBase: srv.URL + APIPrefix + "/", MchBase: srv.URL, MchPrefix: MchPrefix}
	if h.mp, err = wechat.NewMiniProgram(creds, ep); err != nil {
		t.Fatal(err)
	}
	ep.NotifyURL = sink.URL + "/ok"
	if h.ok, err = wechat.NewPay(creds, ep); err != nil {
		t.Fatal(err)
	}
	ep.NotifyURL = sink.URL + "/fail"
	if h.bad, err = wechat.NewPay(creds, ep); err != nil {
		t.Fatal(err)
	}
	return h
}

// post sends a JSON body and fails unless the status is want.
func (h *testServer) post(path, body string, want int) string {
	h.t.Helper()
	res, err := http.Post(h.url+path, "application/json", strings.NewReader(body))
	if err != nil {
		h.t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	if res.StatusCode != want {
		h.t.Fatalf("POST %s: %d %s", path, res.StatusCode, b)
	}
	return string(b)
}

// workout does a little of everything the sandbox remembers.
func (h *testServer) workout() {
	t := h.t
	t.Helper()
	ctx := context.Background()
	s, err := h.mp.Code2Session(ctx, "workout") // a stable token on the way
	if err != nil {
		t.Fatal(err)
	}
	res, err := http.Get(h.url + APIPrefix + "/cgi-bin/token?grant_type=client_credential&appid=" + h.sb.id.AppID + "&secret=" + h.sb.id.AppSecret)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	h.after("tokens and login")
	n := orderSeq.Add(1)
	paid, lost, closed := fmt.Sprintf("W2026WORK%03dA", n), fmt.Sprintf("W2026WORK%03dB", n), fmt.Sprintf("W2026WORK%03dC", n)
	prepay := func(p wechat.Pay, no string) string {
		id, err := p.Prepay(ctx, wechat.Prepay{OutTradeNo: no, Description: "x", AmountFen: 500, OpenID: s.OpenID, Expires: time.Now().Add(time.Hour)})
		if err != nil {
			t.Fatal(err)
		}
		return id
	}
	pay, err := h.sb.Pay(prepay(h.ok, paid), true)
	if err != nil || pay.Delivery.Status != http.StatusOK {
		t.Fatalf("pay: %+v %v", pay, err)
	}
	h.after("prepay and pay")
	upload := func() error {
		return h.mp.UploadShipping(ctx, wechat.Shipment{TransactionID: pay.TransactionID, OpenID: s.OpenID,
			LogisticsType: wechat.LogisticsPickup, At: time.Now(), Items: []wechat.ShipmentItem{{Description: "自提"}}})
	}
	err = upload()
	// The shipping-info API knows the payment a little after it was paid.
	for deadline := time.Now().Add(5 * time.Second); wechat.CodeOf(err) == "10060001" && time.Now().Before(deadline); err = upload() {
		time.Sleep(5 * time.Millisecond)
	}
	if err != nil {
		t.Fatal(err)
	}
	h.after("shipping")
	if _, err := h.sb.Pay(prepay(h.bad, lost), true); err != nil { // its notification stays pending
		t.Fatal(err)
	}
	h.after("a notification refused")
	prepay(h.ok, closed)
	if err := h.ok.Close(ctx, closed); err != nil {
		t.Fatal(err)
	}
	h.after("close")
	if _, err := h.ok.Refund(ctx, wechat.RefundRequest{OutTradeNo: paid, OutRefundNo: paid + "R1", RefundFen: 200, TotalFen: 500}); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for st, _ := h.sb.RefundStatus(paid + "R1"); st != refundSuccess; st, _ = h.sb.RefundStatus(paid + "R1") {
		if time.Now().After(deadline) {
			t.Fatalf("refund still %s", st)
		}
		time.Sleep(2 * time.Millisecond)
	}
	h.after("refund")
	h.post("/sandbox/subscribe/grants", `{"code": "workout", "template_id": "TPL", "count": 3}`, 200)
	h.after("grant")
	if err := h.mp.SendSubscribe(ctx, wechat.SubscribeMessage{OpenID: s.OpenID, TemplateID: "TPL",
		Data: map[string]string{"thing1": "x"}}); err != nil {
		t.Fatal(err)
	}
	h.after("subscribe message")
	h.sb.ExpireTokens()
	h.after("tokens expired")
}

func (h *testServer) after(what string) {
	if h.step != nil {
		h.step(what)
	}
}
