package api_test

import (
	"net/http"
	"testing"

	"wemart/server/apitest"
	"wemart/server/storage"
	"wemart/server/storage/storagetest"
)

type cartView struct {
	StoreID       int   `json:"store_id"`
	GoodsFen      int64 `json:"goods_fen"`
	SelectedCount int   `json:"selected_count"`
	HasChanges    bool  `json:"has_changes"`
	Items         []struct {
		SkuID        int     `json:"sku_id"`
		Title        string  `json:"title"`
		Quantity     int     `json:"quantity"`
		Selected     bool    `json:"selected"`
		PriceFen     int64   `json:"price_fen"`
		SeenPriceFen int64   `json:"seen_price_fen"`
		PriceChanged bool    `json:"price_changed"`
		Stock        int64   `json:"stock"`
		Available    bool    `json:"available"`
		Problem      *string `json:"problem"`
	} `json:"items"`
}

// TestCart: one cart per shopper and store; lines are priced now and
// flagged when their price moved or they can no longer be ordered; select,
// deselect and clear; checkout without items orders the selected lines.
func TestCart(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		s := newShop(t, db)
		h, tok := s.h, s.shopper.Token
		put := func(sku, q int) *apitest.Response {
			return h.Do("PUT", "/api/v1/cart/items", tok, map[string]any{"store_id": s.store.ID, "sku_id": sku, "quantity": q})
		}
		get := func() cartView {
			var c cartView
			h.Do("GET", apitest.Path("/api/v1/cart?store_id=%d", s.store.ID), tok, nil).OK(http.StatusOK, &c)
			return c
		}
		var c cartView
		put(s.milk, 2).OK(http.StatusOK, &c)
		if len(c.Items) != 1 || c.GoodsFen != 2*milkFen || c.SelectedCount != 2 || !c.Items[0].Available || c.HasChanges {
			t.Fatalf("cart %+v", c)
		}
		put(s.bread, 1).OK(http.StatusOK, nil)
		put(s.milk, 3).OK(http.StatusOK, &c)
		if c.GoodsFen != 3*milkFen+breadFen {
			t.Fatalf("cart %+v", c)
		}
		// Beyond what the store has: refused, the line stays as it was.
		e := put(s.bread, 6).Fails(http.StatusConflict, "out_of_stock")
		if e.Error.Details["available"] != float64(5) {
			t.Fatalf("out_of_stock details %+v", e.Error.Details)
		}
		// Another store's cart is another cart.
		var other store
		h.Do("POST", "/admin/v1/stores", h.AdminToken, map[string]any{"name": "徐家汇店", "lat": 31.19, "lng": 121.43}).
			OK(http.StatusCreated, &other)
		h.Do("PUT", "/api/v1/cart/items", tok, map[string]any{"store_id": other.ID, "sku_id": s.milk, "quantity": 1}).
			Fails(http.StatusConflict, "conflict") // not stocked there
		var oc cartView
		h.Do("GET", apitest.Path("/api/v1/cart?store_id=%d", other.ID), tok, nil).OK(http.StatusOK, &oc)
		if len(oc.Items) != 0 {
			t.Fatalf("the other store's cart %+v", oc)
		}

		// The price goes up and the bread runs short: the cart says so.
		h.Do("PATCH", apitest.Path("/admin/v1/skus/%d", s.milk), h.AdminToken, map[string]any{"price_fen": 1490}).OK(http.StatusOK, nil)
		s.setStock(s.bread, 0)
		c = get()
		for _, l := range c.Items {
			switch l.SkuID {
			case s.milk:
				if !l.PriceChanged || l.PriceFen != 1490 || l.SeenPriceFen != milkFen || !l.Available {
					t.Fatalf("milk line %+v", l)
				}
			case s.bread:
				if l.Available || l.Problem == nil || *l.Problem != "sold_out" {
					t.Fatalf("bread line %+v", l)
				}
			}
		}
		if !c.HasChanges || c.GoodsFen != 3*1490 {
			t.Fatalf("cart %+v", c)
		}
		// Lowering a quantity is always allowed; setting it again accepts the new price.
		put(s.milk, 1).OK(http.StatusOK, &c)
		if c.Items[0].PriceChanged {
			t.Fatalf("after setting again %+v", c.Items[0])
		}

		// Select and deselect.
		h.Do("POST", "/api/v1/cart/select", tok, map[string]any{"store_id": s.store.ID, "selected": false}).OK(http.StatusOK, &c)
		if c.SelectedCount != 0 || c.GoodsFen != 0 {
			t.Fatalf("all deselected: %+v", c)
		}
		h.Do("POST", "/api/v1/cart/select", tok, map[string]any{"store_id": s.store.ID, "sku_ids": []int{s.milk}, "selected": true}).OK(http.StatusOK, &c)
		if c.SelectedCount != 1 || c.GoodsFen != 1490 {
			t.Fatalf("milk selected: %+v", c)
		}
		// Checkout orders the selected line only; the deselected one stays.
		var a checkoutAnswer
		h.Do("POST", "/api/v1/orders", tok, map[string]any{"store_id": s.store.ID, "fulfilment": "pickup"},
			"Idempotency-Key", newKey()).OK(http.StatusCreated, &a)
		if len(a.Order.Items) != 1 || a.Order.Items[0].SkuID != s.milk || a.Order.PayableFen != 1490 {
			t.Fatalf("order from the cart %+v", a.Order)
		}
		c = get()
		if len(c.Items) != 1 || c.Items[0].SkuID != s.bread {
			t.Fatalf("cart after checkout %+v", c)
		}
		put(s.bread, 0).OK(http.StatusOK, &c)
		if len(c.Items) != 0 {
			t.Fatalf("quantity 0 did not remove: %+v", c)
		}
		put(s.milk, 2).OK(http.StatusOK, nil)
		h.Do("DELETE", apitest.Path("/api/v1/cart?store_id=%d", s.store.ID), tok, nil).OK(http.StatusOK, &c)
		if c = get(); len(c.Items) != 0 {
			t.Fatalf("cleared cart %+v", c)
		}

		// Bad input.
		for _, body := range []any{
			map[string]any{"store_id": s.store.ID, "sku_id": s.milk},
			map[string]any{"store_id": s.store.ID, "sku_id": s.milk, "quantity": -1},
			map[string]any{"store_id": s.store.ID, "sku_id": s.milk, "quantity": 1000},
			map[string]any{"store_id": s.store.ID, "quantity": 1},
			map[string]any{"sku_id": s.milk, "quantity": 1},
			map[string]any{"store_id": s.store.ID, "sku_id": s.milk, "quantity": 1, "price_fen": 1},
			"[1]",
		} {
			h.Do("PUT", "/api/v1/cart/items", tok, body).Fails(http.StatusBadRequest, "invalid_argument")
		}
		h.Do("PUT", "/api/v1/cart/items", tok, map[string]any{"store_id": 999999, "sku_id": s.milk, "quantity": 1}).Fails(http.StatusNotFound, "not_found")
		h.Do("PUT", "/api/v1/cart/items", tok, map[string]any{"store_id": s.store.ID, "sku_id": 999999, "quantity": 1}).Fails(http.StatusNotFound, "not_found")
		h.Do("GET", "/api/v1/cart", tok, nil).Fails(http.StatusBadRequest, "invalid_argument")
		h.Do("GET", "/api/v1/cart?store_id=x", tok, nil).Fails(http.StatusBadRequest, "invalid_argument")
		h.Do("GET", "/api/v1/cart?store_id=999999", tok, nil).Fails(http.StatusNotFound, "not_found")
		h.Do("POST", "/api/v1/cart/select", tok, map[string]any{"store_id": s.store.ID}).Fails(http.StatusBadRequest, "invalid_argument")
		h.Do("GET", apitest.Path("/api/v1/cart?store_id=%d", s.store.ID), "", nil).Fails(http.StatusUnauthorized, "unauthenticated")
		if c = get(); len(c.Items) != 0 {
			t.Fatalf("bad input changed the cart: %+v", c)
		}

		// A store deleted since: its cart is not found; another store's cart
		// (empty, then with a line) reads on.
		var gone struct{ ID int }
		h.Do("POST", "/admin/v1/stores", h.AdminToken, map[string]any{
			"name": "徐家汇店", "address": "上海市徐汇区漕溪北路1号", "lat": 31.1955, "lng": 121.4365, "pickup": true,
		}).OK(http.StatusCreated, &gone)
		h.Do("PUT", apitest.Path("/admin/v1/stores/%d/stock/%d", gone.ID, s.milk), h.AdminToken, map[string]any{"on_hand": 5}).OK(http.StatusOK, nil)
		h.Do("PUT", "/api/v1/cart/items", tok, map[string]any{"store_id": gone.ID, "sku_id": s.milk, "quantity": 1}).OK(http.StatusOK, nil)
		var there struct{ Items []struct{ SkuID int } }
		if h.Do("GET", apitest.Path("/api/v1/cart?store_id=%d", gone.ID), tok, nil).OK(http.StatusOK, &there); len(there.Items) != 1 {
			t.Fatalf("the second store's cart: %+v", there)
		}
		h.Do("DELETE", apitest.Path("/admin/v1/stores/%d", gone.ID), h.AdminToken, nil).OK(http.StatusNoContent, nil)
		h.Do("GET", apitest.Path("/api/v1/cart?store_id=%d", gone.ID), tok, nil).Fails(http.StatusNotFound, "not_found")
		if c = get(); len(c.Items) != 0 || c.StoreID != s.store.ID {
			t.Fatalf("the first store's empty cart: %+v", c)
		}
	})
}
