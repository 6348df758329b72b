package indexer_test

import (
	"context"
	"errors"
	"slices"
	"sync"
	"testing"

	"wemart/search"
	"wemart/server/catalog"
	"wemart/server/indexer"
	"wemart/server/storage"
	"wemart/server/storage/storagetest"
	"wemart/server/synonyms"
)

// synonymEngine is the real embedded engine, recording the synonym groups
// each generation's indexes were given; its first fail calls of
// SetSynonyms fail, as a backend that is down would.
type synonymEngine struct {
	search.Engine

	mu    sync.Mutex
	fail  int
	calls map[int64]int
	given map[int64][][]string
}

func (e *synonymEngine) Open(ctx context.Context, gen int64) (search.Index, bool, error) {
	idx, created, err := e.Engine.Open(ctx, gen)
	if err != nil {
		return nil, false, err
	}
	return &synonymIndex{Index: idx, e: e, gen: gen}, created, nil
}

// lastGiven reports the groups generation gen was last given, and how many
// times its indexes were given groups.
func (e *synonymEngine) lastGiven(gen int64) ([][]string, int) {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.given[gen], e.calls[gen]
}

type synonymIndex struct {
	search.Index
	e   *synonymEngine
	gen int64
}

func (x *synonymIndex) SetSynonyms(ctx context.Context, groups [][]string) error {
	x.e.mu.Lock()
	if x.e.fail > 0 {
		x.e.fail--
		x.e.mu.Unlock()
		return errors.New("the search backend refused the synonyms")
	}
	x.e.calls[x.gen]++
	x.e.given[x.gen] = groups
	x.e.mu.Unlock()
	return x.Index.SetSynonyms(ctx, groups)
}

// TestSynonymsReachEveryGeneration: the synonym groups reach the index when
// the service opens it, again after each change, and a rebuild's new
// generation has them before it is published; a backend refusing them is
// no reason not to start, and is asked again on the next poll.
func TestSynonymsReachEveryGeneration(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		ctx := context.Background()
		syn := synonyms.New(db.Client)
		cola, err := syn.Create(ctx, synonyms.Input{Terms: []string{"可乐", "Coke"}})
		if err != nil {
			t.Fatal(err)
		}
		eng := &synonymEngine{Engine: search.NewEmbedded(t.TempDir()), fail: 3,
			calls: map[int64]int{}, given: map[int64][][]string{}}
		s := indexer.New(db, eng, quiet)
		if err := s.Start(ctx); err != nil {
			t.Fatalf("start with the backend refusing synonyms: %v", err)
		}
		defer s.Close()
		mkProducts(t, catalog.New(db.Client), 2, "可乐")
		waitFor(t, "search answers while synonyms are refused", func() bool { return total(t, s, "可乐") == 2 })
		has := func(gen int64, want ...[]string) func() bool {
			return func() bool {
				g, _ := eng.lastGiven(gen)
				return slices.EqualFunc(g, want, slices.Equal[[]string])
			}
		}
		waitFor(t, "generation 1 given the groups after 3 refusals", has(1, []string{"可乐", "coke"}))

		if _, err := syn.Update(ctx, cola.ID, synonyms.Input{Terms: []string{"可乐", "coke", "cola"}}); err != nil {
			t.Fatal(err)
		}
		chips, err := syn.Create(ctx, synonyms.Input{Terms: []string{"薯片", "chips"}})
		if err != nil {
			t.Fatal(err)
		}
		waitFor(t, "generation 1 given the changed groups", has(1, []string{"可乐", "coke", "cola"}, chips.Terms))

		gen, err := indexer.Reindex(ctx, db, eng, quiet, nil)
		if err != nil {
			t.Fatal(err)
		}
		// Reindex gave the groups once before publishing; the running
		// service may already have opened the published generation and
		// given them again (a second call), never more.
		if g, calls := eng.lastGiven(gen); calls < 1 || calls > 2 || len(g) != 2 {
			t.Fatalf("generation %d published after %d calls giving %q", gen, calls, g)
		}
		// The service opens the new generation, and gives it the groups
		// again (the embedded backend keeps them in the open index).
		waitFor(t, "the new generation opened and given the groups", func() bool {
			_, calls := eng.lastGiven(gen)
			return calls == 2
		})
		if err := syn.Delete(ctx, cola.ID); err != nil {
			t.Fatal(err)
		}
		waitFor(t, "the new generation given the groups left", has(gen, chips.Terms))
	})
}
