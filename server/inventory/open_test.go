package inventory_test

import (
	"context"
	"testing"

	"wemart/ent"
	"wemart/ent/stockmovement"
	"wemart/server/errs"
	"wemart/server/inventory"
	"wemart/server/storage"
	"wemart/server/storage/storagetest"
)

// TestOpenWritesTheLedger: opened stock has its ledger row (a set by the
// system, for the reason given), and a row that exists cannot be opened again.
func TestOpenWritesTheLedger(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		ctx := context.Background()
		storeID, skuID := fixture(t, db)
		open := func(lines ...inventory.Opening) error {
			return storage.WithTx(ctx, db.Client, func(tx *ent.Tx) error { return inventory.Open(ctx, tx, lines, "opening") })
		}
		if err := open(inventory.Opening{StoreID: storeID, SkuID: skuID, OnHand: 7}); err != nil {
			t.Fatal(err)
		}
		l, err := inventory.New(db).Get(ctx, storeID, skuID)
		if err != nil || l.OnHand != 7 || l.Reserved != 0 {
			t.Fatalf("level %+v %v", l, err)
		}
		moves := db.Client.StockMovement.Query().Where(stockmovement.StoreID(storeID), stockmovement.SkuID(skuID)).AllX(ctx)
		if len(moves) != 1 || moves[0].Kind != stockmovement.KindSet || moves[0].DeltaOnHand != 7 || moves[0].OnHandAfter != 7 ||
			moves[0].ActorType != stockmovement.ActorTypeSystem || moves[0].Reason != "opening" {
			t.Fatalf("ledger %+v", moves)
		}
		if err := open(inventory.Opening{StoreID: storeID, SkuID: skuID, OnHand: 1}); err == nil {
			t.Fatal("opened a row that exists")
		}
		if err := open(inventory.Opening{StoreID: storeID, SkuID: skuID, OnHand: -1}); !errs.Is(err, errs.Invalid) {
			t.Fatalf("negative stock: %v", err)
		}
		if n := db.Client.StockMovement.Query().CountX(ctx); n != 1 {
			t.Fatalf("%d ledger rows after refused openings, want 1", n)
		}
	})
}
