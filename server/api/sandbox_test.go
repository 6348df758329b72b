package api_test

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"wemart/ent/order"
	"wemart/server/api"
	"wemart/server/apitest"
	"wemart/server/storage"
	"wemart/server/storage/storagetest"
	"wemart/server/wechat"
	"wemart/server/wechat/sandbox"
)

// sharedSandbox serves a sandbox on its own, as `wemart sandbox` does; stop
// shuts it down.
func sharedSandbox(t *testing.T) (url string, sb *sandbox.Sandbox, stop func()) {
	t.Helper()
	sb, err := sandbox.New(sandbox.Options{Identity: apitest.SandboxIdentity(t), Dir: t.TempDir(), TimeScale: apitest.TimeScale})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(api.NewSandbox(slog.New(slog.NewTextHandler(io.Discard, nil)), sb))
	stop = sync.OnceFunc(func() { srv.Close(); sb.Close() })
	t.Cleanup(stop)
	return srv.URL, sb, stop
}

// TestServersShareOneSandbox: two servers on one database use one shared
// sandbox (WEMART_SANDBOX_URL): no sandbox of their own, the same shopper
// for the same login code on both, and POST /sandbox/pay on either server
// forwarded to the shared sandbox, which notifies the server that prepaid.
func TestServersShareOneSandbox(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		url, sb, stop := sharedSandbox(t)
		s := newShop(t, db, apitest.SharedSandbox(url))
		other := apitest.New(t, db, apitest.SharedSandbox(url))
		if s.h.App.WeChat.Sandbox != nil || other.App.WeChat.Sandbox != nil {
			t.Fatal("a server with WEMART_SANDBOX_URL must not run a sandbox of its own")
		}
		var ready struct{ WeChat string }
		other.Do("GET", "/readyz", "", nil).OK(http.StatusOK, &ready)
		if ready.WeChat != "sandbox" {
			t.Fatalf("readyz says wechat %q", ready.WeChat)
		}
		var id struct{ AppID string }
		other.Do("GET", "/sandbox/identity", "", nil).OK(http.StatusOK, &id)
		if id.AppID != sb.Identity().AppID || s.h.App.WeChat.Credentials.AppID != id.AppID {
			t.Fatalf("identity %q, the servers use %q", id.AppID, s.h.App.WeChat.Credentials.AppID)
		}
		again := mustShopper(t, other, "shopper-"+t.Name())
		if again.User.ID != s.shopper.User.ID {
			t.Fatalf("the same login code on another server is another shopper: %d, %d", again.User.ID, s.shopper.User.ID)
		}

		a := s.mustOrder(s.milk, 2)
		var c cashier
		other.Do("POST", "/sandbox/pay", "", map[string]any{"prepay_id": a.Payment.prepayID()}).OK(http.StatusOK, &c)
		if c.NotifyStatus == nil || *c.NotifyStatus != http.StatusOK {
			t.Fatalf("pay through the other server: %+v", c)
		}
		s.wantStatus(a.Order.ID, order.StatusPaid)
		if state, txid, _ := sb.Transaction(a.Order.OrderNo); state != sandbox.StateSuccess || txid != c.TransactionID {
			t.Fatalf("the shared sandbox says %s %s", state, txid)
		}
		// Errors come back as they are, envelope and all.
		other.Do("POST", "/sandbox/pay", "", map[string]any{"prepay_id": "wx-no-such"}).Fails(http.StatusNotFound, "not_found")
		var rec struct {
			Deliveries []sandbox.Delivery `json:"deliveries"`
		}
		s.h.Do("GET", "/sandbox/records", "", nil).OK(http.StatusOK, &rec)
		if len(rec.Deliveries) != 1 || !strings.HasPrefix(rec.Deliveries[0].URL, s.h.URL) {
			t.Fatalf("deliveries %+v, want one to %s", rec.Deliveries, s.h.URL)
		}

		stop()
		s.h.Do("POST", "/sandbox/pay", "", map[string]any{"prepay_id": a.Payment.prepayID()}).Fails(http.StatusServiceUnavailable, "unavailable")
	})
}

// TestSubscribeGrants: the sandbox endpoint that plays the shopper accepting
// subscribe messages, by login code or openid.
func TestSubscribeGrants(t *testing.T) {
	h := apitest.New(t, storagetest.New(t, "sqlite"))
	var g struct {
		OpenID    string `json:"openid"`
		Remaining int    `json:"remaining"`
	}
	h.Do("POST", "/sandbox/subscribe/grants", "", map[string]any{"code": "grant-me", "template_id": "TPL_paid"}).OK(http.StatusOK, &g)
	if g.OpenID != h.App.WeChat.Sandbox.OpenID("grant-me") || g.Remaining != 1 {
		t.Fatalf("grant by code: %+v", g)
	}
	h.Do("POST", "/sandbox/subscribe/grants", "", map[string]any{"openid": g.OpenID, "template_id": "TPL_paid", "count": 2}).OK(http.StatusOK, &g)
	if g.Remaining != 3 {
		t.Fatalf("grants add up: %+v", g)
	}
	for _, bad := range []map[string]any{
		{"template_id": "TPL_paid"},
		{"code": "x", "openid": g.OpenID, "template_id": "TPL_paid"},
		{"openid": "oMadeUp", "template_id": "TPL_paid"},
		{"code": "x", "template_id": ""},
		{"code": "x", "template_id": "TPL", "count": 0},
		{"code": "x", "template_id": "TPL", "extra": 1},
	} {
		h.Do("POST", "/sandbox/subscribe/grants", "", bad).Fails(http.StatusBadRequest, "invalid_argument")
	}
	var id struct {
		AppID    string `json:"appid"`
		APIv3Key string `json:"apiv3_key"`
	}
	h.Do("GET", "/sandbox/identity", "", nil).OK(http.StatusOK, &id)
	if id.AppID != h.App.WeChat.Credentials.AppID || id.APIv3Key != h.App.WeChat.Credentials.APIv3Key {
		t.Fatalf("identity %+v", id)
	}
}

