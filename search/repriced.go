package search

import (
	"cmp"
	"context"
	"maps"
	"slices"
	"strings"
)

// maxIDsPerQuery bounds the ids one engine query restricts itself to (a
// Meilisearch query reaches at most 10000 hits).
const maxIDsPerQuery = 10000

// Repriced runs q on idx for a store that has prices of its own: own gives
// the price range at the store of every product with such a price (the
// others keep their indexed chain range). The price bounds and the price
// sorts then use the store's prices, exactly, with paging, total and facets
// as if the index held them:
//
//   - without price bounds or a price sort, q runs as it is;
//   - with bounds and another order (relevance, sales), one query keeps the
//     products in the bounds by their indexed price, except the repriced
//     ones, or by their store price (Query.Repriced, Query.RepricedMatch);
//   - with a price sort, one query takes the others in price order (only the
//     part of their order the page can reach), a second the repriced ones
//     in the bounds (all of them, few), which are sorted by their store
//     prices here, and the two ordered streams are merged. Totals and facet
//     counts of the two disjoint sets add up. Both are read lean (ids and
//     prices), and a third query reads the page's hits whole.
//
// Hits of repriced products carry their store price range.
func Repriced(ctx context.Context, idx Index, q Query, own map[int]PriceRange) (Result, error) {
	if len(own) == 0 {
		return idx.Search(ctx, q)
	}
	ids := slices.Sorted(maps.Keys(own))
	match := ids
	if q.priced() {
		match = make([]int, 0, len(ids))
		for _, id := range ids {
			if inBounds(own[id], q) {
				match = append(match, id)
			}
		}
	}
	if q.Sort != SortPriceAsc && q.Sort != SortPriceDesc {
		if q.priced() {
			q.Repriced, q.RepricedMatch = ids, match
		}
		res, err := idx.Search(ctx, q)
		reprice(res.Hits, own)
		return res, err
	}

	if q.pass == nil && strings.TrimSpace(q.Text) != "" {
		// The searches below must agree on how the words match: decide it
		// once, on the words alone (see cascade).
		r, err := idx.Search(ctx, probe(q))
		if err != nil || r.Match == MatchNone {
			r.Hits = []Hit{}
			return r, err
		}
		q.pass = &r.pass
	}
	// The repriced products in the bounds, in store-price order. Both streams
	// are read lean (ids and prices); only the page's hits are read whole.
	var theirs Result
	for start := 0; start < len(match); start += maxIDsPerQuery {
		chunk := match[start:min(start+maxIDsPerQuery, len(match))]
		qb := q
		qb.MinPriceFen, qb.MaxPriceFen, qb.Lean = -1, -1, true
		qb.OnlyIDs, qb.Offset, qb.Limit = chunk, 0, len(chunk)
		r, err := idx.Search(ctx, qb)
		if err != nil {
			return Result{}, err
		}
		theirs.Hits = append(theirs.Hits, r.Hits...)
		theirs.Total += r.Total
		theirs.Categories = addFacets(theirs.Categories, r.Categories)
	}
	qa := q
	qa.Repriced = ids
	if len(theirs.Hits) == 0 {
		// None of them matches: the others' order is the whole order.
		res, err := idx.Search(ctx, qa)
		res.Categories = addFacets(res.Categories, theirs.Categories)
		return res, err
	}
	reprice(theirs.Hits, own)
	desc := q.Sort == SortPriceDesc
	slices.SortFunc(theirs.Hits, func(a, b Hit) int { return priceOrder(a, b, desc) })

	// The others: their window reaches back at most len(theirs.Hits) places
	// before the page (that many repriced products can precede it).
	qa.Lean = true
	from := max(0, q.Offset-len(theirs.Hits))
	qa.Offset, qa.Limit = from, q.Offset+q.Limit-from
	rest, err := idx.Search(ctx, qa)
	if err != nil {
		return Result{}, err
	}
	if len(rest.Hits) == 0 && from > 0 && rest.Total > 0 {
		// The page lies past the others' end: place the repriced products
		// among all of them.
		from, qa.Offset, qa.Limit = 0, 0, rest.Total
		if rest, err = idx.Search(ctx, qa); err != nil {
			return Result{}, err
		}
	}
	page, err := whole(ctx, idx, q, mergePage(rest.Hits, from, theirs.Hits, q.Offset, q.Limit, desc))
	if err != nil {
		return Result{}, err
	}
	reprice(page, own)
	return Result{
		Hits:       page,
		Total:      rest.Total + theirs.Total,
		Categories: addFacets(rest.Categories, theirs.Categories),
		Match:      rest.Match,
		Ignored:    rest.Ignored,
		pass:       rest.pass,
	}, nil
}

