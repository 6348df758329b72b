package api_test

import (
	"fmt"
	"net/http"
	"testing"

	"wemart/server/apitest"
	"wemart/server/storage"
	"wemart/server/storage/storagetest"
)

// TestStoreListingPrices: the catalogue at a store shows each product's
// price range there, the store's own prices included (the cheapest SKU's
// own price, or a dearer one's), in the default order and in a price
// order alike; without a store, the chain's.
func TestStoreListingPrices(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		h := apitest.New(t, db)
		st := mustStore(t, h, "店", 31.23, 121.47)
		var two product
		h.Do("POST", "/admin/v1/products", h.AdminToken, map[string]any{"title": "牛奶", "skus": []map[string]any{
			{"name": "小", "price_fen": 1000}, {"name": "大", "price_fen": 1500}}}).OK(http.StatusCreated, &two)
		one := mustProduct(t, h, "面包", 700)
		for _, k := range []int{two.Skus[0].ID, two.Skus[1].ID, one.Skus[0].ID} {
			h.Do("PUT", apitest.Path("/admin/v1/stores/%d/stock/%d", st.ID, k), h.AdminToken, map[string]any{"on_hand": 3}).
				OK(http.StatusOK, nil)
		}
		h.Do("PUT", apitest.Path("/admin/v1/stores/%d/prices/%d", st.ID, two.Skus[1].ID), h.AdminToken,
			map[string]any{"price_fen": 800}).OK(http.StatusOK, nil)
		eventually(t, "both products indexed", func() bool { return searchFor(t, h, "").Total == 2 })
		drained(t, db)
		type item struct {
			ID          int   `json:"id"`
			PriceFen    int64 `json:"price_fen"`
			PriceMaxFen int64 `json:"price_max_fen"`
			Available   *bool `json:"available"`
		}
		list := func(query string) string {
			var p struct{ Items []item }
			h.Do("GET", "/api/v1/products?"+query, "", nil).OK(http.StatusOK, &p)
			out := ""
			for _, it := range p.Items {
				out += fmt.Sprintf("%d:%d-%d:%v ", it.ID, it.PriceFen, it.PriceMaxFen, it.Available != nil && *it.Available)
			}
			return out
		}
		atStore := fmt.Sprintf("%d:800-1000:true %d:700-700:true ", two.ID, one.ID)
		if got := list(apitest.Path("store_id=%d&sort=price_desc", st.ID)); got != atStore {
			t.Fatalf("at the store, by price: %s, want %s", got, atStore)
		}
		got := list(apitest.Path("store_id=%d", st.ID))
		if got != atStore && got != fmt.Sprintf("%d:700-700:true %d:800-1000:true ", one.ID, two.ID) {
			t.Fatalf("at the store: %s", got)
		}
		chain := fmt.Sprintf("%d:1000-1500:false %d:700-700:false ", two.ID, one.ID)
		if got := list("sort=price_desc"); got != chain {
			t.Fatalf("the chain: %s, want %s", got, chain)
		}
		// Sold out at the store: still listed, not available.
		h.Do("PUT", apitest.Path("/admin/v1/stores/%d/stock/%d", st.ID, one.Skus[0].ID), h.AdminToken, map[string]any{"on_hand": 0}).
			OK(http.StatusOK, nil)
		want := fmt.Sprintf("%d:800-1000:true %d:700-700:false ", two.ID, one.ID)
		if got := list(apitest.Path("store_id=%d&sort=price_desc", st.ID)); got != want {
			t.Fatalf("sold out: %s, want %s", got, want)
		}
	})
}
