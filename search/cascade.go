package search

import (
	"context"
	"slices"
	"strings"

	"wemart/search/analysis"
)

// Pass is how loosely a query's words may match. A search tries passes in
// order until one finds something (cascade): every word as typed, then
// every word with a typo forgiven, then with one word left out, then only
// the word that names the thing — so that an extra word never empties a
// result — and reports which pass answered (Result.Match).
type Pass struct {
	// Tolerant forgives a typo in each word: one wrong character in a
	// Chinese word (or run of words typed side by side) of three or more
	// different characters, one wrong letter in a Latin word of five or
	// more (two from eight).
	Tolerant bool
	// Omit are the indexes of the words left out (none: all must match).
	Omit []int
}

// maxOmissions bounds the passes that leave one word out (each is a
// search; a query that matches nothing pays them all).
const maxOmissions = 3

// passes are the passes for a query's words, strictest first. The passes
// that leave words out match the others as typed (no typo forgiven), so an
// answer says one thing: words were left out, or typos forgiven.
//
// Which word goes first: a Latin word or a number (an attribute: 可乐
// 500ml), the last first; then Chinese words from the first, since a
// Chinese phrase puts what it names last (进口牛奶, 好喝的酸奶, 我要牛奶:
// 牛奶 and 酸奶 stay). Last, the one word that names the thing alone: the
// last Chinese word, or the first word.
func passes(words []analysis.Concept) []Pass {
	out := []Pass{{}, {Tolerant: true}}
	n := len(words)
	if n < 2 {
		return out
	}
	var order []int
	for i := n - 1; i >= 0; i-- {
		if !words[i].Han {
			order = append(order, i)
		}
	}
	for i := range n {
		if words[i].Han {
			order = append(order, i)
		}
	}
	for _, i := range order[:min(len(order), maxOmissions)] {
		out = append(out, Pass{Omit: []int{i}})
	}
	if n > 2 {
		head := 0
		for i := n - 1; i >= 0; i-- {
			if words[i].Han {
				head = i
				break
			}
		}
		var omit []int
		for i := range n {
			if i != head {
				omit = append(omit, i)
			}
		}
		out = append(out, Pass{Omit: omit})
	}
	return out
}

// kept are the words a pass keeps.
func (p Pass) kept(cs []analysis.Concept) []analysis.Concept {
	if len(p.Omit) == 0 {
		return cs
	}
	out := make([]analysis.Concept, 0, len(cs))
	for i, c := range cs {
		if !slices.Contains(p.Omit, i) {
			out = append(out, c)
		}
	}
	return out
}

// runPass runs a query with its words matched one way.
type runPass func(ctx context.Context, q Query, words []analysis.Concept, p Pass) (Result, error)

// cascade runs q through the passes with run and labels the answer; beyond
// are the words past analysis.MaxConcepts, ignored whatever the pass. Which
// pass answers is decided by the words and the filters but the price
// bounds (a price filter narrows what the words best match; it never makes
// the match looser), and a pass pinned by Query.pass is the only one
// tried. After the first, each pass is first asked only whether it finds
// anything (no hits, no facets), which is what most of them answer.
func cascade(ctx context.Context, q Query, words []analysis.Concept, beyond []string, run runPass) (Result, error) {
	if strings.TrimSpace(q.Text) == "" {
		res, err := run(ctx, q, nil, Pass{})
		res.Match = MatchAll
		return res, err
	}
	if len(words) == 0 { // only punctuation, symbols, emoji or filler words
		return Result{Hits: []Hit{}, Match: MatchNone}, nil
	}
	if q.pass != nil {
		res, err := run(ctx, q, words, *q.pass)
		return label(res, *q.pass, words, beyond), err
	}
	found := func(p Pass) (bool, error) {
		r, err := run(ctx, probe(q), words, p)
		return r.Total > 0, err
	}
	for i, p := range passes(words) {
		if i > 0 { // most passes after the first find nothing: ask cheaply
			ok, err := found(p)
			if err != nil {
				return Result{}, err
			}
			if !ok {
				continue
			}
		}
		res, err := run(ctx, q, words, p)
		if err != nil {
			return Result{}, err
		}
		if i == 0 && res.Total == 0 {
			// Nothing: the words did not match so, unless the price bounds
			// left nothing of what they matched.
			ok := false
			if q.priced() {
				if ok, err = found(p); err != nil {
					return Result{}, err
				}
			}
			if !ok {
				continue
			}
		}
		return label(res, p, words, beyond), nil
	}
	return Result{Hits: []Hit{}, Match: MatchNone}, nil
}

// label says how res matched: the pass, the words it left out and those
// past the limit.
func label(res Result, p Pass, words []analysis.Concept, beyond []string) Result {
	res.pass, res.Match, res.Ignored = p, MatchAll, nil
	if p.Tolerant {
		res.Match = MatchFuzzy
	}
	for _, i := range p.Omit {
		res.Ignored = append(res.Ignored, words[i].Text)
	}
	res.Ignored = append(res.Ignored, beyond...)
	if len(res.Ignored) > 0 {
		res.Match = MatchPartial
	}
	return res
}

// probe is q asking only whether its words match: no price bounds, no
// hits, no facets.
func probe(q Query) Query {
	q.MinPriceFen, q.MaxPriceFen, q.Repriced, q.RepricedMatch = -1, -1, nil, nil
	q.Offset, q.Limit, q.Lean, q.probe, q.Sort = 0, 0, true, true, SortRelevance
	return q
}
