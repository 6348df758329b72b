package search

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"html"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/meilisearch/meilisearch-go"

	"wemart/search/analysis"
)

// Meili is the production engine: a Meilisearch server, one index a
// generation ("wemart_products_<gen>"), settings applied whenever a
// generation is opened, every write awaited and its failure reported.
type Meili struct {
	client meilisearch.ServiceManager
	prefix string
}

// MeiliTimeout bounds every request to Meilisearch (waiting for a task polls
// within it).
const MeiliTimeout = 10 * time.Second

// NewMeili returns the engine for the Meilisearch server at url (with key,
// which may be empty). The client's own retries are off: they resend writes
// with empty bodies and blur errors; the outbox retries instead.
func NewMeili(url, key string) *Meili {
	return &Meili{
		client: meilisearch.New(strings.TrimSuffix(url, "/"), meilisearch.WithAPIKey(key),
			meilisearch.WithCustomClient(&http.Client{Timeout: MeiliTimeout}), meilisearch.DisableRetries()),
		prefix: "wemart_products",
	}
}

// Name implements Engine.
func (m *Meili) Name() string { return "meilisearch" }

func (m *Meili) uid(gen int64) string { return fmt.Sprintf("%s_%d", m.prefix, gen) }

// Settings are the index settings wemart applies: what is searched (title,
// then the aliases and pinyin, then SKU names and the subtitle), filtered,
// sorted and shown; that titles are Mandarin (so Meilisearch segments
// Chinese instead of guessing the language: queries arrive segmented by
// package analysis anyway); typos forgiven in words of five letters or
// more (two from eight, as the embedded index), never in initials.
// Synonyms are set apart (SetSynonyms), so that opening a generation does
// not reset them.
func Settings() *meilisearch.Settings {
	return &meilisearch.Settings{
		SearchableAttributes: []string{"title", "aliases", "pinyin", "initials", "skus", "subtitle"},
		DisplayedAttributes:  []string{"id", "title", "category_id", "price_min_fen", "price_max_fen", "sales", "image"},
		FilterableAttributes: []string{"id", "category_id", "price_min_fen", "price_max_fen", "stores"},
		SortableAttributes:   []string{"price_min_fen", "sales", "id"},
		LocalizedAttributes: []*meilisearch.LocalizedAttributes{
			{Locales: []string{"cmn"}, AttributePatterns: []string{"title", "aliases", "skus", "subtitle"}},
		},
		TypoTolerance: &meilisearch.TypoTolerance{Enabled: true,
			MinWordSizeForTypos: meilisearch.MinWordSizeForTypos{OneTypo: 5, TwoTypos: 8},
			DisableOnWords:      []string{}, DisableOnAttributes: []string{"initials"}},
		Pagination: &meilisearch.Pagination{MaxTotalHits: 10000},
		Faceting:   &meilisearch.Faceting{MaxValuesPerFacet: 200},
	}
}

// meiliDoc is a document as Meilisearch holds it: the product's fields and
// its text as package analysis makes it (the same as the embedded index).
type meiliDoc struct {
	Document
	Title    string `json:"title"` // as staff wrote it (shown)
	Subtitle string `json:"subtitle"`
	Aliases  string `json:"aliases"`
	Skus     string `json:"skus"`
	Pinyin   string `json:"pinyin"`
	Initials string `json:"initials"`
}

func meiliDocOf(d Document) meiliDoc {
	t := textOf(d)
	return meiliDoc{Document: d, Title: d.Title, Subtitle: t.Subtitle, Aliases: strings.Join(t.Aliases, " , "),
		Skus: strings.Join(t.Skus, " , "), Pinyin: strings.Join(t.Pinyin, " "), Initials: strings.Join(t.Initials, " ")}
}

// Open implements Engine.
func (m *Meili) Open(ctx context.Context, gen int64) (Index, bool, error) {
	uid := m.uid(gen)
	created := false
	if _, err := m.client.GetIndexWithContext(ctx, uid); err != nil {
		if apiCode(err) != "index_not_found" {
			return nil, false, m.fail(err)
		}
		task, err := m.client.CreateIndexWithContext(ctx, &meilisearch.IndexConfig{Uid: uid, PrimaryKey: "id"})
		if err := m.wait(ctx, task, err); err != nil {
			return nil, false, err
		}
		created = true
	}
	idx := &meiliIndex{m: m, idx: m.client.Index(uid)}
	task, err := idx.idx.UpdateSettingsWithContext(ctx, Settings())
	if err := m.wait(ctx, task, err); err != nil {
		return nil, false, err
	}
	return idx, created, nil
}

