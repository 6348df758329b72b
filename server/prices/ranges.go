package prices

import (
	"context"

	"entgo.io/ent/dialect/sql"

	"wemart/ent/product"
	"wemart/ent/sku"
	"wemart/ent/stock"
	"wemart/search"
	"wemart/server/errs"
)

// Ranges returns the price range at storeID of every listed product that has
// a SKU with a price of the store's own (only of productIDs, when given): the
// lowest and highest effective price of its live SKUs there, the way the
// search index ranges chain prices. Products without a price of the store's
// own are absent: their chain range holds.
//
// One query, driven by the partial index over the store's own prices: each
// own-priced SKU joined (by keys) to its product and to every live SKU of
// that product, with the store's own price of that SKU if any.
func (s *Service) Ranges(ctx context.Context, storeID int, productIDs []int) (_ map[int]search.PriceRange, err error) {
	defer errs.Op(&err, "prices.Ranges")
	out := map[int]search.PriceRange{}
	if productIDs != nil && len(productIDs) == 0 {
		return out, nil
	}
	var rows []struct {
		ProductID int    `json:"product_id"`
		SkuID     int    `json:"sku_id"`
		ChainFen  int64  `json:"chain_fen"`
		OwnFen    *int64 `json:"own_fen"`
	}
	err = s.client.Stock.Query().Where(stock.StoreID(storeID), stock.PriceFenNotNil()).
		Modify(func(sel *sql.Selector) {
			k, p, sib, sibStock := sql.Table(sku.Table).As("k"), sql.Table(product.Table).As("p"),
				sql.Table(sku.Table).As("sib"), sql.Table(stock.Table).As("sib_stock")
			sel.Join(k).On(sel.C(stock.FieldSkuID), k.C(sku.FieldID)).
				Join(p).On(k.C(sku.FieldProductID), p.C(product.FieldID)).
				Join(sib).On(sib.C(sku.FieldProductID), p.C(product.FieldID)).
				LeftJoin(sibStock).OnP(sql.And(sql.ColumnsEQ(sibStock.C(stock.FieldSkuID), sib.C(sku.FieldID)),
				sql.EQ(sibStock.C(stock.FieldStoreID), storeID))).
				Where(sql.And(sql.IsNull(k.C(sku.FieldDeletedAt)), sql.IsNull(sib.C(sku.FieldDeletedAt)),
					sql.IsNull(p.C(product.FieldDeletedAt)), sql.EQ(p.C(product.FieldStatus), product.StatusListed)))
			if productIDs != nil {
				sel.Where(sql.InInts(p.C(product.FieldID), productIDs...))
			}
			sel.Select(sql.As(p.C(product.FieldID), "product_id"), sql.As(sib.C(sku.FieldID), "sku_id"),
				sql.As(sib.C(sku.FieldPriceFen), "chain_fen"), sql.As(sibStock.C(stock.FieldPriceFen), "own_fen"))
		}).Scan(ctx, &rows)
	if err != nil {
		return nil, err
	}
	// A product with several SKUs of the store's own lists its SKUs once for
	// each; ranges do not mind.
	for _, r := range rows {
		fen := Effective(r.ChainFen, r.OwnFen)
		pr, seen := out[r.ProductID]
		if !seen {
			pr = search.PriceRange{MinFen: fen, MaxFen: fen}
		}
		pr.MinFen, pr.MaxFen = min(pr.MinFen, fen), max(pr.MaxFen, fen)
		out[r.ProductID] = pr
	}
	return out, nil
}
