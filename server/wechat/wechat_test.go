package wechat_test

import (
	"bytes"
	"context"
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"wemart/server/wechat"
	"wemart/server/wechat/sandbox"
	"wemart/server/wechat/sandbox/sandboxtest"
	"wemart/server/wechat/wxpay"
)

// identity is one sandbox identity for the whole test binary (RSA keys are slow).
func identity(t *testing.T) (string, *sandbox.Identity) { return sandboxtest.Identity(t) }

// sink is the merchant's notify URL: it records notifications and answers
// with the statuses it is given, then 200.
type sink struct {
	mu       sync.Mutex
	answers  []int
	received []received
	srv      *httptest.Server
}

type received struct {
	header http.Header
	body   []byte
}

func newSink(t *testing.T, answers ...int) *sink {
	s := &sink{answers: answers}
	s.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		s.mu.Lock()
		s.received = append(s.received, received{r.Header.Clone(), body})
		status := http.StatusOK
		if len(s.answers) > 0 {
			status, s.answers = s.answers[0], s.answers[1:]
		}
		s.mu.Unlock()
		w.WriteHeader(status)
	}))
	t.Cleanup(s.srv.Close)
	return s
}

func (s *sink) got() []received {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]received(nil), s.received...)
}

type fixture struct {
	sb     *sandbox.Sandbox
	mp     wechat.MiniProgram
	pay    wechat.Pay
	notify *wechat.Notifications
	creds  wechat.Credentials
	sink   *sink
	url    string
}

// newFixture serves a sandbox over HTTP and points the real clients at it.
func newFixture(t *testing.T, sinkAnswers ...int) *fixture {
	t.Helper()
	return newFixtureOn(t, nil, sinkAnswers...)
}

// newFixtureOn is newFixture with the sandbox on clk, at WeChat's real pace
// (nil: on real time, its delays compressed 1000×).
func newFixtureOn(t *testing.T, clk *sandboxtest.Clock, sinkAnswers ...int) *fixture {
	t.Helper()
	dir, id := identity(t)
	opt := sandbox.Options{Identity: id, TimeScale: 0.001, Pages: []string{"pages/store/store"}}
	if clk != nil {
		opt.TimeScale, opt.Now, opt.Sleep = 1, clk.Now, clk.Sleep
	}
	sb, url, _ := sandboxtest.Serve(t, opt)
	sk := newSink(t, sinkAnswers...)
	mp, pay, creds := clientsAt(t, dir, id, url, sk.srv.URL)
	return &fixture{sb: sb, mp: mp, pay: pay, notify: wechat.NewNotifications(creds), creds: creds, sink: sk, url: url}
}

// clientsAt returns the real clients, with the sandbox identity's
// credentials, for a sandbox served at base.
func clientsAt(t *testing.T, dir string, id *sandbox.Identity, base, notifyURL string) (wechat.MiniProgram, wechat.Pay, wechat.Credentials) {
	t.Helper()
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
	return mp, pay, creds
}

func wantCode(t *testing.T, err error, code string) {
	t.Helper()
	if got := wechat.CodeOf(err); got != code {
		t.Fatalf("error %v has code %q, want %q", err, got, code)
	}
}

func TestLoginAndPhone(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	a, err := f.mp.Code2Session(ctx, "shopper-a")
	if err != nil {
		t.Fatal(err)
	}
	again, _ := f.mp.Code2Session(ctx, "shopper-a")
	b, _ := f.mp.Code2Session(ctx, "shopper-b")
	if a.OpenID == "" || a.OpenID != again.OpenID || a.OpenID == b.OpenID || len(a.OpenID) != 28 || a.UnionID == "" {
		t.Fatalf("openids: %+v %+v %+v", a, again, b)
	}
	_, err = f.mp.Code2Session(ctx, "")
	wantCode(t, err, "40029")
	_, err = f.mp.Code2Session(ctx, strings.Repeat("x", 65))
	wantCode(t, err, "40029")

	p, err := f.mp.PhoneNumber(ctx, "phone-code")
	if err != nil {
		t.Fatal(err)
	}
	if len(p.PureNumber) != 11 || p.PureNumber[0] != '1' || p.CountryCode != "86" || p.PureNumber != f.sb.PhoneNumber("phone-code") {
		t.Fatalf("phone %+v", p)
	}
	_, err = f.mp.PhoneNumber(ctx, "")
	wantCode(t, err, "40029")
}

// TestStaleTokensAreRefreshed: tokens expire (42001) or are replaced (40001),
// and the client gets a new one and carries on, GET and POST alike.
func TestStaleTokensAreRefreshed(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	if _, err := f.mp.PhoneNumber(ctx, "c1"); err != nil {
		t.Fatal(err)
	}
	for range 2 {
		f.sb.ExpireTokens()
		if _, err := f.mp.PhoneNumber(ctx, "c2"); err != nil {
			t.Fatalf("POST after token expiry: %v", err)
		}
		f.sb.ExpireTokens()
		if _, err := f.mp.Code2Session(ctx, "c3"); err != nil {
			t.Fatalf("GET after token expiry: %v", err)
		}
	}
}

