package cart_test

import (
	"context"
	"net/http"
	"testing"
	"time"

	"wemart/ent/product"
	"wemart/server/apitest"
	"wemart/server/storage"
	"wemart/server/storage/storagetest"
)

// TestStoreGoneMeanwhile changes the cart of a store deleted after the
// store index last looked (the row is marked deleted behind the index's
// back, as a delete landing between a request's store check and its
// write): every change is refused (404, but for the one the store index
// answers) and the cart stays as it was.
func TestStoreGoneMeanwhile(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		ctx := context.Background()
		h := apitest.New(t, db)
		var st struct{ ID int }
		h.Do("POST", "/admin/v1/stores", h.AdminToken, map[string]any{"name": "静安店", "lat": 31.2304, "lng": 121.4737}).
			OK(http.StatusCreated, &st)
		newSku := func(title string) (productID, skuID int) {
			var p struct {
				ID   int
				Skus []struct{ ID int }
			}
			h.Do("POST", "/admin/v1/products", h.AdminToken, map[string]any{"title": title,
				"skus": []map[string]any{{"name": "标准装", "price_fen": 800}}}).OK(http.StatusCreated, &p)
			h.Do("PUT", apitest.Path("/admin/v1/stores/%d/stock/%d", st.ID, p.Skus[0].ID), h.AdminToken,
				map[string]any{"on_hand": 20}).OK(http.StatusOK, nil)
			return p.ID, p.Skus[0].ID
		}
		_, milk := newSku("光明鲜牛奶")
		offPID, off := newSku("全麦吐司")
		_, other := newSku("酸奶")
		var login struct{ Token string }
		h.Do("POST", "/api/v1/auth/login", "", map[string]string{"code": "store-gone"}).OK(http.StatusOK, &login)
		put := func(sku, q int) *apitest.Response {
			return h.Do("PUT", "/api/v1/cart/items", login.Token, map[string]any{"store_id": st.ID, "sku_id": sku, "quantity": q})
		}
		put(milk, 3).OK(http.StatusOK, nil)
		put(off, 3).OK(http.StatusOK, nil)
		// Lowering a line of an unlisted product goes its own way (lowerOnly).
		if err := db.Client.Product.UpdateOneID(offPID).SetStatus(product.StatusUnlisted).Exec(ctx); err != nil {
			t.Fatal(err)
		}
		if err := db.Client.Store.UpdateOneID(st.ID).SetDeletedAt(time.Now().UTC()).Exec(ctx); err != nil {
			t.Fatal(err)
		}

		put(milk, 5).Fails(http.StatusNotFound, "not_found") // raise
		put(milk, 1).Fails(http.StatusNotFound, "not_found") // lower
		put(milk, 0).Fails(http.StatusNotFound, "not_found") // remove
		// A line that can only be lowered is refused for what the store
		// index still believes (the store is there, the product is not on
		// sale): the index learns of a real delete from the stores
		// counter the delete moves, not moved here.
		put(off, 1).Fails(http.StatusConflict, "conflict")
		put(other, 1).Fails(http.StatusNotFound, "not_found") // a new line
		h.Do("POST", "/api/v1/cart/select", login.Token, map[string]any{"store_id": st.ID, "selected": false}).
			Fails(http.StatusNotFound, "not_found")

		lines, err := db.Client.CartItem.Query().All(ctx)
		if err != nil {
			t.Fatal(err)
		}
		got := map[int]int{}
		for _, l := range lines {
			if !l.Selected {
				t.Errorf("SKU %d's line was deselected", l.SkuID)
			}
			got[l.SkuID] = l.Quantity
		}
		if len(got) != 2 || got[milk] != 3 || got[off] != 3 {
			t.Errorf("the cart changed: %v, want %d×3 and %d×3", got, milk, off)
		}
	})
}
