package api_test

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"wemart/ent/order"
	"wemart/ent/stockmovement"
	"wemart/server/apitest"
	"wemart/server/orders"
	"wemart/server/storage"
	"wemart/server/storage/storagetest"
	"wemart/server/wechat/sandbox"
)

// TestCheckoutAndPaymentThroughTheSandbox walks the money path as the mini
// program does: fill the cart, check out (stock reserved, JSAPI prepay),
// pay in the sandbox's cashier (a signed, encrypted notification to
// /wechat/pay/notify), and see the order paid and its units leave on_hand
// exactly once, however many notifications arrive.
func TestCheckoutAndPaymentThroughTheSandbox(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		s := newShop(t, db)
		h, tok := s.h, s.shopper.Token
		h.Do("PUT", "/api/v1/cart/items", tok, map[string]any{"store_id": s.store.ID, "sku_id": s.milk, "quantity": 2}).OK(http.StatusOK, nil)
		h.Do("PUT", "/api/v1/cart/items", tok, map[string]any{"store_id": s.store.ID, "sku_id": s.bread, "quantity": 1}).OK(http.StatusOK, nil)

		var a checkoutAnswer
		h.Do("POST", "/api/v1/orders", tok, map[string]any{"store_id": s.store.ID, "fulfilment": "pickup"},
			"Idempotency-Key", "cart-checkout-1").OK(http.StatusCreated, &a)
		o := a.Order
		if o.Status != "pending_payment" || o.GoodsFen != 2*milkFen+breadFen || o.PayableFen != o.GoodsFen || o.DeliveryFeeFen != 0 {
			t.Fatalf("order %+v", o)
		}
		if p := a.Payment; p == nil || !strings.HasPrefix(p.Package, "prepay_id=wx") || p.SignType != "RSA" ||
			p.PaySign == "" || p.NonceStr == "" || p.TimeStamp == "" {
			t.Fatalf("payment params %+v", a.Payment)
		}
		if o.PickupCode != nil {
			t.Fatal("the pickup code shows before payment")
		}
		s.wantLevel(s.milk, 10, 2)
		s.wantLevel(s.bread, 5, 1)
		// The ordered lines left the cart.
		var c struct{ Items []any }
		h.Do("GET", apitest.Path("/api/v1/cart?store_id=%d", s.store.ID), tok, nil).OK(http.StatusOK, &c)
		if len(c.Items) != 0 {
			t.Fatalf("cart after checkout: %+v", c.Items)
		}

		// WeChat knows the order as we sent it.
		state, _, ok := h.App.WeChat.Sandbox.Transaction(o.OrderNo)
		if !ok || state != sandbox.StateNotPay {
			t.Fatalf("sandbox transaction %s: %s %v", o.OrderNo, state, ok)
		}

		// The shopper dismissed the cashier and pays again: fresh parameters
		// for the same WeChat transaction.
		var again checkoutAnswer
		h.Do("POST", apitest.Path("/api/v1/orders/%d/pay", o.ID), tok, nil).OK(http.StatusOK, &again)
		if again.Payment == nil || again.Payment.Package != a.Payment.Package || again.Order.ID != o.ID {
			t.Fatalf("pay again: %+v", again)
		}

		// A forged notification (another key) and a tampered one (the real
		// key, a smaller amount) are refused and change nothing.
		openid := h.App.WeChat.Sandbox.OpenID("shopper-" + t.Name())
		forgedNotification(t, h, strangerKey(), o.OrderNo, openid, o.PayableFen).Fails(http.StatusUnauthorized, "unauthenticated")
		forgedNotification(t, h, h.App.WeChat.Sandbox.Identity().PlatformKey, o.OrderNo, openid, 1).Fails(http.StatusBadRequest, "invalid_argument")
		s.wantStatus(o.ID, order.StatusPendingPayment)
		s.wantLevel(s.milk, 10, 2)

		paid := s.pay(a.Payment.prepayID(), true)
		if paid.NotifyStatus == nil || *paid.NotifyStatus != http.StatusOK {
			t.Fatalf("notification answered %v", paid.NotifyStatus)
		}
		got := s.wantStatus(o.ID, order.StatusPaid)
		if got.PickupCode == nil || len(*got.PickupCode) != 6 || got.statuses() != "pending_payment>paid" ||
			got.Payment == nil || got.Payment.TransactionID == nil || *got.Payment.TransactionID != paid.TransactionID {
			t.Fatalf("paid order %+v", got)
		}
		s.wantLevel(s.milk, 8, 0)
		s.wantLevel(s.bread, 4, 0)

		// The same notification again, twice: 2xx, nothing moves.
		for range 2 {
			again := s.pay(a.Payment.prepayID(), true)
			if *again.NotifyStatus != http.StatusOK || again.TransactionID != paid.TransactionID {
				t.Fatalf("duplicate delivery: %+v", again)
			}
		}
		s.wantLevel(s.milk, 8, 0)
		if got := s.order(o.ID); got.statuses() != "pending_payment>paid" {
			t.Fatalf("timeline after duplicates: %s", got.statuses())
		}
		// Sales count the paid units once (search sorts by them).
		for sku, want := range map[int]int64{s.milk: 2, s.bread: 1} {
			if p := db.Client.Sku.GetX(context.Background(), sku).QueryProduct().OnlyX(context.Background()); p.Sales != want {
				t.Fatalf("product %d sales %d, want %d", p.ID, p.Sales, want)
			}
		}
		s.ledgerReplays()
		kinds := map[stockmovement.Kind]int{}
		for _, m := range db.Client.StockMovement.Query().Where(stockmovement.OrderID(o.ID)).AllX(context.Background()) {
			kinds[m.Kind]++
		}
		if kinds[stockmovement.KindReserve] != 2 || kinds[stockmovement.KindSell] != 2 || len(kinds) != 2 {
			t.Fatalf("ledger rows of the order: %v", kinds)
		}

		// Paying again is refused, and a paid order cannot be cancelled.
		h.Do("POST", apitest.Path("/api/v1/orders/%d/pay", o.ID), tok, nil).Fails(http.StatusConflict, "conflict")
		h.Do("POST", apitest.Path("/api/v1/orders/%d/cancel", o.ID), tok, nil).Fails(http.StatusConflict, "conflict")

		// The shopper's list, filtered by status.
		var list struct {
			Items []orderView
			Total int
		}
		h.Do("GET", "/api/v1/orders?status=paid,ready_for_pickup", tok, nil).OK(http.StatusOK, &list)
		if list.Total != 1 || len(list.Items) != 1 || list.Items[0].ID != o.ID || len(list.Items[0].Items) != 2 {
			t.Fatalf("paid orders: %+v", list)
		}
		h.Do("GET", "/api/v1/orders?status=cancelled", tok, nil).OK(http.StatusOK, &list)
		if list.Total != 0 {
			t.Fatalf("cancelled orders: %+v", list)
		}
		h.Do("GET", "/api/v1/orders?status=lost", tok, nil).Fails(http.StatusBadRequest, "invalid_argument")

		// Another shopper sees none of it.
		other := mustShopper(t, h, "other-"+t.Name())
		h.Do("GET", apitest.Path("/api/v1/orders/%d", o.ID), other.Token, nil).Fails(http.StatusNotFound, "not_found")
		h.Do("POST", apitest.Path("/api/v1/orders/%d/cancel", o.ID), other.Token, nil).Fails(http.StatusNotFound, "not_found")
	})
}

