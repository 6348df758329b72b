package search

import (
	"context"
	"errors"
	"slices"
)

// Document is what the index holds of a listed product.
type Document struct {
	ID          int    `json:"id"`
	Title       string `json:"title"`
	Subtitle    string `json:"subtitle"`
	CategoryID  int    `json:"category_id"` // 0: uncategorised
	PriceMinFen int64  `json:"price_min_fen"`
	PriceMaxFen int64  `json:"price_max_fen"`
	Sales       int64  `json:"sales"`
	Image       string `json:"image"`
	// Aliases are other names shoppers use for the product, given by staff:
	// English names (milk, coke), common names (泡面 for 方便面).
	Aliases []string `json:"aliases"`
	// Skus are the names of the product's live SKUs (500ml, 6支): sizes and
	// variants shoppers type after the product's name.
	Skus []string `json:"skus"`
	// Stores are the stores where some SKU of the product is available.
	Stores []int `json:"stores"`
}

// Sort orders.
const (
	SortRelevance = "relevance"
	SortPriceAsc  = "price_asc"
	SortPriceDesc = "price_desc"
	SortSales     = "sales"
)

// Sorts lists the valid sort orders.
var Sorts = []string{SortRelevance, SortPriceAsc, SortPriceDesc, SortSales}

// Query is a catalogue search. Empty Text lists everything (by sales unless
// another order is asked for).
type Query struct {
	Text       string
	CategoryID int // 0: any
	// MinPriceFen and MaxPriceFen (-1: unbounded) keep products with a SKU
	// priced in the range.
	MinPriceFen int64
	MaxPriceFen int64
	// InStockAt keeps products available at that store (0: anywhere).
	InStockAt int
	// OnlyIDs, when not nil, keeps only these products.
	OnlyIDs []int
	// Repriced are products whose indexed prices do not hold for this search
	// (a store has prices of its own for them): the price bounds never match
	// them on their indexed prices, and they are left out even without
	// bounds, except those in RepricedMatch, which the caller found inside the
	// bounds by their real prices. With either set, the price conditions
	// filter without scoring, so repriced products rank as the others do.
	Repriced      []int
	RepricedMatch []int
	// Lean hits carry only the id and, in a price order, the lowest price:
	// enough to merge ordered streams without reading every hit's document.
	Lean   bool
	Sort   string
	Offset int
	Limit  int

	// pass, when set, is the one way the words may match (Repriced pins
	// it so that its several searches agree); nil lets the search cascade.
	pass *Pass
	// probe: only the total is wanted (no hits, no facets).
	probe bool
}

// priced reports whether the query has price bounds.
func (q Query) priced() bool { return q.MinPriceFen >= 0 || q.MaxPriceFen >= 0 }

// repricing reports whether the query treats some products' prices apart.
func (q Query) repricing() bool { return len(q.Repriced) > 0 || len(q.RepricedMatch) > 0 }

// Hit is one product found.
type Hit struct {
	ID    int
	Title string
	// TitleHighlight is the title with matched terms wrapped in <em></em>
	// (HTML-escaped otherwise); the plain title when nothing is highlighted.
	TitleHighlight string
	CategoryID     int
	PriceMinFen    int64
	PriceMaxFen    int64
	Sales          int64
	Image          string
}

// PriceRange is a product's lowest and highest SKU price somewhere.
type PriceRange struct {
	MinFen int64
	MaxFen int64
}

// Facet is how many products of a category match.
type Facet struct {
	CategoryID int
	Count      int
}

// Match says how the hits of a search matched its words.
type Match string

// How a search matched (Result.Match).
const (
	// MatchAll: every word of the query is in each hit (exactly, by its
	// pinyin, a synonym or an alias).
	MatchAll Match = "all"
	// MatchFuzzy: every word matched, some only with a typo forgiven (one
	// wrong character or letter).
	MatchFuzzy Match = "fuzzy"
	// MatchPartial: nothing has every word; the hits have the first ones
	// (Result.Ignored lists the words left out, in query order).
	MatchPartial Match = "partial"
	// MatchNone: nothing matched at all (no hits).
	MatchNone Match = "none"
)

// Result is a page of hits, the total matching, and the category facets:
// counts over everything the query matches with every filter but the
// category (so a shopper sees the other categories' counts too).
type Result struct {
	Hits       []Hit
	Total      int
	Categories []Facet
	// Match says how the hits matched the query text (MatchAll without text).
	Match Match
	// Ignored are the query words a MatchPartial result leaves out.
	Ignored []string

	pass Pass // how the words matched
}

// Suggestion is a completion for the search box.
type Suggestion struct {
	ID    int
	Title string
}

// Index is one generation of the product index.
type Index interface {
	// Upsert adds or replaces documents.
	Upsert(ctx context.Context, docs []Document) error
	// Delete removes documents (absent ones are ignored).
	Delete(ctx context.Context, ids []int) error
	Search(ctx context.Context, q Query) (Result, error)
	// Suggest completes what the shopper is typing: titles with a word
	// starting with the last word of prefix (and the earlier words), best sellers first.
	Suggest(ctx context.Context, prefix string, limit int) ([]Suggestion, error)
	// SetSynonyms replaces the synonym groups searches use: each group's
	// terms find what any of them finds (可乐, coke, cola). Terms are
	// folded as the index folds text; a term of several words is a phrase.
	SetSynonyms(ctx context.Context, groups [][]string) error
	// Ping reports whether the index can answer.
	Ping(ctx context.Context) error
	Close() error
}

// Engine holds index generations: a rebuild fills generation N+1 while N
// answers, then the catalogue switches over.
type Engine interface {
	// Name says which backend this is ("embedded" or "meilisearch").
	Name() string
	// Open opens generation gen, creating it (empty) if it does not exist;
	// created says which happened.
	Open(ctx context.Context, gen int64) (idx Index, created bool, err error)
	// Drop deletes generation gen.
	Drop(ctx context.Context, gen int64) error
}

// Format numbers what an index generation holds and how it reads text. A
// generation built by an older wemart (an older Format) lacks fields or
// analysis the searches now use: package indexer rebuilds it. History:
// 1 titles and subtitles as bigrams; 2 (issue 13) aliases, SKU names,
// pinyin and initials, traditional characters folded.
const Format = 2

// ErrUnavailable wraps failures of the search backend itself (down, timed
// out, refusing), as opposed to bad queries.
var ErrUnavailable = errors.New("search backend unavailable")

// sortFacets orders facets by count, then category id, the same whatever
// order a backend reports them in.
func sortFacets(f []Facet) {
	slices.SortFunc(f, func(a, b Facet) int {
		if a.Count != b.Count {
			return b.Count - a.Count
		}
		return a.CategoryID - b.CategoryID
	})
}