func TestWXACode(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	img, err := f.mp.WXACode(ctx, wechat.WXACode{Scene: "s=12&p=345", Page: "pages/store/store", CheckPage: true, Width: 430})
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(img, []byte("\xff\xd8\xff")) { // WeChat draws JPEGs
		t.Fatalf("not a JPEG: % x", img[:8])
	}
	if got := sandboxtest.ReadQR(t, img); got != sandbox.WXACodeContent("pages/store/store", "s=12&p=345") {
		t.Fatalf("QR encodes %q", got)
	}
	// WeChat's codes: 40169 for an over-long scene, 40129 for a bad one.
	bad := map[string]wechat.WXACode{
		"40169": {Scene: strings.Repeat("a", 33), Page: "pages/store/store"},
		"40129": {Scene: "s=1 2", Page: "pages/store/store"},
		"41030": {Scene: "s=1", Page: "/pages/store/store"},
	}
	for code, req := range bad {
		_, err := f.mp.WXACode(ctx, req)
		wantCode(t, err, code)
	}
	_, err = f.mp.WXACode(ctx, wechat.WXACode{Scene: "s=中", Page: "pages/store/store"})
	wantCode(t, err, "40129")
	_, err = f.mp.WXACode(ctx, wechat.WXACode{Scene: "", Page: "pages/store/store"})
	wantCode(t, err, "40129")
	for _, req := range []wechat.WXACode{
		{Scene: "s=1", Page: "pages/nowhere/nowhere", CheckPage: true},
		{Scene: "s=1", Page: "pages/store/store", Width: 100},
	} {
		if _, err := f.mp.WXACode(ctx, req); wechat.CodeOf(err) == "" {
			t.Errorf("%+v: accepted (%v)", req, err)
		}
	}
}

