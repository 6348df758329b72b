package search

import (
	"context"
	"fmt"

	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/mapping"
	bsearch "github.com/blevesearch/bleve/v2/search"
	"github.com/blevesearch/bleve/v2/search/query"
	"github.com/blevesearch/bleve/v2/search/searcher"
	index "github.com/blevesearch/bleve_index_api"
)

// Words are looked for in many ways at once (wordQuery: four text fields,
// synonyms, pinyin, initials, typos), and most of those ways find nothing
// in a given catalogue: no product has aliases or SKU names with the word,
// no title has it as pinyin. bleve still asks such an empty searcher for
// its next match every time its disjunction is advanced, and scorch's
// reader then walks every segment of the index (a million products are a
// score of segments) to find nothing again: at 1M products that was a third
// of a two-word query's time. The queries here are bleve's term and match
// queries whose searchers, when a term is in no document, are built as
// bleve builds them (the same weights, the same number of clauses for the
// disjunction's coordination factor: the same scores) but answer "no more
// matches" at once.

// lean is a query (a term, fuzzy or prefix one) whose searcher, when it
// comes down to one term in no document, knows it.
type lean struct{ query.Query }

// Searcher implements query.Query.
func (q lean) Searcher(ctx context.Context, i index.IndexReader, m mapping.IndexMapping, o bsearch.SearcherOptions) (bsearch.Searcher, error) {
	s, err := q.Query.Searcher(ctx, i, m, o)
	if err != nil {
		return nil, err
	}
	return leanSearcher(s), nil
}

// leanSearcher is s, or, when s is a term searcher that can match nothing,
// s answering so at once.
func leanSearcher(s bsearch.Searcher) bsearch.Searcher {
	if t, ok := s.(*searcher.TermSearcher); ok && t.Count() == 0 {
		return emptyTerm{t}
	}
	return s
}

// emptyTerm is a term searcher over a term no document has: it weighs and
// optimises as the term searcher it is (so scores and bleve's bitmap
// optimisations stay the same) and never reads its postings.
type emptyTerm struct{ *searcher.TermSearcher }

// Next implements search.Searcher: there is none.
func (emptyTerm) Next(*bsearch.SearchContext) (*bsearch.DocumentMatch, error) { return nil, nil }

// Advance implements search.Searcher: there is none.
func (emptyTerm) Advance(*bsearch.SearchContext, index.IndexInternalID) (*bsearch.DocumentMatch, error) {
	return nil, nil
}

// leanMatch is a match query with every token required (what matchAll
// asked bleve for), built from lean terms; when one of its terms is in no
// document, the whole conjunction answers at once that it matches nothing
// (bleve would otherwise advance its other terms for every candidate).
type leanMatch struct {
	field, text, analyzer string
	boost                 float64
}

// Searcher implements query.Query as bleve's MatchQuery does with
// MatchQueryOperatorAnd: a conjunction of the analysed tokens' term
// searchers, each with the match's boost; no tokens match nothing.
func (q leanMatch) Searcher(ctx context.Context, i index.IndexReader, m mapping.IndexMapping, o bsearch.SearcherOptions) (bsearch.Searcher, error) {
	a := m.AnalyzerNamed(q.analyzer)
	if a == nil {
		return nil, fmt.Errorf("no analyzer named %q registered", q.analyzer)
	}
	tokens := a.Analyze([]byte(q.text))
	if len(tokens) == 0 {
		return searcher.NewMatchNoneSearcher(i)
	}
	if len(tokens) == 1 {
		// A conjunction of one scores, weighs and locates as its term does.
		tq := bleve.NewTermQuery(string(tokens[0].Term))
		tq.SetField(q.field)
		tq.SetBoost(q.boost)
		return lean{tq}.Searcher(ctx, i, m, o)
	}
	terms := make([]bsearch.Searcher, 0, len(tokens))
	empty := false
	for _, t := range tokens {
		tq := bleve.NewTermQuery(string(t.Term))
		tq.SetField(q.field)
		tq.SetBoost(q.boost)
		s, err := lean{tq}.Searcher(ctx, i, m, o)
		if err != nil {
			closeAll(terms)
			return nil, err
		}
		_, none := s.(emptyTerm)
		empty = empty || none
		terms = append(terms, s)
	}
	s, err := searcher.NewConjunctionSearcher(ctx, i, terms, o)
	if err != nil {
		closeAll(terms)
		return nil, err
	}
	if empty {
		return never{s}, nil
	}
	return s, nil
}

func closeAll(ss []bsearch.Searcher) {
	for _, s := range ss {
		_ = s.Close()
	}
}

// never is a searcher known to match nothing (a conjunction with a term in
// no document): it weighs as s does and answers at once.
type never struct{ bsearch.Searcher }

// Next implements search.Searcher: there is none.
func (never) Next(*bsearch.SearchContext) (*bsearch.DocumentMatch, error) { return nil, nil }

// Advance implements search.Searcher: there is none.
func (never) Advance(*bsearch.SearchContext, index.IndexInternalID) (*bsearch.DocumentMatch, error) {
	return nil, nil
}

// Optimize implements index.Optimizable as s does, when it does (it then
// contributes s's empty postings), so that a disjunction of never and
// terms is still merged by bitmaps when nothing is scored.
func (n never) Optimize(kind string, octx index.OptimizableContext) (index.OptimizableContext, error) {
	if o, ok := n.Searcher.(index.Optimizable); ok {
		return o.Optimize(kind, octx)
	}
	return nil, nil
}
