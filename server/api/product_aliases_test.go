package api_test

import (
	"context"
	"net/http"
	"slices"
	"strings"
	"testing"

	"wemart/ent/searchoutbox"
	"wemart/search"
	"wemart/server/apitest"
	"wemart/server/catalog"
	"wemart/server/storage"
	"wemart/server/storage/storagetest"
)

// aliased is a product's aliases as the admin API answers them.
type aliased struct {
	ID      int      `json:"id"`
	Title   string   `json:"title"`
	Aliases []string `json:"aliases"`
	Skus    []sku    `json:"skus"`
}

// TestProductAliases: staff give a product aliases on create and change
// them with PATCH (the whole list; left out, they stay); they come back
// trimmed, as typed. An aliases change enqueues the product for the index
// as a title change does, and the product's search document carries its
// aliases and the names of its live SKUs.
func TestProductAliases(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		var eng watchedEngine
		h := apitest.New(t, db, eng.use)
		var p aliased
		h.Do("POST", "/admin/v1/products", h.AdminToken, map[string]any{
			"title": "光明 优倍 鲜牛奶", "aliases": []string{" Fresh Milk ", "鲜奶"},
			"skus": []map[string]any{{"name": "950ml", "price_fen": 1890}, {"name": "450ml", "price_fen": 1090}},
		}).OK(http.StatusCreated, &p)
		if !slices.Equal(p.Aliases, []string{"Fresh Milk", "鲜奶"}) {
			t.Fatalf("created with aliases %q", p.Aliases)
		}
		eng.waitDoc(t, p.ID, func(d search.Document) bool {
			return slices.Equal(d.Aliases, p.Aliases) && slices.Equal(d.Skus, []string{"950ml", "450ml"})
		})
		// Without aliases: an empty list, never null.
		plain := map[string]any{}
		h.Do("POST", "/admin/v1/products", h.AdminToken, map[string]any{"title": "面包",
			"skus": []map[string]any{{"name": "1个", "price_fen": 500}}}).OK(http.StatusCreated, &plain)
		if a, ok := plain["aliases"].([]any); !ok || len(a) != 0 {
			t.Fatalf("a product without aliases: %v", plain["aliases"])
		}

		outbox := func() int {
			return db.Client.SearchOutbox.Query().Where(searchoutbox.ProductID(p.ID)).CountX(context.Background())
		}
		before := outbox()
		h.Do("PATCH", apitest.Path("/admin/v1/products/%d", p.ID), h.AdminToken,
			map[string]any{"aliases": []string{"milk", "牛乳"}}).OK(http.StatusOK, &p)
		if !slices.Equal(p.Aliases, []string{"milk", "牛乳"}) {
			t.Fatalf("patched aliases %q", p.Aliases)
		}
		if n := outbox(); n != before+1 {
			t.Fatalf("an aliases change left %d outbox rows for the product, had %d", n, before)
		}
		eng.waitDoc(t, p.ID, func(d search.Document) bool { return slices.Equal(d.Aliases, []string{"milk", "牛乳"}) })

		// A patch without aliases keeps them; a deleted SKU leaves the document.
		h.Do("PATCH", apitest.Path("/admin/v1/products/%d", p.ID), h.AdminToken, map[string]any{"title": "光明 鲜牛奶"}).OK(http.StatusOK, &p)
		h.Do("DELETE", apitest.Path("/admin/v1/skus/%d", p.Skus[1].ID), h.AdminToken, nil).OK(http.StatusNoContent, nil)
		h.Do("GET", apitest.Path("/admin/v1/products/%d", p.ID), h.AdminToken, nil).OK(http.StatusOK, &p)
		if !slices.Equal(p.Aliases, []string{"milk", "牛乳"}) || p.Title != "光明 鲜牛奶" {
			t.Fatalf("after a title change: %+v", p)
		}
		eng.waitDoc(t, p.ID, func(d search.Document) bool {
			return d.Title == "光明 鲜牛奶" && slices.Equal(d.Aliases, p.Aliases) && slices.Equal(d.Skus, []string{"950ml"})
		})

		// [] clears them.
		h.Do("PATCH", apitest.Path("/admin/v1/products/%d", p.ID), h.AdminToken, map[string]any{"aliases": []string{}}).OK(http.StatusOK, &p)
		if p.Aliases == nil || len(p.Aliases) != 0 {
			t.Fatalf("cleared aliases: %q", p.Aliases)
		}
		eng.waitDoc(t, p.ID, func(d search.Document) bool { return d.Aliases != nil && len(d.Aliases) == 0 })
	})
}

