package api

import (
	"context"
	"sync"
	"time"

	"wemart/search"
)

// What a search that matched nothing offers.
const (
	// fallbackSize is how many products it offers.
	fallbackSize = 10
	// fallbackPool is how many best sellers it picks them from, a few of
	// each category rather than ten of the best-selling one.
	fallbackPool = 60
	// fallbackFresh is how long the choice is kept: it sorts everything
	// available at the store by sales, tens of milliseconds at 100,000
	// products, for answers that change slowly.
	fallbackFresh = time.Minute
)

// popularKey is what the choice depends on.
type popularKey struct {
	store, category int
	min, max        int64
}

type popularEntry struct {
	ids []int
	at  time.Time
}

// popularCache keeps the products offered when nothing matched, by store,
// category and price bounds (ids only: prices and availability are read
// afresh every time).
type popularCache struct {
	mu sync.Mutex
	m  map[popularKey]popularEntry
}

func (c *popularCache) get(k popularKey) ([]int, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.m[k]
	return e.ids, ok && time.Since(e.at) < fallbackFresh
}

func (c *popularCache) put(k popularKey, ids []int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.m == nil || len(c.m) > 10000 { // bounded: start over rather than grow
		c.m = map[popularKey]popularEntry{}
	}
	c.m[k] = popularEntry{ids: ids, at: time.Now()}
}

// fallback answers a search that matched nothing with products worth
// looking at instead: best sellers available at the store, in the category
// and the price bounds asked, a few from each category (first page only),
// so the shopper still has somewhere to go. The answer says match "none",
// total 0.
func (h *searchAPI) fallback(ctx context.Context, q search.Query, storeID int) (search.Result, error) {
	none := search.Result{Hits: []search.Hit{}, Match: search.MatchNone}
	if q.Offset > 0 {
		return none, nil
	}
	key := popularKey{storeID, q.CategoryID, q.MinPriceFen, q.MaxPriceFen}
	ids, ok := h.popular.get(key)
	if !ok {
		pool := search.Query{CategoryID: q.CategoryID, InStockAt: storeID, MinPriceFen: q.MinPriceFen,
			MaxPriceFen: q.MaxPriceFen, Sort: search.SortSales, Limit: fallbackPool}
		res, err := h.searchAt(ctx, pool, storeID)
		if err != nil {
			return search.Result{}, err
		}
		ids = spread(res.Hits, fallbackSize)
		h.popular.put(key, ids)
	}
	if len(ids) == 0 {
		return none, nil
	}
	// The chosen products as they are now (prices at the store).
	res, err := h.searchAt(ctx, search.Query{OnlyIDs: ids, MinPriceFen: -1, MaxPriceFen: -1,
		Sort: search.SortSales, Limit: len(ids)}, storeID)
	if err != nil {
		return search.Result{}, err
	}
	byID := map[int]search.Hit{}
	for _, hit := range res.Hits {
		byID[hit.ID] = hit
	}
	for _, id := range ids {
		if hit, ok := byID[id]; ok && len(none.Hits) < q.Limit {
			none.Hits = append(none.Hits, hit)
		}
	}
	return none, nil
}

// spread picks n of hits (best sellers first) taking each category in turn:
// the best seller of each category, then the second of each, and so on.
func spread(hits []search.Hit, n int) []int {
	var order []int
	byCat := map[int][]search.Hit{}
	for _, hit := range hits {
		if _, ok := byCat[hit.CategoryID]; !ok {
			order = append(order, hit.CategoryID)
		}
		byCat[hit.CategoryID] = append(byCat[hit.CategoryID], hit)
	}
	var out []int
	for round := 0; len(out) < n; round++ {
		took := false
		for _, c := range order {
			if round < len(byCat[c]) && len(out) < n {
				out = append(out, byCat[c][round].ID)
				took = true
			}
		}
		if !took {
			break
		}
	}
	return out
}
