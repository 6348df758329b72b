package api_test

import (
	"context"
	"net/http"
	"testing"

	"wemart/ent/stock"
	"wemart/server/apitest"
	"wemart/server/storage"
	"wemart/server/storage/storagetest"
)

type level struct {
	StoreID           int   `json:"store_id"`
	SkuID             int   `json:"sku_id"`
	OnHand            int64 `json:"on_hand"`
	Reserved          int64 `json:"reserved"`
	Available         int64 `json:"available"`
	LowStockThreshold int64 `json:"low_stock_threshold"`
}

type movement struct {
	Kind          string `json:"kind"`
	DeltaOnHand   int64  `json:"delta_on_hand"`
	DeltaReserved int64  `json:"delta_reserved"`
	OnHandAfter   int64  `json:"on_hand_after"`
	ReservedAfter int64  `json:"reserved_after"`
	Reason        string `json:"reason"`
	ActorType     string `json:"actor_type"`
	ActorID       *int   `json:"actor_id"`
}

func TestStockSetAdjustAndLedger(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		h := apitest.New(t, db)
		st := mustStore(t, h, "店", 31.2, 121.4)
		p := mustProduct(t, h, "牛奶", 500)
		path := apitest.Path("/admin/v1/stores/%d/stock/%d", st.ID, p.Skus[0].ID)

		var l level
		h.Do("GET", path, h.AdminToken, nil).OK(http.StatusOK, &l)
		if l.OnHand != 0 || l.Available != 0 {
			t.Fatalf("never stocked: %+v", l)
		}
		h.Do("PUT", path, h.AdminToken, map[string]any{"on_hand": 12, "low_stock_threshold": 3}).OK(http.StatusOK, &l)
		if l.OnHand != 12 || l.Reserved != 0 || l.Available != 12 || l.LowStockThreshold != 3 {
			t.Fatalf("after set: %+v", l)
		}
		h.Do("POST", path+"/adjustments", h.AdminToken, map[string]any{"delta": -5, "reason": "破损"}).OK(http.StatusOK, &l)
		h.Do("POST", path+"/adjustments", h.AdminToken, map[string]any{"delta": 20, "reason": "到货"}).OK(http.StatusOK, &l)
		if l.OnHand != 27 {
			t.Fatalf("after adjustments: %+v", l)
		}

		// Orders hold 20 units: on_hand may not drop below them.
		db.Client.Stock.Update().Where(stock.StoreID(st.ID), stock.SkuID(p.Skus[0].ID)).SetReserved(20).ExecX(context.Background())
		e := h.Do("PUT", path, h.AdminToken, map[string]any{"on_hand": 19}).Fails(http.StatusConflict, "conflict")
		if e.Error.Details["reserved"] != float64(20) {
			t.Fatalf("conflict should say how much is reserved: %+v", e.Error)
		}
		h.Do("POST", path+"/adjustments", h.AdminToken, map[string]any{"delta": -8, "reason": "盘亏"}).Fails(http.StatusConflict, "conflict")
		h.Do("POST", path+"/adjustments", h.AdminToken, map[string]any{"delta": -7, "reason": "盘亏"}).OK(http.StatusOK, &l)
		if l.OnHand != 20 || l.Reserved != 20 || l.Available != 0 {
			t.Fatalf("after adjust to reserved: %+v", l)
		}

		// The ledger: newest first, one row per change, replaying to the stock.
		var ledger struct {
			Items []movement
			Total int
		}
		h.Do("GET", path+"/movements", h.AdminToken, nil).OK(http.StatusOK, &ledger)
		if ledger.Total != 4 {
			t.Fatalf("ledger has %d rows, want 4 (refused changes write none): %+v", ledger.Total, ledger.Items)
		}
		first := ledger.Items[len(ledger.Items)-1]
		if first.Kind != "set" || first.DeltaOnHand != 12 || first.Reason != "stock count" || first.ActorType != "staff" || first.ActorID == nil {
			t.Fatalf("first movement: %+v", first)
		}
		if ledger.Items[0].Kind != "adjust" || ledger.Items[0].DeltaOnHand != -7 || ledger.Items[0].Reason != "盘亏" {
			t.Fatalf("last movement: %+v", ledger.Items[0])
		}
		var sum int64
		for _, m := range ledger.Items {
			sum += m.DeltaOnHand
		}
		if sum != l.OnHand || ledger.Items[0].OnHandAfter != l.OnHand {
			t.Fatalf("ledger sums to %d, stock is %d", sum, l.OnHand)
		}
	})
}

