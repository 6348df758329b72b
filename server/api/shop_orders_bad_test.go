package api_test

import (
	"context"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"wemart/ent/order"
	"wemart/server/apitest"
	"wemart/server/check"
	"wemart/server/orders"
	"wemart/server/storage"
	"wemart/server/storage/storagetest"
)

// TestCheckoutBadInput: every malformed or impossible checkout is a 4xx
// envelope, and none of them creates an order, reserves stock or asks
// WeChat Pay for anything.
func TestCheckoutBadInput(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		// Noon on a Wednesday in Shanghai, so opening hours are predictable.
		noon := time.Date(2026, 11, 18, 4, 0, 0, 0, time.UTC)
		s := newShop(t, db, apitest.At(noon))
		h, tok := s.h, s.shopper.Token
		ctx := context.Background()

		var closed, nightOwl, noPickup store
		h.Do("POST", "/admin/v1/stores", h.AdminToken, map[string]any{"name": "歇业店", "lat": 31.23, "lng": 121.47,
			"status": "closed"}).OK(http.StatusCreated, &closed)
		h.Do("POST", "/admin/v1/stores", h.AdminToken, map[string]any{"name": "夜店", "lat": 31.23, "lng": 121.47,
			"opening_hours": []map[string]any{{"weekday": 3, "open": "20:00", "close": "23:00"}}}).OK(http.StatusCreated, &nightOwl)
		h.Do("POST", "/admin/v1/stores", h.AdminToken, map[string]any{"name": "只送店", "lat": 31.23, "lng": 121.47,
			"pickup": false, "delivery": true, "delivery_radius_m": 1000}).OK(http.StatusCreated, &noPickup)
		for _, st := range []store{closed, nightOwl, noPickup} {
			h.Do("PUT", apitest.Path("/admin/v1/stores/%d/stock/%d", st.ID, s.milk), h.AdminToken,
				map[string]any{"on_hand": 10}).OK(http.StatusOK, nil)
		}
		unstocked := mustProduct(t, h, "未上架的货", 100).Skus[0].ID
		var mine struct{ ID int }
		h.Do("POST", "/api/v1/addresses", tok, map[string]any{"contact": "韩梅梅", "phone": "13900000000",
			"detail": "no map pin"}).OK(http.StatusCreated, &mine)
		other := mustShopper(t, h, "other-"+t.Name())
		var theirs struct{ ID int }
		h.Do("POST", "/api/v1/addresses", other.Token, map[string]any{"contact": "李雷", "phone": "13800000000",
			"detail": "南京东路100号", "lat": 31.2360, "lng": 121.4800}).OK(http.StatusCreated, &theirs)

		line := func(sku, q any) []map[string]any { return []map[string]any{{"sku_id": sku, "quantity": q}} }
		pickup := func(items any) map[string]any {
			return map[string]any{"store_id": s.store.ID, "fulfilment": "pickup", "items": items}
		}
		tests := []struct {
			name   string
			key    string // "" sends none; "fresh" a new one
			body   any
			status int
			code   string
		}{
			{"no key", "", pickup(line(s.milk, 1)), 400, "invalid_argument"},
			{"key too long", strings.Repeat("k", 129), pickup(line(s.milk, 1)), 400, "invalid_argument"},
			{"key with a space", "my key", pickup(line(s.milk, 1)), 400, "invalid_argument"},
			{"quantity 0", "fresh", pickup(line(s.milk, 0)), 400, "invalid_argument"},
			{"negative quantity", "fresh", pickup(line(s.milk, -3)), 400, "invalid_argument"},
			{"absurd quantity", "fresh", pickup(line(s.milk, 1000000000)), 400, "invalid_argument"},
			{"huge quantity", "fresh", pickup(line(s.milk, 1e30)), 400, "invalid_argument"},
			{"quantity as text", "fresh", pickup(line(s.milk, "2")), 400, "invalid_argument"},
			{"lines adding up too much", "fresh", pickup([]map[string]any{{"sku_id": s.milk, "quantity": 600}, {"sku_id": s.milk, "quantity": 600}}), 400, "invalid_argument"},
			{"no lines", "fresh", pickup([]any{}), 400, "invalid_argument"},
			{"empty cart", "fresh", map[string]any{"store_id": s.store.ID, "fulfilment": "pickup"}, 400, "invalid_argument"},
			{"unknown SKU", "fresh", pickup(line(999999, 1)), 404, "not_found"},
			{"SKU not sold at the store", "fresh", pickup(line(unstocked, 1)), 409, "conflict"},
			{"more than in stock", "fresh", pickup(line(s.bread, 6)), 409, "out_of_stock"},
			{"one line of two short", "fresh", pickup([]map[string]any{{"sku_id": s.milk, "quantity": 2}, {"sku_id": s.bread, "quantity": 6}}), 409, "out_of_stock"},
			{"unknown store", "fresh", map[string]any{"store_id": 999999, "fulfilment": "pickup", "items": line(s.milk, 1)}, 404, "not_found"},
			{"no store", "fresh", map[string]any{"fulfilment": "pickup", "items": line(s.milk, 1)}, 400, "invalid_argument"},
			{"store closed by staff", "fresh", map[string]any{"store_id": closed.ID, "fulfilment": "pickup", "items": line(s.milk, 1)}, 409, "conflict"},
			{"store outside its hours", "fresh", map[string]any{"store_id": nightOwl.ID, "fulfilment": "pickup", "items": line(s.milk, 1)}, 409, "conflict"},
			{"pickup where there is none", "fresh", map[string]any{"store_id": noPickup.ID, "fulfilment": "pickup", "items": line(s.milk, 1)}, 409, "conflict"},
			{"unknown fulfilment", "fresh", map[string]any{"store_id": s.store.ID, "fulfilment": "teleport", "items": line(s.milk, 1)}, 400, "invalid_argument"},
			{"no fulfilment", "fresh", map[string]any{"store_id": s.store.ID, "items": line(s.milk, 1)}, 400, "invalid_argument"},
			{"delivery without an address", "fresh", map[string]any{"store_id": s.store.ID, "fulfilment": "delivery", "items": line(s.milk, 2)}, 400, "invalid_argument"},
			{"another shopper's address", "fresh", map[string]any{"store_id": s.store.ID, "fulfilment": "delivery", "address_id": theirs.ID, "items": line(s.milk, 2)}, 404, "not_found"},
			{"address without a map pin", "fresh", map[string]any{"store_id": s.store.ID, "fulfilment": "delivery", "address_id": mine.ID, "items": line(s.milk, 2)}, 409, "conflict"},
			{"a price from the client", "fresh", map[string]any{"store_id": s.store.ID, "fulfilment": "pickup", "items": line(s.milk, 1), "payable_fen": 1}, 400, "invalid_argument"},
			{"a line price from the client", "fresh", pickup([]map[string]any{{"sku_id": s.milk, "quantity": 1, "price_fen": 1}}), 400, "invalid_argument"},
			{"too many lines", "fresh", pickup(make([]map[string]any, 51)), 400, "invalid_argument"},
			{"not JSON", "fresh", "store_id=1", 400, "invalid_argument"},
			{"an array", "fresh", "[]", 400, "invalid_argument"},
			{"long remark", "fresh", map[string]any{"store_id": s.store.ID, "fulfilment": "pickup", "items": line(s.milk, 1), "remark": strings.Repeat("多", 201)}, 400, "invalid_argument"},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				var headers []string
				switch tt.key {
				case "fresh":
					headers = []string{"Idempotency-Key", newKey()}
				case "":
				default:
					headers = []string{"Idempotency-Key", tt.key}
				}
				h.For(t).Do("POST", "/api/v1/orders", tok, tt.body, headers...).Fails(tt.status, tt.code)
			})
		}
		if n := db.Client.Order.Query().CountX(ctx); n != 0 {
			t.Fatalf("bad checkouts made %d orders", n)
		}
		s.wantLevel(s.milk, 10, 0)
		s.wantLevel(s.bread, 5, 0)
		if n := db.Client.Payment.Query().CountX(ctx); n != 0 {
			t.Fatalf("bad checkouts made %d payments", n)
		}

		// Bad paths and bodies on the other order endpoints.
		h.Do("GET", "/api/v1/orders/abc", tok, nil).Fails(http.StatusBadRequest, "invalid_argument")
		h.Do("GET", "/api/v1/orders/0", tok, nil).Fails(http.StatusBadRequest, "invalid_argument")
		h.Do("GET", "/api/v1/orders?page=0", tok, nil).Fails(http.StatusBadRequest, "invalid_argument")
		h.Do("POST", "/api/v1/orders/1/refund", tok, "{").Fails(http.StatusBadRequest, "invalid_argument")
		h.Do("GET", "/api/v1/orders", "", nil).Fails(http.StatusUnauthorized, "unauthenticated")
		h.Do("POST", "/api/v1/orders", h.AdminToken, pickup(line(s.milk, 1)), "Idempotency-Key", newKey()).
			Fails(http.StatusUnauthorized, "unauthenticated")
		h.Do("GET", "/admin/v1/orders", tok, nil).Fails(http.StatusUnauthorized, "unauthenticated")
		if n := db.Client.Order.Query().Where(order.StoreID(s.store.ID)).CountX(ctx); n != 0 {
			t.Fatalf("%d orders", n)
		}
	})
}

