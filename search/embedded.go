package search

import (
	"context"
	"errors"
	"fmt"
	"html"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/analysis/analyzer/custom"
	"github.com/blevesearch/bleve/v2/analysis/lang/cjk"
	"github.com/blevesearch/bleve/v2/analysis/token/lowercase"
	"github.com/blevesearch/bleve/v2/analysis/token/porter"
	unicodetok "github.com/blevesearch/bleve/v2/analysis/tokenizer/unicode"
	"github.com/blevesearch/bleve/v2/analysis/tokenizer/whitespace"
	"github.com/blevesearch/bleve/v2/index/scorch"
	"github.com/blevesearch/bleve/v2/mapping"
	bsearch "github.com/blevesearch/bleve/v2/search"
	htmlhl "github.com/blevesearch/bleve/v2/search/highlight/highlighter/html"
	"github.com/blevesearch/bleve/v2/search/query"

	"wemart/search/analysis"
)

// Embedded is the default engine: bleve indexes (scorch, on disk) in a
// directory of the data dir, one sub-directory a generation. One process
// at a time: a second one fails to open the index instead of corrupting it
// (several processes need Meilisearch).
type Embedded struct{ dir string }

// NewEmbedded returns the embedded engine keeping its indexes under dir.
func NewEmbedded(dir string) *Embedded { return &Embedded{dir: dir} }

// Name implements Engine.
func (e *Embedded) Name() string { return "embedded" }

func (e *Embedded) path(gen int64) string { return filepath.Join(e.dir, fmt.Sprintf("gen-%d", gen)) }

// Open implements Engine.
func (e *Embedded) Open(_ context.Context, gen int64) (Index, bool, error) {
	path := e.path(gen)
	cfg := map[string]interface{}{"bolt_timeout": "2s"}
	idx, err := bleve.OpenUsing(path, cfg)
	created := false
	if errors.Is(err, bleve.ErrorIndexPathDoesNotExist) {
		m, merr := indexMapping()
		if merr != nil {
			return nil, false, merr
		}
		if err := os.MkdirAll(e.dir, 0o755); err != nil {
			return nil, false, err
		}
		idx, err = bleve.NewUsing(path, m, scorch.Name, scorch.Name, cfg)
		created = true
	}
	if err != nil {
		return nil, false, fmt.Errorf("%w: embedded index %s: %v (is another wemart process using it? several processes need Meilisearch)", ErrUnavailable, path, err)
	}
	x := &embeddedIndex{idx: idx}
	if !created {
		// The first search would otherwise decode the columns.
		x.warming.Add(1)
		go x.warm()
	}
	return x, created, nil
}

// Drop implements Engine.
func (e *Embedded) Drop(_ context.Context, gen int64) error { return os.RemoveAll(e.path(gen)) }

// The analysis of text fields: Unicode words, full-width forms folded, lower
// case, Chinese runs split into overlapping bigrams plus single characters
// (so both 牛奶 and 奶 find 光明鲜牛奶), English words stemmed (milks →
// milk). Text is folded first (package analysis: traditional characters
// made simplified). Queries are split into words by the dictionary
// (analysis.Parse) and each Chinese word must have all its bigrams: 光明牛奶
// → 光明 and 牛奶, which 光明 优倍 鲜牛奶 has, rather than the bigram 明牛,
// which it has not. Pinyin tokens are computed in Go and indexed as they are.
const (
	analyzerName = "wemart"
	bigramFilter = "cjk_bigram_unigram"
	// queryAnalyzer analyses what shoppers type without the single
	// characters: 家庭装 looks for 家庭 and 庭装, not also 家, 庭 and 装 (a lone
	// character still comes out as itself), which finds the same documents
	// with fewer postings to intersect.
	queryAnalyzer = "wemart_query"
	// tokensAnalyzer indexes space-separated tokens as they are (pinyin).
	tokensAnalyzer = "wemart_tokens"
)

// bleve's HTML highlighter marks terms with <mark>; the API promises <em>.
var markToEm = strings.NewReplacer("<mark>", "<em>", "</mark>", "</em>")

