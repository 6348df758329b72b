package api_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"wemart/ent/searchoutbox"
	"wemart/server/apitest"
	"wemart/server/app"
	"wemart/server/config"
	"wemart/server/storage"
	"wemart/server/storage/storagetest"
)

type searchPage struct {
	Items []struct {
		ID             int    `json:"id"`
		Title          string `json:"title"`
		TitleHighlight string `json:"title_highlight"`
		PriceFen       int64  `json:"price_fen"`
		Available      *bool  `json:"available"`
	} `json:"items"`
	Total  int `json:"total"`
	Facets struct {
		Categories []struct{ ID, Count int } `json:"categories"`
	} `json:"facets"`
}

func (p searchPage) titles() string {
	var out []string
	for _, it := range p.Items {
		out = append(out, it.Title)
	}
	return strings.Join(out, "|")
}

func searchFor(t *testing.T, h *apitest.Harness, query string) searchPage {
	t.Helper()
	var p searchPage
	h.Do("GET", "/api/v1/products?"+query, "", nil).OK(http.StatusOK, &p)
	return p
}

// eventually polls until the index has caught up (the outbox drains within a second).
func eventually(t *testing.T, what string, ok func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !ok() {
		if time.Now().After(deadline) {
			t.Fatalf("never: %s", what)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// drained waits until the search outbox has nothing left to apply: every
// change made so far (stock levels, prices, titles) is in the index.
func drained(t *testing.T, db *storage.DB) {
	t.Helper()
	eventually(t, "the search outbox drained", func() bool {
		return !db.Client.SearchOutbox.Query().Where(searchoutbox.ProcessedAtIsNil()).ExistX(context.Background())
	})
}

func TestProductSearch(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		h := apitest.New(t, db)
		var dairy, drinks struct{ ID int }
		h.Do("POST", "/admin/v1/categories", h.AdminToken, map[string]any{"name": "乳品"}).OK(http.StatusCreated, &dairy)
		h.Do("POST", "/admin/v1/categories", h.AdminToken, map[string]any{"name": "饮料"}).OK(http.StatusCreated, &drinks)
		mk := func(title string, cat int, prices ...int64) product {
			var skus []map[string]any
			for i, p := range prices {
				skus = append(skus, map[string]any{"name": []string{"小", "大"}[i], "price_fen": p})
			}
			var p product
			h.Do("POST", "/admin/v1/products", h.AdminToken, map[string]any{"title": title, "category_id": cat, "skus": skus}).OK(http.StatusCreated, &p)
			return p
		}
		milk := mk("光明 优倍 鲜牛奶", dairy.ID, 1090, 1890)
		mk("蒙牛 特仑苏 纯牛奶", dairy.ID, 6590)
		oat := mk("Oatly 噢麦力 燕麦奶", dairy.ID, 2990)
		cola := mk("Coca-Cola 可口可乐", drinks.ID, 790)
		st := mustStore(t, h, "店", 31.23, 121.47)
		h.Do("PUT", apitest.Path("/admin/v1/stores/%d/stock/%d", st.ID, milk.Skus[0].ID), h.AdminToken, map[string]any{"on_hand": 5}).OK(http.StatusOK, nil)

		eventually(t, "the four products indexed", func() bool { return searchFor(t, h, "").Total == 4 })
		drained(t, db) // the milk's stock too
		p := searchFor(t, h, "q="+url.QueryEscape("牛奶"))
		if p.Total != 2 || !strings.Contains(p.titles(), "鲜牛奶") || !strings.Contains(p.titles(), "纯牛奶") {
			t.Fatalf("牛奶: %s", p.titles())
		}
		if !strings.Contains(p.Items[0].TitleHighlight, "<em>") {
			t.Fatalf("no highlight: %q", p.Items[0].TitleHighlight)
		}
		if p = searchFor(t, h, "q=OATLY"); p.titles() != "Oatly 噢麦力 燕麦奶" {
			t.Fatalf("OATLY: %s", p.titles())
		}
		if p = searchFor(t, h, "q="+url.QueryEscape("oatly 燕麦")); p.Total != 1 {
			t.Fatalf("mixed: %s", p.titles())
		}
		// Facets count every category, whatever category is filtered.
		p = searchFor(t, h, apitest.Path("category_id=%d", drinks.ID))
		if p.titles() != "Coca-Cola 可口可乐" || len(p.Facets.Categories) != 2 || p.Facets.Categories[0].Count != 3 {
			t.Fatalf("category filter: %s %+v", p.titles(), p.Facets)
		}
		if p = searchFor(t, h, "min_price_fen=1500&max_price_fen=3000&sort=price_asc"); p.titles() != "光明 优倍 鲜牛奶|Oatly 噢麦力 燕麦奶" {
			t.Fatalf("price 15–30 yuan: %s", p.titles())
		}
		if p = searchFor(t, h, "sort=price_desc&page_size=1&page=2"); p.titles() != "Oatly 噢麦力 燕麦奶" || p.Total != 4 {
			t.Fatalf("page 2 by price: %s", p.titles())
		}
		if p = searchFor(t, h, "page=9&page_size=50"); len(p.Items) != 0 || p.Total != 4 {
			t.Fatalf("beyond the end: %+v", p)
		}

		// Availability at a store: a flag on every item, and a filter.
		p = searchFor(t, h, apitest.Path("store_id=%d", st.ID))
		for _, it := range p.Items {
			if it.Available == nil || *it.Available != (it.ID == milk.ID) {
				t.Fatalf("availability of %d at the store: %v", it.ID, it.Available)
			}
		}
		if p = searchFor(t, h, apitest.Path("store_id=%d&in_stock=true", st.ID)); p.titles() != "光明 优倍 鲜牛奶" {
			t.Fatalf("in stock: %s", p.titles())
		}
		// Stock running out reaches the index through the outbox.
		h.Do("PUT", apitest.Path("/admin/v1/stores/%d/stock/%d", st.ID, milk.Skus[0].ID), h.AdminToken, map[string]any{"on_hand": 0}).OK(http.StatusOK, nil)
		eventually(t, "sold out reaches the index", func() bool {
			return searchFor(t, h, apitest.Path("store_id=%d&in_stock=true", st.ID)).Total == 0
		})

		// Catalogue changes: a new title, an unlisted product, a deleted one.
		h.Do("PATCH", apitest.Path("/admin/v1/products/%d", oat.ID), h.AdminToken, map[string]any{"title": "Oatly 燕麦奶 Barista"}).OK(http.StatusOK, nil)
		eventually(t, "the new title is searchable", func() bool { return searchFor(t, h, "q=barista").Total == 1 })
		h.Do("PATCH", apitest.Path("/admin/v1/products/%d", cola.ID), h.AdminToken, map[string]any{"status": "unlisted"}).OK(http.StatusOK, nil)
		// Unlisted is invisible at once, before the index even catches up.
		// (Once the index has caught up, cola matches nothing, and best
		// sellers are offered instead: never cola itself.)
		for _, it := range searchFor(t, h, "q=cola").Items {
			if it.ID == cola.ID {
				t.Fatalf("an unlisted product was shown: %s", it.Title)
			}
		}
		h.Do("DELETE", apitest.Path("/admin/v1/products/%d", milk.ID), h.AdminToken, nil).OK(http.StatusNoContent, nil)
		eventually(t, "deletes reach the index", func() bool { return searchFor(t, h, "").Total == 2 })
		if p = searchFor(t, h, "q="+url.QueryEscape("牛奶")); p.titles() != "蒙牛 特仑苏 纯牛奶" {
			t.Fatalf("after delete: %s", p.titles())
		}

		// Suggestions.
		var sug struct{ Items []struct{ ID int } }
		h.Do("GET", "/api/v1/products/suggest?q=oat", "", nil).OK(http.StatusOK, &sug)
		if len(sug.Items) != 1 || sug.Items[0].ID != oat.ID {
			t.Fatalf("suggest oat: %+v", sug)
		}
		h.Do("GET", "/api/v1/products/suggest?q=", "", nil).OK(http.StatusOK, &sug)
		if len(sug.Items) != 0 {
			t.Fatalf("suggest nothing: %+v", sug)
		}
	})
}

func TestProductSearchBadInput(t *testing.T) {
	h := apitest.New(t, storagetest.New(t, "sqlite"))
	mustProduct(t, h, "牛奶", 100)
	eventually(t, "indexed", func() bool { return searchFor(t, h, "").Total == 1 })
	for q, field := range map[string]string{
		"q=" + strings.Repeat("奶", 101):     "q",
		"page_size=51":                      "page_size",
		"page=0":                            "page",
		"page=400&page_size=50":             "page",
		"sort=cheapest":                     "sort",
		"category_id=abc":                   "category_id",
		"min_price_fen=-1":                  "min_price_fen",
		"min_price_fen=500&max_price_fen=1": "max_price_fen",
		"in_stock=true":                     "in_stock",
		"in_stock=perhaps&store_id=1":       "in_stock",
		"store_id=0":                        "store_id",
	} {
		t.Run(q, func(t *testing.T) {
			e := h.For(t).Do("GET", "/api/v1/products?"+q, "", nil).Fails(http.StatusBadRequest, "invalid_argument")
			if e.Error.Field != field {
				t.Fatalf("names %q, want %q", e.Error.Field, field)
			}
		})
	}
	// Query syntax and SQL are just text: an answer, never an error.
	for _, q := range []string{`"牛奶"`, "*", "title:牛奶", "(牛奶", "牛奶) OR 1=1 --", "'; DROP TABLE products; --", "+-&&||!{}[]^~?:\\/"} {
		h.Do("GET", "/api/v1/products?q="+url.QueryEscape(q), "", nil).OK(http.StatusOK, nil)
		h.Do("GET", "/api/v1/products/suggest?q="+url.QueryEscape(q), "", nil).OK(http.StatusOK, nil)
	}
	h.Do("GET", "/api/v1/products?store_id=999", "", nil).Fails(http.StatusNotFound, "not_found")

	// Search down: /readyz says so, search answers 503, the rest of the shop works.
	h.App.Search.Close()
	e := h.Do("GET", "/readyz", "", nil).Fails(http.StatusServiceUnavailable, "unavailable")
	if e.Error.Details["search"] != "down" || e.Error.Details["database"] != "ok" {
		t.Fatalf("readyz details: %v", e.Error.Details)
	}
	h.Do("GET", "/api/v1/products?q=milk", "", nil).Fails(http.StatusServiceUnavailable, "unavailable")
	h.Do("GET", "/api/v1/products/suggest?q=milk", "", nil).Fails(http.StatusServiceUnavailable, "unavailable")
	h.Do("GET", "/admin/v1/products", h.AdminToken, nil).OK(http.StatusOK, nil)
	h.Do("GET", "/healthz", "", nil).OK(http.StatusOK, nil)
	_ = context.Background()
}

// TestShopWorksWithMeilisearchDown: a server configured for a Meilisearch that
// does not answer starts anyway; search says unavailable, the rest serves.
func TestShopWorksWithMeilisearchDown(t *testing.T) {
	h := apitest.New(t, storagetest.New(t, "sqlite"), func(c *config.Config, _ *app.Options) {
		c.SearchURL = "http://127.0.0.1:1"
	})
	e := h.Do("GET", "/readyz", "", nil).Fails(http.StatusServiceUnavailable, "unavailable")
	if e.Error.Details["search"] != "down" {
		t.Fatalf("readyz: %v", e.Error.Details)
	}
	h.Do("GET", "/api/v1/products?q=milk", "", nil).Fails(http.StatusServiceUnavailable, "unavailable")
	mustProduct(t, h, "牛奶", 100) // the catalogue still takes changes (queued in the outbox)
	h.Do("GET", "/api/v1/stores/nearby?lat=31&lng=121", "", nil).OK(http.StatusOK, nil)
}

// TestSearchUnderstandsShoppers: through the router, what shoppers type
// finds what they meant, and the answer says how it matched; nothing
// matching offers the best sellers instead, flagged.
func TestSearchUnderstandsShoppers(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		h := apitest.New(t, db)
		milk := mustProduct(t, h, "光明 优倍 鲜牛奶", 1890)
		mustProduct(t, h, "康师傅 红烧牛肉面", 1450)
		eventually(t, "indexed", func() bool { return searchFor(t, h, "").Total == 2 })
		type answer struct {
			searchPage
			Match   string   `json:"match"`
			Ignored []string `json:"ignored"`
		}
		ask := func(q string) answer {
			var a answer
			h.Do("GET", "/api/v1/products?"+q, "", nil).OK(http.StatusOK, &a)
			return a
		}
		for q, want := range map[string]string{"光明牛奶": "all", "guangming+niunai": "all", "gmnn": "all",
			"%E9%AE%AE%E7%89%9B%E5%A5%B6": "all", "%E7%89%9B%E4%B9%83": "all", "%E5%BA%B7%E5%B8%85%E5%82%85": "fuzzy"} {
			a := ask("q=" + q)
			if a.Match != want || len(a.Items) == 0 || a.Total == 0 || len(a.Ignored) != 0 {
				t.Errorf("q=%s: %+v, want match %s", q, a, want)
			}
		}
		if a := ask("q=" + url.QueryEscape("光明牛奶 巧克力")); a.Match != "partial" || a.Items[0].ID != milk.ID ||
			len(a.Ignored) != 1 || a.Ignored[0] != "巧克力" {
			t.Errorf("partial: %+v", a)
		}
		for _, q := range []string{"榴莲", "🥛!!!"} {
			a := ask("q=" + url.QueryEscape(q))
			if a.Match != "none" || a.Total != 0 || len(a.Items) != 2 {
				t.Errorf("%s: %+v, want the best sellers, flagged", q, a)
			}
			if a := ask("page=2&q=" + url.QueryEscape(q)); a.Match != "none" || len(a.Items) != 0 {
				t.Errorf("%s page 2: %+v", q, a)
			}
		}
		// What is offered keeps to the price bounds asked.
		if a := ask("max_price_fen=1500&q=" + url.QueryEscape("榴莲")); a.Match != "none" || len(a.Items) != 1 || a.Items[0].PriceFen != 1450 {
			t.Errorf("offered within 15 yuan: %+v", a)
		}
		if a := ask(""); a.Match != "all" || a.Ignored == nil {
			t.Errorf("no q: %+v", a)
		}
		var s struct{ Items []struct{ ID int } }
		h.Do("GET", "/api/v1/products/suggest?q=niun", "", nil).OK(http.StatusOK, &s)
		if len(s.Items) != 1 || s.Items[0].ID != milk.ID {
			t.Errorf("suggest niun: %+v", s)
		}
		// Not text: 400 naming q, for both.
		for _, path := range []string{"/api/v1/products?q=%FF%FE", "/api/v1/products/suggest?q=%C3"} {
			if e := h.Do("GET", path, "", nil).Fails(http.StatusBadRequest, "invalid_argument"); e.Error.Field != "q" {
				t.Errorf("%s names %q", path, e.Error.Field)
			}
		}
	})
}
