package api_test

import (
	"net/http"
	"strings"
	"testing"

	"wemart/server/apitest"
	"wemart/server/storage"
	"wemart/server/storage/storagetest"
)

type product struct {
	ID         int    `json:"id"`
	Title      string `json:"title"`
	Subtitle   string `json:"subtitle"`
	CategoryID *int   `json:"category_id"`
	Status     string `json:"status"`
	Images     []string
	Skus       []sku `json:"skus"`
}

type sku struct {
	ID       int     `json:"id"`
	Name     string  `json:"name"`
	PriceFen int64   `json:"price_fen"`
	Barcode  *string `json:"barcode"`
}

func mustProduct(t *testing.T, h *apitest.Harness, title string, priceFen int64) product {
	t.Helper()
	var p product
	h.Do("POST", "/admin/v1/products", h.AdminToken, map[string]any{
		"title": title, "skus": []map[string]any{{"name": "标准装", "price_fen": priceFen}},
	}).OK(http.StatusCreated, &p)
	return p
}

func TestCategories(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		h := apitest.New(t, db)
		var food, dairy struct {
			ID       int  `json:"id"`
			ParentID *int `json:"parent_id"`
		}
		h.Do("POST", "/admin/v1/categories", h.AdminToken, map[string]any{"name": "食品"}).OK(http.StatusCreated, &food)
		h.Do("POST", "/admin/v1/categories", h.AdminToken, map[string]any{"name": "乳品", "parent_id": food.ID}).OK(http.StatusCreated, &dairy)
		if dairy.ParentID == nil || *dairy.ParentID != food.ID {
			t.Fatalf("child = %+v", dairy)
		}
		var renamed struct {
			Name string `json:"name"`
			Sort int    `json:"sort"`
		}
		h.Do("PATCH", apitest.Path("/admin/v1/categories/%d", dairy.ID), h.AdminToken, map[string]any{"name": "乳制品", "sort": 3}).
			OK(http.StatusOK, nil)
		h.Do("GET", apitest.Path("/admin/v1/categories/%d", dairy.ID), h.AdminToken, nil).OK(http.StatusOK, &renamed)
		if renamed.Name != "乳制品" || renamed.Sort != 3 {
			t.Fatalf("renamed = %+v", renamed)
		}
		h.Do("GET", "/admin/v1/categories/999", h.AdminToken, nil).Fails(http.StatusNotFound, "not_found")
		// Cycles and dangling parents are refused.
		h.Do("PATCH", apitest.Path("/admin/v1/categories/%d", food.ID), h.AdminToken, map[string]any{"parent_id": dairy.ID}).
			Fails(http.StatusBadRequest, "invalid_argument")
		h.Do("PATCH", apitest.Path("/admin/v1/categories/%d", food.ID), h.AdminToken, map[string]any{"parent_id": food.ID}).
			Fails(http.StatusBadRequest, "invalid_argument")
		h.Do("POST", "/admin/v1/categories", h.AdminToken, map[string]any{"name": "x", "parent_id": 999}).
			Fails(http.StatusBadRequest, "invalid_argument")
		h.Do("POST", "/admin/v1/categories", h.AdminToken, map[string]any{"name": ""}).Fails(http.StatusBadRequest, "invalid_argument")
		// A category in use cannot go.
		h.Do("DELETE", apitest.Path("/admin/v1/categories/%d", food.ID), h.AdminToken, nil).Fails(http.StatusConflict, "conflict")
		var p product
		h.Do("POST", "/admin/v1/products", h.AdminToken, map[string]any{
			"title": "鲜牛奶", "category_id": dairy.ID, "skus": []map[string]any{{"name": "1L", "price_fen": 1290}},
		}).OK(http.StatusCreated, &p)
		h.Do("DELETE", apitest.Path("/admin/v1/categories/%d", dairy.ID), h.AdminToken, nil).Fails(http.StatusConflict, "conflict")
		// Move the product out (category_id null), then both categories can go.
		h.Do("PATCH", apitest.Path("/admin/v1/products/%d", p.ID), h.AdminToken, map[string]any{"category_id": nil}).OK(http.StatusOK, &p)
		if p.CategoryID != nil {
			t.Fatalf("category not cleared: %+v", p)
		}
		h.Do("DELETE", apitest.Path("/admin/v1/categories/%d", dairy.ID), h.AdminToken, nil).OK(http.StatusNoContent, nil)
		h.Do("DELETE", apitest.Path("/admin/v1/categories/%d", food.ID), h.AdminToken, nil).OK(http.StatusNoContent, nil)
		var list struct{ Items []any }
		h.Do("GET", "/admin/v1/categories", h.AdminToken, nil).OK(http.StatusOK, &list)
		if len(list.Items) != 0 {
			t.Fatalf("categories left: %v", list.Items)
		}
	})
}