// TestProductAliasesBadInput: bad aliases are 400 naming aliases (or the
// alias at fault) on create and on PATCH, and change nothing.
func TestProductAliasesBadInput(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		h := apitest.New(t, db)
		var p aliased
		h.Do("POST", "/admin/v1/products", h.AdminToken, map[string]any{"title": "可口可乐", "aliases": []string{"Coke"},
			"skus": []map[string]any{{"name": "330ml", "price_fen": 300}}}).OK(http.StatusCreated, &p)
		eleven := make([]string, catalog.MaxAliases+1)
		for i := range eleven {
			eleven[i] = strings.Repeat("c", i+1)
		}
		cases := []struct {
			name    string
			aliases any
			field   string
		}{
			{"too many", eleven, "aliases"},
			{"too long", []string{"cola", strings.Repeat("可", catalog.MaxAliasChars+1)}, "aliases[1]"},
			{"blank", []string{"cola", "   "}, "aliases[1]"},
			{"empty", []string{""}, "aliases[0]"},
			{"twice ignoring case", []string{"Cola", "coke", "COLA"}, "aliases[2]"},
			{"twice ignoring full-width forms", []string{"cola", "ｃｏｌａ"}, "aliases[1]"},
			{"twice ignoring spaces", []string{"coca cola", " Coca Cola "}, "aliases[1]"},
			{"a number", []any{"cola", 7}, "aliases[1]"},
			{"not a list", "cola", "aliases"},
			{"null entry", []any{"cola", nil}, "aliases[1]"},
		}
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				e := h.For(t).Do("POST", "/admin/v1/products", h.AdminToken, map[string]any{"title": "百事可乐", "aliases": c.aliases,
					"skus": []map[string]any{{"name": "330ml", "price_fen": 300}}}).Fails(http.StatusBadRequest, "invalid_argument")
				if e.Error.Field != c.field {
					t.Fatalf("create: error names %q (%s), want %q", e.Error.Field, e.Error.Message, c.field)
				}
				e = h.For(t).Do("PATCH", apitest.Path("/admin/v1/products/%d", p.ID), h.AdminToken,
					map[string]any{"aliases": c.aliases}).Fails(http.StatusBadRequest, "invalid_argument")
				if e.Error.Field != c.field {
					t.Fatalf("patch: error names %q (%s), want %q", e.Error.Field, e.Error.Message, c.field)
				}
			})
		}
		var list struct{ Items []aliased }
		h.Do("GET", "/admin/v1/products", h.AdminToken, nil).OK(http.StatusOK, &list)
		if len(list.Items) != 1 || !slices.Equal(list.Items[0].Aliases, []string{"Coke"}) {
			t.Fatalf("bad aliases changed the catalogue: %+v", list.Items)
		}
		// The limits themselves are allowed.
		most := slices.Clone(eleven[:catalog.MaxAliases])
		most[0] = strings.Repeat("可", catalog.MaxAliasChars)
		h.Do("PATCH", apitest.Path("/admin/v1/products/%d", p.ID), h.AdminToken, map[string]any{"aliases": most}).OK(http.StatusOK, &p)
		if !slices.Equal(p.Aliases, most) {
			t.Fatalf("aliases at the limits: %q", p.Aliases)
		}
	})
}
