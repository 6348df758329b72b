package search

import (
	"context"
	"slices"

	"github.com/blevesearch/bleve/v2/mapping"
	bsearch "github.com/blevesearch/bleve/v2/search"
	"github.com/blevesearch/bleve/v2/search/query"
	index "github.com/blevesearch/bleve_index_api"
)

// A scored conjunction (two words, or words and a filter) is a leapfrog of
// bleve searchers: each side advances the other, and every step through a
// word's disjunction advances each of its terms, at some 100 ns a posting
// passed. At 1M products 有机 Organic (100000 documents a word, 12000 both)
// cost 40 ms that way, most of it on documents one word has and the other
// has not. Unscored, bleve merges terms' postings as bitmaps (its
// "unadorned" optimisations): the conjunction's documents are then found
// for little, and the scored searcher can be advanced to those only, each
// of which it matches: the same documents and scores. An advance costs
// some 2 µs, though (scorch finds the segment, zap still steps through the
// postings before it): it pays when the conjunction keeps under a
// twentieth of its terms' postings (driveRatio), which the unscored
// searcher, read up to that many documents, tells, and only when there
// are many postings (minDriven).

// driveRatio: a scored conjunction is driven by its documents found
// unscored when they are fewer than its terms' postings over driveRatio;
// minDriven: below minDriven×driveRatio postings, what driving saves is
// less than building the unscored searcher costs. (Variables: tests drive
// small indexes.)
var driveRatio, minDriven uint64 = 20, 5000

// matcher is what collect reads matches from.
type matcher interface {
	Next(ctx *bsearch.SearchContext) (*bsearch.DocumentMatch, error)
	DocumentMatchPoolSize() int
	Close() error
}

// matcherOf is q's searcher as collect reads it: scored and, when q is a
// conjunction keeping few of its postings, driven by the documents an
// unscored searcher of the same query finds.
func matcherOf(ctx context.Context, q query.Query, r index.IndexReader, m mapping.IndexMapping, scored bool) (matcher, error) {
	unscored := bsearch.SearcherOptions{Score: "none"}
	if !scored {
		return q.Searcher(ctx, r, m, unscored)
	}
	s, err := q.Searcher(ctx, r, m, bsearch.SearcherOptions{})
	if err != nil || !drives(q) {
		return s, err
	}
	limit := s.Count() / driveRatio
	if limit < minDriven {
		return s, nil
	}
	docs, ok, err := fewDocs(ctx, q, r, m, limit)
	if err != nil {
		_ = s.Close()
		return nil, err
	}
	if !ok {
		return s, nil
	}
	return &driven{scored: s, docs: docs}, nil
}

// fewDocs lists the documents q matches, found unscored, if there are at
// most limit of them (ok false otherwise).
func fewDocs(ctx context.Context, q query.Query, r index.IndexReader, m mapping.IndexMapping, limit uint64) (docs []index.IndexInternalID, ok bool, err error) {
	s, err := q.Searcher(ctx, r, m, bsearch.SearcherOptions{Score: "none"})
	if err != nil {
		return nil, false, err
	}
	defer s.Close()
	sctx := &bsearch.SearchContext{DocumentMatchPool: bsearch.NewDocumentMatchPool(s.DocumentMatchPoolSize(), 0), IndexReader: r}
	for {
		dm, err := s.Next(sctx)
		if err != nil || dm == nil {
			return docs, err == nil, err
		}
		if uint64(len(docs)) >= limit {
			return nil, false, nil
		}
		docs = append(docs, slices.Clone(dm.IndexInternalID))
		sctx.DocumentMatchPool.Put(dm)
	}
}

// drives reports whether q is worth finding unscored first: a conjunction.
func drives(q query.Query) bool {
	switch q := q.(type) {
	case *query.ConjunctionQuery:
		return len(q.Conjuncts) > 1
	case *query.BooleanQuery:
		return q.Must != nil && (q.Filter != nil || q.MustNot != nil)
	}
	return false
}

// driven reads the scored searcher's matches at the documents found
// unscored (docs, in document order). Both searched the same query, so
// the scored searcher matches each of docs; were one not (the unscored
// search finding less than the scored one would, which it never does),
// its next match is taken and the documents before it skipped, so that
// nothing is read twice.
type driven struct {
	scored bsearch.Searcher
	docs   []index.IndexInternalID
	last   index.IndexInternalID // the scored searcher's last match
}

// Next implements matcher.
func (d *driven) Next(ctx *bsearch.SearchContext) (*bsearch.DocumentMatch, error) {
	for len(d.docs) > 0 {
		doc := d.docs[0]
		d.docs = d.docs[1:]
		if d.last != nil && doc.Compare(d.last) <= 0 {
			continue
		}
		m, err := d.scored.Advance(ctx, doc)
		if err != nil || m == nil {
			return nil, err
		}
		d.last = append(d.last[:0], m.IndexInternalID...)
		return m, nil
	}
	return nil, nil
}

// DocumentMatchPoolSize implements matcher.
func (d *driven) DocumentMatchPoolSize() int { return d.scored.DocumentMatchPoolSize() }

// Close implements matcher.
func (d *driven) Close() error { return d.scored.Close() }
