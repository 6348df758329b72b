package search

import (
	"context"
	"slices"
	"sync"
)

// maxBrowseEntries bounds a browse cache: past it, it starts over.
const maxBrowseEntries = 4096

// Browsing wraps an engine so that each index it opens keeps the answers to
// browse queries — no text, no id lists: a store's catalogue page, a
// category, a price band, in stock — until the index next changes. Every
// shopper opens the same first pages, and listing everything by sales with
// facets reads every document; the answer only changes when the index does.
//
// An answer is exactly as fresh as the index: any Upsert, Delete or
// SetSynonyms on the index drops every kept answer, and an answer computed
// while the index changed is never kept. This holds for the embedded engine,
// whose index only this process writes (a second process cannot open it).
// A Meilisearch index is shared by the fleet and changed by whichever
// process drains the outbox, unseen here: Browsing returns such an engine
// as it is.
func Browsing(e Engine) Engine {
	if _, ok := e.(*Embedded); !ok {
		return e
	}
	return browsingEngine{e}
}

type browsingEngine struct{ Engine }

// Open opens generation gen with a browse cache of its own.
func (b browsingEngine) Open(ctx context.Context, gen int64) (Index, bool, error) {
	idx, created, err := b.Engine.Open(ctx, gen)
	if err != nil {
		return nil, created, err
	}
	return &browseIndex{Index: idx, kept: map[browseKey]*browseCall{}}, created, nil
}

// browseKey is what a browse answer depends on besides the index.
type browseKey struct {
	category, inStockAt int
	minFen, maxFen      int64
	lean                bool
	sort                string
	offset, limit       int
}

// browseCall is an answer, or one being computed (done not yet closed).
type browseCall struct {
	epoch uint64
	done  chan struct{}
	res   Result
	err   error
}

// browseIndex is an index whose browse answers are kept until it changes.
type browseIndex struct {
	Index
	mu    sync.Mutex
	epoch uint64 // bumped by every change
	kept  map[browseKey]*browseCall
}

// browsable reports whether q's answer depends on nothing but its key and
// the index.
func browsable(q Query) bool {
	return q.Text == "" && q.OnlyIDs == nil && q.Repriced == nil && q.RepricedMatch == nil && q.pass == nil && !q.probe
}

// Search answers a browse query from the cache (computing it once for
// everyone asking meanwhile), any other query from the index.
func (x *browseIndex) Search(ctx context.Context, q Query) (Result, error) {
	if !browsable(q) {
		return x.Index.Search(ctx, q)
	}
	k := browseKey{q.CategoryID, q.InStockAt, q.MinPriceFen, q.MaxPriceFen, q.Lean, q.Sort, q.Offset, q.Limit}
	x.mu.Lock()
	c, ok := x.kept[k]
	if !ok || c.epoch != x.epoch {
		if len(x.kept) >= maxBrowseEntries {
			clear(x.kept)
		}
		c = &browseCall{epoch: x.epoch, done: make(chan struct{})}
		x.kept[k] = c
		x.mu.Unlock()
		c.res, c.err = x.Index.Search(ctx, q)
		close(c.done)
		if c.err != nil {
			x.forget(k, c)
		}
		return c.res.clone(), c.err
	}
	x.mu.Unlock()
	select {
	case <-c.done:
	case <-ctx.Done():
		return Result{}, ctx.Err()
	}
	if c.err != nil {
		// The search that computed it failed (its own context, say):
		// this one asks the index itself.
		return x.Index.Search(ctx, q)
	}
	return c.res.clone(), nil
}

// forget drops c unless a newer answer took its place.
func (x *browseIndex) forget(k browseKey, c *browseCall) {
	x.mu.Lock()
	defer x.mu.Unlock()
	if x.kept[k] == c {
		delete(x.kept, k)
	}
}

// changed drops every kept answer: those computed before now no longer
// match the index, and those being computed may not.
func (x *browseIndex) changed() {
	x.mu.Lock()
	defer x.mu.Unlock()
	x.epoch++
	clear(x.kept)
}

// Upsert implements Index.
func (x *browseIndex) Upsert(ctx context.Context, docs []Document) error {
	defer x.changed()
	return x.Index.Upsert(ctx, docs)
}

// Delete implements Index.
func (x *browseIndex) Delete(ctx context.Context, ids []int) error {
	defer x.changed()
	return x.Index.Delete(ctx, ids)
}

// SetSynonyms implements Index (synonyms only matter to text, which a
// browse query has none of; dropped all the same, to be plain).
func (x *browseIndex) SetSynonyms(ctx context.Context, groups [][]string) error {
	defer x.changed()
	return x.Index.SetSynonyms(ctx, groups)
}

// clone copies r's slices, which callers may change (re-pricing hits).
func (r Result) clone() Result {
	r.Hits = slices.Clone(r.Hits)
	r.Categories = slices.Clone(r.Categories)
	r.Ignored = slices.Clone(r.Ignored)
	return r
}