// TestPayableBounds: one WeChat Pay payment takes 1 fen to ¥10,000,000, so
// an order whose payable total (goods and fee, after discounts) comes to
// nothing or to more is refused by the quote and the checkout alike, from
// explicit lines or the cart, reserving nothing; a 0-fen gift delivered for
// a fee, and an order of exactly the most, are orders like any other.
func TestPayableBounds(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		s := newShop(t, db)
		h, tok := s.h, s.shopper.Token
		var st store // delivers for a fee, with no minimum
		h.Do("POST", "/admin/v1/stores", h.AdminToken, map[string]any{"name": "赠品店", "lat": 31.2304, "lng": 121.4737,
			"pickup": true, "delivery": true, "delivery_radius_m": 3000, "delivery_fee_fen": 500}).OK(http.StatusCreated, &st)
		gift := mustProduct(t, h, "赠品袋", 0).Skus[0].ID
		bullion := mustProduct(t, h, "金条", check.MaxPriceFen).Skus[0].ID
		for _, sku := range []int{gift, bullion} {
			h.Do("PUT", apitest.Path("/admin/v1/stores/%d/stock/%d", st.ID, sku), h.AdminToken,
				map[string]any{"on_hand": 10}).OK(http.StatusOK, nil)
		}
		var home struct{ ID int }
		h.Do("POST", "/api/v1/addresses", tok, map[string]any{"contact": "韩梅梅", "phone": "13900000000",
			"detail": "南京东路2号", "lat": 31.2310, "lng": 121.4740}).OK(http.StatusCreated, &home)
		order := func(fulfilment string, lines ...int) map[string]any {
			body := map[string]any{"store_id": st.ID, "fulfilment": fulfilment}
			if fulfilment == "delivery" {
				body["address_id"] = home.ID
			}
			if len(lines) > 0 {
				var items []map[string]any
				for i := 0; i+1 < len(lines); i += 2 {
					items = append(items, map[string]any{"sku_id": lines[i], "quantity": lines[i+1]})
				}
				body["items"] = items
			}
			return body
		}
		reserved := func() (n int64) {
			for _, sku := range []int{gift, bullion} {
				var l level
				h.Do("GET", apitest.Path("/admin/v1/stores/%d/stock/%d", st.ID, sku), h.AdminToken, nil).OK(http.StatusOK, &l)
				n += l.Reserved
			}
			return n
		}

		h.Do("PUT", "/api/v1/cart/items", tok, map[string]any{"store_id": st.ID, "sku_id": gift, "quantity": 2}).OK(http.StatusOK, nil)
		for _, c := range []struct {
			name   string
			body   map[string]any
			reason string
		}{
			{"gifts picked up", order("pickup", gift, 3), "nothing_to_pay"},
			{"a cart of gifts", order("pickup"), "nothing_to_pay"},
			{"over the most", order("pickup", gift, 1, bullion, 2), "too_much_to_pay"},
			{"the most and a fee", order("delivery", bullion, 1), "too_much_to_pay"},
		} {
			for _, e := range []apitest.ErrorBody{
				h.Do("POST", "/api/v1/orders/quote", tok, c.body).Fails(http.StatusConflict, "conflict"),
				s.checkout(tok, c.body).Fails(http.StatusConflict, "conflict"),
			} {
				if e.Error.Details["reason"] != c.reason {
					t.Fatalf("%s: %+v, want reason %s", c.name, e.Error, c.reason)
				}
			}
		}
		if n := reserved(); n != 0 {
			t.Fatalf("refused orders reserved %d units", n)
		}
		if n := db.Client.Order.Query().CountX(context.Background()); n != 0 {
			t.Fatalf("refused orders made %d orders", n)
		}

		for _, c := range []struct {
			name    string
			body    map[string]any
			payable int64
		}{
			{"a gift delivered for a fee", order("delivery", gift, 1), 500},
			{"the most one payment may be", order("pickup", bullion, 1), check.MaxPriceFen},
		} {
			var q struct {
				PayableFen int64 `json:"payable_fen"`
			}
			h.Do("POST", "/api/v1/orders/quote", tok, c.body).OK(http.StatusOK, &q)
			var a checkoutAnswer
			s.checkout(tok, c.body).OK(http.StatusCreated, &a)
			if q.PayableFen != c.payable || a.Order.PayableFen != c.payable || a.Payment == nil {
				t.Fatalf("%s: quote %d, order %+v, want %d to pay", c.name, q.PayableFen, a.Order, c.payable)
			}
		}
	})
}