// postJSON posts body to url and decodes the JSON answer, failing unless 200.
func postJSON(t *testing.T, url, body string) map[string]any {
	t.Helper()
	res, err := http.Post(url, "application/json", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var m map[string]any
	if err := json.NewDecoder(res.Body).Decode(&m); err != nil || res.StatusCode != http.StatusOK {
		t.Fatalf("POST %s: %d %v %v", url, res.StatusCode, m, err)
	}
	return m
}

func TestSubscribe(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	s, _ := f.mp.Code2Session(ctx, "subscriber")
	msg := wechat.SubscribeMessage{OpenID: s.OpenID, TemplateID: "TPL-ready", Page: "pages/order/order?id=1",
		Data: map[string]string{"character_string1": "W202611210001", "thing2": "请到店自提"}, State: "formal"}
	// No accept in wx.requestSubscribeMessage, no message: 43101.
	wantCode(t, f.mp.SendSubscribe(ctx, msg), "43101")
	// The shopper accepts twice (by code, as the mini program knows it): two messages, not three.
	grant := postJSON(t, f.url+"/sandbox/subscribe/grants", `{"code": "subscriber", "template_id": "TPL-ready", "count": 2}`)
	if grant["openid"] != s.OpenID || grant["remaining"] != float64(2) {
		t.Fatalf("grant by code: %v", grant)
	}
	for range 2 {
		if err := f.mp.SendSubscribe(ctx, msg); err != nil {
			t.Fatal(err)
		}
	}
	wantCode(t, f.mp.SendSubscribe(ctx, msg), "43101")
	got := f.sb.Subscribes()
	if len(got) != 2 || got[0].ToUser != s.OpenID || got[0].Data["thing2"]["value"] != "请到店自提" || got[1].MsgID == got[0].MsgID {
		t.Fatalf("recorded %+v", got)
	}
	// A grant is per template, and by openid too.
	other := msg
	other.TemplateID = "TPL-shipped"
	wantCode(t, f.mp.SendSubscribe(ctx, other), "43101")
	if g := postJSON(t, f.url+"/sandbox/subscribe/grants", `{"openid": "`+s.OpenID+`", "template_id": "TPL-shipped"}`); g["remaining"] != float64(1) {
		t.Fatalf("grant by openid: %v", g)
	}
	if err := f.mp.SendSubscribe(ctx, other); err != nil {
		t.Fatal(err)
	}
	forged := msg
	forged.OpenID = "oFAKEFAKEFAKEFAKEFAKEFAKEFAK"
	wantCode(t, f.mp.SendSubscribe(ctx, forged), "40003")
	empty := msg
	empty.Data = map[string]string{"thing2": ""}
	wantCode(t, f.mp.SendSubscribe(ctx, empty), "47003")
	noTpl := msg
	noTpl.TemplateID = ""
	wantCode(t, f.mp.SendSubscribe(ctx, noTpl), "40037")
}

// pay creates a prepay and pays it in the sandbox cashier.
func pay(t *testing.T, f *fixture, no string, fen int64, openid string) sandbox.Payment {
	t.Helper()
	ctx := context.Background()
	prepayID, err := f.pay.Prepay(ctx, wechat.Prepay{OutTradeNo: no, Description: "wemart 订单", AmountFen: fen, OpenID: openid, Expires: time.Now().Add(15 * time.Minute)})
	if err != nil {
		t.Fatal(err)
	}
	p, err := f.sb.Pay(prepayID, true)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func TestPrepayParamsQueryClose(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	s, _ := f.mp.Code2Session(ctx, "payer")
	in := wechat.Prepay{OutTradeNo: "W20261121000001", Description: "wemart 订单", AmountFen: 1990, OpenID: s.OpenID, Expires: time.Now().Add(15 * time.Minute)}
	prepayID, err := f.pay.Prepay(ctx, in)
	if err != nil || !strings.HasPrefix(prepayID, "wx") {
		t.Fatalf("prepay %q %v", prepayID, err)
	}
	// The same order again: the same prepay_id. Another amount: refused.
	if again, err := f.pay.Prepay(ctx, in); err != nil || again != prepayID {
		t.Fatalf("repeat prepay %q %v", again, err)
	}
	other := in
	other.AmountFen = 1
	_, err = f.pay.Prepay(ctx, other)
	wantCode(t, err, "OUT_TRADE_NO_USED")
	// Another time_expire is another order too; WeChat answers 403 for it.
	later := in
	later.Expires = in.Expires.Add(time.Minute)
	_, err = f.pay.Prepay(ctx, later)
	wantCode(t, err, "OUT_TRADE_NO_USED")
	status, body := rawPay(t, f, "POST", "/v3/pay/transactions/jsapi", map[string]any{
		"appid": f.creds.AppID, "mchid": f.creds.MchID, "description": "wemart 订单", "out_trade_no": in.OutTradeNo,
		"notify_url": f.sink.srv.URL, "amount": map[string]any{"total": 1}, "payer": map[string]string{"openid": s.OpenID},
		"time_expire": in.Expires.Format(time.RFC3339),
	})
	if status != http.StatusForbidden || body["code"] != "OUT_TRADE_NO_USED" {
		t.Fatalf("a reused out_trade_no: %d %v, want 403 OUT_TRADE_NO_USED", status, body)
	}
	// A deadline sooner than a minute away (even past) is moved to now + 1
	// minute, not refused: the shopper can still pay.
	for i, expires := range []time.Time{time.Now().Add(10 * time.Second), time.Now().Add(-time.Hour)} {
		soon := wechat.Prepay{OutTradeNo: fmt.Sprintf("W2026112100009%d", i), Description: "x", AmountFen: 1, OpenID: s.OpenID, Expires: expires}
		id, err := f.pay.Prepay(ctx, soon)
		if err != nil {
			t.Fatalf("time_expire %v: %v", expires, err)
		}
		if _, err := f.sb.Pay(id, false); err != nil {
			t.Fatalf("time_expire %v was not moved to a minute from now: %v", expires, err)
		}
	}
	bad := in
	bad.OutTradeNo, bad.OpenID = "W20261121000009", "oNotASandboxUser0000000000000"
	_, err = f.pay.Prepay(ctx, bad)
	wantCode(t, err, "PARAM_ERROR")

	// wx.requestPayment parameters, signed by the merchant key.
	params, err := f.pay.Params(prepayID)
	if err != nil {
		t.Fatal(err)
	}
	if params.Package != "prepay_id="+prepayID || params.SignType != "RSA" || !regexp.MustCompile(`^[A-Za-z0-9]{1,32}$`).MatchString(params.NonceStr) {
		t.Fatalf("params %+v", params)
	}
	// timeStamp is in seconds, now.
	if ts, err := strconv.ParseInt(params.TimeStamp, 10, 64); err != nil || ts < time.Now().Add(-time.Minute).Unix() || ts > time.Now().Unix() {
		t.Fatalf("timeStamp %q is not now in seconds", params.TimeStamp)
	}
	_, id := identity(t)
	msg := f.creds.AppID + "\n" + params.TimeStamp + "\n" + params.NonceStr + "\n" + params.Package + "\n"
	if err := verifyPaySign(&id.MchKey.PublicKey, msg, params.PaySign); err != nil {
		t.Fatalf("paySign: %v", err)
	}

	tx, err := f.pay.Query(ctx, in.OutTradeNo)
	if err != nil || tx.TradeState != wechat.TradeNotPay || tx.TotalFen != 1990 {
		t.Fatalf("query unpaid: %+v %v", tx, err)
	}
	_, err = f.pay.Query(ctx, "W_NO_SUCH_ORDER")
	wantCode(t, err, "ORDER_NOT_EXIST")

	if err := f.pay.Close(ctx, in.OutTradeNo); err != nil {
		t.Fatal(err)
	}
	if tx, _ = f.pay.Query(ctx, in.OutTradeNo); tx.TradeState != wechat.TradeClosed {
		t.Fatalf("after close: %+v", tx)
	}
	if _, err := f.sb.Pay(prepayID, true); err == nil {
		t.Fatal("a closed transaction was paid")
	}
	_, err = f.pay.Prepay(ctx, in)
	wantCode(t, err, "ORDER_CLOSED")
}

// rawPay makes a signed WeChat Pay request by hand, to see the HTTP status
// and body the client turns into an error.
func rawPay(t *testing.T, f *fixture, method, path string, v any) (int, map[string]any) {
	t.Helper()
	body, _ := json.Marshal(v)
	key, err := wxpay.ParsePrivateKey(f.creds.MchKeyPEM)
	if err != nil {
		t.Fatal(err)
	}
	ts, nonce := fmt.Sprint(time.Now().Unix()), wxpay.Nonce(32)
	sig, err := wxpay.Sign(key, wxpay.RequestMessage(method, path, ts, nonce, string(body)))
	if err != nil {
		t.Fatal(err)
	}
	req, _ := http.NewRequest(method, f.url+sandbox.MchPrefix+path, bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", wxpay.Authorization{MchID: f.creds.MchID, Nonce: nonce, Timestamp: ts,
		Serial: f.creds.MchSerial, Signature: sig}.String())
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var m map[string]any
	_ = json.NewDecoder(res.Body).Decode(&m)
	return res.StatusCode, m
}

// rawAPI calls a mini program API of the sandbox with a fresh stable token.
func rawAPI(t *testing.T, f *fixture, path string, v any) map[string]any {
	t.Helper()
	tok := postJSON(t, f.url+sandbox.APIPrefix+"/cgi-bin/stable_token", fmt.Sprintf(
		`{"grant_type":"client_credential","appid":%q,"secret":%q,"force_refresh":true}`, f.creds.AppID, f.creds.AppSecret))
	if tok["expires_in"] != float64(7200) {
		t.Fatalf("a fresh token must say expires_in 7200: %v", tok)
	}
	b, _ := json.Marshal(v)
	return postJSON(t, f.url+sandbox.APIPrefix+path+"?access_token="+tok["access_token"].(string), string(b))
}

func verifyPaySign(pub *rsa.PublicKey, msg, sig string) error {
	raw, err := base64.StdEncoding.DecodeString(sig)
	if err != nil {
		return err
	}
	sum := sha256.Sum256([]byte(msg))
	return rsa.VerifyPKCS1v15(pub, crypto.SHA256, sum[:], raw)
}

// TestPaymentNotification: paying delivers a signed, encrypted notification
// our verifier opens; paying again delivers the same one; a paid order
// cannot be closed.
func TestPaymentNotification(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	s, _ := f.mp.Code2Session(ctx, "payer")
	p := pay(t, f, "W20261121000002", 2590, s.OpenID)
	if p.Delivery == nil || p.Delivery.Status != 200 || p.TransactionID == "" {
		t.Fatalf("payment %+v", p)
	}
	got := f.sink.got()
	if len(got) != 1 {
		t.Fatalf("%d notifications", len(got))
	}
	ev, err := f.notify.Open(got[0].header, got[0].body)
	if err != nil {
		t.Fatal(err)
	}
	if ev.Type != wechat.EventPaid || ev.Payment.OutTradeNo != "W20261121000002" || ev.Payment.TotalFen != 2590 ||
		ev.Payment.TransactionID != p.TransactionID || ev.Payment.OpenID != s.OpenID || ev.Payment.TradeState != "SUCCESS" {
		t.Fatalf("event %+v %+v", ev, ev.Payment)
	}
	tx, err := f.pay.Query(ctx, "W20261121000002")
	if err != nil || tx.TradeState != wechat.TradeSuccess || tx.TransactionID != p.TransactionID || tx.SuccessTime.IsZero() {
		t.Fatalf("query paid: %+v %v", tx, err)
	}
	wantCode(t, f.pay.Close(ctx, "W20261121000002"), "ORDERPAID")

	// Paying again repeats the very same notification (a duplicate).
	prepayID, _ := f.pay.Prepay(ctx, wechat.Prepay{OutTradeNo: "W20261121000003", Description: "x", AmountFen: 1, OpenID: s.OpenID})
	first, _ := f.sb.Pay(prepayID, true)
	second, _ := f.sb.Pay(prepayID, true)
	got = f.sink.got()
	if first.TransactionID != second.TransactionID || !bytes.Equal(got[1].body, got[2].body) {
		t.Fatal("the second payment call must deliver the same notification")
	}
}

// TestNotificationRetries: while the merchant answers non-2xx, WeChat's
// schedule keeps delivering, each retry exactly when the schedule says on
// the sandbox's clock; a 200 ends it for good, however far the clock then
// moves.
func TestNotificationRetries(t *testing.T) {
	clk := sandboxtest.NewClock(time.Now())
	f := newFixtureOn(t, clk, 500, 503, 500)
	s, _ := f.mp.Code2Session(context.Background(), "payer")
	p := pay(t, f, "W20261121000004", 100, s.OpenID)
	if p.Delivery.Status != 500 {
		t.Fatalf("first delivery answered %d", p.Delivery.Status)
	}
	// deliveries checks that the sandbox, settled, has made exactly n
	// deliveries, the last at at answered status, and that the merchant got
	// them all.
	start := clk.Now()
	deliveries := func(n int, at time.Time, status int) {
		t.Helper()
		clk.Settle(t, f.sb)
		ds := f.sb.Deliveries()
		var log []string
		for _, d := range ds {
			log = append(log, fmt.Sprintf("#%d at +%v: %d", d.Attempt, d.At.Sub(start), d.Status))
		}
		if len(ds) != n || len(f.sink.got()) != n {
			t.Fatalf("clock at +%v: %d deliveries (%d received), want %d: %v", clk.Now().Sub(start), len(ds), len(f.sink.got()), n, log)
		}
		if last := ds[n-1]; !last.At.Equal(at) || last.Status != status || last.Attempt != n {
			t.Fatalf("deliveries %v, want #%d at +%v: %d", log, n, at.Sub(start), status)
		}
	}
	at := start
	deliveries(1, at, 500)
	for i, status := range []int{503, 500, 200} {
		at = at.Add(sandbox.RetrySchedule[i])
		if due := clk.Settle(t, f.sb); len(due) != 1 || !due[0].Equal(at) {
			t.Fatalf("retry %d is due at %v, want +%v (%v after the last)", i+1, due, at.Sub(start), sandbox.RetrySchedule[i])
		}
		clk.Set(at)
		deliveries(i+2, at, status)
	}
	// Acknowledged: nothing more at any later time of WeChat's schedule.
	acked := at
	for _, d := range sandbox.RetrySchedule[3:] {
		at = at.Add(d)
		clk.Set(at)
		deliveries(4, acked, 200)
	}
	for _, r := range f.sink.got() {
		if _, err := f.notify.Open(r.header, r.body); err != nil {
			t.Fatalf("a retry failed verification: %v", err)
		}
	}
}

func TestRefund(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	s, _ := f.mp.Code2Session(ctx, "payer")
	pay(t, f, "W20261121000005", 5000, s.OpenID)
	_, err := f.pay.Refund(ctx, wechat.RefundRequest{OutTradeNo: "W20261121000005", OutRefundNo: "R1", RefundFen: 6000, TotalFen: 5000})
	wantCode(t, err, "INVALID_REQUEST")
	_, err = f.pay.Refund(ctx, wechat.RefundRequest{OutTradeNo: "W_UNKNOWN", OutRefundNo: "R0", RefundFen: 1, TotalFen: 1})
	wantCode(t, err, "RESOURCE_NOT_EXISTS")

	r, err := f.pay.Refund(ctx, wechat.RefundRequest{OutTradeNo: "W20261121000005", OutRefundNo: "R2", RefundFen: 2000, TotalFen: 5000, Reason: "缺货"})
	if err != nil || r.Status != wechat.RefundProcessing || r.RefundID == "" || r.RefundFen != 2000 {
		t.Fatalf("refund %+v %v", r, err)
	}
	// Only 3000 is left to refund.
	_, err = f.pay.Refund(ctx, wechat.RefundRequest{OutTradeNo: "W20261121000005", OutRefundNo: "R3", RefundFen: 3001, TotalFen: 5000})
	wantCode(t, err, "INVALID_REQUEST")

	deadline := time.Now().Add(5 * time.Second)
	for len(f.sink.got()) < 2 && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	got := f.sink.got()
	if len(got) != 2 {
		t.Fatalf("%d notifications, want the payment's and the refund's", len(got))
	}
	ev, err := f.notify.Open(got[1].header, got[1].body)
	if err != nil {
		t.Fatal(err)
	}
	if ev.Type != wechat.EventRefundSuccess || ev.Refund.OutRefundNo != "R2" || ev.Refund.RefundFen != 2000 || ev.Refund.Status != "SUCCESS" {
		t.Fatalf("refund event %+v %+v", ev, ev.Refund)
	}
	q, err := f.pay.QueryRefund(ctx, "R2")
	if err != nil || q.Status != wechat.RefundSuccess || q.SuccessTime.IsZero() {
		t.Fatalf("refund query %+v %v", q, err)
	}
	_, err = f.pay.QueryRefund(ctx, "R404")
	wantCode(t, err, "RESOURCE_NOT_EXISTS")
}

func TestShippingInfo(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	s, _ := f.mp.Code2Session(ctx, "payer")
	p := pay(t, f, "W20261121000006", 3000, s.OpenID)
	ship := wechat.Shipment{TransactionID: p.TransactionID, OpenID: s.OpenID, LogisticsType: wechat.LogisticsExpress, At: time.Now(),
		Items: []wechat.ShipmentItem{{TrackingNo: "SF1234567890", ExpressCompany: "SF", Description: "光明 鲜牛奶 ×2", ReceiverPhoneMasked: "138****0000"}}}
	o, err := indexed(f, p.TransactionID)
	if err != nil || o.State != 1 || o.OutTradeNo != "W20261121000006" {
		t.Fatalf("before shipping %+v %v", o, err)
	}
	wantCode(t, f.mp.ConfirmReceive(ctx, p.TransactionID, time.Now()), "10060019")
	noTracking := ship
	noTracking.Items = []wechat.ShipmentItem{{Description: "x"}}
	wantCode(t, f.mp.UploadShipping(ctx, noTracking), "10060014")
	wrongPayer := ship
	wrongPayer.OpenID = f.sb.OpenID("someone-else")
	wantCode(t, f.mp.UploadShipping(ctx, wrongPayer), "10060023")
	unknown := ship
	unknown.TransactionID = "4200000000000000000000000000"
	wantCode(t, f.mp.UploadShipping(ctx, unknown), "10060001")

	if err := f.mp.UploadShipping(ctx, ship); err != nil {
		t.Fatal(err)
	}
	if o, _ = f.mp.ShippingOrder(ctx, p.TransactionID); o.State != 2 {
		t.Fatalf("after shipping: %+v", o)
	}
	// get_order describes each parcel with the time it was uploaded.
	got := rawAPI(t, f, "/wxa/sec/order/get_order", map[string]string{"transaction_id": p.TransactionID})
	list, _ := got["order"].(map[string]any)["shipping"].(map[string]any)["shipping_list"].([]any)
	if len(list) != 1 || list[0].(map[string]any)["upload_time"] != float64(ship.At.Unix()) ||
		list[0].(map[string]any)["goods_desc"] != "光明 鲜牛奶 ×2" {
		t.Fatalf("get_order shipping_list: %v", got)
	}
	// The records list shipping by WeChat Pay transaction_id.
	res, err := http.Get(f.url + "/sandbox/records")
	if err != nil {
		t.Fatal(err)
	}
	var rec struct {
		Shipping map[string]struct {
			LogisticsType int `json:"logistics_type"`
		} `json:"shipping"`
	}
	_ = json.NewDecoder(res.Body).Decode(&rec)
	res.Body.Close()
	if rec.Shipping[p.TransactionID].LogisticsType != wechat.LogisticsExpress {
		t.Fatalf("records' shipping is not keyed by transaction_id: %+v", rec.Shipping)
	}
	// notify_confirm_receive reminds the shopper, once; the shopper
	// confirming in WeChat makes it 3.
	if err := f.mp.ConfirmReceive(ctx, p.TransactionID, time.Now()); err != nil {
		t.Fatal(err)
	}
	wantCode(t, f.mp.ConfirmReceive(ctx, p.TransactionID, time.Now()), "10060030")
	if o, _ = f.mp.ShippingOrder(ctx, p.TransactionID); o.State != 2 {
		t.Fatalf("after the reminder: %+v", o)
	}
	res, err = http.Post(f.url+"/sandbox/shipping/confirm", "application/json", strings.NewReader(`{"transaction_id": "`+p.TransactionID+`"}`))
	if err != nil || res.StatusCode != http.StatusOK {
		t.Fatalf("shopper confirms: %v %v", res, err)
	}
	res.Body.Close()
	if o, _ = f.mp.ShippingOrder(ctx, p.TransactionID); o.State != 3 {
		t.Fatalf("after receipt: %+v", o)
	}
	// Pickup needs no tracking number (nor a reminder, which is for express).
	p2 := pay(t, f, "W20261121000007", 100, s.OpenID)
	if _, err := indexed(f, p2.TransactionID); err != nil {
		t.Fatal(err)
	}
	pickup := wechat.Shipment{TransactionID: p2.TransactionID, OpenID: s.OpenID, LogisticsType: wechat.LogisticsPickup, At: time.Now(),
		Items: []wechat.ShipmentItem{{Description: "到店自提"}}}
	if err := f.mp.UploadShipping(ctx, pickup); err != nil {
		t.Fatal(err)
	}
	wantCode(t, f.mp.ConfirmReceive(ctx, p2.TransactionID, time.Now()), "10060032")
}

// indexed waits for the shipping-info API to know a payment (10060001 for a
// little while after it was paid, on the sandbox's time scale) and returns
// get_order's answer.
func indexed(f *fixture, transactionID string) (wechat.ShippingOrder, error) {
	o, err := f.mp.ShippingOrder(context.Background(), transactionID)
	for deadline := time.Now().Add(5 * time.Second); wechat.CodeOf(err) == "10060001" && time.Now().Before(deadline); {
		time.Sleep(5 * time.Millisecond)
		o, err = f.mp.ShippingOrder(context.Background(), transactionID)
	}
	return o, err
}

// TestPaySignaturesBothWays: WeChat Pay refuses a merchant it cannot verify,
// and the client refuses answers WeChat Pay did not sign.
func TestPaySignaturesBothWays(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	_, other := wxpayKeys(t)

	wrongKey := f.creds
	wrongKey.MchKeyPEM = wxpay.PrivateKeyPEM(other)
	forger, err := wechat.NewPay(wrongKey, endpoints(f))
	if err != nil {
		t.Fatal(err)
	}
	_, err = forger.Query(ctx, "W1")
	wantCode(t, err, "SIGN_ERROR")
	wrongSerial := f.creds
	wrongSerial.MchSerial = "0123456789ABCDEF"
	client, _ := wechat.NewPay(wrongSerial, endpoints(f))
	_, err = client.Query(ctx, "W1")
	wantCode(t, err, "SIGN_ERROR")

	// A client that trusts another platform key rejects the sandbox's answers.
	distrust := f.creds
	distrust.PlatformKey = &other.PublicKey
	client, _ = wechat.NewPay(distrust, endpoints(f))
	_, err = client.Query(ctx, "W1")
	if err == nil || !wechat.IsTemporary(err) || !strings.Contains(err.Error(), "verification") {
		t.Fatalf("unverifiable answer accepted or misreported: %v", err)
	}
}

func endpoints(f *fixture) wechat.Endpoints {
	return wechat.Endpoints{APIBase: f.url + sandbox.APIPrefix + "/", MchBase: f.url, MchPrefix: sandbox.MchPrefix, NotifyURL: f.sink.srv.URL}
}

var (
	otherOnce sync.Once
	otherKey  *rsa.PrivateKey
)

func wxpayKeys(t *testing.T) (*sandbox.Identity, *rsa.PrivateKey) {
	t.Helper()
	_, id := identity(t)
	otherOnce.Do(func() {
		var err error
		if otherKey, err = rsa.GenerateKey(rand.Reader, 2048); err != nil {
			t.Fatal(err)
		}
	})
	return id, otherKey
}

// restartable is a sandbox journaling into dir, served over HTTP, with a
// pay client whose notify URL is sink; stop closes it as a shutdown does.
type restartable struct {
	sb   *sandbox.Sandbox
	pay  wechat.Pay
	url  string
	stop func()
}

func startSandbox(t *testing.T, dir string, sink string) restartable {
	t.Helper()
	idDir, id := identity(t)
	sb, url, stop := sandboxtest.Serve(t, sandbox.Options{Identity: id, Dir: dir, TimeScale: 0.001})
	creds := wechat.Credentials{AppID: id.AppID, AppSecret: id.AppSecret, MchID: id.MchID, MchSerial: id.MchSerial,
		APIv3Key: id.APIv3Key, PlatformKeyID: id.PlatformKeyID}
	if err := wechat.LoadKeys(&creds, sandbox.MchKeyPath(idDir), sandbox.PlatformPublicKeyPath(idDir)); err != nil {
		t.Fatal(err)
	}
	pay, err := wechat.NewPay(creds, wechat.Endpoints{MchBase: url, MchPrefix: sandbox.MchPrefix, NotifyURL: sink})
	if err != nil {
		t.Fatal(err)
	}
	return restartable{sb: sb, pay: pay, url: url, stop: stop}
}

// TestSandboxSurvivesRestart: the sandbox keeps its transactions and tokens
// in its journal, so a restarted server still finds what the shopper paid,
// and a second process cannot open the same journal.
func TestSandboxSurvivesRestart(t *testing.T) {
	dir := t.TempDir()
	ctx := context.Background()
	r := startSandbox(t, dir, "http://127.0.0.1:1/nowhere")
	prepayID, err := r.pay.Prepay(ctx, wechat.Prepay{OutTradeNo: "W20261121RESTART", Description: "x", AmountFen: 700, OpenID: r.sb.OpenID("u")})
	if err != nil {
		t.Fatal(err)
	}
	p, err := r.sb.Pay(prepayID, false)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := sandbox.New(sandbox.Options{Identity: r.sb.Identity(), Dir: dir}); err == nil || !strings.Contains(err.Error(), "WEMART_SANDBOX_URL") {
		t.Fatalf("a second sandbox on the same journal: %v", err)
	}
	r.stop()

	r = startSandbox(t, dir, "http://127.0.0.1:1/nowhere")
	tx, err := r.pay.Query(ctx, "W20261121RESTART")
	if err != nil || tx.TradeState != wechat.TradeSuccess || tx.TransactionID != p.TransactionID || tx.TotalFen != 700 {
		t.Fatalf("after restart: %+v %v", tx, err)
	}
	idDir, id := identity(t)
	again, err := sandbox.LoadOrCreateIdentity(idDir)
	if err != nil || again.AppID != id.AppID || !again.PlatformKey.Equal(id.PlatformKey) {
		t.Fatal("the identity changed across loads")
	}
}

// TestNotificationsResumeAfterRestart: a notification the merchant has not
// acknowledged is state: after a restart its delivery carries on where the
// retry schedule was, and stops once acknowledged.
func TestNotificationsResumeAfterRestart(t *testing.T) {
	dir := t.TempDir()
	ctx := context.Background()
	var mu sync.Mutex
	accept := false
	var got []string
	sink := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var n wxpay.Notification
		_ = json.NewDecoder(r.Body).Decode(&n)
		mu.Lock()
		defer mu.Unlock()
		got = append(got, n.ID)
		if !accept {
			w.WriteHeader(http.StatusInternalServerError)
		}
	}))
	defer sink.Close()
	r := startSandbox(t, dir, sink.URL)
	prepayID, err := r.pay.Prepay(ctx, wechat.Prepay{OutTradeNo: "W20261121RESUME1", Description: "x", AmountFen: 1, OpenID: r.sb.OpenID("u")})
	if err != nil {
		t.Fatal(err)
	}
	p, err := r.sb.Pay(prepayID, true)
	if err != nil || p.Delivery.Status != http.StatusInternalServerError {
		t.Fatalf("first delivery: %+v %v", p, err)
	}
	r.stop()
	if r.sb.Pending() != 1 {
		t.Fatalf("%d notifications pending at the stop, want 1", r.sb.Pending())
	}
	mu.Lock()
	before, id := len(got), got[0]
	accept = true
	mu.Unlock()

	r = startSandbox(t, dir, sink.URL)
	deadline := time.Now().Add(10 * time.Second)
	for r.sb.Pending() > 0 && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	mu.Lock()
	after := append([]string(nil), got...)
	mu.Unlock()
	if r.sb.Pending() != 0 || len(after) <= before || after[len(after)-1] != id {
		t.Fatalf("no delivery of %s after the restart: %d pending, received %v", id, r.sb.Pending(), after)
	}
	ds := r.sb.Deliveries()
	if last := ds[len(ds)-1]; last.Status != http.StatusOK || last.Attempt != before+1 {
		t.Fatalf("the resumed delivery is %+v, want attempt %d answered 200", last, before+1)
	}
}

