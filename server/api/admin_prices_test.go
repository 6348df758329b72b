package api_test

import (
	"fmt"
	"net/http"
	"sync"
	"testing"

	"wemart/server/apitest"
	"wemart/server/storage"
	"wemart/server/storage/storagetest"
)

type storePrice struct {
	StoreID       int    `json:"store_id"`
	SkuID         int    `json:"sku_id"`
	ProductID     int    `json:"product_id"`
	ProductTitle  string `json:"product_title"`
	SkuName       string `json:"sku_name"`
	ChainPriceFen int64  `json:"chain_price_fen"`
	PriceFen      int64  `json:"price_fen"`
}

type priceChange struct {
	ID          int    `json:"id"`
	SkuID       int    `json:"sku_id"`
	StoreID     *int   `json:"store_id"`
	OldPriceFen *int64 `json:"old_price_fen"`
	NewPriceFen *int64 `json:"new_price_fen"`
	ActorType   string `json:"actor_type"`
	ActorID     *int   `json:"actor_id"`
}

// fen shows a price that may be none ("-").
func fen(v *int64) string {
	if v == nil {
		return "-"
	}
	return fmt.Sprint(*v)
}

// String reads a ledger row as "store 3: 990→1090 by 2" ("-" for none).
func (c priceChange) String() string {
	where := "chain"
	if c.StoreID != nil {
		where = fmt.Sprintf("store %d", *c.StoreID)
	}
	by := 0
	if c.ActorID != nil {
		by = *c.ActorID
	}
	return fmt.Sprintf("%s: %s→%s by %d", where, fen(c.OldPriceFen), fen(c.NewPriceFen), by)
}

func sameFen(a, b *int64) bool { return (a == nil && b == nil) || (a != nil && b != nil && *a == *b) }

func pricePath(storeID, skuID int) string {
	return apitest.Path("/admin/v1/stores/%d/prices/%d", storeID, skuID)
}

// history reads a SKU's whole price ledger at a store, oldest first.
func history(t *testing.T, h *apitest.Harness, storeID, skuID int) []priceChange {
	t.Helper()
	var page struct {
		Items []priceChange
		Total int
	}
	h.Do("GET", pricePath(storeID, skuID)+"/history?page_size=100", h.AdminToken, nil).OK(http.StatusOK, &page)
	if page.Total != len(page.Items) {
		t.Fatalf("history: %d of %d rows", len(page.Items), page.Total)
	}
	for i, j := 0, len(page.Items)-1; i < j; i, j = i+1, j-1 {
		page.Items[i], page.Items[j] = page.Items[j], page.Items[i]
	}
	return page.Items
}

// shopPrice is a SKU's price on the shopper's product page (at storeID, 0: none).
func shopPrice(t *testing.T, h *apitest.Harness, productID, skuID, storeID int) int64 {
	t.Helper()
	path := apitest.Path("/api/v1/products/%d", productID)
	if storeID != 0 {
		path += apitest.Path("?store_id=%d", storeID)
	}
	var p struct {
		Skus []struct {
			ID       int   `json:"id"`
			PriceFen int64 `json:"price_fen"`
		} `json:"skus"`
	}
	h.Do("GET", path, "", nil).OK(http.StatusOK, &p)
	for _, k := range p.Skus {
		if k.ID == skuID {
			return k.PriceFen
		}
	}
	t.Fatalf("product %d has no SKU %d", productID, skuID)
	return 0
}