// Drop implements Engine.
func (m *Meili) Drop(ctx context.Context, gen int64) error {
	task, err := m.client.DeleteIndexWithContext(ctx, m.uid(gen))
	if apiCode(err) == "index_not_found" {
		return nil
	}
	return m.wait(ctx, task, err)
}

// wait awaits a task and turns its failure into an error.
func (m *Meili) wait(ctx context.Context, task *meilisearch.TaskInfo, err error) error {
	if err != nil {
		return m.fail(err)
	}
	t, err := m.client.WaitForTaskWithContext(ctx, task.TaskUID, 20*time.Millisecond)
	if err != nil {
		return m.fail(err)
	}
	if t.Status != meilisearch.TaskStatusSucceeded {
		return fmt.Errorf("%w: meilisearch task %d (%s) %s: %s %s", ErrUnavailable, t.UID, t.Type, t.Status, t.Error.Code, t.Error.Message)
	}
	return nil
}

func (m *Meili) fail(err error) error { return fmt.Errorf("%w: meilisearch: %v", ErrUnavailable, err) }

// apiCode is Meilisearch's error code ("index_not_found") carried by err.
func apiCode(err error) string {
	var me *meilisearch.Error
	if errors.As(err, &me) {
		return me.MeilisearchApiError.Code
	}
	return ""
}

type meiliIndex struct {
	m   *Meili
	idx meilisearch.IndexManager
}

// meiliBatch is how many documents go in one request.
const meiliBatch = 1000

func (x *meiliIndex) Upsert(ctx context.Context, docs []Document) error {
	pk := "id"
	for start := 0; start < len(docs); start += meiliBatch {
		batch := make([]meiliDoc, 0, meiliBatch)
		for _, d := range docs[start:min(start+meiliBatch, len(docs))] {
			batch = append(batch, meiliDocOf(d))
		}
		task, err := x.idx.AddDocumentsWithContext(ctx, batch, &meilisearch.DocumentOptions{PrimaryKey: &pk})
		if err := x.m.wait(ctx, task, err); err != nil {
			return err
		}
	}
	return nil
}

func (x *meiliIndex) Delete(ctx context.Context, ids []int) error {
	keys := make([]string, len(ids))
	for i, id := range ids {
		keys[i] = strconv.Itoa(id)
	}
	task, err := x.idx.DeleteDocumentsWithContext(ctx, keys, nil)
	return x.m.wait(ctx, task, err)
}

// meiliFilter renders a query's conditions in Meilisearch's filter syntax
// (only numbers are ever interpolated); nil when there are none (an empty
// string would be sent as a filter).
func meiliFilter(q Query, withCategory bool) any {
	var f []string
	if withCategory && q.CategoryID != 0 {
		f = append(f, fmt.Sprintf("category_id = %d", q.CategoryID))
	}
	var bounds []string
	if q.MaxPriceFen >= 0 {
		bounds = append(bounds, fmt.Sprintf("price_min_fen <= %d", q.MaxPriceFen))
	}
	if q.MinPriceFen >= 0 {
		bounds = append(bounds, fmt.Sprintf("price_max_fen >= %d", q.MinPriceFen))
	}
	switch {
	case !q.repricing():
		f = append(f, bounds...)
	default:
		// (bounds AND id NOT IN Repriced) OR id IN RepricedMatch
		indexed := bounds
		if len(q.Repriced) > 0 {
			indexed = append(indexed, "id NOT IN "+idList(q.Repriced))
		}
		switch {
		case len(q.RepricedMatch) == 0:
			f = append(f, indexed...)
		case len(indexed) > 0:
			f = append(f, "(("+strings.Join(indexed, " AND ")+") OR id IN "+idList(q.RepricedMatch)+")")
		}
	}
	if q.OnlyIDs != nil {
		f = append(f, "id IN "+idList(q.OnlyIDs))
	}
	if q.InStockAt != 0 {
		f = append(f, fmt.Sprintf("stores = %d", q.InStockAt))
	}
	if len(f) == 0 {
		return nil
	}
	return strings.Join(f, " AND ")
}

