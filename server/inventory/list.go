package inventory

import (
	"context"

	"entgo.io/ent/dialect/sql"

	"wemart/ent"
	"wemart/ent/predicate"
	"wemart/ent/product"
	"wemart/ent/sku"
	"wemart/ent/stock"
	"wemart/ent/stockmovement"
	"wemart/ent/store"
	"wemart/server/errs"
)

// ListParams filters a store's stock list.
type ListParams struct {
	// LowStock keeps rows whose available units are at or below their
	// threshold (Threshold, when set, replaces every row's own).
	LowStock  bool
	Threshold *int64
	Offset    int
	Limit     int
}

// Row is a line of a store's stock list: the level plus what the SKU is.
type Row struct {
	Level
	ProductID    int
	ProductTitle string
	SkuName      string
	Barcode      *string
}

// List returns the stock rows of storeID (SKUs it has ever stocked, not
// deleted), the lowest availability first when filtering for low stock,
// otherwise by SKU; and the total matching.
func (s *Service) List(ctx context.Context, storeID int, p ListParams) (_ []Row, _ int, err error) {
	defer errs.Op(&err, "inventory.List")
	ok, err := s.client.Store.Query().Where(store.ID(storeID), store.DeletedAtIsNil()).Exist(ctx)
	if err != nil {
		return nil, 0, err
	}
	if !ok {
		return nil, 0, errs.E(errs.NotFound, "no store %d", storeID)
	}
	q := s.client.Stock.Query().Where(stock.StoreID(storeID),
		stock.HasSkuWith(sku.DeletedAtIsNil(), sku.HasProductWith(product.DeletedAtIsNil())))
	if p.LowStock {
		q.Where(lowStock(p.Threshold))
	}
	total, err := q.Clone().Count(ctx)
	if err != nil {
		return nil, 0, err
	}
	if p.LowStock {
		q.Order(func(s *sql.Selector) {
			s.OrderExpr(sql.Expr(s.C(stock.FieldOnHand) + " - " + s.C(stock.FieldReserved)))
		})
	}
	rows, err := q.Order(ent.Asc(stock.FieldSkuID)).Offset(p.Offset).Limit(p.Limit).
		WithSku(func(q *ent.SkuQuery) { q.WithProduct() }).All(ctx)
	if err != nil {
		return nil, 0, err
	}
	out := make([]Row, len(rows))
	for i, r := range rows {
		k := r.Edges.Sku
		out[i] = Row{Level: levelOf(r), ProductID: k.ProductID, ProductTitle: k.Edges.Product.Title,
			SkuName: k.Name, Barcode: k.Barcode}
	}
	return out, total, nil
}

// lowStock is "on_hand - reserved <= threshold", the threshold being the
// row's own unless one is given.
func lowStock(threshold *int64) predicate.Stock {
	return func(s *sql.Selector) {
		s.Where(sql.P(func(b *sql.Builder) {
			b.WriteString(s.C(stock.FieldOnHand)).WriteString(" - ").WriteString(s.C(stock.FieldReserved)).WriteString(" <= ")
			if threshold != nil {
				b.Arg(*threshold)
			} else {
				b.WriteString(s.C(stock.FieldLowStockThreshold))
			}
		}))
	}
}

// Movements returns the ledger of skuID at storeID, newest first, and the total.
func (s *Service) Movements(ctx context.Context, storeID, skuID, offset, limit int) (_ []*ent.StockMovement, _ int, err error) {
	defer errs.Op(&err, "inventory.Movements")
	if err := checkRefs(ctx, s.client, storeID, skuID); err != nil {
		return nil, 0, err
	}
	q := s.client.StockMovement.Query().Where(stockmovement.StoreID(storeID), stockmovement.SkuID(skuID))
	total, err := q.Clone().Count(ctx)
	if err != nil {
		return nil, 0, err
	}
	items, err := q.Order(ent.Desc(stockmovement.FieldID)).Offset(offset).Limit(limit).All(ctx)
	return items, total, err
}

// Levels returns the stock of skuIDs at storeID; SKUs never stocked there are
// absent from the map (zero of everything).
func (s *Service) Levels(ctx context.Context, storeID int, skuIDs []int) (_ map[int]Level, err error) {
	defer errs.Op(&err, "inventory.Levels")
	rows, err := s.client.Stock.Query().Where(stock.StoreID(storeID), stock.SkuIDIn(skuIDs...)).All(ctx)
	if err != nil {
		return nil, err
	}
	out := make(map[int]Level, len(rows))
	for _, r := range rows {
		out[r.SkuID] = levelOf(r)
	}
	return out, nil
}