// whole reads the page's lean hits whole (titles, highlights, images) in one
// query restricted to them, keeping the page's order. A product the index
// dropped meanwhile drops out of the page, as it would a moment later.
func whole(ctx context.Context, idx Index, q Query, lean []Hit) ([]Hit, error) {
	if len(lean) == 0 {
		return []Hit{}, nil
	}
	ids := make([]int, len(lean))
	for i, h := range lean {
		ids[i] = h.ID
	}
	// They matched q: its text stays (for the highlights); the other
	// conditions go, the category too (no facet query is needed).
	qf := Query{Text: q.Text, MinPriceFen: -1, MaxPriceFen: -1, OnlyIDs: ids, Sort: q.Sort, Limit: len(ids)}
	res, err := idx.Search(ctx, qf)
	if err != nil {
		return nil, err
	}
	byID := make(map[int]Hit, len(res.Hits))
	for _, h := range res.Hits {
		byID[h.ID] = h
	}
	out := make([]Hit, 0, len(lean))
	for _, h := range lean {
		if w, ok := byID[h.ID]; ok {
			out = append(out, w)
		}
	}
	return out, nil
}

// inBounds reports whether a price range meets q's price bounds, as the
// engines' filters decide it for indexed ranges.
func inBounds(r PriceRange, q Query) bool {
	return (q.MaxPriceFen < 0 || r.MinFen <= q.MaxPriceFen) && (q.MinPriceFen < 0 || r.MaxFen >= q.MinPriceFen)
}

// reprice gives hits of repriced products their store price range.
func reprice(hits []Hit, own map[int]PriceRange) {
	for i, h := range hits {
		if r, ok := own[h.ID]; ok {
			hits[i].PriceMinFen, hits[i].PriceMaxFen = r.MinFen, r.MaxFen
		}
	}
}

// priceOrder is the engines' price order: by lowest price (ascending, or
// descending for desc), then by id ascending.
func priceOrder(a, b Hit, desc bool) int {
	if a.PriceMinFen != b.PriceMinFen {
		if desc {
			return cmp.Compare(b.PriceMinFen, a.PriceMinFen)
		}
		return cmp.Compare(a.PriceMinFen, b.PriceMinFen)
	}
	return cmp.Compare(a.ID, b.ID)
}

// mergePage merges two price-ordered streams and returns the page
// [offset, offset+limit) of the merged order. theirs is a whole stream;
// rest holds the other stream from position from on, up to at least
// offset+limit or its end, and from <= max(0, offset-len(theirs)).
func mergePage(rest []Hit, from int, theirs []Hit, offset, limit int, desc bool) []Hit {
	// rest[0] is preceded by the from hits of its stream before it and by
	// the hits of theirs that order before it.
	pos, j := 0, 0
	if from > 0 && len(rest) > 0 {
		for j < len(theirs) && priceOrder(theirs[j], rest[0], desc) < 0 {
			j++
		}
		pos = from + j
	}
	out := make([]Hit, 0, limit)
	i := 0
	for len(out) < limit && (i < len(rest) || j < len(theirs)) {
		var next Hit
		if j >= len(theirs) || (i < len(rest) && priceOrder(rest[i], theirs[j], desc) < 0) {
			next, i = rest[i], i+1
		} else {
			next, j = theirs[j], j+1
		}
		if pos >= offset {
			out = append(out, next)
		}
		pos++
	}
	return out
}

// addFacets adds two sets of category counts.
func addFacets(a, b []Facet) []Facet {
	if len(b) == 0 {
		return a
	}
	sum := map[int]int{}
	for _, f := range a {
		sum[f.CategoryID] += f.Count
	}
	for _, f := range b {
		sum[f.CategoryID] += f.Count
	}
	out := make([]Facet, 0, len(sum))
	for id, n := range sum {
		out = append(out, Facet{CategoryID: id, Count: n})
	}
	sortFacets(out)
	return out
}
