package api_test

import (
	"context"
	"fmt"
	"net/http"
	"testing"

	"wemart/server/apitest"
	"wemart/server/catalog"
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

// TestListingIsExactAcrossProcesses: a process that answered a store's
// listing keeps the shelves it read (catalog.Shelves), and still shows
// every change another process makes at once: the store's prices,
// availability by a stock count and by a checkout taking the last units,
// a product unlisted. The reader is a second catalogue service on the
// database (another process's: a second app would also need the products
// in its own embedded search index, which only the process holding the
// indexer lease fills); the writes go through the app's routes.
func TestListingIsExactAcrossProcesses(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		ctx := context.Background()
		writer := apitest.New(t, db)
		reader := catalog.New(db.Client)
		st := mustStore(t, writer, "店", 31.23, 121.47)
		milk, bread := mustProduct(t, writer, "牛奶", 1000), mustProduct(t, writer, "面包", 700)
		stock := func(k product, n int) {
			writer.Do("PUT", apitest.Path("/admin/v1/stores/%d/stock/%d", st.ID, k.Skus[0].ID), writer.AdminToken,
				map[string]any{"on_hand": n}).OK(http.StatusOK, nil)
		}
		stock(milk, 2)
		stock(bread, 3)
		// What the reader shows of each product at the store: its lowest
		// price there and whether it is available; absent: not shown.
		shows := func() map[int]string {
			t.Helper()
			shelves, err := reader.Shelves(ctx, st.ID, []int{milk.ID, bread.ID})
			if err != nil {
				t.Fatal(err)
			}
			out := map[int]string{}
			for id, sh := range shelves {
				out[id] = fmt.Sprintf("%d:%v", sh.MinFen, sh.Available)
			}
			return out
		}
		want := func(step string, milkShows, breadShows string) {
			t.Helper()
			got := shows()
			if got[milk.ID] != milkShows || got[bread.ID] != breadShows {
				t.Fatalf("%s: milk %q, bread %q; want %q, %q", step, got[milk.ID], got[bread.ID], milkShows, breadShows)
			}
		}
		want("at first", "1000:true", "700:true")
		want("asked again (kept)", "1000:true", "700:true")
		writer.Do("PUT", apitest.Path("/admin/v1/stores/%d/prices/%d", st.ID, milk.Skus[0].ID), writer.AdminToken,
			map[string]any{"price_fen": 900}).OK(http.StatusOK, nil)
		want("the store's own price", "900:true", "700:true")
		stock(bread, 0)
		want("bread counted out", "900:true", "700:false")
		shopper := mustShopper(t, writer, "listing-"+t.Name())
		writer.Do("POST", "/api/v1/orders", shopper.Token, map[string]any{"store_id": st.ID, "fulfilment": "pickup",
			"items": []map[string]int{{"sku_id": milk.Skus[0].ID, "quantity": 2}}}, "Idempotency-Key", "listing-last-milk").
			OK(http.StatusCreated, nil)
		want("the last milk reserved", "900:false", "700:false")
		writer.Do("PATCH", apitest.Path("/admin/v1/products/%d", bread.ID), writer.AdminToken,
			map[string]any{"status": "unlisted"}).OK(http.StatusOK, nil)
		if got := shows(); len(got) != 1 || got[milk.ID] != "900:false" {
			t.Fatalf("bread unlisted: the reader shows %v", got)
		}
		// The app's own listing agrees, once its index has the milk.
		type item struct {
			ID        int   `json:"id"`
			PriceFen  int64 `json:"price_fen"`
			Available *bool `json:"available"`
		}
		var items []item
		eventually(t, "the milk listed", func() bool {
			var page struct{ Items []item }
			writer.Do("GET", apitest.Path("/api/v1/products?store_id=%d", st.ID), "", nil).OK(http.StatusOK, &page)
			items = page.Items
			return len(items) > 0
		})
		if len(items) != 1 || items[0].ID != milk.ID || items[0].PriceFen != 900 || items[0].Available == nil || *items[0].Available {
			t.Fatalf("the listing: %+v", items)
		}
	})
}
