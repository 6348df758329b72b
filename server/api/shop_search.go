package api

import (
	"context"
	"errors"
	"net/http"
	"unicode/utf8"

	"github.com/labstack/echo/v4"

	"wemart/search"
	"wemart/server/check"
	"wemart/server/errs"
)

// Searcher answers catalogue searches and suggestions from the search index
// (package indexer implements it and keeps the index current).
type Searcher interface {
	Search(ctx context.Context, q search.Query) (search.Result, error)
	SearchRepriced(ctx context.Context, q search.Query, own map[int]search.PriceRange) (search.Result, error)
	Suggest(ctx context.Context, prefix string, limit int) ([]search.Suggestion, error)
}

// pinger is a backend /readyz asks whether it can answer.
type pinger interface {
	Ping(ctx context.Context) error
}

// Search limits.
const (
	maxSearchPageSize = 50
	maxSearchDepth    = 10000 // page × page_size
	maxSuggestions    = 10
)

// SearchItem is a product in search results.
type SearchItem struct {
	ID             int    `json:"id"`
	Title          string `json:"title"`
	TitleHighlight string `json:"title_highlight"`
	PriceFen       int64  `json:"price_fen"`
	PriceMaxFen    int64  `json:"price_max_fen"`
	CategoryID     *int   `json:"category_id"`
	// Image is ImageURL under its former name.
	Image string `json:"image"`
	// ImageURL is the main picture's URL ("" for none), from the index.
	ImageURL string `json:"image_url"`
	Sales    int64  `json:"sales"`
	// Available says whether some SKU is available at store_id (with store_id only).
	Available *bool `json:"available,omitempty"`
}

// SearchFacet is a category's count among the results.
type SearchFacet struct {
	ID    int `json:"id"`
	Count int `json:"count"`
}

// SearchFacets count the results by category.
type SearchFacets struct {
	Categories []SearchFacet `json:"categories"`
}

// SearchResults is a page of search results with their facets.
type SearchResults struct {
	Items    []SearchItem `json:"items"`
	Total    int          `json:"total"`
	Page     int          `json:"page"`
	PageSize int          `json:"page_size"`
	Facets   SearchFacets `json:"facets"`
	// Match says how the items matched q: "all" (every word), "fuzzy"
	// (every word, some with a typo forgiven), "partial" (the first words;
	// Ignored lists the others) or "none": nothing matched, and the items
	// are the best sellers (at the store, in the category) offered instead,
	// with total 0.
	Match   search.Match `json:"match"`
	Ignored []string     `json:"ignored"`
}

// Suggestion is a completion for the search box: a product's title.
type Suggestion struct {
	ID    int    `json:"id"`
	Title string `json:"title"`
}

func searchError(err error) error {
	if errors.Is(err, search.ErrUnavailable) {
		return errs.Wrap(err, errs.Unavailable, "product search is unavailable right now; try again shortly")
	}
	return err
}

func (h *searchAPI) searchQuery(c echo.Context) (search.Query, Page, int, error) {
	q := search.Query{MinPriceFen: -1, MaxPriceFen: -1}
	var err error
	if q.Text, err = queryText(c, "q"); err != nil {
		return q, Page{}, 0, err
	}
	page, err := queryInt(c, "page", 1, 1, maxSearchDepth)
	if err != nil {
		return q, Page{}, 0, err
	}
	size, err := queryInt(c, "page_size", defaultPageSize, 1, maxSearchPageSize)
	if err != nil {
		return q, Page{}, 0, err
	}
	if page*size > maxSearchDepth {
		return q, Page{}, 0, errs.InvalidField("page", "goes deeper than %d results; narrow the search", maxSearchDepth)
	}
	storeID, err := queryInt(c, "store_id", 0, 1, 1<<31-1)
	if err != nil {
		return q, Page{}, 0, err
	}
	cat, err := queryInt(c, "category_id", 0, 1, 1<<31-1)
	if err != nil {
		return q, Page{}, 0, err
	}
	if q.MinPriceFen, err = queryInt(c, "min_price_fen", -1, 0, check.MaxPriceFen); err != nil {
		return q, Page{}, 0, err
	}
	if q.MaxPriceFen, err = queryInt(c, "max_price_fen", -1, 0, check.MaxPriceFen); err != nil {
		return q, Page{}, 0, err
	}
	if q.MinPriceFen >= 0 && q.MaxPriceFen >= 0 && q.MinPriceFen > q.MaxPriceFen {
		return q, Page{}, 0, errs.InvalidField("max_price_fen", "must not be below min_price_fen")
	}
	inStock, err := queryBool(c, "in_stock")
	if err != nil {
		return q, Page{}, 0, err
	}
	if inStock && storeID == 0 {
		return q, Page{}, 0, errs.InvalidField("in_stock", "needs a store_id")
	}
	q.Sort = c.QueryParam("sort")
	if q.Sort == "" {
		q.Sort = search.SortRelevance
	}
	var ch check.Checker
	ch.OneOf("sort", q.Sort, search.Sorts...)
	if err := ch.Err(); err != nil {
		return q, Page{}, 0, err
	}
	q.CategoryID = int(cat)
	if inStock {
		q.InStockAt = int(storeID)
	}
	p := Page{Page: int(page), Size: int(size)}
	q.Offset, q.Limit = p.Offset(), p.Size
	return q, p, int(storeID), nil
}