// idList renders ids as a Meilisearch array: [1, 2, 3].
func idList(ids []int) string {
	var b strings.Builder
	b.WriteByte('[')
	for i, id := range ids {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(strconv.Itoa(id))
	}
	b.WriteByte(']')
	return b.String()
}

// meiliPage maps offset/limit onto Meilisearch's pages (the mode that counts
// totals exactly): the smallest page size from limit up whose one page holds
// the whole window, that page, and how many of its hits come before the window.
func meiliPage(offset, limit int) (page, perPage, skip int) {
	if limit <= 0 {
		return 1, 0, 0
	}
	perPage = limit
	for offset/perPage != (offset+limit-1)/perPage {
		perPage++
	}
	page = offset/perPage + 1
	return page, perPage, offset - (page-1)*perPage
}

func meiliSort(q Query) []string {
	switch q.Sort {
	case SortPriceAsc:
		return []string{"price_min_fen:asc", "id:asc"}
	case SortPriceDesc:
		return []string{"price_min_fen:desc", "id:asc"}
	case SortSales:
		return []string{"sales:desc", "id:asc"}
	}
	if strings.TrimSpace(q.Text) == "" {
		return []string{"sales:desc", "id:asc"}
	}
	return nil // relevance: Meilisearch's ranking rules
}

// Highlight markers that cannot occur in a title, turned into <em> after the
// rest of the title is HTML-escaped (Meilisearch does not escape).
const (
	markOpen  = "\x01"
	markClose = "\x02"
)

var markToTags = strings.NewReplacer(markOpen, "<em>", markClose, "</em>")

type meiliHit struct {
	ID          int    `json:"id"`
	Title       string `json:"title"`
	CategoryID  int    `json:"category_id"`
	PriceMinFen int64  `json:"price_min_fen"`
	PriceMaxFen int64  `json:"price_max_fen"`
	Sales       int64  `json:"sales"`
	Image       string `json:"image"`
	Formatted   struct {
		Title string `json:"title"`
	} `json:"_formatted"`
}

func (x *meiliIndex) Search(ctx context.Context, q Query) (Result, error) {
	if q.OnlyIDs != nil && len(q.OnlyIDs) == 0 {
		return Result{Hits: []Hit{}, Match: MatchAll}, nil
	}
	var words []analysis.Concept
	var beyond []string
	if strings.TrimSpace(q.Text) != "" {
		// Synonyms are Meilisearch's own (settings): not expanded here.
		words, beyond = analysis.ParseQuery(q.Text, nil)
	}
	return cascade(ctx, q, words, beyond, x.run)
}

// meiliText is what Meilisearch is asked for a pass: the kept words,
// folded and segmented, every one required (matching strategy "all");
// in the tolerant pass, Chinese words by their pinyin, which finds
// homophones in the pinyin field (Meilisearch forgives Latin typos by
// itself); the passes with fewer words ask for the words as typed.
func meiliText(words []analysis.Concept, p Pass) string {
	parts := make([]string, 0, len(words))
	for _, w := range p.kept(words) {
		if p.Tolerant && w.Pinyin != "" {
			parts = append(parts, w.Pinyin)
			continue
		}
		parts = append(parts, w.Text)
	}
	return strings.Join(parts, " ")
}

