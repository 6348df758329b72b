package api_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/rsa"
	"encoding/json"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"wemart/ent"
	"wemart/ent/payment"
	"wemart/ent/refund"
	"wemart/schema/types"
	"wemart/server/apitest"
	"wemart/server/storage"
	"wemart/server/storage/storagetest"
	"wemart/server/wechat"
	"wemart/server/wechat/wxpay"
)

// pendingPayment makes an unpaid order with its payment row, as checkout
// leaves them, directly in the database: these tests choose the order number
// and amount and prepay it themselves (even with a wrong amount), which a
// real checkout, prepaying for itself, would not let them do. The checkout
// path is tested end to end in shop_orders_test.go.
func pendingPayment(t *testing.T, h *apitest.Harness, db *storage.DB, code, orderNo string, fen int64) (*ent.Payment, string) {
	t.Helper()
	ctx := context.Background()
	l := mustShopper(t, h, code)
	sh := db.Client.Shopper.GetX(ctx, l.User.ID)
	st := db.Client.Store.Create().SetName("店").SetLat(31).SetLng(121).SetH3R5(1).SetH3R7(1).SetH3R8(1).
		SetOpeningHours([]types.OpeningPeriod{}).SaveX(ctx)
	o := db.Client.Order.Create().SetOrderNo(orderNo).SetShopperID(sh.ID).SetStoreID(st.ID).SetFulfilment("pickup").
		SetGoodsFen(fen).SetPayableFen(fen).SetIdempotencyKey("k-" + orderNo).SetRequestHash("h").
		SetExpiresAt(time.Now().Add(15 * time.Minute)).SaveX(ctx)
	p := db.Client.Payment.Create().SetOrderID(o.ID).SetOutTradeNo(orderNo).SetAmountFen(fen).
		SetPayerOpenid(sh.Openid).SaveX(ctx)
	return p, sh.Openid
}

type cashier struct {
	TransactionID string `json:"transaction_id"`
	NotifyStatus  *int   `json:"notify_status"`
	prepayID      string
}

// payInSandbox prepays through the app's real WeChat Pay client and plays the
// shopper paying with POST /sandbox/pay.
func payInSandbox(t *testing.T, h *apitest.Harness, orderNo string, fen int64, openid string) cashier {
	t.Helper()
	prepayID, err := h.App.WeChat.Pay.Prepay(context.Background(), wechat.Prepay{
		OutTradeNo: orderNo, Description: "wemart 订单 " + orderNo, AmountFen: fen, OpenID: openid, Expires: time.Now().Add(10 * time.Minute)})
	if err != nil {
		t.Fatal(err)
	}
	c := cashier{prepayID: prepayID}
	h.Do("POST", "/sandbox/pay", "", map[string]string{"prepay_id": prepayID}).OK(http.StatusOK, &c)
	return c
}

func TestPaymentNotificationThroughTheSandbox(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		h := apitest.New(t, db)
		ctx := context.Background()
		p, openid := pendingPayment(t, h, db, "payer", "W202611210000001", 1990)
		c := payInSandbox(t, h, "W202611210000001", 1990, openid)
		if c.NotifyStatus == nil || *c.NotifyStatus != 200 {
			t.Fatalf("notify answered %v", c.NotifyStatus)
		}
		paid := db.Client.Payment.GetX(ctx, p.ID)
		if paid.Status != payment.StatusPaid || paid.TransactionID == nil || *paid.TransactionID != c.TransactionID || paid.PaidAt == nil {
			t.Fatalf("payment after notification: %+v", paid)
		}
		// The same notification again: 200, nothing changes.
		var again cashier
		h.Do("POST", "/sandbox/pay", "", map[string]string{"prepay_id": c.prepayID}).OK(http.StatusOK, &again)
		if *again.NotifyStatus != 200 || again.TransactionID != c.TransactionID {
			t.Fatalf("duplicate: %+v", again)
		}
		if after := db.Client.Payment.GetX(ctx, p.ID); !after.UpdatedAt.Equal(paid.UpdatedAt) {
			t.Fatal("a duplicate notification changed the payment")
		}

		// WeChat's records show the delivery.
		var rec struct {
			Deliveries []struct {
				Status int `json:"status"`
			} `json:"deliveries"`
		}
		h.Do("GET", "/sandbox/records", "", nil).OK(http.StatusOK, &rec)
		if len(rec.Deliveries) != 2 || rec.Deliveries[0].Status != 200 {
			t.Fatalf("records: %+v", rec)
		}
	})
}

