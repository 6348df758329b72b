package api_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"sync"
	"testing"

	"wemart/ent/order"
	"wemart/ent/stockmovement"
	"wemart/server/storage"
	"wemart/server/storage/storagetest"
)

// TestFlashSaleNeverOversells: 100 shoppers check out at the same moment for
// a SKU with 25 units. Exactly 25 orders are placed, the other 75 hear
// out_of_stock naming the SKU, and stock, ledger and orders agree; paying
// the 25 takes exactly 25 units off the shelf.
func TestFlashSaleNeverOversells(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		s := newShop(t, db)
		const shoppers, units = 100, 25
		s.setStock(s.milk, units)
		tokens := make([]string, shoppers)
		for i := range tokens {
			tokens[i] = mustShopper(t, s.h, fmt.Sprintf("flash-%d", i)).Token
		}
		start := make(chan struct{})
		results := make([]rawResult, shoppers)
		var wg sync.WaitGroup
		for i := range shoppers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				results[i] = post(s.h, "/api/v1/orders", tokens[i], map[string]any{"store_id": s.store.ID, "fulfilment": "pickup",
					"items": []map[string]int{{"sku_id": s.milk, "quantity": 1}}}, "Idempotency-Key", fmt.Sprintf("flash-%d", i))
			}()
		}
		close(start)
		wg.Wait()

		var placed []checkoutAnswer
		soldOut := 0
		for _, r := range results {
			switch {
			case r.Err != nil:
				t.Fatal(r.Err)
			case r.Status == http.StatusCreated:
				var a checkoutAnswer
				if err := json.Unmarshal(r.Body, &a); err != nil || a.Payment == nil {
					t.Fatalf("checkout answer %s", r.Body)
				}
				placed = append(placed, a)
			case r.Status == http.StatusConflict && r.Code == "out_of_stock":
				var e struct {
					Error struct{ Details map[string]any } `json:"error"`
				}
				if json.Unmarshal(r.Body, &e) != nil || e.Error.Details["sku_id"] != float64(s.milk) {
					t.Fatalf("out_of_stock does not name the SKU: %s", r.Body)
				}
				soldOut++
			default:
				t.Fatalf("checkout answered %d %s", r.Status, r.Body)
			}
		}
		if len(placed) != units || soldOut != shoppers-units {
			t.Fatalf("%d orders and %d out_of_stock, want %d and %d", len(placed), soldOut, units, shoppers-units)
		}
		ctx := context.Background()
		if n := db.Client.Order.Query().CountX(ctx); n != units {
			t.Fatalf("%d orders in the database, want %d", n, units)
		}
		if n := db.Client.StockMovement.Query().Where(stockmovement.KindEQ(stockmovement.KindReserve)).CountX(ctx); n != units {
			t.Fatalf("%d reservations in the ledger, want %d", n, units)
		}
		s.wantLevel(s.milk, units, units)
		s.ledgerReplays()

		for _, a := range placed {
			if c := s.pay(a.Payment.prepayID(), true); c.NotifyStatus == nil || *c.NotifyStatus != http.StatusOK {
				t.Fatalf("payment of %s notified %v", a.Order.OrderNo, c.NotifyStatus)
			}
		}
		s.wantLevel(s.milk, 0, 0)
		if n := db.Client.Order.Query().Where(order.StatusEQ(order.StatusPaid)).CountX(ctx); n != units {
			t.Fatalf("%d paid orders, want %d", n, units)
		}
		s.ledgerReplays()
	})
}
