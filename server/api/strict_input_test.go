package api_test

import (
	"context"
	"fmt"
	"net/http"
	"runtime"
	"strings"
	"testing"

	"wemart/ent/order"
	"wemart/server/apitest"
	"wemart/server/storage"
	"wemart/server/storage/storagetest"
)

// TestNoNULOrBadUTF8GetsIn: U+0000 and invalid UTF-8 in query strings, path
// parameters and every kind of body text (names, reasons, remarks,
// addresses) are refused at the edge with a 400 naming the field, on both
// engines (PostgreSQL answers such text with an error, which was a 500).
// Nothing changes: no row is written, and a cancel with a bad reason leaves
// the order, its prepay and its WeChat transaction as they were.
func TestNoNULOrBadUTF8GetsIn(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		s := newShop(t, db)
		h, tok, admin := s.h, s.shopper.Token, s.h.AdminToken
		ctx := context.Background()
		unpaid := s.mustOrder(s.milk, 1)
		paid := s.mustOrder(s.bread, 1)
		s.pay(paid.Payment.prepayID(), true)
		clerk, _ := mustStaff(t, h, "clerk-strict", "clerk", &s.store.ID)
		stock := apitest.Path("/admin/v1/stores/%d/stock/%d", s.store.ID, s.milk)

		const nul, bad = "a\x00b", "a\xffb"
		cases := []struct {
			name, method, path, token string
			body                      any
			field                     string
		}{
			{"search NUL", "GET", "/api/v1/products?q=%00", "", nil, "q"},
			{"search bad UTF-8", "GET", "/api/v1/products?q=%FF%FE", "", nil, "q"},
			{"suggest bad UTF-8", "GET", "/api/v1/products/suggest?q=%C3", "", nil, "q"},
			{"staff order_no NUL", "GET", "/admin/v1/orders?order_no=W%00", admin, nil, "order_no"},
			{"staff status bad UTF-8", "GET", "/admin/v1/orders?status=%FF", admin, nil, "status"},
			{"barcode NUL", "GET", apitest.Path("/api/v1/stores/%d/barcode/69%%00", s.store.ID), "", nil, "code"},
			{"store name NUL", "POST", "/admin/v1/stores", admin, map[string]any{"name": nul, "lat": 31.2, "lng": 121.4}, "name"},
			{"store name bad UTF-8", "POST", "/admin/v1/stores", admin, `{"name": "` + bad + `", "lat": 31.2, "lng": 121.4}`, "name"},
			{"category name bad UTF-8", "POST", "/admin/v1/categories", admin, `{"name": "` + bad + `"}`, "name"},
			{"SKU name bad UTF-8", "POST", "/admin/v1/products", admin, `{"title": "t", "skus": [{"name": "` + bad + `", "price_fen": 1}]}`, "skus[0].name"},
			{"staff display name NUL", "PATCH", apitest.Path("/admin/v1/staff/%d", clerk.ID), admin, map[string]any{"display_name": nul}, "display_name"},
			{"stock reason NUL", "POST", stock + "/adjustments", admin, map[string]any{"delta": 1, "reason": nul}, "reason"},
			{"address NUL", "POST", "/api/v1/addresses", tok, map[string]any{"contact": "张三", "phone": "13800138000", "detail": nul}, "detail"},
			{"address bad UTF-8", "POST", "/api/v1/addresses", tok, `{"contact": "` + bad + `", "phone": "13800138000", "detail": "x"}`, "contact"},
			{"remark NUL", "POST", "/api/v1/orders", tok, map[string]any{"store_id": s.store.ID, "fulfilment": "pickup", "remark": nul,
				"items": []map[string]int{{"sku_id": s.milk, "quantity": 1}}}, "remark"},
			{"cancel reason NUL", "POST", apitest.Path("/api/v1/orders/%d/cancel", unpaid.Order.ID), tok, map[string]any{"reason": nul}, "reason"},
			{"cancel reason bad UTF-8", "POST", apitest.Path("/api/v1/orders/%d/cancel", unpaid.Order.ID), tok, `{"reason": "` + bad + `"}`, "reason"},
			{"refund reason bad UTF-8", "POST", apitest.Path("/api/v1/orders/%d/refund", paid.Order.ID), tok, `{"reason": "` + bad + `"}`, "reason"},
			{"refund reason NUL key", "POST", apitest.Path("/api/v1/orders/%d/refund", paid.Order.ID), tok, "{\"rea\\u0000son\": \"x\"}", "rea\x00son"},
		}
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				headers := []string{"Idempotency-Key", newKey()}
				e := h.For(t).Do(c.method, c.path, c.token, c.body, headers...).Fails(http.StatusBadRequest, "invalid_argument")
				if e.Error.Field != c.field {
					t.Fatalf("field %q, want %q (%s)", e.Error.Field, c.field, e.Error.Message)
				}
			})
		}
		// Nothing was written.
		if n := db.Client.Store.Query().CountX(ctx); n != 1 {
			t.Fatalf("%d stores", n)
		}
		if n := db.Client.Category.Query().CountX(ctx); n != 0 {
			t.Fatalf("%d categories", n)
		}
		if n := db.Client.Address.Query().CountX(ctx); n != 0 {
			t.Fatalf("%d addresses", n)
		}
		if n := db.Client.Order.Query().CountX(ctx); n != 2 {
			t.Fatalf("%d orders", n)
		}
		s.wantLevel(s.milk, 10, 1)
		s.wantStatus(paid.Order.ID, order.StatusPaid)
		// The refused cancel never reached WeChat: the order can still be
		// paid with the prepay it has.
		s.wantStatus(unpaid.Order.ID, order.StatusPendingPayment)
		s.pay(unpaid.Payment.prepayID(), true)
		s.wantStatus(unpaid.Order.ID, order.StatusPaid)
	})
}