func TestStockList(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		h := apitest.New(t, db)
		st := mustStore(t, h, "店", 31.2, 121.4)
		onHand := []int64{2, 50, 5, 0}
		var products []int
		for i, n := range onHand {
			p := mustProduct(t, h, []string{"牛奶", "面包", "鸡蛋", "可乐"}[i], 100)
			products = append(products, p.ID)
			h.Do("PUT", apitest.Path("/admin/v1/stores/%d/stock/%d", st.ID, p.Skus[0].ID), h.AdminToken,
				map[string]any{"on_hand": n}).OK(http.StatusOK, nil)
		}
		type row struct {
			level
			ProductTitle string `json:"product_title"`
		}
		var list struct {
			Items []row
			Total int
		}
		base := apitest.Path("/admin/v1/stores/%d/stock", st.ID)
		h.Do("GET", base, h.AdminToken, nil).OK(http.StatusOK, &list)
		if list.Total != 4 || list.Items[0].ProductTitle != "牛奶" {
			t.Fatalf("all rows: %+v", list)
		}
		// Low stock with the default threshold (5): 0, 2, 5 — lowest first.
		h.Do("GET", base+"?low_stock=true", h.AdminToken, nil).OK(http.StatusOK, &list)
		if list.Total != 3 || list.Items[0].OnHand != 0 || list.Items[1].OnHand != 2 || list.Items[2].OnHand != 5 {
			t.Fatalf("low stock: %+v", list)
		}
		h.Do("GET", base+"?threshold=1", h.AdminToken, nil).OK(http.StatusOK, &list)
		if list.Total != 1 || list.Items[0].OnHand != 0 {
			t.Fatalf("threshold 1: %+v", list)
		}
		// Deleted products leave the list.
		h.Do("DELETE", apitest.Path("/admin/v1/products/%d", products[3]), h.AdminToken, nil).OK(http.StatusNoContent, nil)
		h.Do("GET", base+"?low_stock=true", h.AdminToken, nil).OK(http.StatusOK, &list)
		if list.Total != 2 || list.Items[0].OnHand != 2 {
			t.Fatalf("after deleting a product: %+v", list)
		}
		h.Do("GET", base+"?low_stock=maybe", h.AdminToken, nil).Fails(http.StatusBadRequest, "invalid_argument")
		h.Do("GET", base+"?threshold=-1", h.AdminToken, nil).Fails(http.StatusBadRequest, "invalid_argument")
		h.Do("GET", "/admin/v1/stores/9999/stock", h.AdminToken, nil).Fails(http.StatusNotFound, "not_found")
	})
}

func TestStockBadInput(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		h := apitest.New(t, db)
		st := mustStore(t, h, "店", 31.2, 121.4)
		p := mustProduct(t, h, "牛奶", 500)
		path := apitest.Path("/admin/v1/stores/%d/stock/%d", st.ID, p.Skus[0].ID)
		h.Do("PUT", path, h.AdminToken, map[string]any{"on_hand": 7}).OK(http.StatusOK, nil)

		tests := []struct {
			name, method, path string
			body               any
			status             int
			code, field        string
		}{
			{"negative stock", "PUT", path, map[string]any{"on_hand": -1}, 400, "invalid_argument", "on_hand"},
			{"on_hand missing", "PUT", path, map[string]any{"reason": "x"}, 400, "invalid_argument", "on_hand"},
			{"on_hand as string", "PUT", path, map[string]any{"on_hand": "7"}, 400, "invalid_argument", "on_hand"},
			{"on_hand fractional", "PUT", path, map[string]any{"on_hand": 1.5}, 400, "invalid_argument", "on_hand"},
			{"on_hand huge", "PUT", path, map[string]any{"on_hand": 1e12}, 400, "invalid_argument", "on_hand"},
			{"negative threshold", "PUT", path, map[string]any{"on_hand": 1, "low_stock_threshold": -2}, 400, "invalid_argument", "low_stock_threshold"},
			{"zero delta", "POST", path + "/adjustments", map[string]any{"delta": 0, "reason": "x"}, 400, "invalid_argument", "delta"},
			{"delta without reason", "POST", path + "/adjustments", map[string]any{"delta": 3}, 400, "invalid_argument", "reason"},
			{"delta below zero stock", "POST", path + "/adjustments", map[string]any{"delta": -8, "reason": "x"}, 409, "conflict", ""},
			{"unknown store", "PUT", apitest.Path("/admin/v1/stores/999/stock/%d", p.Skus[0].ID), map[string]any{"on_hand": 1}, 404, "not_found", ""},
			{"unknown SKU", "PUT", apitest.Path("/admin/v1/stores/%d/stock/999", st.ID), map[string]any{"on_hand": 1}, 404, "not_found", ""},
			{"non-numeric SKU", "PUT", apitest.Path("/admin/v1/stores/%d/stock/abc", st.ID), map[string]any{"on_hand": 1}, 400, "invalid_argument", "sku_id"},
			{"zero store id", "GET", apitest.Path("/admin/v1/stores/0/stock/%d", p.Skus[0].ID), nil, 400, "invalid_argument", "store_id"},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				e := h.For(t).Do(tt.method, tt.path, h.AdminToken, tt.body).Fails(tt.status, tt.code)
				if tt.field != "" && e.Error.Field != tt.field {
					t.Fatalf("error names %q (%s), want %q", e.Error.Field, e.Error.Message, tt.field)
				}
			})
		}
		var l level
		h.Do("GET", path, h.AdminToken, nil).OK(http.StatusOK, &l)
		var ledger struct{ Total int }
		h.Do("GET", path+"/movements", h.AdminToken, nil).OK(http.StatusOK, &ledger)
		if l.OnHand != 7 || l.LowStockThreshold != 5 || ledger.Total != 1 {
			t.Fatalf("bad input changed stock: %+v, %d ledger rows", l, ledger.Total)
		}
	})
}