func indexMapping() (*mapping.IndexMappingImpl, error) {
	im := bleve.NewIndexMapping()
	if err := im.AddCustomTokenFilter(bigramFilter, map[string]interface{}{"type": cjk.BigramName, "output_unigram": true}); err != nil {
		return nil, err
	}
	if err := im.AddCustomAnalyzer(analyzerName, map[string]interface{}{
		"type": custom.Name, "tokenizer": unicodetok.Name,
		"token_filters": []interface{}{cjk.WidthName, lowercase.Name, bigramFilter, porter.Name},
	}); err != nil {
		return nil, err
	}
	if err := im.AddCustomAnalyzer(queryAnalyzer, map[string]interface{}{
		"type": custom.Name, "tokenizer": unicodetok.Name,
		"token_filters": []interface{}{cjk.WidthName, lowercase.Name, cjk.BigramName, porter.Name},
	}); err != nil {
		return nil, err
	}
	if err := im.AddCustomAnalyzer(tokensAnalyzer, map[string]interface{}{
		"type": custom.Name, "tokenizer": whitespace.Name,
	}); err != nil {
		return nil, err
	}
	// Doc values only where a sort or a facet needs them (the category and
	// the sort keys, which collect decodes once per segment into columns),
	// and sort keys as one-term keywords rather than numbers (which index a
	// dozen prefix terms each).
	text := func(analyzer string, store bool) *mapping.FieldMapping {
		f := bleve.NewTextFieldMapping()
		f.Analyzer, f.Store, f.IncludeTermVectors, f.IncludeInAll, f.DocValues = analyzer, store, store, false, false
		return f
	}
	filterNum := func(store bool) *mapping.FieldMapping {
		f := bleve.NewNumericFieldMapping()
		f.Store, f.IncludeInAll, f.DocValues = store, false, false
		return f
	}
	storedNum := func() *mapping.FieldMapping {
		f := bleve.NewNumericFieldMapping()
		f.Index, f.Store, f.IncludeInAll, f.DocValues = false, true, false, false
		return f
	}
	keyword := func(docValues bool) *mapping.FieldMapping {
		f := bleve.NewKeywordFieldMapping()
		f.IncludeInAll, f.DocValues, f.Store = false, docValues, false
		return f
	}
	stored := func() *mapping.FieldMapping {
		f := bleve.NewTextFieldMapping()
		f.Index, f.IncludeInAll, f.DocValues = false, false, false
		return f
	}
	doc := bleve.NewDocumentStaticMapping()
	doc.AddFieldMappingsAt("title", text(analyzerName, true)) // folded; highlighted
	doc.AddFieldMappingsAt("display", stored())               // the title as staff wrote it
	doc.AddFieldMappingsAt("subtitle", text(analyzerName, false))
	doc.AddFieldMappingsAt("aliases", text(analyzerName, false))
	doc.AddFieldMappingsAt("alias_keys", keyword(false)) // each alias whole, folded
	doc.AddFieldMappingsAt("skus", text(analyzerName, false))
	doc.AddFieldMappingsAt("pinyin", text(tokensAnalyzer, false))
	doc.AddFieldMappingsAt("initials", text(tokensAnalyzer, false))
	doc.AddFieldMappingsAt("category", keyword(true)) // filter and facet
	doc.AddFieldMappingsAt("price_min", filterNum(true))
	doc.AddFieldMappingsAt("price_max", filterNum(true))
	doc.AddFieldMappingsAt("stores", filterNum(false))
	doc.AddFieldMappingsAt("cat", storedNum())
	doc.AddFieldMappingsAt("sales", storedNum())
	doc.AddFieldMappingsAt("sort_sales", keyword(true))
	doc.AddFieldMappingsAt("sort_price", keyword(true))
	doc.AddFieldMappingsAt("sort_id", keyword(true))
	doc.AddFieldMappingsAt("image", stored())
	im.DefaultMapping = doc
	im.DefaultAnalyzer = analyzerName
	return im, nil
}

type embeddedIndex struct {
	idx bleve.Index
	// cols are the sort keys and categories of the index's segments.
	cols columns
	// warming is the warm-up of cols after opening an existing index.
	warming sync.WaitGroup
	// synonyms are applied to queries (SetSynonyms).
	synonyms atomic.Pointer[analysis.Synonyms]
}

func (x *embeddedIndex) Upsert(_ context.Context, docs []Document) error {
	b := x.idx.NewBatch()
	for _, d := range docs {
		stores := make([]float64, len(d.Stores))
		for i, s := range d.Stores {
			stores[i] = float64(s)
		}
		t := textOf(d)
		if err := b.Index(strconv.Itoa(d.ID), map[string]interface{}{
			"title": t.Title, "display": d.Title, "subtitle": t.Subtitle, "aliases": t.Aliases, "alias_keys": t.Aliases, "skus": t.Skus,
			"pinyin": strings.Join(t.Pinyin, " "), "initials": strings.Join(t.Initials, " "),
			"category": strconv.Itoa(d.CategoryID), "cat": float64(d.CategoryID),
			"price_min": float64(d.PriceMinFen), "price_max": float64(d.PriceMaxFen),
			"sales": float64(d.Sales), "stores": stores, "image": d.Image,
			"sort_sales": sortKey(d.Sales), "sort_price": sortKey(d.PriceMinFen), "sort_id": sortKey(int64(d.ID)),
		}); err != nil {
			return err
		}
	}
	return unavailable(x.idx.Batch(b))
}