// TestJSONIsStrict: duplicate keys and field names in another case are
// refused (encoding/json would take the last key, and match names
// case-insensitively), at any depth; nothing is written.
func TestJSONIsStrict(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		s := newShop(t, db)
		h, tok := s.h, s.shopper.Token
		cases := []struct {
			name, method, path, token, body, field string
		}{
			{"duplicate key", "POST", "/admin/v1/categories", h.AdminToken, `{"name": "乳品", "name": "饮料"}`, "name"},
			{"duplicate nested key", "POST", "/api/v1/orders", tok, fmt.Sprintf(
				`{"store_id": %d, "fulfilment": "pickup", "items": [{"sku_id": %d, "quantity": 1, "quantity": 99}]}`, s.store.ID, s.milk), "items[0].quantity"},
			{"another case", "PUT", "/api/v1/cart/items", tok, fmt.Sprintf(`{"Store_ID": %d, "sku_id": %d, "quantity": 1}`, s.store.ID, s.milk), "Store_ID"},
			{"another case nested", "POST", "/api/v1/orders", tok, fmt.Sprintf(
				`{"store_id": %d, "fulfilment": "pickup", "items": [{"SKU_ID": %d, "quantity": 1}]}`, s.store.ID, s.milk), "items[0].SKU_ID"},
			{"another case in a patch field", "PATCH", "/admin/v1/staff/1", h.AdminToken, `{"Display_Name": "x"}`, "Display_Name"},
		}
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				e := h.For(t).Do(c.method, c.path, c.token, c.body, "Idempotency-Key", newKey()).Fails(http.StatusBadRequest, "invalid_argument")
				if e.Error.Field != c.field {
					t.Fatalf("field %q, want %q (%s)", e.Error.Field, c.field, e.Error.Message)
				}
			})
		}
		if n := db.Client.Category.Query().CountX(context.Background()); n != 0 {
			t.Fatalf("%d categories", n)
		}
		if n := db.Client.Order.Query().CountX(context.Background()); n != 0 {
			t.Fatalf("%d orders", n)
		}
		var cart struct{ Items []any }
		h.Do("GET", apitest.Path("/api/v1/cart?store_id=%d", s.store.ID), tok, nil).OK(http.StatusOK, &cart)
		if len(cart.Items) != 0 {
			t.Fatalf("cart %+v", cart)
		}
	})
}

// TestStatusFilterIsBounded: a status filter of thousands of entries is a
// 400 (each entry would be a bound parameter), duplicates are dropped.
func TestStatusFilterIsBounded(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		s := newShop(t, db)
		h := s.h
		a := s.mustOrder(s.milk, 1)
		huge := strings.Repeat("paid,", 40000) + "paid"
		h.Do("GET", "/api/v1/orders?status="+huge, s.shopper.Token, nil).Fails(http.StatusBadRequest, "invalid_argument")
		h.Do("GET", "/admin/v1/orders?status="+huge, h.AdminToken, nil).Fails(http.StatusBadRequest, "invalid_argument")
		var list struct{ Items []orderView }
		h.Do("GET", "/api/v1/orders?status=pending_payment,pending_payment,paid,pending_payment", s.shopper.Token, nil).OK(http.StatusOK, &list)
		if len(list.Items) != 1 || list.Items[0].ID != a.Order.ID {
			t.Fatalf("duplicates in the filter: %+v", list)
		}
	})
}

// TestDeepNestingIsRefusedCheaply: a small body of brackets nested
// 100,000 deep is a 400 at once; the strict walk used to take memory
// quadratic in the depth (gigabytes for 100 KB), before any login.
func TestDeepNestingIsRefusedCheaply(t *testing.T) {
	db := storagetest.New(t, "sqlite")
	h := apitest.New(t, db)
	body := `{"code":` + strings.Repeat("[", 100000)
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	e := h.Do("POST", "/api/v1/auth/login", "", body).Fails(http.StatusBadRequest, "invalid_argument")
	runtime.ReadMemStats(&after)
	if !strings.Contains(e.Error.Message, "nests deeper") {
		t.Fatalf("message %q", e.Error.Message)
	}
	if alloc := after.TotalAlloc - before.TotalAlloc; alloc > 64<<20 {
		t.Fatalf("refusing a 100 KB body allocated %d MB", alloc>>20)
	}
	// Shallow nesting is fine.
	h.Do("POST", "/api/v1/auth/login", "", `{"code": "ok-code"}`).OK(http.StatusOK, nil)
}
