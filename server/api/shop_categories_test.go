package api_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

	"wemart/server/apitest"
	"wemart/server/storage"
	"wemart/server/storage/storagetest"
)

// TestShopCategories: shoppers see, without a token, the categories that
// hold listed products (directly or through a subcategory) in display
// order, with their counts; empty ones, and ones whose products are all
// unlisted or deleted, are left out, and come back when a product does.
func TestShopCategories(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		h := apitest.New(t, db)
		cat := func(name string, sort int, parent *int) int {
			var c struct{ ID int }
			h.Do("POST", "/admin/v1/categories", h.AdminToken, map[string]any{"name": name, "sort": sort, "parent_id": parent}).OK(http.StatusCreated, &c)
			return c.ID
		}
		prod := func(title string, category int) int {
			var p struct{ ID int }
			h.Do("POST", "/admin/v1/products", h.AdminToken, map[string]any{"title": title, "category_id": category,
				"skus": []map[string]any{{"name": "标准", "price_fen": 500}}}).OK(http.StatusCreated, &p)
			return p.ID
		}
		dairy := cat("乳品", 1, nil)
		milk := cat("牛奶", 0, &dairy)
		drinks := cat("饮料", 2, nil)
		empty := cat("空", 0, nil)
		snacks := cat("零食", 0, nil)
		home := cat("日用", 0, nil)
		prod("光明 鲜牛奶", milk)
		prod("伊利 酸奶", dairy)
		prod("可口可乐", drinks)
		prod("雪碧", drinks)
		snack := prod("乐事 薯片", snacks)
		h.Do("PATCH", apitest.Path("/admin/v1/products/%d", snack), h.AdminToken, map[string]any{"status": "unlisted"}).OK(http.StatusOK, nil)
		soap := prod("舒肤佳 香皂", home)
		h.Do("DELETE", apitest.Path("/admin/v1/products/%d", soap), h.AdminToken, nil).OK(http.StatusNoContent, nil)

		list := func() string {
			var out struct {
				Items []struct {
					ID           int    `json:"id"`
					Name         string `json:"name"`
					ParentID     *int   `json:"parent_id"`
					ProductCount int    `json:"product_count"`
				} `json:"items"`
			}
			h.Do("GET", "/api/v1/categories", "", nil).OK(http.StatusOK, &out)
			var b strings.Builder
			for _, c := range out.Items {
				parent := 0
				if c.ParentID != nil {
					parent = *c.ParentID
				}
				fmt.Fprintf(&b, "%s(%d)^%d ", c.Name, c.ProductCount, parent)
			}
			return strings.TrimSpace(b.String())
		}
		want := fmt.Sprintf("牛奶(1)^%d 乳品(2)^0 饮料(2)^0", dairy)
		if got := list(); got != want {
			t.Fatalf("categories: %s, want %s", got, want)
		}
		// A listed product makes an empty category browsable.
		prod("抽纸", empty)
		want = fmt.Sprintf("牛奶(1)^%d 空(1)^0 乳品(2)^0 饮料(2)^0", dairy)
		if got := list(); got != want {
			t.Fatalf("after a product in 空: %s, want %s", got, want)
		}
	})
}