// TestShopperLimits: one shopper cannot hold a store's shelf: unpaid orders
// at once, orders a minute and units per line are limited, each refusal a
// 4xx that names its limit, and racing checkouts cannot exceed them (in any
// number of processes). Paying or cancelling frees a slot; a repeated
// request (same key) is not a new order.
func TestShopperLimits(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		s := newShop(t, db)
		h, tok := s.h, s.shopper.Token
		other := apitest.New(t, storagetest.Second(t, db)) // another process
		s.setStock(s.milk, 10000)
		line := func(q int) map[string]any {
			return map[string]any{"store_id": s.store.ID, "fulfilment": "pickup", "items": []map[string]int{{"sku_id": s.milk, "quantity": q}}}
		}
		limitOf := func(b apitest.ErrorBody) any { return b.Error.Details["limit"] }

		// Units per line.
		body := s.checkout(tok, line(orders.MaxLineQuantity+1)).Fails(http.StatusBadRequest, "invalid_argument")
		if body.Error.Field != "items[0].quantity" || !strings.Contains(body.Error.Message, "units per line") {
			t.Fatalf("over the line limit: %+v", body.Error)
		}
		h.Do("PUT", "/api/v1/cart/items", tok, map[string]any{"store_id": s.store.ID, "sku_id": s.milk, "quantity": orders.MaxLineQuantity + 1}).
			Fails(http.StatusBadRequest, "invalid_argument")

		// Racing checkouts through two processes: exactly the open-order limit succeed.
		results := raceAll([]*apitest.Harness{h, other}, 12, func(_ int, x *apitest.Harness) rawResult {
			return post(x, "/api/v1/orders", tok, line(1), "Idempotency-Key", newKey())
		})
		var created, refused int
		for _, r := range results {
			switch {
			case r.Status == http.StatusCreated:
				created++
			case r.Status == http.StatusConflict && strings.Contains(string(r.Body), `"open_orders"`):
				refused++
			default:
				t.Fatalf("racing checkout answered %d %s", r.Status, r.Body)
			}
		}
		if created != orders.DefaultOpenOrders || refused != 12-orders.DefaultOpenOrders {
			t.Fatalf("%d created, %d refused; want %d created", created, refused, orders.DefaultOpenOrders)
		}
		s.wantLevel(s.milk, 10000, int64(orders.DefaultOpenOrders))
		// The same request again (same key) is not a new order.
		key := newKey()
		var list struct{ Items []orderView }
		h.Do("GET", "/api/v1/orders?status=pending_payment", tok, nil).OK(http.StatusOK, &list)
		h.Do("POST", apitest.Path("/api/v1/orders/%d/cancel", list.Items[0].ID), tok, nil).OK(http.StatusOK, nil)
		h.Do("POST", "/api/v1/orders", tok, line(2), "Idempotency-Key", key).OK(http.StatusCreated, nil)
		h.Do("POST", "/api/v1/orders", tok, line(2), "Idempotency-Key", key).OK(http.StatusOK, nil)
		if b := s.checkout(tok, line(1)).Fails(http.StatusConflict, "conflict"); limitOf(b) != "open_orders" {
			t.Fatalf("sixth open order: %+v", b.Error)
		}
		// Another shopper is not affected.
		s.checkout(mustShopper(t, h, "limits-other").Token, line(1)).OK(http.StatusCreated, nil)

		// Orders a minute: the shopper has placed 6; paying frees open slots,
		// but the minute's budget runs out.
		h.Do("GET", "/api/v1/orders?status=pending_payment", tok, nil).OK(http.StatusOK, &list)
		for _, o := range list.Items {
			h.Do("POST", apitest.Path("/api/v1/orders/%d/cancel", o.ID), tok, nil).OK(http.StatusOK, nil)
		}
		for range orders.DefaultCheckoutsPerMinute - 6 {
			var a checkoutAnswer
			s.checkout(tok, line(1)).OK(http.StatusCreated, &a)
			h.Do("POST", apitest.Path("/api/v1/orders/%d/cancel", a.Order.ID), tok, nil).OK(http.StatusOK, nil)
		}
		res := s.checkout(tok, line(1))
		if b := res.Fails(http.StatusTooManyRequests, "rate_limited"); limitOf(b) != "checkouts_per_minute" {
			t.Fatalf("eleventh order in a minute: %+v", b.Error)
		}
		if ra, err := strconv.Atoi(res.Header.Get("Retry-After")); err != nil || ra < 1 || ra > 60 {
			t.Fatalf("Retry-After %q", res.Header.Get("Retry-After"))
		}
		s.ledgerReplays()
	})
}

