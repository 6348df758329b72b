package api_test

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"

	"wemart/ent/order"
	entstore "wemart/ent/store"
	"wemart/server/addresses"
	"wemart/server/apitest"
	"wemart/server/cart"
	"wemart/server/storage"
	"wemart/server/storage/storagetest"
)

// race sends n requests at once (through the harnesses in turn, as a load
// balancer would) and counts the answers by status.
func race(hs []*apitest.Harness, n int, req func(i int, h *apitest.Harness) rawResult) map[int]int {
	counts := map[int]int{}
	for _, r := range raceAll(hs, n, req) {
		counts[r.Status]++
	}
	return counts
}

// raceAll is race returning every answer, in request order.
func raceAll(hs []*apitest.Harness, n int, req func(i int, h *apitest.Harness) rawResult) []rawResult {
	var wg sync.WaitGroup
	out := make([]rawResult, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			out[i] = req(i, hs[i%len(hs)])
		}()
	}
	wg.Wait()
	return out
}

// TestCartAndAddressLimitsHoldUnderRaces: the last free cart lines and
// address book entries go to exactly as many of the racing requests, in
// two processes at once; the rest are 409 naming the limit.
func TestCartAndAddressLimitsHoldUnderRaces(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		s := newShop(t, db)
		h, tok := s.h, s.shopper.Token
		hs := []*apitest.Harness{h, apitest.New(t, storagetest.Second(t, db))} // two processes
		ctx := context.Background()

		// A product with a SKU per cart line and then some, all stocked.
		var skus []int
		for len(skus) < cart.MaxLines+5 {
			p := mustProduct(t, h, fmt.Sprintf("散装糖果 %d", len(skus)), 100)
			skus = append(skus, p.Skus[0].ID)
			for i := 1; i < 40; i++ {
				var k struct{ ID int }
				h.Do("POST", apitest.Path("/admin/v1/products/%d/skus", p.ID), h.AdminToken,
					map[string]any{"name": fmt.Sprintf("口味 %d", i), "price_fen": 100}).OK(http.StatusCreated, &k)
				skus = append(skus, k.ID)
			}
		}
		for _, id := range skus {
			s.setStock(id, 10)
		}
		put := func(h *apitest.Harness, sku int) rawResult {
			return send(h, "PUT", "/api/v1/cart/items", tok, map[string]any{"store_id": s.store.ID, "sku_id": sku, "quantity": 1})
		}
		for _, id := range skus[:cart.MaxLines-3] {
			h.Do("PUT", "/api/v1/cart/items", tok, map[string]any{"store_id": s.store.ID, "sku_id": id, "quantity": 1}).OK(http.StatusOK, nil)
		}
		counts := race(hs, 8, func(i int, h *apitest.Harness) rawResult { return put(h, skus[cart.MaxLines-3+i]) })
		if counts[http.StatusOK] != 3 || counts[http.StatusConflict] != 5 {
			t.Fatalf("8 racing new lines with 3 free: %v", counts)
		}
		if n := db.Client.CartItem.Query().CountX(ctx); n != cart.MaxLines {
			t.Fatalf("the cart has %d lines, the limit is %d", n, cart.MaxLines)
		}

		addr := func(h *apitest.Harness, i int) rawResult {
			return post(h, "/api/v1/addresses", tok, map[string]any{"contact": "张三", "phone": "13800138000", "detail": fmt.Sprintf("人民大道%d号", i)})
		}
		for i := range addresses.MaxPerShopper - 2 {
			h.Do("POST", "/api/v1/addresses", tok, map[string]any{"contact": "张三", "phone": "13800138000", "detail": fmt.Sprintf("南京路%d号", i)}).
				OK(http.StatusCreated, nil)
		}
		counts = race(hs, 8, func(i int, h *apitest.Harness) rawResult { return addr(h, i) })
		if counts[http.StatusCreated] != 2 || counts[http.StatusConflict] != 6 {
			t.Fatalf("8 racing addresses with 2 free: %v", counts)
		}
		if n := db.Client.Address.Query().CountX(ctx); n != addresses.MaxPerShopper {
			t.Fatalf("the book has %d addresses, the limit is %d", n, addresses.MaxPerShopper)
		}
	})
}

