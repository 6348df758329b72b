package search

import (
	"context"
	"strings"

	"wemart/search/analysis"
)

// Pass is how loosely a query's words may match. A search tries passes in
// order until one finds something (cascade): every word as typed, then
// every word with a typo forgiven, then fewer and fewer words from the
// end — Meilisearch's "last" matching strategy, so that an extra word
// never empties a result — and reports which pass answered (Result.Match).
type Pass struct {
	// Tolerant forgives a typo in each word: one wrong character in a
	// Chinese word of two or more, one wrong letter in a Latin word of four
	// or more.
	Tolerant bool
	// Keep is how many words, from the first, must match (0: all).
	Keep int
}

// passes are the passes for a query of n words, strictest first.
func passes(n int) []Pass {
	out := []Pass{{}, {Tolerant: true}}
	for k := n - 1; k >= 1; k-- {
		out = append(out, Pass{Tolerant: true, Keep: k})
	}
	return out
}

// kept are the words a pass keeps.
func (p Pass) kept(cs []analysis.Concept) []analysis.Concept {
	if p.Keep > 0 && p.Keep < len(cs) {
		return cs[:p.Keep]
	}
	return cs
}

// runPass runs a query with its words matched one way.
type runPass func(ctx context.Context, q Query, words []analysis.Concept, p Pass) (Result, error)

// cascade runs q through the passes with run and labels the answer. Which
// pass answers is decided without the price bounds (a price filter narrows
// what the words best match; it never makes the match looser), and a pass
// pinned by Query.pass is the only one tried.
func cascade(ctx context.Context, q Query, words []analysis.Concept, run runPass) (Result, error) {
	if strings.TrimSpace(q.Text) == "" {
		res, err := run(ctx, q, nil, Pass{})
		res.Match = MatchAll
		return res, err
	}
	if len(words) == 0 { // only punctuation, symbols or emoji
		return Result{Hits: []Hit{}, Match: MatchNone}, nil
	}
	try := passes(len(words))
	if q.pass != nil {
		try = []Pass{*q.pass}
	}
	for _, p := range try {
		res, err := run(ctx, q, words, p)
		if err != nil {
			return Result{}, err
		}
		if res.Total == 0 && q.pass == nil {
			// Nothing: the words did not match this way, unless the price
			// bounds left nothing of what they matched.
			if !q.priced() {
				continue
			}
			r, err := run(ctx, probe(q), words, p)
			if err != nil {
				return Result{}, err
			}
			if r.Total == 0 {
				continue
			}
		}
		res.pass, res.Match = p, MatchAll
		switch {
		case p.Keep > 0:
			res.Match, res.Ignored = MatchPartial, analysis.Texts(words[p.Keep:])
		case p.Tolerant:
			res.Match = MatchFuzzy
		}
		return res, nil
	}
	return Result{Hits: []Hit{}, Match: MatchNone}, nil
}

// probe is q asking only whether its words match: no price bounds, no
// hits, no facets.
func probe(q Query) Query {
	q.MinPriceFen, q.MaxPriceFen, q.Repriced, q.RepricedMatch = -1, -1, nil, nil
	q.Offset, q.Limit, q.Lean, q.probe, q.Sort = 0, 0, true, true, SortRelevance
	return q
}
