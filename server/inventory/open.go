package inventory

import (
	"context"

	"wemart/ent"
	"wemart/ent/sku"
	"wemart/ent/stockmovement"
	"wemart/server/errs"
	"wemart/server/indexer"
	"wemart/server/shelfver"
)

// Opening is a store's first stock of a SKU: a row that does not exist yet.
type Opening struct {
	StoreID, SkuID int
	OnHand         int64
}

// Open creates stock rows, each with its ledger row (kind set, by the
// system, for reason), in tx, as two multi-row INSERTs: a seed opens
// hundreds of thousands of rows, so they are not set one by one. Availability
// at the stores changes, so the products' search documents are queued too.
// A row that exists already fails the insert (stock that exists changes
// through Set, Adjust and the order moves, never through here).
func Open(ctx context.Context, tx *ent.Tx, lines []Opening, reason string) (err error) {
	defer errs.Op(&err, "inventory.Open")
	if len(lines) == 0 {
		return nil
	}
	stocks := make([]*ent.StockCreate, len(lines))
	moves := make([]*ent.StockMovementCreate, len(lines))
	skuIDs := make([]int, len(lines))
	for i, l := range lines {
		if l.OnHand < 0 || l.OnHand > MaxUnits {
			return errs.InvalidField("on_hand", "must be between 0 and %d (got %d)", MaxUnits, l.OnHand)
		}
		stocks[i] = tx.Stock.Create().SetStoreID(l.StoreID).SetSkuID(l.SkuID).SetOnHand(l.OnHand)
		moves[i] = tx.StockMovement.Create().SetStoreID(l.StoreID).SetSkuID(l.SkuID).
			SetKind(stockmovement.KindSet).SetDeltaOnHand(l.OnHand).SetDeltaReserved(0).
			SetOnHandAfter(l.OnHand).SetReservedAfter(0).SetReason(reason).
			SetActorType(System.Type)
		skuIDs[i] = l.SkuID
	}
	if err := tx.Stock.CreateBulk(stocks...).Exec(ctx); err != nil {
		return err
	}
	if err := tx.StockMovement.CreateBulk(moves...).Exec(ctx); err != nil {
		return err
	}
	products, err := tx.Sku.Query().Where(sku.IDIn(skuIDs...)).Select(sku.FieldProductID).Ints(ctx)
	if err != nil {
		return err
	}
	if err := shelfver.BumpChain(ctx, tx.Client()); err != nil { // any number of stores
		return err
	}
	return indexer.Enqueue(ctx, tx.Client(), products...)
}
