// Package prices says what things cost at each store: a store's own price
// for a SKU (kept on its stock row, overriding the chain price there), the
// effective price every shopper-facing read uses (Effective), the price
// ranges search re-prices products with (Ranges), and the price ledger
// (price_changes) that records every change of a chain or store price with
// who made it and the price it replaced.
package prices

import (
	"context"

	"wemart/ent"
	"wemart/ent/predicate"
	"wemart/ent/pricechange"
	"wemart/ent/product"
	"wemart/ent/sku"
	"wemart/ent/stock"
	"wemart/ent/store"
	"wemart/server/check"
	"wemart/server/errs"
	"wemart/server/shelfver"
	"wemart/server/storage"
)

// casRetries bounds how often a price compare-and-set is retried when another
// transaction changed the price between our read and our write.
const casRetries = 20

// Effective is the price of a SKU at a store: the store's own price when it
// has one, else the chain price.
func Effective(chainFen int64, ownFen *int64) int64 {
	if ownFen != nil {
		return *ownFen
	}
	return chainFen
}

// Actor is who changed a price, for the ledger.
type Actor struct {
	Type pricechange.ActorType
	ID   *int
}

// Staff is the Actor for a staff member.
func Staff(id int) Actor { return Actor{Type: pricechange.ActorTypeStaff, ID: &id} }

// Service manages store prices and reads the ledger.
type Service struct{ client *ent.Client }

// New returns a Service.
func New(client *ent.Client) *Service { return &Service{client: client} }

// StorePrice is a store's own price of a SKU, with what the SKU is and its
// chain price.
type StorePrice struct {
	StoreID       int
	SkuID         int
	ProductID     int
	ProductTitle  string
	SkuName       string
	ChainPriceFen int64
	// PriceFen is the store's own price; nil when it has none.
	PriceFen *int64
}

// SetInput is a store's own price for a SKU.
type SetInput struct {
	PriceFen *int64 `json:"price_fen"`
}

// Set gives storeID its own price for skuID. The store must stock the SKU
// (a price is for something on its shelves: count the stock first). Setting
// the price it already has changes nothing and writes no ledger row.
func (s *Service) Set(ctx context.Context, by Actor, storeID, skuID int, in SetInput) (_ StorePrice, err error) {
	defer errs.Op(&err, "prices.Set")
	var c check.Checker
	c.Fen("price_fen", in.PriceFen)
	if err := c.Err(); err != nil {
		return StorePrice{}, err
	}
	return s.change(ctx, by, storeID, skuID, in.PriceFen)
}

// Clear takes storeID's own price for skuID away: the chain price applies
// there again. Clearing a price the store does not have changes nothing.
func (s *Service) Clear(ctx context.Context, by Actor, storeID, skuID int) (err error) {
	defer errs.Op(&err, "prices.Clear")
	_, err = s.change(ctx, by, storeID, skuID, nil)
	return err
}

// change moves the store's own price of a SKU to price (nil: none) by
// compare-and-set, with its ledger row in the same transaction: the old
// price the row records is the one the UPDATE replaced.
func (s *Service) change(ctx context.Context, by Actor, storeID, skuID int, price *int64) (StorePrice, error) {
	k, err := liveSku(ctx, s.client, storeID, skuID)
	if err != nil {
		return StorePrice{}, err
	}
	out := StorePrice{StoreID: storeID, SkuID: skuID, ProductID: k.ProductID, ProductTitle: k.Edges.Product.Title,
		SkuName: k.Name, ChainPriceFen: k.PriceFen}
	err = storage.WithTx(ctx, s.client, func(tx *ent.Tx) error {
		cur, err := tx.Stock.Query().Where(stock.StoreID(storeID), stock.SkuID(skuID)).Only(ctx)
		if ent.IsNotFound(err) {
			if price == nil {
				return nil
			}
			return errs.E(errs.Conflict, "store %d does not stock SKU %d; count its stock first", storeID, skuID).
				With("sku_id", skuID)
		}
		if err != nil {
			return err
		}
		for range casRetries {
			if samePrice(cur.PriceFen, price) {
				out.PriceFen = cur.PriceFen
				return nil
			}
			upd := tx.Stock.Update().Where(stock.ID(cur.ID), priceIs(cur.PriceFen))
			if price == nil {
				upd.ClearPriceFen()
			} else {
				upd.SetPriceFen(*price)
			}
			n, err := upd.Save(ctx)
			if err != nil {
				return err
			}
			if n == 1 {
				out.PriceFen = price
				if err := shelfver.BumpStore(ctx, tx.Client(), storeID); err != nil {
					return err
				}
				return record(ctx, tx.Client(), by, skuID, &storeID, cur.PriceFen, price)
			}
			if cur, err = tx.Stock.Get(ctx, cur.ID); err != nil {
				return err
			}
		}
		return errs.E(errs.Conflict, "the price of SKU %d at store %d is changing too fast; try again", skuID, storeID)
	})
	return out, err
}