// TestDeliveryCheckout: a delivery order pays the store's fee, needs an
// address inside the delivery area and the store's minimum.
func TestDeliveryCheckout(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		s := newShop(t, db)
		h, tok := s.h, s.shopper.Token
		var near, far struct{ ID int }
		h.Do("POST", "/api/v1/addresses", tok, map[string]any{"contact": "李雷", "phone": "13800000000",
			"detail": "南京东路100号", "lat": 31.2360, "lng": 121.4800}).OK(http.StatusCreated, &near)
		h.Do("POST", "/api/v1/addresses", tok, map[string]any{"contact": "李雷", "phone": "13800000000",
			"detail": "浦东机场", "lat": 31.1443, "lng": 121.8083}).OK(http.StatusCreated, &far)

		var a checkoutAnswer
		s.checkout(tok, map[string]any{"store_id": s.store.ID, "fulfilment": "delivery", "address_id": near.ID,
			"items": []map[string]int{{"sku_id": s.milk, "quantity": 2}}}).OK(http.StatusCreated, &a)
		if a.Order.DeliveryFeeFen != 500 || a.Order.PayableFen != 2*milkFen+500 || a.Order.PickupCode != nil {
			t.Fatalf("delivery order %+v", a.Order)
		}
		var full struct {
			Address struct {
				Detail string `json:"detail"`
			} `json:"address"`
			DeliveryDistanceM int `json:"delivery_distance_m"`
		}
		h.Do("GET", apitest.Path("/api/v1/orders/%d", a.Order.ID), tok, nil).OK(http.StatusOK, &full)
		if full.Address.Detail != "南京东路100号" || full.DeliveryDistanceM < 500 || full.DeliveryDistanceM > 1500 {
			t.Fatalf("delivery details %+v", full)
		}

		e := s.checkout(tok, map[string]any{"store_id": s.store.ID, "fulfilment": "delivery", "address_id": far.ID,
			"items": []map[string]int{{"sku_id": s.milk, "quantity": 2}}}).Fails(http.StatusConflict, "conflict")
		if e.Error.Details["reason"] != "outside_radius" {
			t.Fatalf("outside the radius: %+v", e.Error)
		}
		// Below the store's delivery minimum (¥20).
		s.checkout(tok, map[string]any{"store_id": s.store.ID, "fulfilment": "delivery", "address_id": near.ID,
			"items": []map[string]int{{"sku_id": s.bread, "quantity": 1}}}).Fails(http.StatusConflict, "conflict")
		s.wantLevel(s.milk, 10, 2)
		s.wantLevel(s.bread, 5, 0)
	})
}

