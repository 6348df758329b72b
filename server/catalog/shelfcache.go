package catalog

import (
	"sync"

	"wemart/server/shelfver"
)

// maxShelves bounds the shelves a process keeps: a listing page holds 20,
// shoppers browse a small part of a chain's catalogue, and a full cache is
// emptied and filled again from the pages still asked for.
const maxShelves = 200_000

// shelfKey is a product at a store (0: no store).
type shelfKey struct{ store, product int }

// keptShelf is a shelf as read under version v; nil: the product is not
// shown (unlisted, deleted, or no such product).
type keptShelf struct {
	v     shelfver.Version
	shelf *Shelf
}

// shelfCache keeps shelves per process. An entry answers only while the
// versions read at the start of a request are the ones it was read under:
// every write that changes a shelf moves one of them in its transaction.
type shelfCache struct {
	mu sync.RWMutex
	m  map[shelfKey]keptShelf
}

func newShelfCache() *shelfCache { return &shelfCache{m: map[shelfKey]keptShelf{}} }

// get puts into out the shelves of ids at store kept under v and returns
// the ids it has none for.
func (c *shelfCache) get(store int, v shelfver.Version, ids []int, out map[int]*Shelf) (missing []int) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	for _, id := range ids {
		k, ok := c.m[shelfKey{store, id}]
		switch {
		case !ok || k.v != v:
			missing = append(missing, id)
		case k.shelf != nil:
			out[id] = k.shelf
		}
	}
	return missing
}

// put keeps, under v, the shelves read of ids (those absent from read are
// not shown).
func (c *shelfCache) put(store int, v shelfver.Version, ids []int, read map[int]*Shelf) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.m)+len(ids) > maxShelves {
		clear(c.m)
	}
	for _, id := range ids {
		c.m[shelfKey{store, id}] = keptShelf{v: v, shelf: read[id]}
	}
}