func TestSandboxRefusesWhatWeChatRefuses(t *testing.T) {
	h := apitest.New(t, storagetest.New(t, "sqlite"))
	h.Do("POST", "/sandbox/pay", "", map[string]string{"prepay_id": "wx-no-such"}).Fails(http.StatusNotFound, "not_found")
	h.Do("POST", "/sandbox/pay", "", map[string]string{}).Fails(http.StatusBadRequest, "invalid_argument")
	ctx := context.Background()
	openid := h.App.WeChat.Sandbox.OpenID("closer")
	id, err := h.App.WeChat.Pay.Prepay(ctx, wechat.Prepay{OutTradeNo: "W202611219999", Description: "x", AmountFen: 100, OpenID: openid})
	if err != nil {
		t.Fatal(err)
	}
	if err := h.App.WeChat.Pay.Close(ctx, "W202611219999"); err != nil {
		t.Fatal(err)
	}
	h.Do("POST", "/sandbox/pay", "", map[string]string{"prepay_id": id}).Fails(http.StatusConflict, "conflict")
}

var (
	strangerOnce sync.Once
	stranger     *rsa.PrivateKey
)

// TestForgedAndMismatchedNotificationsChangeNothing: each notification that
// fails a check is refused with a non-2xx and leaves the payment unpaid; the
// genuine one at the end proves the refusals were for the reasons tested.
func TestForgedAndMismatchedNotificationsChangeNothing(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		h := apitest.New(t, db)
		ctx := context.Background()
		p, openid := pendingPayment(t, h, db, "victim", "W202611210000002", 990)
		id := h.App.WeChat.Sandbox.Identity()
		strangerKey()

		resource := func(no string, fen int64, appid string) map[string]any {
			return map[string]any{"appid": appid, "mchid": id.MchID, "out_trade_no": no, "transaction_id": "4200000001202611210000000001",
				"trade_type": "JSAPI", "trade_state": "SUCCESS", "success_time": time.Now().Format(time.RFC3339),
				"payer": map[string]string{"openid": openid}, "amount": map[string]any{"total": fen, "currency": "CNY"}}
		}
		type notification struct {
			key    *rsa.PrivateKey
			serial string
			v3key  string
			at     time.Time
			body   func() []byte // nil: a genuine encrypted body of res
			res    map[string]any
			tamper func([]byte) []byte
		}
		genuine := notification{key: id.PlatformKey, serial: id.PlatformKeyID, v3key: id.APIv3Key, at: time.Now(),
			res: resource("W202611210000002", 990, id.AppID)}
		send := func(t *testing.T, n notification) *apitest.Response {
			var body []byte
			if n.body != nil {
				body = n.body()
			} else {
				var err error
				if body, err = wxpay.NewNotification(n.v3key, "EV-TEST", wechat.EventPaid, "支付成功", "transaction", n.res, n.at); err != nil {
					t.Fatal(err)
				}
			}
			hdr, err := wxpay.Signer{Key: n.key, Serial: n.serial, Now: func() time.Time { return n.at }}.Headers(body)
			if err != nil {
				t.Fatal(err)
			}
			if n.tamper != nil {
				body = n.tamper(body)
			}
			args := []string{}
			for k := range hdr {
				args = append(args, k, hdr.Get(k))
			}
			return h.For(t).Do("POST", "/wechat/pay/notify", "", body, args...)
		}
		with := func(change func(*notification)) notification {
			n := genuine
			n.res = resource("W202611210000002", 990, id.AppID)
			change(&n)
			return n
		}
		tests := []struct {
			name   string
			n      notification
			status int
		}{
			{"tampered body", with(func(n *notification) {
				n.tamper = func(b []byte) []byte { return bytes.Replace(b, []byte("EV-TEST"), []byte("EV-EVIL"), 1) }
			}), 401},
			{"signed with another key", with(func(n *notification) { n.key = stranger }), 401},
			{"unknown serial", with(func(n *notification) { n.serial = "PUB_KEY_ID_0000000000000000000000" }), 401},
			{"stale timestamp", with(func(n *notification) { n.at = time.Now().Add(-10 * time.Minute) }), 401},
			{"not JSON", with(func(n *notification) { n.body = func() []byte { return []byte("<xml>paid</xml>") } }), 400},
			{"encrypted with another APIv3 key", with(func(n *notification) { n.v3key = strings.Repeat("k", 32) }), 400},
			{"another appid", with(func(n *notification) { n.res = resource("W202611210000002", 990, "wx0000000000000000") }), 400},
			{"unknown order", with(func(n *notification) { n.res = resource("W_NOT_OURS_0001", 990, id.AppID) }), 404},
			{"another amount", with(func(n *notification) { n.res = resource("W202611210000002", 1, id.AppID) }), 400},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				res := send(t, tt.n)
				var body struct {
					Code  string `json:"code"`
					Error struct {
						Code string `json:"code"`
					} `json:"error"`
				}
				if res.Status != tt.status || json.Unmarshal(res.Body, &body) != nil || body.Code != "FAIL" || body.Error.Code == "" {
					t.Fatalf("status %d body %s, want %d with WeChat's FAIL body and our envelope", res.Status, res.Body, tt.status)
				}
				if got := db.Client.Payment.GetX(ctx, p.ID); got.Status != payment.StatusPending || got.TransactionID != nil {
					t.Fatalf("a refused notification changed the payment: %+v", got)
				}
			})
		}
		// The same notification, genuine, is accepted: the refusals above were
		// for the one thing each changed.
		send(t, genuine).OK(http.StatusOK, nil)
		if got := db.Client.Payment.GetX(ctx, p.ID); got.Status != payment.StatusPaid {
			t.Fatalf("genuine notification not applied: %+v", got)
		}
		// A mismatched amount delivered by the sandbox itself is refused too.
		_, openid2 := pendingPayment(t, h, db, "victim2", "W202611210000003", 500)
		c := payInSandbox(t, h, "W202611210000003", 501, openid2)
		if c.NotifyStatus == nil || *c.NotifyStatus != 400 {
			t.Fatalf("sandbox delivery of another amount answered %v", c.NotifyStatus)
		}
	})
}