// TestRefundsThatDoNotGoThrough: with a fault, WeChat Pay accepts a refund
// and then closes it (CLOSED) or finds the shopper's account unusable
// (ABNORMAL), and says so in the notification and the query; the amount can
// be refunded again.
func TestRefundsThatDoNotGoThrough(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	s, _ := f.mp.Code2Session(ctx, "payer")
	pay(t, f, "W20261121000010", 900, s.OpenID)
	for i, c := range []struct{ op, status, event string }{
		{sandbox.OpRefundClosed, wechat.RefundClosed, wechat.EventRefundClosed},
		{sandbox.OpRefundAbnormal, wechat.RefundAbnormal, wechat.EventRefundFailed},
	} {
		f.sb.Fail(c.op, 1, 0, "")
		no := fmt.Sprintf("RX%d", i)
		r, err := f.pay.Refund(ctx, wechat.RefundRequest{OutTradeNo: "W20261121000010", OutRefundNo: no, RefundFen: 900, TotalFen: 900})
		if err != nil || r.Status != wechat.RefundProcessing {
			t.Fatalf("refund %s: %+v %v", no, r, err)
		}
		deadline := time.Now().Add(5 * time.Second)
		for len(f.sink.got()) < i+2 && time.Now().Before(deadline) {
			time.Sleep(5 * time.Millisecond)
		}
		got := f.sink.got()
		if len(got) != i+2 {
			t.Fatalf("%d notifications", len(got))
		}
		ev, err := f.notify.Open(got[i+1].header, got[i+1].body)
		if err != nil || ev.Type != c.event || ev.Refund == nil || ev.Refund.Status != c.status || ev.Refund.OutRefundNo != no {
			t.Fatalf("notification of %s: %+v %v", no, ev, err)
		}
		if q, err := f.pay.QueryRefund(ctx, no); err != nil || q.Status != c.status || !q.SuccessTime.IsZero() {
			t.Fatalf("query of %s: %+v %v", no, q, err)
		}
	}
	r, err := f.pay.Refund(ctx, wechat.RefundRequest{OutTradeNo: "W20261121000010", OutRefundNo: "RX-ok", RefundFen: 900, TotalFen: 900})
	if err != nil || r.Status != wechat.RefundProcessing {
		t.Fatalf("the whole amount again: %+v %v", r, err)
	}
}

