package api_test

import (
	"net/http"
	"strings"
	"testing"

	"wemart/server/apitest"
	"wemart/server/storage"
	"wemart/server/storage/storagetest"
)

// TestCheckoutSeesStoreChangesAcrossProcesses: a checkout takes its store
// from its process's index without first asking the database whether any
// store changed (its transaction checks the store's row instead); what
// staff change through another process still decides the very next
// checkout, whichever way: closing, reopening, ending pickup, a new
// delivery fee, deleting the store.
func TestCheckoutSeesStoreChangesAcrossProcesses(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		s := newShop(t, db) // process A: staff
		s.setStock(s.milk, 100)
		b := apitest.New(t, storagetest.Second(t, db)) // process B: the shopper's
		tok := mustShopper(t, b, "across-"+t.Name()).Token
		var addr struct{ ID int }
		b.Do("POST", "/api/v1/addresses", tok, map[string]any{"contact": "李雷", "phone": "13800000000",
			"detail": "南京东路100号", "lat": 31.2360, "lng": 121.4800}).OK(http.StatusCreated, &addr)
		milk := []map[string]int{{"sku_id": s.milk, "quantity": 2}}
		pickup := map[string]any{"store_id": s.store.ID, "fulfilment": "pickup", "items": milk}
		delivery := map[string]any{"store_id": s.store.ID, "fulfilment": "delivery", "address_id": addr.ID, "items": milk}
		order := func(body map[string]any) *apitest.Response {
			return b.Do("POST", "/api/v1/orders", tok, body, "Idempotency-Key", newKey())
		}
		staff := func(change map[string]any) {
			s.h.Do("PATCH", apitest.Path("/admin/v1/stores/%d", s.store.ID), s.h.AdminToken, change).OK(http.StatusOK, nil)
		}
		refused := func(body map[string]any, status int, code, says string) {
			t.Helper()
			e := order(body).Fails(status, code)
			if !strings.Contains(e.Error.Message, says) {
				t.Fatalf("refusal %q does not say %q", e.Error.Message, says)
			}
		}
		var a checkoutAnswer
		order(delivery).OK(http.StatusCreated, &a) // B's index holds the store now
		if a.Order.DeliveryFeeFen != 500 {
			t.Fatalf("first order's fee %d, want 500", a.Order.DeliveryFeeFen)
		}

		staff(map[string]any{"status": "closed"})
		refused(pickup, http.StatusConflict, "conflict", "closed") // B's index still said open
		staff(map[string]any{"status": "open"})
		order(pickup).OK(http.StatusCreated, nil) // B's index still said closed
		staff(map[string]any{"pickup": false})
		refused(pickup, http.StatusConflict, "conflict", "no pickup")
		staff(map[string]any{"pickup": true, "delivery_fee_fen": 800})
		order(delivery).OK(http.StatusCreated, &a)
		if a.Order.DeliveryFeeFen != 800 || a.Order.PayableFen != 2*milkFen+800 {
			t.Fatalf("after the fee changed: fee %d, payable %d; want 800, %d", a.Order.DeliveryFeeFen, a.Order.PayableFen, 2*milkFen+800)
		}
		s.wantLevel(s.milk, 100, 6) // three orders of two placed, none by a refusal

		// A store is deleted once no order is in progress there.
		var list struct{ Items []orderView }
		b.Do("GET", "/api/v1/orders?status=pending_payment", tok, nil).OK(http.StatusOK, &list)
		for _, o := range list.Items {
			b.Do("POST", apitest.Path("/api/v1/orders/%d/cancel", o.ID), tok, nil).OK(http.StatusOK, nil)
		}
		s.h.Do("DELETE", apitest.Path("/admin/v1/stores/%d", s.store.ID), s.h.AdminToken, nil).OK(http.StatusNoContent, nil)
		refused(pickup, http.StatusNotFound, "not_found", "no store")
		if n := len(list.Items); n != 3 {
			t.Fatalf("%d orders placed, want 3", n)
		}
	})
}