// TestCheckoutExpectedTotal: with expected_payable_fen
// the shopper is never charged another total than the one shown: a price
// change between cart and checkout is a 409 saying so, nothing reserved.
func TestCheckoutExpectedTotal(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		s := newShop(t, db)
		h, tok := s.h, s.shopper.Token
		h.Do("PUT", "/api/v1/cart/items", tok, map[string]any{"store_id": s.store.ID, "sku_id": s.milk, "quantity": 2}).OK(http.StatusOK, nil)
		shown := int64(2 * milkFen)
		h.Do("PATCH", apitest.Path("/admin/v1/skus/%d", s.milk), h.AdminToken, map[string]any{"price_fen": milkFen + 100}).OK(http.StatusOK, nil)
		body := map[string]any{"store_id": s.store.ID, "fulfilment": "pickup", "expected_payable_fen": shown}
		e := s.checkout(tok, body).Fails(http.StatusConflict, "conflict")
		if e.Error.Details["reason"] != "price_changed" || e.Error.Details["payable_fen"] != float64(2*(milkFen+100)) {
			t.Fatalf("refusal %+v", e.Error)
		}
		s.wantLevel(s.milk, 10, 0)
		// The shopper saw the new total: now it goes through.
		body["expected_payable_fen"] = 2 * (milkFen + 100)
		var a checkoutAnswer
		s.checkout(tok, body).OK(http.StatusCreated, &a)
		if a.Order.PayableFen != 2*(milkFen+100) {
			t.Fatalf("payable %d", a.Order.PayableFen)
		}
		s.checkout(tok, map[string]any{"store_id": s.store.ID, "fulfilment": "pickup", "expected_payable_fen": -1,
			"items": []map[string]int{{"sku_id": s.milk, "quantity": 1}}}).Fails(http.StatusBadRequest, "invalid_argument")
	})
}