func (x *embeddedIndex) Delete(_ context.Context, ids []int) error {
	b := x.idx.NewBatch()
	for _, id := range ids {
		b.Delete(strconv.Itoa(id))
	}
	return unavailable(x.idx.Batch(b))
}

// sortKey renders a non-negative number so that keys sort as the numbers do.
func sortKey(n int64) string { return fmt.Sprintf("%019d", max(n, 0)) }

func unavailable(err error) error {
	if err == nil {
		return nil
	}
	return fmt.Errorf("%w: %v", ErrUnavailable, err)
}

func numRange(field string, lo, hi *float64) query.Query {
	t := true
	q := bleve.NewNumericRangeInclusiveQuery(lo, hi, &t, &t)
	q.SetField(field)
	return q
}

// filters are the query's conditions (text: the words' query, nil for
// none), with or without the category: a
// conjunction, or, when the query reprices products or keeps only some, the
// same conditions with the price and id ones as a filter that scores nothing.
func filters(q Query, withCategory bool, text query.Query) query.Query {
	var must []query.Query
	if text != nil {
		must = append(must, text)
	}
	if withCategory && q.CategoryID != 0 {
		t := bleve.NewTermQuery(strconv.Itoa(q.CategoryID))
		t.SetField("category")
		must = append(must, t)
	}
	if q.InStockAt != 0 {
		s := float64(q.InStockAt)
		must = append(must, numRange("stores", &s, &s))
	}
	bounds := priceBounds(q)
	if q.OnlyIDs == nil && !q.repricing() {
		must = append(must, bounds...)
		switch len(must) {
		case 0:
			return bleve.NewMatchAllQuery()
		case 1: // a conjunction of one is a searcher more per match
			return must[0]
		}
		return bleve.NewConjunctionQuery(must...)
	}
	var keep []query.Query
	if q.OnlyIDs != nil {
		keep = append(keep, docIDs(q.OnlyIDs))
	}
	if q.repricing() {
		// (bounds AND NOT id IN Repriced) OR id IN RepricedMatch
		var indexed query.Query = bleve.NewMatchAllQuery()
		if len(bounds) > 0 || len(q.Repriced) > 0 {
			b := bleve.NewBooleanQuery()
			b.AddMust(bounds...)
			if len(q.Repriced) > 0 {
				b.AddMustNot(docIDs(q.Repriced))
			}
			indexed = b
		}
		if len(q.RepricedMatch) > 0 {
			indexed = bleve.NewDisjunctionQuery(indexed, docIDs(q.RepricedMatch))
		}
		keep = append(keep, indexed)
	} else {
		keep = append(keep, bounds...)
	}
	b := bleve.NewBooleanQuery()
	b.AddMust(must...)
	b.AddFilter(bleve.NewConjunctionQuery(keep...))
	return b
}

// priceBounds are the price conditions: a product's indexed range meets
// [MinPriceFen, MaxPriceFen].
func priceBounds(q Query) []query.Query {
	var out []query.Query
	if q.MaxPriceFen >= 0 {
		hi := float64(q.MaxPriceFen)
		out = append(out, numRange("price_min", nil, &hi))
	}
	if q.MinPriceFen >= 0 {
		lo := float64(q.MinPriceFen)
		out = append(out, numRange("price_max", &lo, nil))
	}
	return out
}

func docIDs(ids []int) query.Query {
	keys := make([]string, len(ids))
	for i, id := range ids {
		keys[i] = strconv.Itoa(id)
	}
	return bleve.NewDocIDQuery(keys)
}

func (x *embeddedIndex) Search(ctx context.Context, q Query) (Result, error) {
	if q.OnlyIDs != nil && len(q.OnlyIDs) == 0 {
		return Result{Hits: []Hit{}, Match: MatchAll}, nil
	}
	var words []analysis.Concept
	var beyond []string
	if strings.TrimSpace(q.Text) != "" {
		words, beyond = analysis.ParseQuery(q.Text, x.synonyms.Load())
	}
	return cascade(ctx, q, words, beyond, x.run)
}

