package catalog

import (
	"context"

	"wemart/ent"
	"wemart/ent/category"
	"wemart/ent/product"
	"wemart/server/errs"
)

// Browsable is a category as shoppers see it: with how many listed products
// it holds, its subcategories' included.
type Browsable struct {
	*ent.Category
	Products int
}

// BrowsableCategories returns the categories a shopper can browse, in display
// order (sort, then id): those holding a listed product, directly or through a
// subcategory. An empty category would open on an empty page, so it is left
// out until staff put a listed product in it.
func (s *Service) BrowsableCategories(ctx context.Context) (_ []Browsable, err error) {
	defer errs.Op(&err, "catalog.BrowsableCategories")
	cats, err := s.client.Category.Query().Order(ent.Asc(category.FieldSort), ent.Asc(category.FieldID)).All(ctx)
	if err != nil {
		return nil, err
	}
	var counts []struct {
		CategoryID int `json:"category_id"`
		Count      int `json:"count"`
	}
	err = s.client.Product.Query().
		Where(product.DeletedAtIsNil(), product.StatusEQ(product.StatusListed), product.CategoryIDNotNil()).
		GroupBy(product.FieldCategoryID).Aggregate(ent.Count()).Scan(ctx, &counts)
	if err != nil {
		return nil, err
	}
	parent := make(map[int]*int, len(cats))
	for _, c := range cats {
		parent[c.ID] = c.ParentID
	}
	total := make(map[int]int, len(cats))
	for _, n := range counts {
		// Up the chain: depth is capped (maxDepth) and cycles refused when
		// categories are edited, but a bound keeps a bad row from looping.
		id, ok := n.CategoryID, true
		for hops := 0; ok && hops <= maxDepth; hops++ {
			total[id] += n.Count
			var p *int
			if p, ok = parent[id]; ok && p != nil {
				id = *p
			} else {
				ok = false
			}
		}
	}
	out := make([]Browsable, 0, len(total))
	for _, c := range cats {
		if n := total[c.ID]; n > 0 {
			out = append(out, Browsable{Category: c, Products: n})
		}
	}
	return out, nil
}