func TestProductsAndSkus(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		h := apitest.New(t, db)
		var p product
		h.Do("POST", "/admin/v1/products", h.AdminToken, map[string]any{
			"title": "光明 鲜牛奶", "images": []string{"https://img.example.com/milk.jpg"},
			"skus": []map[string]any{
				{"name": "950ml", "price_fen": 1890, "barcode": "6901234567892"},
				{"name": "450ml", "price_fen": 1090},
			},
		}).OK(http.StatusCreated, &p)
		if len(p.Skus) != 2 || p.Skus[0].ID == 0 || p.Skus[0].PriceFen != 1890 || *p.Skus[0].Barcode != "6901234567892" || p.Status != "listed" {
			t.Fatalf("created: %+v", p)
		}

		// A taken barcode is a conflict, whether on a new product, a new SKU or an edit.
		dup := map[string]any{"title": "别的", "skus": []map[string]any{{"name": "x", "price_fen": 1, "barcode": "6901234567892"}}}
		h.Do("POST", "/admin/v1/products", h.AdminToken, dup).Fails(http.StatusConflict, "conflict")
		h.Do("POST", apitest.Path("/admin/v1/products/%d/skus", p.ID), h.AdminToken,
			map[string]any{"name": "x", "price_fen": 1, "barcode": "6901234567892"}).Fails(http.StatusConflict, "conflict")
		h.Do("PATCH", apitest.Path("/admin/v1/skus/%d", p.Skus[1].ID), h.AdminToken,
			map[string]any{"barcode": "6901234567892"}).Fails(http.StatusConflict, "conflict")

		// Edit a SKU that has a barcode, keeping it (a patch without the
		// barcode, and one that sets it again: PostgreSQL once refused both).
		var k sku
		h.Do("PATCH", apitest.Path("/admin/v1/skus/%d", p.Skus[0].ID), h.AdminToken,
			map[string]any{"name": "950 ml"}).OK(http.StatusOK, &k)
		if k.Name != "950 ml" || k.Barcode == nil || *k.Barcode != "6901234567892" {
			t.Fatalf("renamed SKU: %+v", k)
		}
		h.Do("PATCH", apitest.Path("/admin/v1/skus/%d", p.Skus[0].ID), h.AdminToken,
			map[string]any{"name": "950ml", "barcode": "6901234567892"}).OK(http.StatusOK, &k)
		// Edit a SKU's price; drop its barcode.
		h.Do("PATCH", apitest.Path("/admin/v1/skus/%d", p.Skus[0].ID), h.AdminToken,
			map[string]any{"price_fen": 1990, "barcode": nil}).OK(http.StatusOK, &k)
		if k.PriceFen != 1990 || k.Barcode != nil || k.Name != "950ml" {
			t.Fatalf("edited SKU: %+v", k)
		}
		// Now the barcode is free for another product.
		h.Do("POST", "/admin/v1/products", h.AdminToken, dup).OK(http.StatusCreated, nil)

		// Add a third SKU and read it back.
		var added sku
		h.Do("POST", apitest.Path("/admin/v1/products/%d/skus", p.ID), h.AdminToken,
			map[string]any{"name": "250ml", "price_fen": 690, "barcode": "4006381333931"}).OK(http.StatusCreated, &added)
		var read sku
		h.Do("GET", apitest.Path("/admin/v1/skus/%d", added.ID), h.AdminToken, nil).OK(http.StatusOK, &read)
		if read.ID != added.ID || read.Name != "250ml" || read.PriceFen != 690 || read.Barcode == nil || *read.Barcode != "4006381333931" {
			t.Fatalf("added %+v, read %+v", added, read)
		}
		h.Do("POST", "/admin/v1/products/999/skus", h.AdminToken, map[string]any{"name": "x", "price_fen": 1}).
			Fails(http.StatusNotFound, "not_found")
		h.Do("DELETE", apitest.Path("/admin/v1/skus/%d", added.ID), h.AdminToken, nil).OK(http.StatusNoContent, nil)

		// A product keeps at least one SKU.
		h.Do("DELETE", apitest.Path("/admin/v1/skus/%d", p.Skus[1].ID), h.AdminToken, nil).OK(http.StatusNoContent, nil)
		h.Do("DELETE", apitest.Path("/admin/v1/skus/%d", p.Skus[0].ID), h.AdminToken, nil).Fails(http.StatusConflict, "conflict")
		h.Do("GET", apitest.Path("/admin/v1/skus/%d", p.Skus[1].ID), h.AdminToken, nil).Fails(http.StatusNotFound, "not_found")

		var list struct {
			Items []product
			Total int
		}
		h.Do("GET", "/admin/v1/products?q=牛奶", h.AdminToken, nil).OK(http.StatusOK, &list)
		if list.Total != 1 || len(list.Items[0].Skus) != 1 {
			t.Fatalf("list: %+v", list)
		}
		h.Do("PATCH", apitest.Path("/admin/v1/products/%d", p.ID), h.AdminToken, map[string]any{"status": "unlisted"}).OK(http.StatusOK, nil)
		h.Do("GET", "/admin/v1/products?status=listed", h.AdminToken, nil).OK(http.StatusOK, &list)
		if list.Total != 1 || list.Items[0].Title != "别的" {
			t.Fatalf("listed filter: %+v", list)
		}

		h.Do("DELETE", apitest.Path("/admin/v1/products/%d", p.ID), h.AdminToken, nil).OK(http.StatusNoContent, nil)
		h.Do("GET", apitest.Path("/admin/v1/products/%d", p.ID), h.AdminToken, nil).Fails(http.StatusNotFound, "not_found")
		h.Do("PATCH", apitest.Path("/admin/v1/products/%d", p.ID), h.AdminToken, map[string]any{"title": "x"}).Fails(http.StatusNotFound, "not_found")
	})
}