// forgedNotification posts a payment notification for orderNo as WeChat Pay
// would, but signed with key (a forger's, or the real platform key over a
// tampered amount).
func forgedNotification(t *testing.T, h *apitest.Harness, key *rsa.PrivateKey, orderNo, openid string, fen int64) *apitest.Response {
	t.Helper()
	id := h.App.WeChat.Sandbox.Identity()
	res := map[string]any{"appid": id.AppID, "mchid": id.MchID, "out_trade_no": orderNo, "transaction_id": "4200000001202611219999999999",
		"trade_type": "JSAPI", "trade_state": "SUCCESS", "success_time": time.Now().Format(time.RFC3339),
		"payer": map[string]string{"openid": openid}, "amount": map[string]any{"total": fen, "currency": "CNY"}}
	return notify(t, h, key, wechat.EventPaid, "transaction", res)
}

// notify posts a WeChat Pay notification of event about resource (of kind
// "transaction" or "refund"), encrypted with the sandbox's APIv3 key and
// signed with key under the platform key's serial, as WeChat Pay sends it.
func notify(t *testing.T, h *apitest.Harness, key *rsa.PrivateKey, event, kind string, resource map[string]any) *apitest.Response {
	t.Helper()
	id := h.App.WeChat.Sandbox.Identity()
	body, err := wxpay.NewNotification(id.APIv3Key, "EV-TEST-"+kind, event, "通知", kind, resource, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	hdr, err := wxpay.Signer{Key: key, Serial: id.PlatformKeyID, Now: time.Now}.Headers(body)
	if err != nil {
		t.Fatal(err)
	}
	var args []string
	for k := range hdr {
		args = append(args, k, hdr.Get(k))
	}
	return h.Do("POST", "/wechat/pay/notify", "", body, args...)
}

// strangerKey is an RSA key WeChat never issued.
func strangerKey() *rsa.PrivateKey {
	strangerOnce.Do(func() { stranger, _ = rsa.GenerateKey(rand.Reader, 2048) })
	return stranger
}

// TestRefundNotifyNeedsApproval: a validly signed
// refund notification for a refund nobody approved (requested) or one staff
// rejected is refused and changes nothing; only a refund sent to WeChat Pay
// (processing) may be finished by one.
func TestRefundNotifyNeedsApproval(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		s := newShop(t, db)
		h, ctx := s.h, context.Background()
		a := s.mustOrder(s.milk, 2)
		s.pay(a.Payment.prepayID(), true)
		h.Do("POST", apitest.Path("/api/v1/orders/%d/refund", a.Order.ID), s.shopper.Token,
			map[string]string{"reason": "不要了"}).OK(http.StatusOK, nil)
		rf := db.Client.Refund.Query().OnlyX(ctx)
		id := h.App.WeChat.Sandbox.Identity()
		refundNotification := func() *apitest.Response {
			return notify(t, h, id.PlatformKey, wechat.EventRefundSuccess, "refund", map[string]any{
				"mchid": id.MchID, "out_trade_no": a.Order.OrderNo, "transaction_id": "4200000001202611210000000009",
				"out_refund_no": rf.OutRefundNo, "refund_id": "50000000012026112100000001", "refund_status": "SUCCESS",
				"success_time": time.Now().Format(time.RFC3339), "amount": map[string]any{"total": rf.AmountFen, "refund": rf.AmountFen}})
		}
		unchanged := func(want refund.Status) {
			t.Helper()
			if got := db.Client.Refund.GetX(ctx, rf.ID); got.Status != want || got.RefundID != nil {
				t.Fatalf("refund is %s (refund_id %v), want %s untouched", got.Status, got.RefundID, want)
			}
			if o := s.order(a.Order.ID); o.Status == "refunded" || o.RefundedFen != 0 {
				t.Fatalf("the order was refunded by a notification nobody asked for: %+v", o)
			}
			s.wantLevel(s.milk, 8, 0) // nothing restocked
		}
		refundNotification().Fails(http.StatusConflict, "conflict")
		unchanged(refund.StatusRequested)

		h.Do("POST", apitest.Path("/admin/v1/orders/%d/refund/reject", a.Order.ID), h.AdminToken,
			map[string]string{"note": "已开封"}).OK(http.StatusOK, nil)
		refundNotification().Fails(http.StatusConflict, "conflict")
		unchanged(refund.StatusRejected)
	})
}
