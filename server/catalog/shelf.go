package catalog

import (
	"context"

	"entgo.io/ent/dialect/sql"

	"wemart/ent/product"
	"wemart/ent/sku"
	"wemart/ent/stock"
	"wemart/server/errs"
	"wemart/server/prices"
)

// Shelf is a listed product as a page of the catalogue shows it at a store:
// its live SKUs, whether one is available there, and its price range there
// when the store prices some SKU of its own.
type Shelf struct {
	// Skus are the ids of its live SKUs.
	Skus []int
	// Available says whether some live SKU has units available at the store.
	Available bool
	// OwnPrices says whether the store prices some live SKU of its own;
	// MinFen and MaxFen are then its range there over every live SKU (the
	// store's price, or the chain's), as prices.Service.Ranges gives it.
	OwnPrices      bool
	MinFen, MaxFen int64
}

// Shelves returns, for those of ids that shoppers may see (listed, not
// deleted), what a page of the catalogue shows of them at storeID (0: no
// store; nothing is then available and no price is the store's own), in
// one query: the live SKUs, their stock and the store's prices.
func (s *Service) Shelves(ctx context.Context, storeID int, ids []int) (_ map[int]*Shelf, err error) {
	defer errs.Op(&err, "catalog.Shelves")
	out := make(map[int]*Shelf, len(ids))
	if len(ids) == 0 {
		return out, nil
	}
	var rows []struct {
		ProductID int    `json:"product_id"`
		SkuID     int    `json:"sku_id"`
		ChainFen  int64  `json:"chain_fen"`
		OwnFen    *int64 `json:"own_fen"`
		Available *int64 `json:"available"`
	}
	err = s.client.Sku.Query().Where(sku.ProductIDIn(ids...), sku.DeletedAtIsNil()).
		Modify(func(sel *sql.Selector) {
			p := sql.Table(product.Table).As("p")
			sel.Join(p).On(sel.C(sku.FieldProductID), p.C(product.FieldID)).
				Where(sql.And(sql.IsNull(p.C(product.FieldDeletedAt)), sql.EQ(p.C(product.FieldStatus), product.StatusListed)))
			cols := []string{sql.As(sel.C(sku.FieldProductID), "product_id"), sql.As(sel.C(sku.FieldID), "sku_id"),
				sql.As(sel.C(sku.FieldPriceFen), "chain_fen")}
			if storeID == 0 {
				cols = append(cols, "NULL AS own_fen", "NULL AS available")
			} else {
				st := sql.Table(stock.Table).As("st")
				sel.LeftJoin(st).OnP(sql.And(sql.ColumnsEQ(st.C(stock.FieldSkuID), sel.C(sku.FieldID)),
					sql.EQ(st.C(stock.FieldStoreID), storeID)))
				cols = append(cols, sql.As(st.C(stock.FieldPriceFen), "own_fen"),
					sql.As(st.C(stock.FieldOnHand)+" - "+st.C(stock.FieldReserved), "available"))
			}
			sel.Select(cols...)
		}).Scan(ctx, &rows)
	if err != nil {
		return nil, err
	}
	for _, r := range rows {
		sh := out[r.ProductID]
		fen := prices.Effective(r.ChainFen, r.OwnFen)
		if sh == nil {
			sh = &Shelf{MinFen: fen, MaxFen: fen}
			out[r.ProductID] = sh
		}
		sh.Skus = append(sh.Skus, r.SkuID)
		sh.MinFen, sh.MaxFen = min(sh.MinFen, fen), max(sh.MaxFen, fen)
		sh.OwnPrices = sh.OwnPrices || r.OwnFen != nil
		sh.Available = sh.Available || (r.Available != nil && *r.Available > 0)
	}
	return out, nil
}