func TestProductBadInput(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		h := apitest.New(t, db)
		existing := mustProduct(t, h, "基准商品", 100)
		sku1 := []map[string]any{{"name": "x", "price_fen": 100}}
		tests := []struct {
			name  string
			body  map[string]any
			field string
		}{
			{"title missing", map[string]any{"skus": sku1}, "title"},
			{"title too long", map[string]any{"title": strings.Repeat("奶", 121), "skus": sku1}, "title"},
			{"no SKUs", map[string]any{"title": "t"}, "skus"},
			{"negative price", map[string]any{"title": "t", "skus": []map[string]any{{"name": "x", "price_fen": -1}}}, "skus[0].price_fen"},
			{"price missing", map[string]any{"title": "t", "skus": []map[string]any{{"name": "x"}}}, "skus[0].price_fen"},
			{"price as yuan string", map[string]any{"title": "t", "skus": []map[string]any{{"name": "x", "price_fen": "12.90"}}}, "skus[0].price_fen"},
			{"fractional fen", map[string]any{"title": "t", "skus": []map[string]any{{"name": "x", "price_fen": 12.5}}}, "skus[0].price_fen"},
			{"SKU name missing", map[string]any{"title": "t", "skus": []map[string]any{{"price_fen": 1}}}, "skus[0].name"},
			{"bad check digit", map[string]any{"title": "t", "skus": []map[string]any{{"name": "x", "price_fen": 1, "barcode": "6901234567891"}}}, "skus[0].barcode"},
			{"barcode letters", map[string]any{"title": "t", "skus": []map[string]any{{"name": "x", "price_fen": 1, "barcode": "69012345678AB"}}}, "skus[0].barcode"},
			{"same barcode twice", map[string]any{"title": "t", "skus": []map[string]any{
				{"name": "x", "price_fen": 1, "barcode": "6901234567892"}, {"name": "y", "price_fen": 1, "barcode": "6901234567892"}}}, "skus[1].barcode"},
			{"unknown category", map[string]any{"title": "t", "category_id": 999, "skus": sku1}, "category_id"},
			{"bad status", map[string]any{"title": "t", "status": "draft", "skus": sku1}, "status"},
			{"image not a URL", map[string]any{"title": "t", "images": []string{"milk.jpg"}, "skus": sku1}, "images[0]"},
			{"unknown field", map[string]any{"title": "t", "price": 100, "skus": sku1}, "price"},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				e := h.For(t).Do("POST", "/admin/v1/products", h.AdminToken, tt.body).Fails(http.StatusBadRequest, "invalid_argument")
				if e.Error.Field != tt.field {
					t.Fatalf("error names %q (%s), want %q", e.Error.Field, e.Error.Message, tt.field)
				}
			})
		}
		h.Do("PATCH", apitest.Path("/admin/v1/skus/%d", existing.Skus[0].ID), h.AdminToken, map[string]any{"price_fen": -5}).
			Fails(http.StatusBadRequest, "invalid_argument")
		h.Do("POST", apitest.Path("/admin/v1/products/%d/skus", existing.ID), h.AdminToken, map[string]any{"name": "y", "price_fen": -5}).
			Fails(http.StatusBadRequest, "invalid_argument")
		h.Do("PATCH", apitest.Path("/admin/v1/products/%d", existing.ID), h.AdminToken, map[string]any{"title": ""}).
			Fails(http.StatusBadRequest, "invalid_argument")
		h.Do("GET", "/admin/v1/products?page_size=1000", h.AdminToken, nil).Fails(http.StatusBadRequest, "invalid_argument")
		h.Do("GET", "/admin/v1/products?category_id=abc", h.AdminToken, nil).Fails(http.StatusBadRequest, "invalid_argument")

		var list struct {
			Items []product
			Total int
		}
		h.Do("GET", "/admin/v1/products", h.AdminToken, nil).OK(http.StatusOK, &list)
		if list.Total != 1 || list.Items[0].Title != "基准商品" || list.Items[0].Skus[0].PriceFen != 100 || len(list.Items[0].Skus) != 1 {
			t.Fatalf("bad input changed the catalogue: %+v", list)
		}
	})
}

