package orders

import (
	"context"
	"testing"
	"time"

	"entgo.io/ent/dialect"

	"wemart/ent"
	"wemart/ent/product"
	"wemart/ent/stock"
	"wemart/server/errs"
	"wemart/server/storage"
	"wemart/server/storage/storagetest"
)

// TestPriceLines: the checkout's pricing read, on both engines. A SKU is
// priced at the store's own price when it has one, the chain's otherwise,
// with what the store has available; lines of one SKU are priced alike. A
// deleted SKU or product is not found; an unlisted product, or a SKU the
// store does not stock, is refused.
func TestPriceLines(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		ctx := context.Background()
		c := db.Client
		st, other := bareStore(ctx, db), bareStore(ctx, db)
		sku := func(title string, status product.Status, fen int64) (int, int) {
			p := c.Product.Create().SetTitle(title).SetStatus(status).SetImages([]string{"a.jpg"}).SaveX(ctx)
			return c.Sku.Create().SetProductID(p.ID).SetName("标准装").SetPriceFen(fen).SaveX(ctx).ID, p.ID
		}
		chain, _ := sku("牛奶", product.StatusListed, 500)
		own, _ := sku("面包", product.StatusListed, 800)
		skuGone, _ := sku("旧款", product.StatusListed, 100)
		productGone, goneProduct := sku("下架", product.StatusListed, 100)
		unlisted, _ := sku("暂停", product.StatusUnlisted, 100)
		elsewhere, _ := sku("别店", product.StatusListed, 100)
		for _, id := range []int{chain, own, skuGone, productGone, unlisted} {
			c.Stock.Create().SetStoreID(st.ID).SetSkuID(id).SetOnHand(10).SetReserved(3).SaveX(ctx)
		}
		c.Stock.Update().Where(stock.StoreID(st.ID), stock.SkuID(own)).SetPriceFen(650).ExecX(ctx)
		c.Stock.Create().SetStoreID(other.ID).SetSkuID(elsewhere).SetOnHand(10).SaveX(ctx)
		now := time.Now().UTC()
		c.Sku.UpdateOneID(skuGone).SetDeletedAt(now).ExecX(ctx)
		c.Product.UpdateOneID(goneProduct).SetDeletedAt(now).ExecX(ctx)

		lines, err := priceLines(ctx, c, db.Dialect, st.ID, []LineInput{{SkuID: own, Quantity: 1}, {SkuID: chain, Quantity: 2}, {SkuID: own, Quantity: 3}}, 0)
		if err != nil {
			t.Fatal(err)
		}
		for i, want := range []struct {
			sku  int
			unit int64
		}{{own, 650}, {chain, 500}, {own, 650}} {
			l := lines[i]
			if l.SkuID != want.sku || l.unitFen != want.unit || l.available != 7 || l.product.Images[0] != "a.jpg" {
				t.Errorf("line %d: SKU %d at %d fen, %d available, images %v; want SKU %d at %d fen, 7 available",
					i, l.SkuID, l.unitFen, l.available, l.product.Images, want.sku, want.unit)
			}
		}
		for _, c := range []struct {
			sku  int
			want errs.Code
		}{{skuGone, errs.NotFound}, {productGone, errs.NotFound}, {unlisted, errs.Conflict}, {elsewhere, errs.Conflict}, {-5, errs.NotFound}} {
			_, err := priceLines(ctx, db.Client, db.Dialect, st.ID, []LineInput{{SkuID: chain, Quantity: 1}, {SkuID: c.sku, Quantity: 1}}, 0)
			if !errs.Is(err, c.want) {
				t.Errorf("SKU %d: %v, want %s", c.sku, err, c.want)
			}
		}
	})
}

// TestPriceLinesLocksTheShopper: on PostgreSQL the price read of a
// checkout's explicit lines also takes the shopper's row lock (as
// storage.LockShopper does: FOR NO KEY UPDATE), held until its transaction
// ends, and says when her row is gone; it prices as the read without the
// lock does.
func TestPriceLinesLocksTheShopper(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		if db.Dialect != dialect.Postgres {
			t.Skip("SQLite transactions take the database's write lock instead")
		}
		ctx := context.Background()
		c := db.Client
		st := bareStore(ctx, db)
		p := c.Product.Create().SetTitle("牛奶").SetStatus(product.StatusListed).SaveX(ctx)
		sku := c.Sku.Create().SetProductID(p.ID).SetName("标准装").SetPriceFen(500).SaveX(ctx).ID
		c.Stock.Create().SetStoreID(st.ID).SetSkuID(sku).SetOnHand(10).SetReserved(3).SaveX(ctx)
		her := c.Shopper.Create().SetOpenid("o-price-lock").SaveX(ctx)
		items := []LineInput{{SkuID: sku, Quantity: 2}}

		tx, err := c.Tx(ctx)
		if err != nil {
			t.Fatal(err)
		}
		defer tx.Rollback()
		lines, err := priceLines(ctx, tx.Client(), db.Dialect, st.ID, items, her.ID)
		if err != nil || len(lines) != 1 || lines[0].unitFen != 500 || lines[0].available != 7 {
			t.Fatalf("priced %+v, %v; want one line at 500 fen, 7 available", lines, err)
		}
		// Another checkout of hers waits for the lock...
		waited := make(chan error, 1)
		go func() {
			waited <- storage.WithTx(ctx, c, func(tx *ent.Tx) error { return storage.LockShopper(ctx, tx, her.ID) })
		}()
		select {
		case err := <-waited:
			t.Fatalf("her other checkout took her lock while the first held it: %v", err)
		case <-time.After(300 * time.Millisecond):
		}
		// A row that refers to her is not held up (the lock is FOR NO KEY
		// UPDATE, as LockShopper's UPDATE takes; FOR UPDATE would hold the
		// insert's foreign-key check until the checkout ends).
		quick, cancel := context.WithTimeout(ctx, 2*time.Second)
		defer cancel()
		if _, err := c.CartItem.Create().SetShopperID(her.ID).SetStoreID(st.ID).SetSkuID(sku).SetQuantity(1).SetPriceFen(500).
			Save(quick); err != nil {
			t.Fatalf("a row referring to her, while her lock is held: %v", err)
		}
		// ...until the first ends.
		if err := tx.Commit(); err != nil {
			t.Fatal(err)
		}
		if err := <-waited; err != nil {
			t.Fatal(err)
		}
		// A shopper whose row is gone is told so.
		err = storage.WithTx(ctx, c, func(tx *ent.Tx) error {
			_, err := priceLines(ctx, tx.Client(), db.Dialect, st.ID, items, her.ID+1000)
			return err
		})
		if !errs.Is(err, errs.Unauthenticated) {
			t.Fatalf("a shopper whose row is gone: %v, want unauthenticated", err)
		}
	})
}