// TestIdempotentCheckout: a retried checkout returns the first order, a
// reused key with another body is a conflict, and concurrent requests with
// one key make one order and reserve once.
func TestIdempotentCheckout(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		s := newShop(t, db)
		h, tok := s.h, s.shopper.Token
		body := map[string]any{"store_id": s.store.ID, "fulfilment": "pickup",
			"items": []map[string]int{{"sku_id": s.milk, "quantity": 1}, {"sku_id": s.bread, "quantity": 2}}}
		var first, again checkoutAnswer
		h.Do("POST", "/api/v1/orders", tok, body, "Idempotency-Key", "same-key").OK(http.StatusCreated, &first)
		h.Do("POST", "/api/v1/orders", tok, body, "Idempotency-Key", "same-key").OK(http.StatusOK, &again)
		if again.Order.ID != first.Order.ID || again.Payment == nil || again.Payment.Package != first.Payment.Package {
			t.Fatalf("retry answered %+v, first %+v", again, first)
		}
		// The same order in other words (lines reordered) is the same request.
		reordered := map[string]any{"store_id": s.store.ID, "fulfilment": "pickup",
			"items": []map[string]int{{"sku_id": s.bread, "quantity": 2}, {"sku_id": s.milk, "quantity": 1}}}
		h.Do("POST", "/api/v1/orders", tok, reordered, "Idempotency-Key", "same-key").OK(http.StatusOK, &again)
		e := h.Do("POST", "/api/v1/orders", tok, map[string]any{"store_id": s.store.ID, "fulfilment": "pickup",
			"items": []map[string]int{{"sku_id": s.milk, "quantity": 3}}}, "Idempotency-Key", "same-key").
			Fails(http.StatusConflict, "conflict")
		if !strings.Contains(e.Error.Message, "Idempotency-Key") {
			t.Fatalf("conflict message %q", e.Error.Message)
		}
		// Another shopper's key space is their own.
		other := mustShopper(t, h, "other-"+t.Name())
		h.Do("POST", "/api/v1/orders", other.Token, body, "Idempotency-Key", "same-key").OK(http.StatusCreated, nil)
		s.wantLevel(s.milk, 10, 2)
		s.wantLevel(s.bread, 5, 4)

		// Ten concurrent requests with one fresh key.
		const n = 10
		results := make(chan rawResult, n)
		for range n {
			go func() {
				results <- post(h, "/api/v1/orders", tok, map[string]any{"store_id": s.store.ID, "fulfilment": "pickup",
					"items": []map[string]int{{"sku_id": s.milk, "quantity": 3}}}, "Idempotency-Key", "burst-key")
			}()
		}
		created := 0
		for range n {
			r := <-results
			switch {
			case r.Err != nil:
				t.Fatal(r.Err)
			case r.Status == http.StatusCreated:
				created++
			case r.Status != http.StatusOK:
				t.Fatalf("concurrent retry answered %d %s", r.Status, r.Body)
			}
		}
		if created != 1 {
			t.Fatalf("%d requests created an order, want 1", created)
		}
		if n := db.Client.Order.Query().Where(order.IdempotencyKey("burst-key")).CountX(context.Background()); n != 1 {
			t.Fatalf("%d orders with the key", n)
		}
		s.wantLevel(s.milk, 10, 5)
		s.ledgerReplays()
	})
}

