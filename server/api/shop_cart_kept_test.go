package api_test

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"wemart/server/apitest"
	"wemart/server/cart"
	"wemart/server/media/mediatest"
	"wemart/server/shelfver"
	"wemart/server/storage"
	"wemart/server/storage/storagetest"
	"wemart/server/stores"
)

// TestCartIsExactAcrossProcesses: a process keeps what it read of a cart's
// SKUs and products under the chain's shelf version (package cart), and
// still shows every change another process makes at once: a title, a SKU
// renamed and repriced, a main picture uploaded, a product unlisted and
// listed again, a SKU deleted, a product deleted. The reader is a second
// cart service on the database (another process's); the writes go through
// the app's routes. A write that moves no version (straight to the
// database, as no route does) is not seen until the version moves: what
// the reader shows is kept, not read each time.
func TestCartIsExactAcrossProcesses(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		ctx := context.Background()
		writer := apitest.New(t, db)
		st, err := stores.New(db, time.Now)
		if err != nil {
			t.Fatal(err)
		}
		reader := cart.New(db, st)
		shop := mustStore(t, writer, "店", 31.23, 121.47)
		var milk, bread product
		writer.Do("POST", "/admin/v1/products", writer.AdminToken, map[string]any{"title": "牛奶", "skus": []map[string]any{
			{"name": "小瓶", "price_fen": 600}, {"name": "大瓶", "price_fen": 1000}}}).OK(http.StatusCreated, &milk)
		bread = mustProduct(t, writer, "面包", 700)
		small, big, loaf := milk.Skus[0].ID, milk.Skus[1].ID, bread.Skus[0].ID
		shopper := mustShopper(t, writer, "kept-"+t.Name())
		for _, k := range []int{small, big, loaf} {
			writer.Do("PUT", apitest.Path("/admin/v1/stores/%d/stock/%d", shop.ID, k), writer.AdminToken,
				map[string]any{"on_hand": 9}).OK(http.StatusOK, nil)
			writer.Do("PUT", "/api/v1/cart/items", shopper.Token, map[string]any{"store_id": shop.ID, "sku_id": k, "quantity": 1}).
				OK(http.StatusOK, nil)
		}
		// What the reader shows of each line: title/SKU name/price/image/problem.
		shows := func() string {
			t.Helper()
			c, err := reader.Get(ctx, shopper.User.ID, shop.ID)
			if err != nil {
				t.Fatal(err)
			}
			var b strings.Builder
			for _, l := range c.Lines {
				img := "-"
				if l.Image != "" {
					img = "img"
				}
				fmt.Fprintf(&b, "%s/%s/%d/%s/%s ", l.Title, l.SkuName, l.PriceFen, img, l.Problem)
			}
			return b.String()
		}
		want := func(step, w string) {
			t.Helper()
			if got := shows(); got != w {
				t.Fatalf("%s: the reader shows\n%q, want\n%q", step, got, w)
			}
		}
		want("at first", "牛奶/小瓶/600/-/ 牛奶/大瓶/1000/-/ 面包/标准装/700/-/ ")
		want("asked again (kept)", "牛奶/小瓶/600/-/ 牛奶/大瓶/1000/-/ 面包/标准装/700/-/ ")

		// Straight to the database, no version moved: the reader keeps what it read.
		db.Client.Product.UpdateOneID(milk.ID).SetTitle("鲜牛奶").ExecX(ctx)
		want("a write that moves no version", "牛奶/小瓶/600/-/ 牛奶/大瓶/1000/-/ 面包/标准装/700/-/ ")
		if err := shelfver.BumpChain(ctx, db.Client); err != nil {
			t.Fatal(err)
		}
		want("the version moved", "鲜牛奶/小瓶/600/-/ 鲜牛奶/大瓶/1000/-/ 面包/标准装/700/-/ ")

		writer.Do("PATCH", apitest.Path("/admin/v1/products/%d", milk.ID), writer.AdminToken,
			map[string]any{"title": "纯牛奶"}).OK(http.StatusOK, nil)
		want("retitled", "纯牛奶/小瓶/600/-/ 纯牛奶/大瓶/1000/-/ 面包/标准装/700/-/ ")
		writer.Do("PATCH", apitest.Path("/admin/v1/skus/%d", big), writer.AdminToken,
			map[string]any{"name": "家庭装", "price_fen": 1200}).OK(http.StatusOK, nil)
		want("renamed and repriced", "纯牛奶/小瓶/600/-/ 纯牛奶/家庭装/1200/-/ 面包/标准装/700/-/ ")
		upload(writer, imagesPath(bread.ID), writer.AdminToken, "file", "bread.png", "image/png", mediatest.PNG(64, 64, false)).
			OK(http.StatusCreated, nil)
		want("a picture", "纯牛奶/小瓶/600/-/ 纯牛奶/家庭装/1200/-/ 面包/标准装/700/img/ ")
		writer.Do("PATCH", apitest.Path("/admin/v1/products/%d", milk.ID), writer.AdminToken,
			map[string]any{"status": "unlisted"}).OK(http.StatusOK, nil)
		want("unlisted", "纯牛奶/小瓶/600/-/unlisted 纯牛奶/家庭装/1200/-/unlisted 面包/标准装/700/img/ ")
		writer.Do("PATCH", apitest.Path("/admin/v1/products/%d", milk.ID), writer.AdminToken,
			map[string]any{"status": "listed"}).OK(http.StatusOK, nil)
		want("listed again", "纯牛奶/小瓶/600/-/ 纯牛奶/家庭装/1200/-/ 面包/标准装/700/img/ ")
		writer.Do("DELETE", apitest.Path("/admin/v1/skus/%d", small), writer.AdminToken, nil).OK(http.StatusNoContent, nil)
		want("a SKU deleted", "//600/-/removed 纯牛奶/家庭装/1200/-/ 面包/标准装/700/img/ ")
		writer.Do("DELETE", apitest.Path("/admin/v1/products/%d", bread.ID), writer.AdminToken, nil).OK(http.StatusNoContent, nil)
		want("a product deleted", "//600/-/removed 纯牛奶/家庭装/1200/-/ //700/-/removed ")
	})
}
