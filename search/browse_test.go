package search

import (
	"context"
	"fmt"
	"sync"
	"testing"
)

func browsingIndex(t *testing.T) Index {
	t.Helper()
	e := Browsing(NewEmbedded(t.TempDir()))
	if _, ok := e.(browsingEngine); !ok {
		t.Fatalf("the embedded engine is not wrapped: %T", e)
	}
	idx, _, err := e.Open(context.Background(), 1)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { idx.Close() })
	if err := idx.Upsert(context.Background(), catalogue); err != nil {
		t.Fatal(err)
	}
	return idx
}

// TestBrowsingFollowsChanges: a browse answer is kept (and changing what
// it returned changes nothing kept), and every change to the index is seen
// by the next browse.
func TestBrowsingFollowsChanges(t *testing.T) {
	ctx := context.Background()
	idx := browsingIndex(t)
	bi := idx.(*browseIndex)
	browse := func(store int) Result {
		t.Helper()
		r, err := idx.Search(ctx, Query{InStockAt: store, MinPriceFen: -1, MaxPriceFen: -1, Sort: SortSales, Limit: 3})
		if err != nil {
			t.Fatal(err)
		}
		return r
	}
	first := browse(0)
	if ids(first) != "5,2,7" || first.Total != 8 {
		t.Fatalf("by sales: %s (%d)", ids(first), first.Total)
	}
	first.Hits[0].PriceMinFen = 1 // a caller re-pricing its copy
	if again := browse(0); ids(again) != "5,2,7" || again.Hits[0].PriceMinFen != 790 {
		t.Fatalf("again: %s, price %d", ids(again), again.Hits[0].PriceMinFen)
	}
	if len(bi.kept) != 1 {
		t.Fatalf("%d answers kept, want 1", len(bi.kept))
	}
	if r := browse(1); ids(r) != "5,7,1" {
		t.Fatalf("in stock at 1: %s", ids(r))
	}
	// Text searches are not kept.
	if _, err := idx.Search(ctx, q("牛奶")); err != nil {
		t.Fatal(err)
	}
	if len(bi.kept) != 2 {
		t.Fatalf("%d answers kept, want 2", len(bi.kept))
	}

	// A product sells: the order changes at once.
	up := catalogue[7]
	up.Sales = 5000
	if err := idx.Upsert(ctx, []Document{up}); err != nil {
		t.Fatal(err)
	}
	if r := browse(0); ids(r) != "8,5,2" {
		t.Fatalf("after an upsert: %s", ids(r))
	}
	if err := idx.Delete(ctx, []int{8, 5}); err != nil {
		t.Fatal(err)
	}
	if r := browse(0); ids(r) != "2,7,1" || r.Total != 6 {
		t.Fatalf("after a delete: %s (%d)", ids(r), r.Total)
	}
	// Stock moves are upserts too.
	moved := catalogue[1]
	moved.Stores = []int{1}
	if err := idx.Upsert(ctx, []Document{moved}); err != nil {
		t.Fatal(err)
	}
	if r := browse(1); ids(r) != "2,7,1" {
		t.Fatalf("in stock at 1 after a move: %s", ids(r))
	}
}

// TestBrowsingConcurrent browses from many goroutines while products sell;
// once the last change is in, every browse sees it (run with -race).
func TestBrowsingConcurrent(t *testing.T) {
	ctx := context.Background()
	idx := browsingIndex(t)
	var wg sync.WaitGroup
	stop := make(chan struct{})
	errc := make(chan error, 16)
	for g := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				select {
				case <-stop:
					return
				default:
				}
				r, err := idx.Search(ctx, Query{MinPriceFen: -1, MaxPriceFen: -1, Sort: SortSales, Offset: g % 2, Limit: 4})
				if err != nil || len(r.Hits) != 4 {
					errc <- fmt.Errorf("browse: %d hits, %v", len(r.Hits), err)
					return
				}
				r.Hits[0].Sales = -1 // callers may scribble on their copy
			}
		}()
	}
	for i := range 30 {
		d := catalogue[i%len(catalogue)]
		d.Sales = int64(10000 + i)
		if err := idx.Upsert(ctx, []Document{d}); err != nil {
			t.Fatal(err)
		}
	}
	close(stop)
	wg.Wait()
	close(errc)
	for err := range errc {
		t.Fatal(err)
	}
	// The last upsert (i = 29: product 6 at 10029) leads, then i = 28 (5).
	r, err := idx.Search(ctx, Query{MinPriceFen: -1, MaxPriceFen: -1, Sort: SortSales, Limit: 2})
	if err != nil {
		t.Fatal(err)
	}
	if ids(r) != "6,5" || r.Hits[0].Sales != 10029 {
		t.Fatalf("after the rush: %s (%+v)", ids(r), r.Hits)
	}
}

func TestBrowsingLeavesMeili(t *testing.T) {
	m := NewMeili("http://127.0.0.1:1", "")
	if Browsing(m) != Engine(m) {
		t.Fatal("a Meilisearch engine was wrapped: other processes change its index unseen")
	}
}