// TestTokensAsWeChatIssuesThem: classic tokens knock earlier ones out after
// five minutes (processes fetching their own tokens break each other);
// stable tokens are the same for every caller, so two processes share one.
func TestTokensAsWeChatIssuesThem(t *testing.T) {
	_, id := identity(t)
	var mu sync.Mutex
	now := time.Now()
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	_, url, _ := sandboxtest.Serve(t, sandbox.Options{Identity: id, Now: clock})
	getJSON := func(method, path, body string) map[string]any {
		req, _ := http.NewRequest(method, url+sandbox.APIPrefix+path, strings.NewReader(body))
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		var m map[string]any
		_ = json.NewDecoder(res.Body).Decode(&m)
		return m
	}
	classic := func() string {
		m := getJSON("GET", "/cgi-bin/token?grant_type=client_credential&appid="+id.AppID+"&secret="+id.AppSecret, "")
		return m["access_token"].(string)
	}
	useToken := func(tok string) float64 {
		m := getJSON("POST", "/wxa/business/getuserphonenumber?access_token="+tok, `{"code":"x"}`)
		code, _ := m["errcode"].(float64)
		return code
	}
	a := classic()
	b := classic()
	if useToken(a) != 0 || useToken(b) != 0 {
		t.Fatal("both tokens must work at first")
	}
	mu.Lock()
	now = now.Add(6 * time.Minute)
	mu.Unlock()
	if useToken(a) != 42001 || useToken(b) != 0 {
		t.Fatalf("after 6 minutes: old token %v, new token %v", useToken(a), useToken(b))
	}
	stable := `{"grant_type":"client_credential","appid":"` + id.AppID + `","secret":"` + id.AppSecret + `"}`
	s1 := getJSON("POST", "/cgi-bin/stable_token", stable)["access_token"]
	s2 := getJSON("POST", "/cgi-bin/stable_token", stable)["access_token"]
	if s1 == nil || s1 != s2 {
		t.Fatalf("stable tokens differ: %v %v", s1, s2)
	}
	if m := getJSON("POST", "/cgi-bin/stable_token", `{"grant_type":"client_credential","appid":"`+id.AppID+`","secret":"wrong"}`); m["errcode"] != float64(40125) {
		t.Fatalf("wrong secret: %v", m)
	}
	if useToken("made-up") != 40001 {
		t.Fatal("an unknown token must be 40001")
	}
}
