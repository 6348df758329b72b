package api_test

import (
	"net/http"
	"sort"
	"strings"
	"testing"

	"wemart/server/apitest"
	"wemart/server/storage"
	"wemart/server/storage/storagetest"
)

// TestEveryStaffRouteRefusesOtherStoresAndRoles walks every /admin/v1
// route (the test fails on one it has no row for): each is called, about
// store A, by the accounts that must be refused (a clerk and a manager bound
// to store B; a clerk of store A where the role falls short; a chain-wide
// manager where only admins may), and each refusal must be 403
// permission_denied. The route table is the whole access policy, so this is
// its acceptance test; a route added with a store-bound permission but no
// store to check it at lets store B's staff act on store A and fails here.
func TestEveryStaffRouteRefusesOtherStoresAndRoles(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		s := newShop(t, db)
		h := s.h
		a := s.store
		b := mustStore(t, h, "B店", 31.3, 121.5)
		paid := s.mustOrder(s.milk, 1)
		s.pay(paid.Payment.prepayID(), true)
		s.eventuallyStatus(paid.Order.ID, "paid")
		p := mustProduct(t, h, "面包", 300)
		var cat struct{ ID int }
		h.Do("POST", "/admin/v1/categories", h.AdminToken, map[string]any{"name": "乳品"}).OK(http.StatusCreated, &cat)
		syn := mustSynonyms(t, h, "可乐", "coke")
		ct := mustTemplate(t, h, nil)
		h.Do("PUT", apitest.Path("/admin/v1/stores/%d/prices/%d", a.ID, s.milk), h.AdminToken,
			map[string]any{"price_fen": 1000}).OK(http.StatusOK, nil)
		victim, _ := mustStaff(t, h, "victim", "clerk", &a.ID)
		before := s.level(s.milk)

		_, clerkA := mustStaff(t, h, "clerk-a", "clerk", &a.ID)
		_, clerkB := mustStaff(t, h, "clerk-b", "clerk", &b.ID)
		_, mgrB := mustStaff(t, h, "manager-b", "manager", &b.ID)
		_, chainMgr := mustStaff(t, h, "manager-chain", "manager", nil)
		who := map[string]string{"clerkA": clerkA, "clerkB": clerkB, "mgrB": mgrB, "chainMgr": chainMgr}

		storeB := []string{"clerkB", "mgrB"}
		adminOnly := []string{"clerkA", "clerkB", "mgrB", "chainMgr"}
		chainOnly := []string{"clerkA", "clerkB", "mgrB"}
		order := func(suffix string) string { return apitest.Path("/admin/v1/orders/%d%s", paid.Order.ID, suffix) }
		stock := apitest.Path("/admin/v1/stores/%d/stock/%d", a.ID, s.milk)
		price := apitest.Path("/admin/v1/stores/%d/prices/%d", a.ID, s.milk)
		zone := map[string]any{"polygon": [][]float64{{121.47, 31.23}, {121.48, 31.23}, {121.48, 31.24}}}

		rows := []struct {
			route, path string
			body        any
			refused     []string
		}{
			{"GET /admin/v1/me", "/admin/v1/me", nil, nil},
			{"POST /admin/v1/logout", "", nil, nil}, // every account may log itself out
			{"GET /admin/v1/staff", "/admin/v1/staff", nil, adminOnly},
			{"POST /admin/v1/staff", "/admin/v1/staff", map[string]any{"username": "x-new", "password": "password-x-new", "role": "clerk", "store_id": b.ID}, adminOnly},
			{"GET /admin/v1/staff/:id", apitest.Path("/admin/v1/staff/%d", victim.ID), nil, adminOnly},
			{"PATCH /admin/v1/staff/:id", apitest.Path("/admin/v1/staff/%d", victim.ID), map[string]any{"store_id": b.ID}, adminOnly},
			{"DELETE /admin/v1/staff/:id", apitest.Path("/admin/v1/staff/%d", victim.ID), nil, adminOnly},

			{"GET /admin/v1/stores", "/admin/v1/stores", nil, nil},
			{"POST /admin/v1/stores", "/admin/v1/stores", map[string]any{"name": "C", "lat": 31, "lng": 121}, adminOnly},
			{"GET /admin/v1/stores/:id", apitest.Path("/admin/v1/stores/%d", a.ID), nil, nil},
			{"PATCH /admin/v1/stores/:id", apitest.Path("/admin/v1/stores/%d", a.ID), map[string]any{"phone": "1"}, append([]string{"clerkA"}, storeB...)},
			{"DELETE /admin/v1/stores/:id", apitest.Path("/admin/v1/stores/%d", a.ID), nil, adminOnly},
			{"PUT /admin/v1/stores/:id/delivery-zone", apitest.Path("/admin/v1/stores/%d/delivery-zone", a.ID), zone, append([]string{"clerkA"}, storeB...)},
			{"DELETE /admin/v1/stores/:id/delivery-zone", apitest.Path("/admin/v1/stores/%d/delivery-zone", a.ID), nil, append([]string{"clerkA"}, storeB...)},
			{"GET /admin/v1/stores/:id/qrcode.png", apitest.Path("/admin/v1/stores/%d/qrcode.png?kind=plain", a.ID), nil, storeB},
			{"GET /admin/v1/stores/:id/products/:product_id/qrcode.png", apitest.Path("/admin/v1/stores/%d/products/%d/qrcode.png?kind=plain", a.ID, p.ID), nil, storeB},

			{"GET /admin/v1/categories", "/admin/v1/categories", nil, nil},
			{"POST /admin/v1/categories", "/admin/v1/categories", map[string]any{"name": "x"}, chainOnly},
			{"GET /admin/v1/categories/:id", apitest.Path("/admin/v1/categories/%d", cat.ID), nil, nil},
			{"PATCH /admin/v1/categories/:id", apitest.Path("/admin/v1/categories/%d", cat.ID), map[string]any{"name": "x"}, chainOnly},
			{"DELETE /admin/v1/categories/:id", apitest.Path("/admin/v1/categories/%d", cat.ID), nil, chainOnly},
			{"GET /admin/v1/products", "/admin/v1/products", nil, nil},
			{"POST /admin/v1/products", "/admin/v1/products", map[string]any{"title": "x", "skus": []map[string]any{{"name": "x", "price_fen": 1}}}, chainOnly},
			{"GET /admin/v1/products/:id", apitest.Path("/admin/v1/products/%d", p.ID), nil, nil},
			{"PATCH /admin/v1/products/:id", apitest.Path("/admin/v1/products/%d", p.ID), map[string]any{"title": "x"}, chainOnly},
			{"DELETE /admin/v1/products/:id", apitest.Path("/admin/v1/products/%d", p.ID), nil, chainOnly},
			{"POST /admin/v1/products/:id/skus", apitest.Path("/admin/v1/products/%d/skus", p.ID), map[string]any{"name": "x", "price_fen": 1}, chainOnly},
			{"GET /admin/v1/products/:id/images", apitest.Path("/admin/v1/products/%d/images", p.ID), nil, nil},
			{"POST /admin/v1/products/:id/images", apitest.Path("/admin/v1/products/%d/images", p.ID), nil, chainOnly},
			{"DELETE /admin/v1/products/:id/images/:image_id", apitest.Path("/admin/v1/products/%d/images/1", p.ID), nil, chainOnly},
			{"PUT /admin/v1/products/:id/images/:image_id/main", apitest.Path("/admin/v1/products/%d/images/1/main", p.ID), nil, chainOnly},
			{"GET /admin/v1/skus/:id", apitest.Path("/admin/v1/skus/%d", s.milk), nil, nil},
			{"PATCH /admin/v1/skus/:id", apitest.Path("/admin/v1/skus/%d", s.milk), map[string]any{"price_fen": 1}, chainOnly},
			{"DELETE /admin/v1/skus/:id", apitest.Path("/admin/v1/skus/%d", s.milk), nil, chainOnly},
			{"GET /admin/v1/search/synonyms", synonymsPath, nil, nil},
			{"POST /admin/v1/search/synonyms", synonymsPath, terms("x1", "x2"), chainOnly},
			{"PUT /admin/v1/search/synonyms/:id", synonymPath(syn.ID), terms("x1", "x2"), chainOnly},
			{"DELETE /admin/v1/search/synonyms/:id", synonymPath(syn.ID), nil, chainOnly},

			{"GET /admin/v1/stores/:store_id/stock", apitest.Path("/admin/v1/stores/%d/stock", a.ID), nil, storeB},
			{"GET /admin/v1/stores/:store_id/stock/:sku_id", stock, nil, storeB},
			{"PUT /admin/v1/stores/:store_id/stock/:sku_id", stock, map[string]any{"on_hand": 99}, storeB},
			{"POST /admin/v1/stores/:store_id/stock/:sku_id/adjustments", stock + "/adjustments", map[string]any{"delta": 5, "reason": "x"}, storeB},
			{"GET /admin/v1/stores/:store_id/stock/:sku_id/movements", stock + "/movements", nil, storeB},

			{"GET /admin/v1/stores/:store_id/prices", apitest.Path("/admin/v1/stores/%d/prices", a.ID), nil, storeB},
			{"PUT /admin/v1/stores/:store_id/prices/:sku_id", price, map[string]any{"price_fen": 1}, append([]string{"clerkA"}, storeB...)},
			{"DELETE /admin/v1/stores/:store_id/prices/:sku_id", price, nil, append([]string{"clerkA"}, storeB...)},
			{"GET /admin/v1/stores/:store_id/prices/:sku_id/history", price + "/history", nil, storeB},

			{"GET /admin/v1/orders", apitest.Path("/admin/v1/orders?store_id=%d", a.ID), nil, storeB},
			{"GET /admin/v1/orders/:id", order(""), nil, storeB},
			{"POST /admin/v1/orders/:id/refund", order("/refund"), map[string]any{"reason": "x"}, append([]string{"clerkA"}, storeB...)},
			{"POST /admin/v1/orders/:id/refund/approve", order("/refund/approve"), nil, append([]string{"clerkA"}, storeB...)},
			{"POST /admin/v1/orders/:id/refund/reject", order("/refund/reject"), map[string]any{"note": "x"}, append([]string{"clerkA"}, storeB...)},
			{"POST /admin/v1/orders/:id/ready", order("/ready"), nil, storeB},
			{"POST /admin/v1/orders/:id/picked-up", order("/picked-up"), map[string]any{"pickup_code": "000000"}, storeB},
			{"POST /admin/v1/orders/:id/dispatch", order("/dispatch"), map[string]any{}, storeB},
			{"POST /admin/v1/orders/:id/dispatch/cancel", order("/dispatch/cancel"), map[string]any{"reason": "x"}, storeB},
			{"POST /admin/v1/stores/:store_id/pickups", apitest.Path("/admin/v1/stores/%d/pickups", a.ID), map[string]any{"pickup_code": "000000"}, storeB},
			{"POST /admin/v1/orders/:id/ship", order("/ship"), map[string]any{"carrier": "SF", "tracking_no": "SF1234567890123"}, storeB},
			{"GET /admin/v1/orders/:id/tracking", order("/tracking"), nil, storeB},
			{"GET /admin/v1/express-companies", "/admin/v1/express-companies", nil, nil},

			{"POST /admin/v1/members/scan", "/admin/v1/members/scan", map[string]any{"code": "x", "store_id": a.ID}, storeB},
			{"POST /admin/v1/stores/:id/counter-sales", salePath(a.ID), sale(1, 100, "R1"), storeB},
			{"GET /admin/v1/member-levels", "/admin/v1/member-levels", nil, chainOnly},
			{"PUT /admin/v1/member-levels", "/admin/v1/member-levels", map[string]any{"items": []map[string]any{{"name": "x", "min_spend_fen": 0}}}, chainOnly},
			{"GET /admin/v1/coupon-templates", templatesPath, nil, chainOnly},
			{"POST /admin/v1/coupon-templates", templatesPath, templateBody(nil), chainOnly},
			{"GET /admin/v1/coupon-templates/:id", templatePath(ct.ID, ""), nil, chainOnly},
			{"PATCH /admin/v1/coupon-templates/:id", templatePath(ct.ID, ""), map[string]any{"status": "paused"}, chainOnly},
			{"POST /admin/v1/coupon-templates/:id/issue", templatePath(ct.ID, "/issue"), map[string]any{"shopper_id": s.shopper.User.ID}, chainOnly},
		}

		covered := map[string]bool{}
		for _, row := range rows {
			covered[row.route] = true
			method, _, _ := strings.Cut(row.route, " ")
			for _, name := range row.refused {
				t.Run(row.route+" as "+name, func(t *testing.T) {
					h.For(t).Do(method, row.path, who[name], row.body).Fails(http.StatusForbidden, "permission_denied")
				})
			}
			if len(row.refused) == 0 && method == http.MethodGet {
				// Every account reads these: store B's clerk too.
				t.Run(row.route+" as clerkB", func(t *testing.T) {
					h.For(t).Do(method, row.path, clerkB, nil).OK(http.StatusOK, nil)
				})
			}
		}
		var missing []string
		for _, r := range h.App.Echo.Routes() {
			if !strings.HasPrefix(r.Path, "/admin/v1/") || r.Method == "echo_route_not_found" || r.Path == "/admin/v1/login" {
				continue
			}
			if !covered[r.Method+" "+r.Path] {
				missing = append(missing, r.Method+" "+r.Path)
			}
		}
		sort.Strings(missing)
		if len(missing) > 0 {
			t.Errorf("staff routes with no row in this test (add one, with who must be refused): %v", missing)
		}

		// Store B's staff see none of store A's orders when they do not
		// name a store: the handler scopes the list to their own store.
		var list struct{ Total int }
		h.Do("GET", "/admin/v1/orders", clerkB, nil).OK(http.StatusOK, &list)
		if list.Total != 0 {
			t.Fatalf("store B's clerk lists %d orders of other stores", list.Total)
		}
		// The refused writes changed nothing at store A.
		if after := s.level(s.milk); after != before {
			t.Fatalf("store A's stock %+v after refused writes, was %+v", after, before)
		}
		if o := s.order(paid.Order.ID); o.Status != "paid" {
			t.Fatalf("store A's order after refused writes: %s", o.statuses())
		}
		wantSynonyms(t, h, syn.Terms)
	})
}
