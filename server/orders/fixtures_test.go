package orders

import (
	"context"
	"testing"
	"time"

	"wemart/ent"
	"wemart/schema/types"
	"wemart/server/inventory"
	"wemart/server/storage"
	"wemart/server/stores"
)

// newService is a Service on db with opt, for the package's own tests.
func newService(t *testing.T, db *storage.DB, opt Options) *Service {
	t.Helper()
	st, err := stores.New(db, nil)
	if err != nil {
		t.Fatal(err)
	}
	return New(db, inventory.New(db), st, nil, opt)
}

// bareStore is a store with nothing but what its row needs.
func bareStore(ctx context.Context, db *storage.DB) *ent.Store {
	return db.Client.Store.Create().SetName("店").SetLat(31).SetLng(121).SetH3R5(1).SetH3R7(1).SetH3R8(1).
		SetOpeningHours([]types.OpeningPeriod{}).SaveX(ctx)
}

// bareOrder is a pending pickup order of 1 yuan, written straight to the
// database with its number, idempotency key and request hash.
func bareOrder(ctx context.Context, db *storage.DB, shopperID, storeID int, no, key, hash string) *ent.Order {
	return db.Client.Order.Create().SetOrderNo(no).SetShopperID(shopperID).SetStoreID(storeID).SetFulfilment("pickup").
		SetGoodsFen(100).SetPayableFen(100).SetIdempotencyKey(key).SetRequestHash(hash).
		SetExpiresAt(time.Now().UTC().Add(time.Minute)).SaveX(ctx)
}