// TestCheckoutRetriedWhileInFlight: a checkout retried with its key while
// the first request is still running (an HTTP client resends a request
// bearing an Idempotency-Key when the connection breaks; a load balancer
// may pass both on) is answered with the order the first one made, even
// when that order emptied the cart or took the shopper's last open-order
// slot meanwhile: never "the cart is empty" or a limit.
func TestCheckoutRetriedWhileInFlight(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		s := newShop(t, db)
		h, tok := s.h, s.shopper.Token
		burst := func(body map[string]any) {
			t.Helper()
			const n = 8
			key := newKey()
			results := make(chan rawResult, n)
			for range n {
				go func() { results <- post(h, "/api/v1/orders", tok, body, "Idempotency-Key", key) }()
			}
			created, ids := 0, map[int]bool{}
			for range n {
				r := <-results
				var a checkoutAnswer
				switch {
				case r.Err != nil:
					t.Fatal(r.Err)
				case r.Status != http.StatusCreated && r.Status != http.StatusOK:
					t.Fatalf("a retry of a checkout in flight answered %d %s", r.Status, r.Body)
				case json.Unmarshal(r.Body, &a) != nil || a.Payment == nil:
					t.Fatalf("answer %s", r.Body)
				}
				if r.Status == http.StatusCreated {
					created++
				}
				ids[a.Order.ID] = true
			}
			if created != 1 || len(ids) != 1 {
				t.Fatalf("%d answers created an order, %d orders named; want one", created, len(ids))
			}
		}
		// Through the cart: the first request takes the lines out of it.
		h.Do("PUT", "/api/v1/cart/items", tok, map[string]any{"store_id": s.store.ID, "sku_id": s.milk, "quantity": 2}).OK(http.StatusOK, nil)
		burst(map[string]any{"store_id": s.store.ID, "fulfilment": "pickup"})
		s.wantLevel(s.milk, 10, 2)
		// With one open-order slot left: the first request takes it.
		for range orders.DefaultOpenOrders - 2 {
			s.mustOrder(s.bread, 1)
		}
		burst(map[string]any{"store_id": s.store.ID, "fulfilment": "pickup", "items": []map[string]int{{"sku_id": s.milk, "quantity": 1}}})
		s.wantLevel(s.milk, 10, 3)
		s.ledgerReplays()
	})
}

// TestCheckoutWhenWeChatPayIsDown: a checkout whose prepay fails answers 503
// and keeps no stock reserved; its key then names that cancelled order, and
// a new attempt works once WeChat is back.
func TestCheckoutWhenWeChatPayIsDown(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		s := newShop(t, db)
		h, tok := s.h, s.shopper.Token
		body := map[string]any{"store_id": s.store.ID, "fulfilment": "pickup", "items": []map[string]int{{"sku_id": s.milk, "quantity": 4}}}
		for _, code := range []string{"SYSTEM_ERROR", "PARAM_ERROR"} {
			status := map[string]int{"SYSTEM_ERROR": 500, "PARAM_ERROR": 400}[code]
			h.App.WeChat.Sandbox.Fail(sandbox.OpPrepay, 1, status, code)
			key := newKey()
			failed := h.Do("POST", "/api/v1/orders", tok, body, "Idempotency-Key", key).Fails(http.StatusServiceUnavailable, "unavailable")
			if !strings.Contains(failed.Error.Message, "new Idempotency-Key") {
				t.Fatalf("%s: the 503 should say a retry needs a new key: %q", code, failed.Error.Message)
			}
			s.wantLevel(s.milk, 10, 0)
			var again checkoutAnswer
			h.Do("POST", "/api/v1/orders", tok, body, "Idempotency-Key", key).OK(http.StatusOK, &again)
			if again.Order.Status != "cancelled" || again.Payment != nil {
				t.Fatalf("%s: the key's order %+v", code, again)
			}
		}
		s.mustOrder(s.milk, 4)
		s.wantLevel(s.milk, 10, 4)
		s.ledgerReplays()
	})
}