// TestSandboxRecordsTransactionsAndRefunds: GET /sandbox/records lists every
// transaction with its state and amounts, and every refund, so a test can
// hold wemart's books against what WeChat Pay took.
func TestSandboxRecordsTransactionsAndRefunds(t *testing.T) {
	s := newShop(t, storagetest.New(t, "sqlite"))
	paid := s.mustOrder(s.milk, 2)
	unpaid := s.mustOrder(s.bread, 1)
	c := s.pay(paid.Payment.prepayID(), true)
	s.wantStatus(paid.Order.ID, order.StatusPaid)
	s.h.Do("POST", apitest.Path("/admin/v1/orders/%d/refund", paid.Order.ID), s.h.AdminToken,
		map[string]string{"reason": "records"}).OK(http.StatusOK, nil)
	s.eventuallyStatus(paid.Order.ID, order.StatusRefunded)

	var rec struct {
		Transactions []sandbox.TransactionRecord `json:"transactions"`
		Refunds      []sandbox.RefundRecord      `json:"refunds"`
	}
	s.h.Do("GET", "/sandbox/records", "", nil).OK(http.StatusOK, &rec)
	byNo := map[string]sandbox.TransactionRecord{}
	for _, tx := range rec.Transactions {
		byNo[tx.OutTradeNo] = tx
	}
	if len(rec.Transactions) != 2 {
		t.Fatalf("transactions %+v, want 2", rec.Transactions)
	}
	p := byNo[paid.Order.OrderNo]
	if p.TradeState != sandbox.StateRefund || p.TransactionID != c.TransactionID || p.Total != paid.Order.PayableFen ||
		p.Refunded != paid.Order.PayableFen || p.SuccessTime == nil {
		t.Fatalf("the paid and refunded transaction: %+v", p)
	}
	u := byNo[unpaid.Order.OrderNo]
	if u.TradeState != sandbox.StateNotPay || u.TransactionID != "" || u.Total != unpaid.Order.PayableFen || u.SuccessTime != nil {
		t.Fatalf("the unpaid transaction: %+v", u)
	}
	if len(rec.Refunds) != 1 || rec.Refunds[0].OutTradeNo != paid.Order.OrderNo || rec.Refunds[0].Status != "SUCCESS" ||
		rec.Refunds[0].Refund != paid.Order.PayableFen || rec.Refunds[0].RefundID == "" || rec.Refunds[0].Reason != "records" {
		t.Fatalf("refunds %+v", rec.Refunds)
	}
}

// TestSandboxMiniProgramCalls: the mini program APIs the sandbox stands in
// for that wemart does not call yet (a classic access token, subscribe
// messages, shipping info), through the app's own WeChat client.
func TestSandboxMiniProgramCalls(t *testing.T) {
	s := newShop(t, storagetest.New(t, "sqlite"))
	a := s.mustOrder(s.milk, 1)
	c := s.pay(a.Payment.prepayID(), true)
	s.wantStatus(a.Order.ID, order.StatusPaid)
	ctx, sb, mp := context.Background(), s.h.App.WeChat.Sandbox, s.h.App.WeChat.MiniProgram
	openid := sb.OpenID("shopper-" + t.Name())

	id := sb.Identity()
	var tok struct {
		AccessToken string `json:"access_token"`
	}
	s.h.Do("GET", "/sandbox/api/cgi-bin/token?grant_type=client_credential&appid="+id.AppID+"&secret="+id.AppSecret, "", nil).
		OK(http.StatusOK, &tok)
	if tok.AccessToken == "" {
		t.Fatal("no access token")
	}

	s.h.Do("POST", "/sandbox/subscribe/grants", "", map[string]any{"openid": openid, "template_id": "TPL_paid"}).OK(http.StatusOK, nil)
	if err := mp.SendSubscribe(ctx, wechat.SubscribeMessage{OpenID: openid, TemplateID: "TPL_paid", Data: map[string]string{"thing1": "paid"}}); err != nil {
		t.Fatal(err)
	}

	// The shipping-info API knows a payment a little after it was paid
	// (10060001 meanwhile, on the sandbox's time scale).
	o, err := mp.ShippingOrder(ctx, c.TransactionID)
	for deadline := time.Now().Add(5 * time.Second); wechat.CodeOf(err) == "10060001" && time.Now().Before(deadline); {
		time.Sleep(5 * time.Millisecond)
		o, err = mp.ShippingOrder(ctx, c.TransactionID)
	}
	if err != nil || o.State != 1 {
		t.Fatalf("before shipping: %+v %v", o, err)
	}
	ship := wechat.Shipment{TransactionID: c.TransactionID, OpenID: openid, LogisticsType: wechat.LogisticsExpress, At: time.Now(),
		Items: []wechat.ShipmentItem{{TrackingNo: "SF1234567890", ExpressCompany: "SF", Description: "milk", ReceiverPhoneMasked: "138****0000"}}}
	if err := mp.UploadShipping(ctx, ship); err != nil {
		t.Fatal(err)
	}
	if err := mp.ConfirmReceive(ctx, c.TransactionID, time.Now()); err != nil {
		t.Fatal(err)
	}
}
