package indexer

import (
	"context"

	"wemart/ent"
	"wemart/ent/product"
	"wemart/ent/sku"
	"wemart/ent/stock"
	"wemart/ent/store"
	"wemart/search"
	"wemart/server/media"
)

// documents builds the search documents of products ids from the database:
// the listed ones with live SKUs become documents, the others (unlisted,
// deleted, without SKUs) are returned as ids to delete from the index.
func documents(ctx context.Context, client *ent.Client, ids []int) ([]search.Document, []int, error) {
	products, err := client.Product.Query().Where(product.IDIn(ids...)).
		WithSkus(func(q *ent.SkuQuery) {
			q.Where(sku.DeletedAtIsNil()).Order(ent.Asc(sku.FieldSort), ent.Asc(sku.FieldID))
		}).All(ctx)
	if err != nil {
		return nil, nil, err
	}
	found := map[int]bool{}
	var skuIDs []int
	for _, p := range products {
		found[p.ID] = true
		for _, k := range p.Edges.Skus {
			skuIDs = append(skuIDs, k.ID)
		}
	}
	// Where each SKU is available: one query for the whole batch.
	storesOf := map[int][]int{} // sku → stores
	for start := 0; start < len(skuIDs); start += 500 {
		var rows []struct {
			SkuID   int `json:"sku_id"`
			StoreID int `json:"store_id"`
		}
		err := client.Stock.Query().
			Where(stock.SkuIDIn(skuIDs[start:min(start+500, len(skuIDs))]...), availablePositive(),
				stock.HasStoreWith(store.DeletedAtIsNil())).
			Select(stock.FieldSkuID, stock.FieldStoreID).Scan(ctx, &rows)
		if err != nil {
			return nil, nil, err
		}
		for _, r := range rows {
			storesOf[r.SkuID] = append(storesOf[r.SkuID], r.StoreID)
		}
	}
	var docs []search.Document
	var gone []int
	for _, id := range ids {
		if !found[id] {
			gone = append(gone, id)
		}
	}
	for _, p := range products {
		if p.DeletedAt != nil || p.Status != product.StatusListed || len(p.Edges.Skus) == 0 {
			gone = append(gone, p.ID)
			continue
		}
		docs = append(docs, documentOf(p, storesOf))
	}
	return docs, gone, nil
}

func documentOf(p *ent.Product, storesOf map[int][]int) search.Document {
	d := search.Document{ID: p.ID, Title: p.Title, Subtitle: p.Subtitle, Sales: p.Sales,
		Aliases: p.Aliases, Skus: make([]string, 0, len(p.Edges.Skus)), Stores: []int{}}
	if d.Aliases == nil {
		d.Aliases = []string{}
	}
	if p.CategoryID != nil {
		d.CategoryID = *p.CategoryID
	}
	// The main picture as a reference (a media key or a URL): the API
	// makes it a URL, so a new WEMART_MEDIA_URL needs no reindex.
	d.Image = media.ProductRef(p.ImageKey, p.Images)
	seen := map[int]bool{}
	for i, k := range p.Edges.Skus {
		d.Skus = append(d.Skus, k.Name)
		if i == 0 || k.PriceFen < d.PriceMinFen {
			d.PriceMinFen = k.PriceFen
		}
		if k.PriceFen > d.PriceMaxFen {
			d.PriceMaxFen = k.PriceFen
		}
		for _, s := range storesOf[k.ID] {
			if !seen[s] {
				seen[s] = true
				d.Stores = append(d.Stores, s)
			}
		}
	}
	return d
}
