package inventory_test

import (
	"context"
	"math/rand/v2"
	"sync"
	"testing"

	"wemart/ent"
	"wemart/ent/stockmovement"
	"wemart/schema/types"
	"wemart/server/errs"
	"wemart/server/inventory"
	"wemart/server/storage"
	"wemart/server/storage/storagetest"
)

func fixture(t *testing.T, db *storage.DB) (storeID, skuID int) {
	t.Helper()
	ctx := context.Background()
	st := db.Client.Store.Create().SetName("S").SetLat(31).SetLng(121).SetH3R5(1).SetH3R7(1).SetH3R8(1).
		SetOpeningHours([]types.OpeningPeriod{}).SaveX(ctx)
	p := db.Client.Product.Create().SetTitle("P").SaveX(ctx)
	k := db.Client.Sku.Create().SetProduct(p).SetName("x").SetPriceFen(100).SaveX(ctx)
	return st.ID, k.ID
}

func i64(v int64) *int64 { return &v }

// TestConcurrentChangesKeepTheLedgerExact hammers one stock row with
// adjustments and counts from many goroutines, starting from a row that does
// not exist yet. Whatever interleaving the engine picks, every accepted change
// has exactly one ledger row, the ledger replays to the final stock, and each
// row's on_hand_after is the running total at that point.
func TestConcurrentChangesKeepTheLedgerExact(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		ctx := context.Background()
		svc := inventory.New(db)
		storeID, skuID := fixture(t, db)
		const workers, each = 8, 15
		var wg sync.WaitGroup
		var mu sync.Mutex
		accepted := 0
		for w := range workers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				rng := rand.New(rand.NewPCG(uint64(w), 7))
				for range each {
					var err error
					if rng.IntN(5) == 0 {
						_, err = svc.Set(ctx, inventory.Staff(w+1), storeID, skuID, inventory.SetInput{OnHand: i64(int64(rng.IntN(50)))})
					} else {
						_, err = svc.Adjust(ctx, inventory.Staff(w+1), storeID, skuID,
							inventory.AdjustInput{Delta: i64(int64(rng.IntN(21) - 8)), Reason: "test"})
					}
					switch {
					case err == nil:
						mu.Lock()
						accepted++
						mu.Unlock()
					case errs.Is(err, errs.Conflict): // would go below zero: refused, fine
					case errs.Is(err, errs.Invalid): // a zero delta: refused, fine
					default:
						t.Errorf("unexpected error: %v", err)
					}
				}
			}()
		}
		wg.Wait()

		final, err := svc.Get(ctx, storeID, skuID)
		if err != nil {
			t.Fatal(err)
		}
		moves := db.Client.StockMovement.Query().
			Where(stockmovement.StoreID(storeID), stockmovement.SkuID(skuID)).
			Order(ent.Asc(stockmovement.FieldID)).AllX(ctx)
		if len(moves) != accepted {
			t.Fatalf("%d accepted changes but %d ledger rows", accepted, len(moves))
		}
		var running int64
		for _, m := range moves {
			running += m.DeltaOnHand
			if m.OnHandAfter != running {
				t.Fatalf("ledger row %d: on_hand_after %d, running total %d", m.ID, m.OnHandAfter, running)
			}
		}
		if running != final.OnHand || final.OnHand < 0 {
			t.Fatalf("ledger replays to %d, stock says %d", running, final.OnHand)
		}
	})
}

func TestGetUnknown(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		svc := inventory.New(db)
		storeID, skuID := fixture(t, db)
		ctx := context.Background()
		if _, err := svc.Get(ctx, storeID+100, skuID); !errs.Is(err, errs.NotFound) {
			t.Fatalf("unknown store: %v", err)
		}
		if _, err := svc.Get(ctx, storeID, skuID+100); !errs.Is(err, errs.NotFound) {
			t.Fatalf("unknown SKU: %v", err)
		}
	})
}