// TestStorePrices: a store's manager prices their own store's shelves (not
// another store's; clerks not at all), the product page, the cart and
// checkout charge the store's price there and the chain price elsewhere, the
// order lines keep it, and the ledger holds every chain and store change.
func TestStorePrices(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		s := newShop(t, db)
		h, a := s.h, s.store
		b := mustStore(t, h, "徐家汇店", 31.19, 121.43)
		h.Do("PUT", apitest.Path("/admin/v1/stores/%d/stock/%d", b.ID, s.milk), h.AdminToken, map[string]any{"on_hand": 3}).OK(http.StatusOK, nil)
		mgrA, mgrAToken := mustStaff(t, h, "manager-a", "manager", &a.ID)
		_, clerkA := mustStaff(t, h, "clerk-a", "clerk", &a.ID)
		chainMgr, chainToken := mustStaff(t, h, "chain-manager", "manager", nil)
		var milkProduct struct {
			ProductID int `json:"product_id"`
		}
		h.Do("GET", apitest.Path("/admin/v1/skus/%d", s.milk), h.AdminToken, nil).OK(http.StatusOK, &milkProduct)

		// Who may set what.
		var sp storePrice
		h.Do("PUT", pricePath(a.ID, s.milk), mgrAToken, map[string]any{"price_fen": 990}).OK(http.StatusOK, &sp)
		if sp.StoreID != a.ID || sp.SkuID != s.milk || sp.PriceFen != 990 || sp.ChainPriceFen != milkFen || sp.ProductID != milkProduct.ProductID {
			t.Fatalf("set: %+v", sp)
		}
		h.Do("PUT", pricePath(b.ID, s.milk), mgrAToken, map[string]any{"price_fen": 1}).Fails(http.StatusForbidden, "permission_denied")
		h.Do("DELETE", pricePath(b.ID, s.milk), mgrAToken, nil).Fails(http.StatusForbidden, "permission_denied")
		h.Do("PUT", pricePath(a.ID, s.milk), clerkA, map[string]any{"price_fen": 1}).Fails(http.StatusForbidden, "permission_denied")
		h.Do("DELETE", pricePath(a.ID, s.milk), clerkA, nil).Fails(http.StatusForbidden, "permission_denied")
		h.Do("GET", apitest.Path("/admin/v1/stores/%d/prices", b.ID), clerkA, nil).Fails(http.StatusForbidden, "permission_denied")
		h.Do("PUT", pricePath(b.ID, s.milk), chainToken, map[string]any{"price_fen": 1390}).OK(http.StatusOK, nil)
		// A store prices what it stocks; unknown stores and SKUs are 404.
		h.Do("PUT", pricePath(b.ID, s.bread), h.AdminToken, map[string]any{"price_fen": 700}).Fails(http.StatusConflict, "conflict")
		h.Do("PUT", pricePath(a.ID, 99999), h.AdminToken, map[string]any{"price_fen": 700}).Fails(http.StatusNotFound, "not_found")
		h.Do("PUT", pricePath(99999, s.milk), h.AdminToken, map[string]any{"price_fen": 700}).Fails(http.StatusNotFound, "not_found")
		// Bad prices, like the chain's.
		for _, body := range []any{
			map[string]any{"price_fen": -1}, map[string]any{}, map[string]any{"price_fen": 1_000_000_001},
			map[string]any{"price_fen": 12.5}, map[string]any{"price_fen": "990"}, map[string]any{"price_fen": 990, "store_id": 2},
			`{"price_fen": 990}{}`,
		} {
			e := h.Do("PUT", pricePath(a.ID, s.milk), mgrAToken, body).Fails(http.StatusBadRequest, "invalid_argument")
			if _, isObject := body.(map[string]any); isObject && e.Error.Field == "" {
				t.Fatalf("%v: the error names no field: %+v", body, e.Error)
			}
		}
		h.Do("PUT", apitest.Path("/admin/v1/stores/%d/prices/abc", a.ID), mgrAToken, map[string]any{"price_fen": 1}).
			Fails(http.StatusBadRequest, "invalid_argument")

		var list struct {
			Items []storePrice
			Total int
		}
		h.Do("GET", apitest.Path("/admin/v1/stores/%d/prices", a.ID), clerkA, nil).OK(http.StatusOK, &list)
		if list.Total != 1 || list.Items[0].SkuID != s.milk || list.Items[0].PriceFen != 990 || list.Items[0].ProductTitle == "" {
			t.Fatalf("store A's prices: %+v", list)
		}

		// Shoppers see each store's price, and the chain's without a store.
		for _, c := range []struct {
			store int
			want  int64
		}{{a.ID, 990}, {b.ID, 1390}, {0, milkFen}} {
			if got := shopPrice(t, h, milkProduct.ProductID, s.milk, c.store); got != c.want {
				t.Fatalf("milk at store %d costs %d, want %d", c.store, got, c.want)
			}
		}

		// The cart prices at the store, and flags a change of its price.
		var c cartView
		h.Do("PUT", "/api/v1/cart/items", s.shopper.Token, map[string]any{"store_id": a.ID, "sku_id": s.milk, "quantity": 2}).
			OK(http.StatusOK, &c)
		if c.GoodsFen != 2*990 || c.Items[0].PriceFen != 990 || c.Items[0].PriceChanged {
			t.Fatalf("cart at A: %+v", c)
		}
		h.Do("PUT", pricePath(a.ID, s.milk), mgrAToken, map[string]any{"price_fen": 1090}).OK(http.StatusOK, nil)
		h.Do("GET", apitest.Path("/api/v1/cart?store_id=%d", a.ID), s.shopper.Token, nil).OK(http.StatusOK, &c)
		if l := c.Items[0]; !l.PriceChanged || l.PriceFen != 1090 || l.SeenPriceFen != 990 || c.GoodsFen != 2*1090 || !c.HasChanges {
			t.Fatalf("cart after the store's price changed: %+v", c)
		}
		h.Do("DELETE", pricePath(a.ID, s.milk), mgrAToken, nil).OK(http.StatusNoContent, nil)
		h.Do("DELETE", pricePath(a.ID, s.milk), mgrAToken, nil).OK(http.StatusNoContent, nil) // none left: nothing changes
		h.Do("GET", apitest.Path("/api/v1/cart?store_id=%d", a.ID), s.shopper.Token, nil).OK(http.StatusOK, &c)
		if l := c.Items[0]; !l.PriceChanged || l.PriceFen != milkFen || c.GoodsFen != 2*milkFen {
			t.Fatalf("cart back at the chain price: %+v", c)
		}

		// Checkout charges the store's price, read at checkout; the lines keep it.
		h.Do("PUT", pricePath(a.ID, s.milk), mgrAToken, map[string]any{"price_fen": 950}).OK(http.StatusOK, nil)
		h.Do("PUT", pricePath(a.ID, s.milk), mgrAToken, map[string]any{"price_fen": 950}).OK(http.StatusOK, nil) // same price: no ledger row
		var placed checkoutAnswer
		s.checkout(s.shopper.Token, map[string]any{"store_id": a.ID, "fulfilment": "pickup"}).OK(http.StatusCreated, &placed)
		o := placed.Order
		if o.GoodsFen != 2*950 || o.PayableFen != 2*950 || len(o.Items) != 1 || o.Items[0].PriceFen != 950 || o.Items[0].AmountFen != 2*950 {
			t.Fatalf("order at A: goods %d payable %d items %+v", o.GoodsFen, o.PayableFen, o.Items)
		}
		if o = s.order(o.ID); o.Items[0].PriceFen != 950 || o.PayableFen != 1900 {
			t.Fatalf("order read back: %+v", o)
		}
		// Store B's price, and the chain price where a store has none.
		var atB checkoutAnswer
		s.checkout(s.shopper.Token, map[string]any{"store_id": b.ID, "fulfilment": "pickup",
			"items": []map[string]int{{"sku_id": s.milk, "quantity": 1}}}).OK(http.StatusCreated, &atB)
		if atB.Order.PayableFen != 1390 || atB.Order.Items[0].PriceFen != 1390 {
			t.Fatalf("order at B: %+v", atB.Order)
		}
		bread := s.mustOrder(s.bread, 1)
		if bread.Order.PayableFen != breadFen {
			t.Fatalf("bread at A (no price of its own): %d", bread.Order.PayableFen)
		}

		// A chain price change: the ledger has it, A keeps its own price.
		h.Do("PATCH", apitest.Path("/admin/v1/skus/%d", s.milk), chainToken, map[string]any{"price_fen": 1490}).OK(http.StatusOK, nil)
		h.Do("PATCH", apitest.Path("/admin/v1/skus/%d", s.milk), chainToken, map[string]any{"name": "950ml"}).OK(http.StatusOK, nil) // no price change
		if got := shopPrice(t, h, milkProduct.ProductID, s.milk, a.ID); got != 950 {
			t.Fatalf("A's price after a chain change: %d", got)
		}
		if got := shopPrice(t, h, milkProduct.ProductID, s.milk, 0); got != 1490 {
			t.Fatalf("chain price: %d", got)
		}
		got := fmt.Sprint(history(t, h, a.ID, s.milk))
		want := fmt.Sprintf("[store %[1]d: -→990 by %[2]d store %[1]d: 990→1090 by %[2]d store %[1]d: 1090→- by %[2]d store %[1]d: -→950 by %[2]d chain: 1290→1490 by %[3]d]",
			a.ID, mgrA.ID, chainMgr.ID)
		if got != want {
			t.Fatalf("A's ledger of milk:\n got %s\nwant %s", got, want)
		}
		if got := fmt.Sprint(history(t, h, b.ID, s.milk)); got != fmt.Sprintf("[store %d: -→1390 by %d chain: 1290→1490 by %d]", b.ID, chainMgr.ID, chainMgr.ID) {
			t.Fatalf("B's ledger of milk: %s", got)
		}
		h.Do("GET", pricePath(b.ID, s.milk)+"/history", mgrAToken, nil).Fails(http.StatusForbidden, "permission_denied")
		h.Do("GET", pricePath(a.ID, s.milk)+"/history", clerkA, nil).OK(http.StatusOK, nil)
	})
}

