package search

import (
	"context"
	"fmt"
	"testing"

	"github.com/blevesearch/bleve/v2"
	bsearch "github.com/blevesearch/bleve/v2/search"
	"github.com/blevesearch/bleve/v2/search/query"
	index "github.com/blevesearch/bleve_index_api"

	"wemart/search/analysis"
)

// plain is q with the lean queries replaced by the bleve queries they
// stand for: what the words' queries were before them.
func plain(t *testing.T, q query.Query) query.Query {
	t.Helper()
	switch q := q.(type) {
	case lean:
		return q.Query
	case leanMatch:
		m := bleve.NewMatchQuery(q.text)
		m.SetField(q.field)
		m.Analyzer = q.analyzer
		m.SetOperator(query.MatchQueryOperatorAnd)
		m.SetBoost(q.boost)
		return m
	case *query.DisjunctionQuery:
		out := make([]query.Query, len(q.Disjuncts))
		for i, d := range q.Disjuncts {
			out[i] = plain(t, d)
		}
		d := bleve.NewDisjunctionQuery(out...)
		d.Min = q.Min
		return d
	case *query.ConjunctionQuery:
		out := make([]query.Query, len(q.Conjuncts))
		for i, c := range q.Conjuncts {
			out[i] = plain(t, c)
		}
		return bleve.NewConjunctionQuery(out...)
	case *query.BooleanQuery:
		b := bleve.NewBooleanQuery()
		if q.Must != nil {
			b.AddMust(plain(t, q.Must).(*query.ConjunctionQuery).Conjuncts...)
		}
		if q.Should != nil {
			s := plain(t, q.Should).(*query.DisjunctionQuery)
			b.AddShould(s.Disjuncts...)
			b.SetMinShould(q.Should.(*query.DisjunctionQuery).Min)
		}
		if q.MustNot != nil {
			b.AddMustNot(plain(t, q.MustNot).(*query.DisjunctionQuery).Disjuncts...)
		}
		return b
	case *query.TermQuery, *query.MatchQuery, *query.FuzzyQuery, *query.PrefixQuery:
		return q
	}
	t.Fatalf("plain: query %T not handled", q)
	return nil
}

// openReader opens a reader of x's index, closed when the test ends.
func openReader(t *testing.T, x *embeddedIndex) index.IndexReader {
	t.Helper()
	adv, err := x.idx.Advanced()
	if err != nil {
		t.Fatal(err)
	}
	reader, err := adv.Reader()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = reader.Close() })
	return reader
}

// matches runs q over the index, scored, and lists each match's document
// number and score in the order found.
func matches(t *testing.T, x *embeddedIndex, q query.Query, scored bool) []string {
	t.Helper()
	ctx := context.Background()
	reader := openReader(t, x)
	opts := bsearch.SearcherOptions{Score: "none"}
	if scored {
		opts.Score = ""
	}
	s, err := q.Searcher(ctx, reader, x.idx.Mapping(), opts)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	sctx := &bsearch.SearchContext{DocumentMatchPool: bsearch.NewDocumentMatchPool(s.DocumentMatchPoolSize(), 0), IndexReader: reader}
	var out []string
	for {
		dm, err := s.Next(sctx)
		if err != nil {
			t.Fatal(err)
		}
		if dm == nil {
			return out
		}
		if !scored {
			dm.Score = 0
		}
		out = append(out, fmt.Sprintf("%x:%v", []byte(dm.IndexInternalID), dm.Score))
		sctx.DocumentMatchPool.Put(dm)
	}
}

// TestLeanQueriesScoreAsBleves: the words' queries find the same documents
// with the very same scores as bleve's own term, fuzzy and match queries
// would, in every pass and with terms that only some segments (or none)
// have.
func TestLeanQueriesScoreAsBleves(t *testing.T) {
	ctx := context.Background()
	idx, _, err := NewEmbedded(t.TempDir()).Open(ctx, 1)
	if err != nil {
		t.Fatal(err)
	}
	defer idx.Close()
	// Several batches: several segments, a term in some of them only.
	for _, docs := range [][]Document{shelf[:4], catalogue, shelf[4:]} {
		if err := idx.Upsert(ctx, docs); err != nil {
			t.Fatal(err)
		}
	}
	if err := idx.SetSynonyms(ctx, shelfSynonyms); err != nil {
		t.Fatal(err)
	}
	x := idx.(*embeddedIndex)
	texts := []string{"牛奶", "光明牛奶", "鲜牛奶", "康帅傅", "康师父", "牛乃", "shampo", "niunai", "guangming niunai",
		"gmnn", "光明nn", "可乐 500ml", "泡面", "cola", "milk", "Milks", "oatly 燕麦", "coca cola", "巧克力 dove",
		"咖啡 牛肉", "chocolat", "nothingatall", "Organic 有机牛奶", "fresh milk", "奶"}
	compared := 0
	for _, text := range texts {
		words := analysis.Parse(text, x.synonyms.Load())
		for _, p := range passes(words) {
			kept := p.kept(words)
			if len(kept) == 0 {
				continue
			}
			leanQ := x.wordsQuery(kept, p.Tolerant)
			plainQ := plain(t, leanQ)
			for _, scored := range []bool{true, false} {
				got, want := matches(t, x, leanQ, scored), matches(t, x, plainQ, scored)
				if fmt.Sprint(got) != fmt.Sprint(want) {
					t.Errorf("%q pass %+v scored %v:\n got %v\nwant %v", text, p, scored, got, want)
				}
				compared += len(want)
			}
		}
	}
	if compared < 50 {
		t.Fatalf("only %d matches compared: the sample finds too little", compared)
	}
}
