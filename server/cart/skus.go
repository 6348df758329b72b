package cart

import (
	"context"
	"sync"

	"wemart/ent/product"
	"wemart/ent/sku"
	"wemart/server/media"
)

// A cart line shows its SKU and product as the chain has them: the names,
// the chain's price, the main picture, whether it is listed or gone. Those
// change only with the chain's shelf version (package shelfver: every
// write that changes one of them bumps it in its own transaction). A cart
// read takes the version in the same statement as the lines (linesQuery),
// and a process keeps what it read of a SKU under the version it read it
// at: what it read after the version was v holds every write that bumped
// it to v or below, and a write after that moves the version on, so a
// later cart read sees a version nothing is kept under and reads afresh.
// The statement every cart read runs is left with what changes with every
// order: the lines and the store's stock and prices.

// skuInfo is what a cart line shows of its SKU and product (shared: read
// only).
type skuInfo struct {
	// removed: the SKU or its product is deleted, or was never there.
	removed   bool
	productID int
	title     string
	skuName   string
	// image is the product's main picture (media.ProductRef).
	image    string
	chainFen int64
	listed   bool
}

// maxSkus bounds the SKUs a process keeps; past it, it starts afresh.
const maxSkus = 1 << 16

// skuCache keeps skuInfos under the chain's version they were read at.
type skuCache struct {
	mu sync.RWMutex
	m  map[int]keptSku
}

type keptSku struct {
	v    int64
	info *skuInfo
}

// get puts into out what is kept of ids under version v and returns the
// ids it has nothing for (once each).
func (c *skuCache) get(v int64, ids []int, out map[int]*skuInfo) (missing []int) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	for _, id := range ids {
		if _, done := out[id]; done {
			continue
		}
		if k, ok := c.m[id]; ok && k.v == v {
			out[id] = k.info
			continue
		}
		out[id] = nil // asked for once
		missing = append(missing, id)
	}
	return missing
}

// put keeps read under v, but never in place of what a later version kept.
// read may hold more SKUs than the caller missed (a shared read): all of
// them were read after v was, so all may be kept under it.
func (c *skuCache) put(v int64, read map[int]*skuInfo) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.m)+len(read) > maxSkus {
		clear(c.m)
	}
	for id, info := range read {
		if k, ok := c.m[id]; !ok || k.v <= v {
			c.m[id] = keptSku{v: v, info: info}
		}
	}
}

// skuInfos returns what cart lines show of the SKUs ids, as they are at
// the chain's version v or later (v read before this call).
func (s *Service) skuInfos(ctx context.Context, v int64, ids []int) (map[int]*skuInfo, error) {
	out := make(map[int]*skuInfo, len(ids))
	missing := s.skus.get(v, ids, out)
	if len(missing) == 0 {
		return out, nil
	}
	// Right after the version moves, every cart read misses at once: the
	// misses share reads (storage.Batch), as cart reads do.
	read, err := s.skuReads.Get(ctx, struct{}{}, missing)
	if err != nil {
		return nil, err
	}
	s.skus.put(v, read)
	for _, id := range missing {
		out[id] = read[id]
	}
	return out, nil
}

// skuReadsBatch caps the SKUs of one shared read of SKUs (a cart has at
// most MaxLines).
const skuReadsBatch = 256

// readSkus reads what cart lines show of the SKUs ids from the database;
// every id has an answer (removed if it is not there). ids may repeat.
func (s *Service) readSkus(ctx context.Context, _ struct{}, ids []int) (map[int]*skuInfo, error) {
	ks, err := s.client.Sku.Query().Where(sku.IDIn(ids...)).WithProduct().All(ctx)
	if err != nil {
		return nil, err
	}
	out := make(map[int]*skuInfo, len(ids))
	for _, id := range ids {
		out[id] = &skuInfo{removed: true}
	}
	for _, k := range ks {
		p := k.Edges.Product
		if k.DeletedAt != nil || p == nil || p.DeletedAt != nil {
			continue
		}
		out[k.ID] = &skuInfo{productID: p.ID, title: p.Title, skuName: k.Name, image: media.ProductRef(p.ImageKey, p.Images),
			chainFen: k.PriceFen, listed: p.Status == product.StatusListed}
	}
	return out, nil
}