// TestConcurrentPriceChanges: many staff change one SKU's store price and
// chain price at the same moment. Every change lands once, and the ledger
// chains without a gap: each row's old price is the previous row's new one,
// and the last new price is the price now.
func TestConcurrentPriceChanges(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		s := newShop(t, db)
		h := s.h
		const writers = 24
		start := make(chan struct{})
		var wg sync.WaitGroup
		errs := make(chan error, 2*writers)
		for i := range writers {
			wg.Add(2)
			go func() {
				defer wg.Done()
				<-start
				var status int
				var err error
				if i%4 == 3 {
					r := send(h, "DELETE", pricePath(s.store.ID, s.milk), h.AdminToken, nil)
					status, err = r.Status, r.Err
				} else {
					r := send(h, "PUT", pricePath(s.store.ID, s.milk), h.AdminToken, map[string]any{"price_fen": 1000 + i})
					status, err = r.Status, r.Err
				}
				if err == nil && status >= 300 {
					err = fmt.Errorf("store price change %d answered %d", i, status)
				}
				errs <- err
			}()
			go func() {
				defer wg.Done()
				<-start
				r := send(h, "PATCH", apitest.Path("/admin/v1/skus/%d", s.milk), h.AdminToken, map[string]any{"price_fen": 2000 + i})
				status, err := r.Status, r.Err
				if err == nil && status != http.StatusOK {
					err = fmt.Errorf("chain price change %d answered %d", i, status)
				}
				errs <- err
			}()
		}
		close(start)
		wg.Wait()
		close(errs)
		for err := range errs {
			if err != nil {
				t.Fatal(err)
			}
		}

		var storeNow *int64
		var list struct{ Items []storePrice }
		h.Do("GET", apitest.Path("/admin/v1/stores/%d/prices", s.store.ID), h.AdminToken, nil).OK(http.StatusOK, &list)
		if len(list.Items) == 1 {
			storeNow = &list.Items[0].PriceFen
		}
		var k sku
		h.Do("GET", apitest.Path("/admin/v1/skus/%d", s.milk), h.AdminToken, nil).OK(http.StatusOK, &k)

		var storeRows, chainRows int
		var storeLast *int64
		chainLast := int64(milkFen)
		for _, c := range history(t, h, s.store.ID, s.milk) {
			if c.StoreID == nil {
				if c.OldPriceFen == nil || *c.OldPriceFen != chainLast || c.NewPriceFen == nil || *c.NewPriceFen == chainLast {
					t.Fatalf("chain row %s does not follow %d", c, chainLast)
				}
				chainLast, chainRows = *c.NewPriceFen, chainRows+1
				continue
			}
			if !sameFen(c.OldPriceFen, storeLast) || sameFen(c.NewPriceFen, storeLast) {
				t.Fatalf("store row %s does not follow %s", c, fen(storeLast))
			}
			storeLast, storeRows = c.NewPriceFen, storeRows+1
		}
		if chainLast != k.PriceFen || chainRows != writers {
			t.Fatalf("chain ledger ends at %d after %d rows; the SKU costs %d (%d changes made)", chainLast, chainRows, k.PriceFen, writers)
		}
		if !sameFen(storeLast, storeNow) {
			t.Fatalf("store ledger ends at %s; the store's price is %s", fen(storeLast), fen(storeNow))
		}
		if storeRows < writers*3/4 { // every set lands (a delete of nothing writes no row)
			t.Fatalf("%d store rows for %d sets", storeRows, writers*3/4)
		}
	})
}