// run runs q with its words matched as pass p says.
func (x *meiliIndex) run(ctx context.Context, q Query, words []analysis.Concept, p Pass) (Result, error) {
	text := ""
	if len(words) > 0 {
		text = meiliText(words, p)
	}
	page, size, skip := meiliPage(q.Offset, q.Limit)
	perPage := int64(size)
	req := &meilisearch.SearchRequest{
		HitsPerPage: &perPage,
		Page:        int64(page),
		Filter:      meiliFilter(q, true),
		Sort:        meiliSort(q),
	}
	if text != "" {
		req.MatchingStrategy = meilisearch.All
	}
	switch {
	case q.Lean:
		req.AttributesToRetrieve = []string{"id", "price_min_fen"}
	case text != "":
		req.AttributesToHighlight = []string{"title"}
		req.HighlightPreTag, req.HighlightPostTag = markOpen, markClose
	}
	if q.CategoryID == 0 && !q.probe {
		req.Facets = []string{"category_id"}
	}
	res, err := x.idx.SearchWithContext(ctx, text, req)
	if err != nil {
		return Result{}, x.m.fail(err)
	}
	var hits []meiliHit
	if err := res.Hits.DecodeInto(&hits); err != nil {
		return Result{}, x.m.fail(err)
	}
	hits = hits[min(skip, len(hits)):]
	hits = hits[:min(q.Limit, len(hits))]
	out := Result{Total: int(res.TotalHits), Hits: make([]Hit, len(hits))}
	for i, h := range hits {
		hl := html.EscapeString(h.Title)
		if h.Formatted.Title != "" {
			hl = markToTags.Replace(html.EscapeString(h.Formatted.Title))
		}
		out.Hits[i] = Hit{ID: h.ID, Title: h.Title, TitleHighlight: hl, CategoryID: h.CategoryID,
			PriceMinFen: h.PriceMinFen, PriceMaxFen: h.PriceMaxFen, Sales: h.Sales, Image: h.Image}
	}
	facets := res.FacetDistribution
	if q.CategoryID != 0 && !q.probe { // counts over every filter but the category
		zero := int64(0)
		fres, err := x.idx.SearchWithContext(ctx, text, &meilisearch.SearchRequest{
			HitsPerPage: &zero, Filter: meiliFilter(q, false), Facets: []string{"category_id"},
			MatchingStrategy: req.MatchingStrategy})
		if err != nil {
			return Result{}, x.m.fail(err)
		}
		facets = fres.FacetDistribution
	}
	var dist map[string]map[string]int
	if len(facets) > 0 {
		if err := json.Unmarshal(facets, &dist); err != nil {
			return Result{}, x.m.fail(err)
		}
	}
	for term, n := range dist["category_id"] {
		if id, err := strconv.Atoi(term); err == nil && id != 0 {
			out.Categories = append(out.Categories, Facet{CategoryID: id, Count: n})
		}
	}
	sortFacets(out.Categories)
	return out, nil
}

func (x *meiliIndex) Suggest(ctx context.Context, prefix string, limit int) ([]Suggestion, error) {
	words := analysis.Parse(prefix, nil)
	if len(words) == 0 {
		return nil, nil
	}
	// Meilisearch takes the last word as a prefix by itself; best sellers
	// first among the titles with every word.
	for _, p := range []Pass{{}, {Tolerant: true}} {
		res, err := x.idx.SearchWithContext(ctx, meiliText(words, p), &meilisearch.SearchRequest{
			Limit: int64(limit), AttributesToRetrieve: []string{"id", "title"},
			MatchingStrategy: meilisearch.All, Sort: []string{"sales:desc", "id:asc"}})
		if err != nil {
			return nil, x.m.fail(err)
		}
		var hits []meiliHit
		if err := res.Hits.DecodeInto(&hits); err != nil {
			return nil, x.m.fail(err)
		}
		if len(hits) == 0 && !p.Tolerant {
			continue
		}
		out := make([]Suggestion, len(hits))
		for i, h := range hits {
			out[i] = Suggestion{ID: h.ID, Title: h.Title}
		}
		return out, nil
	}
	return nil, nil
}

func (x *meiliIndex) Ping(ctx context.Context) error {
	h, err := x.m.client.HealthWithContext(ctx)
	if err != nil {
		return x.m.fail(err)
	}
	if h.Status != "available" {
		return fmt.Errorf("%w: meilisearch health is %q", ErrUnavailable, h.Status)
	}
	return nil
}

func (x *meiliIndex) Close() error { return nil }

// SetSynonyms implements Index: Meilisearch's synonyms setting, each term
// (folded as queries are) with the other terms of its group.
func (x *meiliIndex) SetSynonyms(ctx context.Context, groups [][]string) error {
	m := analysis.NewSynonyms(groups).Map()
	task, err := x.idx.UpdateSynonymsWithContext(ctx, &m)
	return x.m.wait(ctx, task, err)
}
