package cart_test

import (
	"context"
	"fmt"
	"net/http"
	"testing"

	"wemart/server/apitest"
	"wemart/server/storage"
	"wemart/server/storage/storagetest"
)

type cartLine struct {
	SkuID        int     `json:"sku_id"`
	ProductID    int     `json:"product_id"`
	Title        string  `json:"title"`
	SkuName      string  `json:"sku_name"`
	ImageURL     string  `json:"image_url"`
	Quantity     int     `json:"quantity"`
	PriceFen     int64   `json:"price_fen"`
	SeenPriceFen int64   `json:"seen_price_fen"`
	Stock        int64   `json:"stock"`
	Available    bool    `json:"available"`
	Problem      *string `json:"problem"`
}

// problem is the line's problem, "" for none.
func (l cartLine) problem() string {
	if l.Problem == nil {
		return ""
	}
	return *l.Problem
}

type cartView struct {
	GoodsFen      int64      `json:"goods_fen"`
	SelectedCount int        `json:"selected_count"`
	HasChanges    bool       `json:"has_changes"`
	UpdatedAt     *string    `json:"updated_at"`
	Items         []cartLine `json:"items"`
}

// TestGetEveryProblem reads a cart whose lines are in every state a line
// can be in (fine, at the store's own price, each problem), in the order
// they were added, each with its product's title, SKU name and picture.
func TestGetEveryProblem(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		ctx := context.Background()
		h := apitest.New(t, db)
		var st struct{ ID int }
		h.Do("POST", "/admin/v1/stores", h.AdminToken, map[string]any{"name": "人民广场店", "lat": 31.2304, "lng": 121.4737}).
			OK(http.StatusCreated, &st)
		type product struct {
			ID   int
			Skus []struct{ ID int }
		}
		newSku := func(title string, priceFen, onHand int64, images ...string) (productID, skuID int) {
			var p product
			in := map[string]any{"title": title, "skus": []map[string]any{{"name": "标准装", "price_fen": priceFen}}}
			if len(images) > 0 {
				in["images"] = images
			}
			h.Do("POST", "/admin/v1/products", h.AdminToken, in).OK(http.StatusCreated, &p)
			if onHand >= 0 {
				h.Do("PUT", apitest.Path("/admin/v1/stores/%d/stock/%d", st.ID, p.Skus[0].ID), h.AdminToken,
					map[string]any{"on_hand": onHand}).OK(http.StatusOK, nil)
			}
			return p.ID, p.Skus[0].ID
		}
		var login struct{ Token string }
		h.Do("POST", "/api/v1/auth/login", "", map[string]string{"code": "cart-problems"}).OK(http.StatusOK, &login)
		tok := login.Token
		put := func(sku, q int) {
			h.Do("PUT", "/api/v1/cart/items", tok, map[string]any{"store_id": st.ID, "sku_id": sku, "quantity": q}).OK(http.StatusOK, nil)
		}
		get := func() cartView {
			var c cartView
			h.Do("GET", apitest.Path("/api/v1/cart?store_id=%d", st.ID), tok, nil).OK(http.StatusOK, &c)
			return c
		}
		if c := get(); len(c.Items) != 0 || c.UpdatedAt != nil || c.HasChanges {
			t.Fatalf("empty cart %+v", c)
		}

		_, fine := newSku("光明鲜牛奶", 1290, 10, "https://img.example.com/milk.jpg")
		_, own := newSku("全麦吐司", 990, 10)
		gonePID, gone := newSku("已删除", 500, 10)
		twoPID, goneSku := newSku("删除规格", 500, 10)
		// Its product keeps another SKU (the last one cannot be deleted).
		h.Do("POST", apitest.Path("/admin/v1/products/%d/skus", twoPID), h.AdminToken, map[string]any{"name": "大包装", "price_fen": 900}).
			OK(http.StatusCreated, nil)
		offPID, off := newSku("已下架", 500, 10)
		_, soldOut := newSku("售罄", 500, 10)
		_, short := newSku("不够", 500, 10)
		_, notHere := newSku("本店不卖", 700, -1)
		for _, k := range []int{fine, own, gone, goneSku, off, soldOut, short} {
			put(k, 2)
		}
		// A line of a SKU the store does not stock (it stopped selling it).
		sh, err := db.Client.Shopper.Query().Only(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if err := db.Client.CartItem.Create().SetShopperID(sh.ID).SetStoreID(st.ID).SetSkuID(notHere).
			SetQuantity(1).SetPriceFen(700).Exec(ctx); err != nil {
			t.Fatal(err)
		}
		h.Do("PUT", apitest.Path("/admin/v1/stores/%d/prices/%d", st.ID, own), h.AdminToken, map[string]any{"price_fen": 890}).
			OK(http.StatusOK, nil)
		h.Do("DELETE", apitest.Path("/admin/v1/products/%d", gonePID), h.AdminToken, nil).OK(http.StatusNoContent, nil)
		h.Do("DELETE", apitest.Path("/admin/v1/skus/%d", goneSku), h.AdminToken, nil).OK(http.StatusNoContent, nil)
		h.Do("PATCH", apitest.Path("/admin/v1/products/%d", offPID), h.AdminToken, map[string]any{"status": "unlisted"}).
			OK(http.StatusOK, nil)
		for k, n := range map[int]int64{soldOut: 0, short: 1} {
			h.Do("PUT", apitest.Path("/admin/v1/stores/%d/stock/%d", st.ID, k), h.AdminToken, map[string]any{"on_hand": n}).
				OK(http.StatusOK, nil)
		}

		c := get()
		want := []struct {
			sku           int
			title         string
			price, stock  int64
			problem       string
			image         string
			productListed bool
		}{
			{fine, "光明鲜牛奶", 1290, 10, "", "https://img.example.com/milk.jpg", true},
			{own, "全麦吐司", 890, 10, "", "", true},
			{gone, "", 500, 0, "removed", "", false},
			{goneSku, "", 500, 0, "removed", "", false},
			{off, "已下架", 500, 10, "unlisted", "", true},
			{soldOut, "售罄", 500, 0, "sold_out", "", true},
			{short, "不够", 500, 1, "not_enough", "", true},
			{notHere, "本店不卖", 700, 0, "not_sold_here", "", true},
		}
		if len(c.Items) != len(want) {
			t.Fatalf("%d lines, want %d: %+v", len(c.Items), len(want), c.Items)
		}
		for i, w := range want {
			l := c.Items[i]
			problem := l.problem()
			if l.SkuID != w.sku || l.Title != w.title || l.PriceFen != w.price || l.Stock != w.stock || problem != w.problem ||
				l.ImageURL != w.image || l.Available != (w.problem == "") || (w.productListed && (l.ProductID == 0 || l.SkuName != "标准装")) {
				t.Errorf("line %d: %+v (problem %q), want %+v", i, l, problem, w)
			}
		}
		if c.GoodsFen != 2*1290+2*890 || c.SelectedCount != 4 || !c.HasChanges || c.UpdatedAt == nil {
			t.Fatalf("cart goods %d, selected %d, has_changes %v, updated_at %v", c.GoodsFen, c.SelectedCount, c.HasChanges,
				c.UpdatedAt)
		}
		// Lowering a line always works, whatever its problem: it keeps the
		// price the shopper saw and its problem. Raising one, or adding the
		// SKU anew, is refused as adding it would be, and changes nothing.
		raise := func(sku, q, status int, code string) {
			t.Helper()
			h.Do("PUT", "/api/v1/cart/items", tok, map[string]any{"store_id": st.ID, "sku_id": sku, "quantity": q}).Fails(status, code)
		}
		raise(gone, 3, http.StatusNotFound, "not_found")
		raise(off, 3, http.StatusConflict, "conflict")
		raise(notHere, 2, http.StatusConflict, "conflict")
		for _, k := range []int{gone, goneSku, off, soldOut} {
			put(k, 1)
		}
		put(notHere, 1) // the same quantity
		h.Do("PUT", "/api/v1/cart/items", tok, map[string]any{"store_id": st.ID, "sku_id": off, "quantity": 1, "selected": false}).
			OK(http.StatusOK, nil)
		lowered := map[int]int{fine: 2, own: 2, gone: 1, goneSku: 1, off: 1, soldOut: 1, short: 2, notHere: 1}
		seen := map[int]int64{}
		for _, l := range c.Items {
			seen[l.SkuID] = l.SeenPriceFen
		}
		c = get()
		if len(c.Items) != len(want) {
			t.Fatalf("%d lines after lowering, want %d: %+v", len(c.Items), len(want), c.Items)
		}
		for i, w := range want {
			l := c.Items[i]
			problem := l.problem()
			if l.SkuID != w.sku || l.Quantity != lowered[w.sku] || problem != w.problem || l.SeenPriceFen != seen[w.sku] {
				t.Errorf("line %d after lowering: %+v (problem %q), want SKU %d × %d, problem %q", i, l, problem, w.sku, lowered[w.sku], w.problem)
			}
		}
		var other0 struct{ Token string }
		h.Do("POST", "/api/v1/auth/login", "", map[string]string{"code": "cart-problems-0"}).OK(http.StatusOK, &other0)
		h.Do("PUT", "/api/v1/cart/items", other0.Token, map[string]any{"store_id": st.ID, "sku_id": off, "quantity": 1}).
			Fails(http.StatusConflict, "conflict")
		if n := db.Client.CartItem.Query().CountX(ctx); n != len(want) {
			t.Fatalf("%d cart lines in the database, want %d", n, len(want))
		}

		// Another shopper's cart at the same store is theirs alone.
		var other struct{ Token string }
		h.Do("POST", "/api/v1/auth/login", "", map[string]string{"code": "cart-problems-2"}).OK(http.StatusOK, &other)
		var oc cartView
		h.Do("GET", fmt.Sprintf("/api/v1/cart?store_id=%d", st.ID), other.Token, nil).OK(http.StatusOK, &oc)
		if len(oc.Items) != 0 {
			t.Fatalf("another shopper sees %+v", oc.Items)
		}
	})
}