// TestStoreDeleteRacesCheckouts: a store deleted while shoppers check out
// never keeps orders: either the delete wins and later checkouts find no
// store, or a checkout wins and the delete is refused.
func TestStoreDeleteRacesCheckouts(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		ctx := context.Background()
		base := newShop(t, db)
		h := base.h
		hs := []*apitest.Harness{h, apitest.New(t, storagetest.Second(t, db))} // two processes
		var shoppers []string
		for i := range 12 {
			shoppers = append(shoppers, mustShopper(t, h, fmt.Sprintf("racer-%d", i)).Token)
		}
		for round := range 4 {
			var st store
			h.Do("POST", "/admin/v1/stores", h.AdminToken, map[string]any{"name": fmt.Sprintf("快闪店 %d", round), "lat": 31.2304, "lng": 121.4737}).
				OK(http.StatusCreated, &st)
			h.Do("PUT", apitest.Path("/admin/v1/stores/%d/stock/%d", st.ID, base.milk), h.AdminToken, map[string]any{"on_hand": 100}).OK(http.StatusOK, nil)
			for _, x := range hs { // every process has the new store in its index
				x.Do("GET", apitest.Path("/api/v1/stores/%d", st.ID), "", nil).OK(http.StatusOK, nil)
			}
			var deleted rawResult
			counts := race(hs, len(shoppers)+1, func(i int, x *apitest.Harness) rawResult {
				if i == round*3 { // the delete goes out among the checkouts
					deleted = send(x, "DELETE", apitest.Path("/admin/v1/stores/%d", st.ID), h.AdminToken, nil)
					return deleted
				}
				tok := shoppers[min(i, len(shoppers)-1)]
				return post(x, "/api/v1/orders", tok, map[string]any{"store_id": st.ID, "fulfilment": "pickup",
					"items": []map[string]int{{"sku_id": base.milk, "quantity": 1}}}, "Idempotency-Key", newKey())
			})
			for status := range counts {
				if status >= 500 {
					t.Fatalf("round %d: %v", round, counts)
				}
			}
			gone := db.Client.Store.Query().Where(entstore.ID(st.ID), entstore.DeletedAtNotNil()).ExistX(ctx)
			open := db.Client.Order.Query().Where(order.StoreID(st.ID), order.StatusEQ(order.StatusPendingPayment)).CountX(ctx)
			if gone && open > 0 {
				t.Fatalf("round %d: the store was deleted with %d unpaid orders (answers %v, delete %d %s)",
					round, open, counts, deleted.Status, strings.TrimSpace(string(deleted.Body)))
			}
			if gone != (deleted.Status == http.StatusNoContent) {
				t.Fatalf("round %d: delete answered %d but the store is deleted=%v", round, deleted.Status, gone)
			}
			// Let every racer start clean next round.
			for _, tok := range shoppers {
				var list struct{ Items []orderView }
				h.Do("GET", "/api/v1/orders?status=pending_payment", tok, nil).OK(http.StatusOK, &list)
				for _, o := range list.Items {
					h.Do("POST", apitest.Path("/api/v1/orders/%d/cancel", o.ID), tok, nil).OK(http.StatusOK, nil)
				}
			}
		}
	})
}

// TestPayRefundNoDeadlock: payments (stock, then
// sales) and refunds (restock, then sales) of the same products at once,
// through two processes: each transaction takes the rows in the same order,
// so none is lost to a deadlock (which the chaos run found when a refund
// took sales before stock).
func TestPayRefundNoDeadlock(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		s := newShop(t, db)
		h := s.h
		hs := []*apitest.Harness{h, apitest.New(t, storagetest.Second(t, db))} // two processes
		s.setStock(s.milk, 1000)
		s.setStock(s.bread, 1000)
		const n = 12
		var toRefund, toPay []checkoutAnswer
		var buyers, payers []string
		for i := range 2 * n {
			tok := mustShopper(t, h, fmt.Sprintf("dl-%d", i)).Token
			var a checkoutAnswer
			h.Do("POST", "/api/v1/orders", tok, map[string]any{"store_id": s.store.ID, "fulfilment": "pickup",
				"items": []map[string]int{{"sku_id": s.milk, "quantity": 1}, {"sku_id": s.bread, "quantity": 1}}}, "Idempotency-Key", newKey()).
				OK(http.StatusCreated, &a)
			if i < n {
				s.pay(a.Payment.prepayID(), true)
				h.Do("POST", apitest.Path("/api/v1/orders/%d/refund", a.Order.ID), tok, map[string]string{"reason": "不要了"}).OK(http.StatusOK, nil)
				toRefund = append(toRefund, a)
				buyers = append(buyers, tok)
			} else {
				toPay = append(toPay, a)
				payers = append(payers, tok)
			}
		}
		counts := race(hs, 2*n, func(i int, x *apitest.Harness) rawResult {
			if i%2 == 0 {
				return send(x, "POST", apitest.Path("/admin/v1/orders/%d/refund/approve", toRefund[i/2].Order.ID), h.AdminToken, nil)
			}
			// Each harness has its own sandbox: pay where the prepay was made.
			return post(h, "/sandbox/pay", "", map[string]any{"prepay_id": toPay[i/2].Payment.prepayID()})
		})
		if counts[http.StatusOK] != 2*n {
			t.Fatalf("payments and refund approvals at once: %v", counts)
		}
		for i, a := range toRefund {
			s.shopper.Token = buyers[i]
			s.eventuallyStatus(a.Order.ID, order.StatusRefunded)
		}
		// A notification the sandbox gave up waiting for (a loaded machine)
		// is delivered again: wait for every payment to be recorded.
		for i, a := range toPay {
			s.shopper.Token = payers[i]
			s.eventuallyStatus(a.Order.ID, order.StatusPaid)
		}
		var sales []int
		for _, sku := range []int{s.milk, s.bread} {
			sales = append(sales, int(db.Client.Sku.GetX(context.Background(), sku).QueryProduct().OnlyX(context.Background()).Sales))
		}
		if sales[0] != n || sales[1] != n {
			t.Fatalf("sales %v, want %d each (the paid orders; the refunded ones count no more)", sales, n)
		}
		s.ledgerReplays()
	})
}