// TestSearchAtAStoreUsesItsPrices: with store_id, search filters, sorts and
// shows prices by the store's own prices where it has them, exactly: pages
// across the products it prices its own way, totals and facets; another
// store, and no store, see the chain prices.
func TestSearchAtAStoreUsesItsPrices(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		h := apitest.New(t, db)
		a := mustStore(t, h, "A店", 31.2, 121.4)
		b := mustStore(t, h, "B店", 31.3, 121.5)
		var c1, c2 struct{ ID int }
		h.Do("POST", "/admin/v1/categories", h.AdminToken, map[string]any{"name": "乳品"}).OK(http.StatusCreated, &c1)
		h.Do("POST", "/admin/v1/categories", h.AdminToken, map[string]any{"name": "饮料"}).OK(http.StatusCreated, &c2)
		products := map[string]product{}
		for i, name := range []string{"P1", "P2", "P3", "P4", "P5", "P6"} {
			cat := c1.ID
			if i >= 3 {
				cat = c2.ID
			}
			var p product
			h.Do("POST", "/admin/v1/products", h.AdminToken, map[string]any{"title": name, "category_id": cat,
				"skus": []map[string]any{{"name": "个", "price_fen": 100 * (i + 1)}}}).OK(http.StatusCreated, &p)
			products[name] = p
			for _, st := range []store{a, b} {
				h.Do("PUT", apitest.Path("/admin/v1/stores/%d/stock/%d", st.ID, p.Skus[0].ID), h.AdminToken,
					map[string]any{"on_hand": 5}).OK(http.StatusOK, nil)
			}
		}
		// Store A: P2 dearer (650), P5 cheaper (150) than the chain.
		h.Do("PUT", pricePath(a.ID, products["P2"].Skus[0].ID), h.AdminToken, map[string]any{"price_fen": 650}).OK(http.StatusOK, nil)
		h.Do("PUT", pricePath(a.ID, products["P5"].Skus[0].ID), h.AdminToken, map[string]any{"price_fen": 150}).OK(http.StatusOK, nil)
		eventually(t, "the six products indexed", func() bool { return searchFor(t, h, "").Total == 6 })
		drained(t, db) // their stock too

		type want struct {
			query, titles string
			total         int
		}
		at := func(st int, q string) string { return apitest.Path("store_id=%d&", st) + q }
		for _, w := range []want{
			// Price order at A, page by page across the repriced products.
			{at(a.ID, "sort=price_asc&page_size=2"), "P1|P5", 6},
			{at(a.ID, "sort=price_asc&page_size=2&page=2"), "P3|P4", 6},
			{at(a.ID, "sort=price_asc&page_size=2&page=3"), "P6|P2", 6},
			{at(a.ID, "sort=price_asc&page_size=2&page=4"), "", 6},
			{at(a.ID, "sort=price_desc&page_size=4"), "P2|P6|P4|P3", 6},
			{at(a.ID, "sort=price_desc&page_size=4&page=2"), "P5|P1", 6},
			{at(a.ID, "sort=price_asc&page_size=5&page=2"), "P2", 6},
			// Price filters at A: P2 leaves the range, P5 too (150).
			{at(a.ID, "min_price_fen=250&max_price_fen=620&sort=price_asc"), "P3|P4|P6", 3},
			{at(a.ID, apitest.Path("min_price_fen=250&max_price_fen=620&sort=price_desc&category_id=%d", c2.ID)), "P6|P4", 2},
			{at(a.ID, "max_price_fen=160&sort=sales"), "P1|P5", 2},
			{at(a.ID, "min_price_fen=600"), "P2|P6", 2},
			{at(a.ID, "in_stock=true&min_price_fen=600&sort=price_asc"), "P6|P2", 2},
			// Store B and no store: the chain's prices.
			{at(b.ID, "sort=price_asc"), "P1|P2|P3|P4|P5|P6", 6},
			{at(b.ID, "min_price_fen=250&max_price_fen=620&sort=price_asc"), "P3|P4|P5|P6", 4},
			{"min_price_fen=250&max_price_fen=620&sort=price_asc", "P3|P4|P5|P6", 4},
			{"sort=price_desc&page_size=2", "P6|P5", 6},
		} {
			p := searchFor(t, h, w.query)
			if p.titles() != w.titles || p.Total != w.total {
				t.Errorf("%s: %s (total %d), want %s (total %d)", w.query, p.titles(), p.Total, w.titles, w.total)
			}
		}

		// Facets count by the store's prices too, over every filter but the category.
		p := searchFor(t, h, at(a.ID, apitest.Path("min_price_fen=250&max_price_fen=620&sort=price_asc&category_id=%d", c2.ID)))
		facets := map[int]int{}
		for _, f := range p.Facets.Categories {
			facets[f.ID] = f.Count
		}
		if facets[c1.ID] != 1 || facets[c2.ID] != 2 || len(facets) != 2 {
			t.Errorf("facets at A: %+v, want 乳品 1 (P3), 饮料 2 (P4, P6)", p.Facets.Categories)
		}
		// Hits carry the store's price, with or without a price filter or sort.
		for _, q := range []string{at(a.ID, ""), at(a.ID, "sort=price_asc"), at(a.ID, "q=P2"), at(b.ID, ""), ""} {
			for _, it := range searchFor(t, h, q).Items {
				wantFen := map[string]int64{"P1": 100, "P2": 200, "P3": 300, "P4": 400, "P5": 500, "P6": 600}[it.Title]
				if q == at(a.ID, "") || q == at(a.ID, "sort=price_asc") || q == at(a.ID, "q=P2") {
					wantFen = map[string]int64{"P1": 100, "P2": 650, "P3": 300, "P4": 400, "P5": 150, "P6": 600}[it.Title]
				}
				if it.PriceFen != wantFen {
					t.Errorf("%q: %s priced %d, want %d", q, it.Title, it.PriceFen, wantFen)
				}
			}
		}
		// Dropping the store's price puts the product back in chain order at once.
		h.Do("DELETE", pricePath(a.ID, products["P2"].Skus[0].ID), h.AdminToken, nil).OK(http.StatusNoContent, nil)
		if p := searchFor(t, h, at(a.ID, "sort=price_asc")); p.titles() != "P1|P5|P2|P3|P4|P6" || p.Total != 6 {
			t.Errorf("after dropping P2's price at A: %s (total %d)", p.titles(), p.Total)
		}
	})
}