// run runs q with its words matched as pass p says: one pass over the
// matches (collect) finds the page, the total and the category facets, and
// only the page's hits are then read whole.
func (x *embeddedIndex) run(ctx context.Context, q Query, words []analysis.Concept, p Pass) (Result, error) {
	var text query.Query
	if len(words) > 0 {
		text = x.wordsQuery(p.kept(words), p.Tolerant)
	}
	o := orderOf(q)
	spec := collectSpec{o: o, scored: o == byScore && text != nil, category: q.CategoryID,
		offset: q.Offset, facets: !q.probe, first: q.probe}
	if q.Limit > 0 {
		spec.keep = q.Offset + q.Limit
	}
	c, err := x.collect(ctx, filters(q, false, text), spec)
	if err != nil {
		return Result{}, unavailable(err)
	}
	out := Result{Total: c.total, Categories: c.facets, Hits: make([]Hit, 0, len(c.page))}
	if q.Lean {
		for _, e := range c.page {
			out.Hits = append(out.Hits, Hit{ID: int(e.id), PriceMinFen: e.price})
		}
		return out, nil
	}
	docs, err := x.fetch(ctx, c.page, text, hitFields)
	if err != nil {
		return Result{}, unavailable(err)
	}
	for _, e := range c.page {
		h := docs[int(e.id)]
		if h == nil { // dropped since it was collected, as it would be a moment later
			continue
		}
		hit := Hit{ID: int(e.id), Title: displayTitle(h.Fields), CategoryID: int(num(h.Fields["cat"])),
			PriceMinFen: int64(num(h.Fields["price_min"])), PriceMaxFen: int64(num(h.Fields["price_max"])),
			Sales: int64(num(h.Fields["sales"])), Image: str(h.Fields["image"])}
		hit.TitleHighlight = html.EscapeString(hit.Title)
		if frags := h.Fragments["title"]; len(frags) > 0 && str(h.Fields["title"]) == hit.Title {
			hit.TitleHighlight = markToEm.Replace(frags[0])
		}
		out.Hits = append(out.Hits, hit)
	}
	return out, nil
}

// hitFields are the stored fields a whole hit reads.
var hitFields = []string{"title", "display", "cat", "price_min", "price_max", "sales", "image"}

// fetch reads the stored fields of the collected entries, by product id,
// and, with text, highlights the title where text matched it.
func (x *embeddedIndex) fetch(ctx context.Context, page []entry, text query.Query, fields []string) (map[int]*bsearch.DocumentMatch, error) {
	if len(page) == 0 {
		return nil, nil
	}
	ids := make([]string, len(page))
	for i, e := range page {
		ids[i] = strconv.Itoa(int(e.id))
	}
	var q query.Query = bleve.NewDocIDQuery(ids)
	if text != nil {
		q = bleve.NewConjunctionQuery(q, text)
	}
	req := bleve.NewSearchRequestOptions(q, len(ids), 0, false)
	req.Fields = fields
	if text != nil {
		req.Highlight = bleve.NewHighlightWithStyle(htmlhl.Name)
		req.Highlight.AddField("title")
	}
	res, err := x.idx.SearchInContext(ctx, req)
	if err != nil {
		return nil, err
	}
	out := make(map[int]*bsearch.DocumentMatch, len(res.Hits))
	for _, h := range res.Hits {
		if id, err := strconv.Atoi(h.ID); err == nil {
			out[id] = h
		}
	}
	return out, nil
}

// displayTitle is the title as staff wrote it; an index built by an older
// wemart (search.Format 1, searched while its rebuild runs) has it in title.
func displayTitle(fields map[string]interface{}) string {
	if t := str(fields["display"]); t != "" {
		return t
	}
	return str(fields["title"])
}

func str(v interface{}) string {
	s, _ := v.(string)
	return s
}

func num(v interface{}) float64 {
	f, _ := v.(float64)
	return f
}

func (x *embeddedIndex) Suggest(ctx context.Context, prefix string, limit int) ([]Suggestion, error) {
	words := analysis.Parse(prefix, x.synonyms.Load())
	if len(words) == 0 {
		return nil, nil
	}
	for _, tolerant := range []bool{false, true} {
		c, err := x.collect(ctx, x.suggestQuery(words, tolerant), collectSpec{o: bySales, keep: limit})
		if err != nil {
			return nil, unavailable(err)
		}
		if len(c.page) == 0 && !tolerant {
			continue
		}
		docs, err := x.fetch(ctx, c.page, nil, []string{"display", "title"})
		if err != nil {
			return nil, unavailable(err)
		}
		out := make([]Suggestion, 0, len(c.page))
		for _, e := range c.page {
			if h := docs[int(e.id)]; h != nil {
				out = append(out, Suggestion{ID: int(e.id), Title: displayTitle(h.Fields)})
			}
		}
		return out, nil
	}
	return nil, nil
}

func (x *embeddedIndex) Ping(context.Context) error {
	_, err := x.idx.DocCount()
	return unavailable(err)
}

// Close waits for the warm-up, then closes the index.
func (x *embeddedIndex) Close() error {
	x.warming.Wait()
	return x.idx.Close()
}

// SetSynonyms implements Index: the groups apply to the next queries (the
// index itself does not change).
func (x *embeddedIndex) SetSynonyms(_ context.Context, groups [][]string) error {
	x.synonyms.Store(analysis.NewSynonyms(groups))
	return nil
}
