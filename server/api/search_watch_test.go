package api_test

import (
	"context"
	"fmt"
	"path/filepath"
	"slices"
	"sync"
	"testing"
	"time"

	"wemart/search"
	"wemart/server/app"
	"wemart/server/config"
)

// watchedEngine is the real embedded search engine of a harness, with a
// record of what the indexer (the code under test) gave its indexes: the
// last synonym groups, and the last document of each product.
type watchedEngine struct {
	search.Engine

	mu           sync.Mutex
	synonymCalls int
	synonyms     [][]string
	docs         map[int]search.Document
}

// use is the harness option that makes e the app's search engine.
func (e *watchedEngine) use(cfg *config.Config, o *app.Options) {
	e.Engine = search.NewEmbedded(filepath.Join(cfg.DataDir, "search"))
	o.SearchEngine = e
}

// Open opens the real generation and watches it.
func (e *watchedEngine) Open(ctx context.Context, gen int64) (search.Index, bool, error) {
	idx, created, err := e.Engine.Open(ctx, gen)
	if err != nil {
		return nil, false, err
	}
	return &watchedIndex{Index: idx, e: e}, created, nil
}

type watchedIndex struct {
	search.Index
	e *watchedEngine
}

// SetSynonyms records groups and hands them to the real index.
func (x *watchedIndex) SetSynonyms(ctx context.Context, groups [][]string) error {
	x.e.mu.Lock()
	x.e.synonymCalls++
	x.e.synonyms = groups
	x.e.mu.Unlock()
	return x.Index.SetSynonyms(ctx, groups)
}

// Upsert records docs and hands them to the real index.
func (x *watchedIndex) Upsert(ctx context.Context, docs []search.Document) error {
	x.e.mu.Lock()
	if x.e.docs == nil {
		x.e.docs = map[int]search.Document{}
	}
	for _, d := range docs {
		x.e.docs[d.ID] = d
	}
	x.e.mu.Unlock()
	return x.Index.Upsert(ctx, docs)
}

// waitSynonyms waits (10 s at most) until the index was last given
// exactly want.
func (e *watchedEngine) waitSynonyms(t *testing.T, want ...[]string) {
	t.Helper()
	e.until(t, func() bool {
		return e.synonymCalls > 0 && slices.EqualFunc(e.synonyms, want, slices.Equal[[]string])
	}, func() string {
		return fmt.Sprintf("the index was last given the synonyms %q (%d calls), want %q", e.synonyms, e.synonymCalls, want)
	})
}

// waitDoc waits (10 s at most) until the index holds a document of product
// id that ok accepts, and returns it.
func (e *watchedEngine) waitDoc(t *testing.T, id int, ok func(search.Document) bool) search.Document {
	t.Helper()
	e.until(t, func() bool {
		d, found := e.docs[id]
		return found && ok(d)
	}, func() string { return fmt.Sprintf("product %d's document in the index: %+v", id, e.docs[id]) })
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.docs[id]
}

// until polls cond, under e's lock, for 10 s at most; then fails saying
// what describe (under the lock too) says.
func (e *watchedEngine) until(t *testing.T, cond func() bool, describe func() string) {
	t.Helper()
	locked := func(f func() bool) bool {
		e.mu.Lock()
		defer e.mu.Unlock()
		return f()
	}
	deadline := time.Now().Add(10 * time.Second)
	for !locked(cond) {
		if time.Now().After(deadline) {
			var msg string
			locked(func() bool { msg = describe(); return true })
			t.Fatal(msg)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
