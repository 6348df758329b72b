package search

import (
	"context"
	"fmt"
	"math/rand/v2"
	"reflect"
	"slices"
	"testing"
)

// TestMergePage: the page of two merged price-ordered streams, one given
// whole and the other only from where the page can be reached, is the page
// of the fully merged order, for every offset and limit (checked against
// sorting both streams together).
func TestMergePage(t *testing.T) {
	rnd := rand.New(rand.NewPCG(1, 2))
	for round := range 3000 {
		desc := round%2 == 1
		var rest, theirs []Hit
		id := 0
		for range rnd.IntN(40) {
			id++
			rest = append(rest, Hit{ID: id, PriceMinFen: int64(rnd.IntN(20))})
		}
		for range rnd.IntN(12) {
			id++
			theirs = append(theirs, Hit{ID: id, PriceMinFen: int64(rnd.IntN(20))})
		}
		order := func(a, b Hit) int { return priceOrder(a, b, desc) }
		slices.SortFunc(rest, order)
		slices.SortFunc(theirs, order)
		all := slices.SortedFunc(slices.Values(slices.Concat(rest, theirs)), order)
		offset, limit := rnd.IntN(60), 1+rnd.IntN(10)
		want := all[min(offset, len(all)):min(offset+limit, len(all))]

		from := max(0, offset-len(theirs))
		window := rest[min(from, len(rest)):min(offset+limit, len(rest))]
		if len(window) == 0 && from > 0 {
			from, window = 0, rest // what Repriced does when the page is past the other stream's end
		}
		got := mergePage(window, from, theirs, offset, limit, desc)
		if !reflect.DeepEqual(idsOf(got), idsOf(want)) {
			t.Fatalf("round %d (desc %v, offset %d, limit %d, from %d):\nrest   %v\ntheirs %v\ngot  %v\nwant %v",
				round, desc, offset, limit, from, rest, theirs, idsOf(got), idsOf(want))
		}
	}
}

func idsOf(hits []Hit) []int {
	out := make([]int, len(hits))
	for i, h := range hits {
		out[i] = h.ID
	}
	return out
}

// TestRepricedIsExact: searching an index of chain prices with a store's own
// prices (Repriced) answers what an index holding the store's prices would:
// the same hits in the same order, page by page, the same total and facets,
// for random catalogues, store prices and queries (text, category, stock,
// price bounds, every sort, deep pages), on the embedded engine.
func TestRepricedIsExact(t *testing.T) {
	ctx := context.Background()
	rnd := rand.New(rand.NewPCG(7, 11))
	words := []string{"牛奶", "面包", "可乐", "巧克力", "apple", "juice"}
	var chain, atStore []Document
	own := map[int]PriceRange{}
	for id := 1; id <= 400; id++ {
		lo := int64(100 * (1 + rnd.IntN(50)))
		d := Document{ID: id, Title: fmt.Sprintf("%s %s %d", words[rnd.IntN(len(words))], words[rnd.IntN(len(words))], id),
			CategoryID: 1 + rnd.IntN(5), PriceMinFen: lo, PriceMaxFen: lo + int64(100*rnd.IntN(10)),
			Sales: int64(rnd.IntN(30)), Stores: []int{}}
		if rnd.IntN(2) == 0 {
			d.Stores = []int{1}
		}
		chain = append(chain, d)
		if rnd.IntN(8) == 0 { // the store prices one product in eight its own way
			sl := int64(100 * (1 + rnd.IntN(50)))
			own[id] = PriceRange{MinFen: sl, MaxFen: sl + int64(100*rnd.IntN(5))}
			d.PriceMinFen, d.PriceMaxFen = own[id].MinFen, own[id].MaxFen
		}
		atStore = append(atStore, d)
	}
	open := func(docs []Document) Index {
		idx, _, err := NewEmbedded(t.TempDir()).Open(ctx, 1)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { idx.Close() })
		if err := idx.Upsert(ctx, docs); err != nil {
			t.Fatal(err)
		}
		return idx
	}
	chainIdx, truthIdx := open(chain), open(atStore)

	for round := range 400 {
		q := Query{MinPriceFen: -1, MaxPriceFen: -1, Sort: Sorts[rnd.IntN(len(Sorts))], Limit: 1 + rnd.IntN(20)}
		q.Offset = q.Limit * rnd.IntN(8)
		if rnd.IntN(3) == 0 {
			q.Text = words[rnd.IntN(len(words))]
		}
		if rnd.IntN(3) == 0 {
			q.CategoryID = 1 + rnd.IntN(5)
		}
		if rnd.IntN(3) == 0 {
			q.InStockAt = 1
		}
		if rnd.IntN(2) == 0 {
			q.MinPriceFen = int64(100 * rnd.IntN(40))
		}
		if rnd.IntN(2) == 0 {
			q.MaxPriceFen = q.MinPriceFen + int64(100*rnd.IntN(40))
		}
		if rnd.IntN(4) == 0 {
			q.Offset = rnd.IntN(120) // not a multiple of the page size
		}
		relevance := q.Sort == SortRelevance && q.Text != ""
		if relevance {
			// Scores differ (the bounds score in a plain index, not when
			// repricing): compare the whole result as a set.
			q.Offset, q.Limit = 0, 1000
		}
		want, err := truthIdx.Search(ctx, q)
		if err != nil {
			t.Fatal(err)
		}
		got, err := Repriced(ctx, chainIdx, q, own)
		if err != nil {
			t.Fatal(err)
		}
		gotIDs, wantIDs := idsOf(got.Hits), idsOf(want.Hits)
		if relevance {
			slices.Sort(gotIDs)
			slices.Sort(wantIDs)
		}
		if !reflect.DeepEqual(gotIDs, wantIDs) || got.Total != want.Total || !reflect.DeepEqual(got.Categories, want.Categories) {
			t.Fatalf("round %d, %+v:\ngot  %v total %d facets %v\nwant %v total %d facets %v",
				round, q, gotIDs, got.Total, got.Categories, wantIDs, want.Total, want.Categories)
		}
		for i, h := range got.Hits {
			if w := want.Hits[slices.IndexFunc(want.Hits, func(x Hit) bool { return x.ID == h.ID })]; h != w {
				t.Fatalf("round %d, %+v: hit %d is\n%+v, want\n%+v", round, q, i, h, w)
			}
		}
	}
}

// TestRepricedWithoutOwnPricesIsThePlainSearch: a store without prices of
// its own searches exactly as before (one query, nothing re-priced).
func TestRepricedWithoutOwnPricesIsThePlainSearch(t *testing.T) {
	idx := mustIndex(t)
	ctx := context.Background()
	qq := q("")
	qq.Sort, qq.MinPriceFen = SortPriceAsc, 1000
	want, err := idx.Search(ctx, qq)
	if err != nil {
		t.Fatal(err)
	}
	got, err := Repriced(ctx, idx, qq, nil)
	if err != nil || !reflect.DeepEqual(got, want) {
		t.Fatalf("got %+v, %v; want %+v", got, err, want)
	}
}