// RecordChain writes the ledger row of a change of skuID's chain price from
// oldFen to newFen; the caller makes the change by compare-and-set in the
// same transaction (client is that transaction's).
func RecordChain(ctx context.Context, client *ent.Client, by Actor, skuID int, oldFen, newFen int64) (err error) {
	defer errs.Op(&err, "prices.RecordChain")
	return record(ctx, client, by, skuID, nil, &oldFen, &newFen)
}

func record(ctx context.Context, client *ent.Client, by Actor, skuID int, storeID *int, oldFen, newFen *int64) error {
	return client.PriceChange.Create().SetSkuID(skuID).SetNillableStoreID(storeID).
		SetNillableOldPriceFen(oldFen).SetNillableNewPriceFen(newFen).
		SetActorType(by.Type).SetNillableActorID(by.ID).Exec(ctx)
}

func samePrice(a, b *int64) bool {
	return (a == nil && b == nil) || (a != nil && b != nil && *a == *b)
}

// priceIs is "price_fen = v", or "price_fen IS NULL" for nil: the condition
// of a compare-and-set on the store's own price.
func priceIs(v *int64) predicate.Stock {
	if v == nil {
		return stock.PriceFenIsNil()
	}
	return stock.PriceFen(*v)
}

// liveSku checks that storeID is a store and skuID a live SKU of a live
// product, and returns the SKU with its product.
func liveSku(ctx context.Context, client *ent.Client, storeID, skuID int) (*ent.Sku, error) {
	ok, err := client.Store.Query().Where(store.ID(storeID), store.DeletedAtIsNil()).Exist(ctx)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, errs.E(errs.NotFound, "no store %d", storeID)
	}
	k, err := client.Sku.Query().Where(sku.ID(skuID), sku.DeletedAtIsNil(), sku.HasProductWith(product.DeletedAtIsNil())).
		WithProduct().Only(ctx)
	if ent.IsNotFound(err) {
		return nil, errs.E(errs.NotFound, "no SKU %d", skuID)
	}
	return k, err
}

// List returns storeID's own prices (of live SKUs), by SKU, and how many there are.
func (s *Service) List(ctx context.Context, storeID, offset, limit int) (_ []StorePrice, _ int, err error) {
	defer errs.Op(&err, "prices.List")
	ok, err := s.client.Store.Query().Where(store.ID(storeID), store.DeletedAtIsNil()).Exist(ctx)
	if err != nil {
		return nil, 0, err
	}
	if !ok {
		return nil, 0, errs.E(errs.NotFound, "no store %d", storeID)
	}
	q := s.client.Stock.Query().Where(stock.StoreID(storeID), stock.PriceFenNotNil(),
		stock.HasSkuWith(sku.DeletedAtIsNil(), sku.HasProductWith(product.DeletedAtIsNil())))
	total, err := q.Clone().Count(ctx)
	if err != nil {
		return nil, 0, err
	}
	rows, err := q.Order(ent.Asc(stock.FieldSkuID)).Offset(offset).Limit(limit).
		WithSku(func(q *ent.SkuQuery) { q.WithProduct() }).All(ctx)
	if err != nil {
		return nil, 0, err
	}
	out := make([]StorePrice, len(rows))
	for i, r := range rows {
		k := r.Edges.Sku
		out[i] = StorePrice{StoreID: storeID, SkuID: r.SkuID, ProductID: k.ProductID, ProductTitle: k.Edges.Product.Title,
			SkuName: k.Name, ChainPriceFen: k.PriceFen, PriceFen: r.PriceFen}
	}
	return out, total, nil
}

// History returns the ledger of skuID as storeID sees it: the changes of its
// chain price and of the store's own price, newest first, and the total.
func (s *Service) History(ctx context.Context, storeID, skuID, offset, limit int) (_ []*ent.PriceChange, _ int, err error) {
	defer errs.Op(&err, "prices.History")
	if _, err := liveSku(ctx, s.client, storeID, skuID); err != nil {
		return nil, 0, err
	}
	q := s.client.PriceChange.Query().Where(pricechange.SkuID(skuID),
		pricechange.Or(pricechange.StoreIDIsNil(), pricechange.StoreID(storeID)))
	total, err := q.Clone().Count(ctx)
	if err != nil {
		return nil, 0, err
	}
	items, err := q.Order(ent.Desc(pricechange.FieldID)).Offset(offset).Limit(limit).All(ctx)
	return items, total, err
}