// TestTextLimitsCountCharacters: length limits are in characters, as people
// count them: a Chinese title at the limit (three bytes a character) is
// accepted, one character more is not.
func TestTextLimitsCountCharacters(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		h := apitest.New(t, db)
		long := strings.Repeat("鲜", 120)
		var p product
		h.Do("POST", "/admin/v1/products", h.AdminToken, map[string]any{"title": long,
			"skus": []map[string]any{{"name": strings.Repeat("装", 60), "price_fen": 100}}}).OK(http.StatusCreated, &p)
		if p.Title != long {
			t.Fatalf("title stored as %q", p.Title)
		}
		h.Do("POST", "/admin/v1/products", h.AdminToken, map[string]any{"title": long + "鲜",
			"skus": []map[string]any{{"name": "x", "price_fen": 100}}}).Fails(http.StatusBadRequest, "invalid_argument")
		h.Do("POST", "/admin/v1/stores", h.AdminToken, map[string]any{"name": strings.Repeat("店", 100),
			"address": strings.Repeat("路", 300), "lat": 31.2, "lng": 121.4}).OK(http.StatusCreated, nil)
		l := mustShopper(t, h, "long-address")
		h.Do("POST", "/api/v1/addresses", l.Token, map[string]any{"contact": strings.Repeat("李", 50), "phone": "13800000000",
			"detail": strings.Repeat("号", 200)}).OK(http.StatusCreated, nil)
	})
}
