package search

import (
	"context"
	"fmt"
	"testing"

	bsearch "github.com/blevesearch/bleve/v2/search"
	index "github.com/blevesearch/bleve_index_api"

	"wemart/search/analysis"
)

// drivenIndex is the shelf and the catalogue in several segments.
func drivenIndex(t *testing.T) *embeddedIndex {
	t.Helper()
	ctx := context.Background()
	idx, _, err := NewEmbedded(t.TempDir()).Open(ctx, 1)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { idx.Close() })
	for _, docs := range [][]Document{shelf[:4], catalogue, shelf[4:]} {
		if err := idx.Upsert(ctx, docs); err != nil {
			t.Fatal(err)
		}
	}
	return idx.(*embeddedIndex)
}

// TestDrivenCollectsAsTheLeapfrog: a scored conjunction driven by its
// unscored documents collects the same page (scores included), total and
// facets as bleve's own leapfrog, with words, filters and omissions.
func TestDrivenCollectsAsTheLeapfrog(t *testing.T) {
	x := drivenIndex(t)
	ctx := context.Background()
	queries := []Query{q("光明 牛奶"), q("牛奶 950ml"), q("可乐 500ml"), q("Organic 有机牛奶"), q("oatly 燕麦"),
		q("巧克力 dove"), q("fresh milk"), q("牛奶"), {Text: "牛奶", CategoryID: 1, InStockAt: 2, MinPriceFen: 1000, MaxPriceFen: 9000, Limit: 20},
		{Text: "牛奶 光明", MinPriceFen: -1, MaxPriceFen: 2000, Limit: 2, Offset: 1}, {Text: "可乐", Repriced: []int{5}, MinPriceFen: -1, MaxPriceFen: -1, Limit: 20}}
	drivenOnce := false
	for _, qq := range queries {
		words := analysis.Parse(qq.Text, nil)
		for _, p := range passes(words) {
			fq := filters(qq, false, x.wordsQuery(p.kept(words), p.Tolerant))
			spec := collectSpec{o: byScore, scored: true, keep: qq.Offset + qq.Limit, offset: qq.Offset, facets: true}
			want, err := x.collect(ctx, fq, spec)
			if err != nil {
				t.Fatal(err)
			}
			ratio, least := driveRatio, minDriven
			driveRatio, minDriven = 1, 0
			got, err := x.collect(ctx, fq, spec)
			driveRatio, minDriven = ratio, least
			if err != nil {
				t.Fatal(err)
			}
			drivenOnce = drivenOnce || drives(fq) && want.total > 0
			if fmt.Sprint(got) != fmt.Sprint(want) {
				t.Errorf("%q pass %+v: driven\n%v\nleapfrog\n%v", qq.Text, p, got, want)
			}
		}
	}
	if !drivenOnce {
		t.Fatal("no query with matches was driven")
	}
}

// TestDrivenSkipsWhatTheScoredSearcherDoesNotMatch: given more documents
// than the query matches (every document), driven still reads exactly the
// scored searcher's matches, once each.
func TestDrivenSkipsWhatTheScoredSearcherDoesNotMatch(t *testing.T) {
	x := drivenIndex(t)
	ctx := context.Background()
	ir := openReader(t, x)
	fq := filters(q("牛奶"), false, x.wordsQuery(analysis.Parse("牛奶", nil), false))
	read := func(m matcher) []string {
		defer m.Close()
		sctx := &bsearch.SearchContext{DocumentMatchPool: bsearch.NewDocumentMatchPool(m.DocumentMatchPoolSize()+1, 0), IndexReader: ir}
		var out []string
		for {
			dm, err := m.Next(sctx)
			if err != nil {
				t.Fatal(err)
			}
			if dm == nil {
				return out
			}
			out = append(out, fmt.Sprintf("%x:%v", []byte(dm.IndexInternalID), dm.Score))
			sctx.DocumentMatchPool.Put(dm)
		}
	}
	plainS, err := fq.Searcher(ctx, ir, x.idx.Mapping(), bsearch.SearcherOptions{})
	if err != nil {
		t.Fatal(err)
	}
	want := read(plainS)
	scored, err := fq.Searcher(ctx, ir, x.idx.Mapping(), bsearch.SearcherOptions{})
	if err != nil {
		t.Fatal(err)
	}
	n, err := ir.DocCount()
	if err != nil {
		t.Fatal(err)
	}
	var every []index.IndexInternalID
	for d := range n + 3 { // document numbers run past the count when some were replaced
		every = append(every, internalID(d))
	}
	got := read(&driven{scored: scored, docs: every})
	if len(want) < 2 || fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("driven over every document: %v, want %v", got, want)
	}
}
