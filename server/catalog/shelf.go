package catalog

import (
	"context"

	"entgo.io/ent/dialect/sql"

	"wemart/ent"
	"wemart/ent/product"
	"wemart/ent/sku"
	"wemart/ent/stock"
	"wemart/server/errs"
	"wemart/server/indexer"
	"wemart/server/prices"
	"wemart/server/shelfver"
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
// store; nothing is then available and no price is the store's own): the
// live SKUs, whether one is available at the store and the store's prices.
// It is exact as of the moment it is called, as the database is: it reads
// the chain's and the store's shelf versions (package shelfver: one query)
// and answers from what this process read before under the same versions,
// reading the others in one query. The shelves returned are shared: read
// them, never change them.
func (s *Service) Shelves(ctx context.Context, storeID int, ids []int) (_ map[int]*Shelf, err error) {
	defer errs.Op(&err, "catalog.Shelves")
	out := make(map[int]*Shelf, len(ids))
	if len(ids) == 0 {
		return out, nil
	}
	v, err := shelfver.Read(ctx, s.client, storeID)
	if err != nil {
		return nil, err
	}
	missing := s.shelves.get(storeID, v, ids, out)
	if len(missing) == 0 {
		return out, nil
	}
	read, err := s.readShelves(ctx, storeID, missing)
	if err != nil {
		return nil, err
	}
	s.shelves.put(storeID, v, missing, read)
	for id, sh := range read {
		out[id] = sh
	}
	return out, nil
}

// readShelves reads the shelves of ids at storeID from the database, in
// one query.
func (s *Service) readShelves(ctx context.Context, storeID int, ids []int) (map[int]*Shelf, error) {
	out := make(map[int]*Shelf, len(ids))
	var rows []struct {
		ProductID int    `json:"product_id"`
		SkuID     int    `json:"sku_id"`
		ChainFen  int64  `json:"chain_fen"`
		OwnFen    *int64 `json:"own_fen"`
		Available *int64 `json:"available"`
	}
	err := s.client.Sku.Query().Where(sku.ProductIDIn(ids...), sku.DeletedAtIsNil()).
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

// shelvesChanged records, in tx, that products changed in a way a shelf, a
// cart line or a search document shows: the chain's shelf version moves
// and the search index is told.
func shelvesChanged(ctx context.Context, tx *ent.Tx, productIDs ...int) error {
	if err := shelfver.BumpChain(ctx, tx.Client()); err != nil {
		return err
	}
	return indexer.Enqueue(ctx, tx.Client(), productIDs...)
}