// searchProducts is GET /api/v1/products: full-text search (Chinese and
// English) with filters, facets and sorting, from the search index. The page
// is checked against the database before it is answered: a product unlisted
// a moment ago never shows, and availability at a store is exact.
func (h *searchAPI) searchProducts(c echo.Context) error {
	q, p, storeID, err := h.searchQuery(c)
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	if storeID != 0 {
		if e, err := h.Stores.Index().Get(ctx, storeID); err != nil {
			return err
		} else if e == nil {
			return errs.E(errs.NotFound, "no store %d", storeID)
		}
	}
	res, err := h.searchAt(ctx, q, storeID)
	if err != nil {
		return err
	}
	if res.Match == search.MatchNone {
		if res, err = h.fallback(ctx, q, storeID); err != nil {
			return err
		}
	}
	ids := make([]int, len(res.Hits))
	for i, hit := range res.Hits {
		ids[i] = hit.ID
	}
	// One query for the page: what is still listed, at which price and
	// whether it is available at the store.
	shelves, err := h.Catalog.Shelves(ctx, storeID, ids)
	if err != nil {
		return err
	}
	items := make([]SearchItem, 0, len(res.Hits))
	for _, hit := range res.Hits {
		sh, ok := shelves[hit.ID]
		if !ok {
			continue
		}
		if sh.OwnPrices {
			hit.PriceMinFen, hit.PriceMaxFen = sh.MinFen, sh.MaxFen
		}
		img := h.URLs.Of(hit.Image)
		it := SearchItem{ID: hit.ID, Title: hit.Title, TitleHighlight: hit.TitleHighlight, PriceFen: hit.PriceMinFen,
			PriceMaxFen: hit.PriceMaxFen, Image: img, ImageURL: img, Sales: hit.Sales}
		if hit.CategoryID != 0 {
			cat := hit.CategoryID
			it.CategoryID = &cat
		}
		if storeID != 0 {
			a := sh.Available
			it.Available = &a
		}
		items = append(items, it)
	}
	facets := make([]SearchFacet, len(res.Categories))
	for i, f := range res.Categories {
		facets[i] = SearchFacet{ID: f.CategoryID, Count: f.Count}
	}
	if res.Ignored == nil {
		res.Ignored = []string{}
	}
	return c.JSON(http.StatusOK, SearchResults{Items: items, Total: res.Total, Page: p.Page, PageSize: p.Size,
		Facets: SearchFacets{Categories: facets}, Match: res.Match, Ignored: res.Ignored})
}

// searchAt runs q with the prices of storeID (0: the chain's). With a price
// filter or a price sort every price of the store's own takes part
// (search.Repriced keeps paging and totals exact); otherwise the chain's
// order holds and the caller re-prices the page's products (Shelves).
func (h *searchAPI) searchAt(ctx context.Context, q search.Query, storeID int) (search.Result, error) {
	if storeID == 0 || (q.MinPriceFen < 0 && q.MaxPriceFen < 0 && q.Sort != search.SortPriceAsc && q.Sort != search.SortPriceDesc) {
		res, err := h.Search.Search(ctx, q)
		return res, searchError(err)
	}
	own, err := h.Prices.Ranges(ctx, storeID, nil)
	if err != nil {
		return search.Result{}, err
	}
	res, err := h.Search.SearchRepriced(ctx, q, own)
	return res, searchError(err)
}

// suggestProducts is GET /api/v1/products/suggest?q=: completions for the
// search box, best sellers first.
func (h *searchAPI) suggestProducts(c echo.Context) error {
	text, err := queryText(c, "q")
	if err != nil {
		return err
	}
	limit, err := queryInt(c, "limit", maxSuggestions, 1, maxSuggestions)
	if err != nil {
		return err
	}
	items := []Suggestion{}
	if utf8.RuneCountInString(text) > 0 {
		found, err := h.Search.Suggest(c.Request().Context(), text, int(limit))
		if err != nil {
			return searchError(err)
		}
		for _, s := range found {
			items = append(items, Suggestion{ID: s.ID, Title: s.Title})
		}
	}
	return c.JSON(http.StatusOK, Items[Suggestion]{Items: items})
}
