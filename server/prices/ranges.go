package prices

import (
	"context"
	"slices"

	"wemart/ent/predicate"
	"wemart/ent/product"
	"wemart/ent/sku"
	"wemart/ent/stock"
	"wemart/search"
)

// Ranges returns the price range at storeID of every listed product that has
// a SKU with a price of the store's own (only of productIDs, when given): the
// lowest and highest effective price of its live SKUs there, the way the
// search index ranges chain prices. Products without a price of the store's
// own are absent: their chain range holds.
//
// Two queries: the store's own prices through the partial index over them,
// then the live SKUs of the products they belong to.
func (s *Service) Ranges(ctx context.Context, storeID int, productIDs []int) (map[int]search.PriceRange, error) {
	out := map[int]search.PriceRange{}
	if productIDs != nil && len(productIDs) == 0 {
		return out, nil
	}
	listed := []predicate.Product{product.DeletedAtIsNil(), product.StatusEQ(product.StatusListed)}
	if productIDs != nil {
		listed = append(listed, product.IDIn(productIDs...))
	}
	ownHere := sku.HasStocksWith(stock.StoreID(storeID), stock.PriceFenNotNil())
	var own []struct {
		SkuID    int   `json:"sku_id"`
		PriceFen int64 `json:"price_fen"`
	}
	err := s.client.Stock.Query().Where(stock.StoreID(storeID), stock.PriceFenNotNil(),
		stock.HasSkuWith(sku.DeletedAtIsNil(), sku.HasProductWith(listed...))).
		Select(stock.FieldSkuID, stock.FieldPriceFen).Scan(ctx, &own)
	if err != nil || len(own) == 0 {
		return out, err
	}
	ownOf := make(map[int]int64, len(own))
	for _, o := range own {
		ownOf[o.SkuID] = o.PriceFen
	}
	// Every live SKU of those products (nested conditions, not a list of ids:
	// a store may price thousands of SKUs its own way).
	skus, err := s.client.Sku.Query().
		Where(sku.DeletedAtIsNil(), sku.HasProductWith(append(slices.Clip(listed), product.HasSkusWith(sku.DeletedAtIsNil(), ownHere))...)).
		Select(sku.FieldID, sku.FieldProductID, sku.FieldPriceFen).All(ctx)
	if err != nil {
		return nil, err
	}
	for _, k := range skus {
		p := k.PriceFen
		if o, ok := ownOf[k.ID]; ok {
			p = o
		}
		r, seen := out[k.ProductID]
		if !seen {
			r = search.PriceRange{MinFen: p, MaxFen: p}
		}
		r.MinFen, r.MaxFen = min(r.MinFen, p), max(r.MaxFen, p)
		out[k.ProductID] = r
	}
	return out, nil
}
