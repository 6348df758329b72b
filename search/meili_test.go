package search

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"
)

// fakeMeili answers as Meilisearch does (status codes, task objects, error
// bodies) and records every request, so the backend's request shapes can be
// checked exactly. It searches nothing: search answers are canned.
type fakeMeili struct {
	mu       sync.Mutex
	requests []recorded
	indexes  map[string]bool
	tasks    int
	failNext string // a task error code to fail the next task with
	search   []map[string]any
	// found, when set, names the query texts that find the canned hits;
	// the others find nothing.
	found map[string]bool
	down  bool
	url   string
}

type recorded struct {
	Method, Path, Query string
	Body                any
}

func newFakeMeili(t *testing.T) (*fakeMeili, *Meili) {
	f := &fakeMeili{indexes: map[string]bool{}}
	srv := httptest.NewServer(f)
	t.Cleanup(srv.Close)
	f.url = srv.URL
	return f, NewMeili(srv.URL, "master-key")
}

func (f *fakeMeili) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.down {
		w.WriteHeader(http.StatusServiceUnavailable)
		return
	}
	var body any
	if b, _ := io.ReadAll(r.Body); len(b) > 0 {
		_ = json.Unmarshal(b, &body)
	}
	if r.Header.Get("Authorization") != "Bearer master-key" {
		w.WriteHeader(http.StatusUnauthorized)
		json.NewEncoder(w).Encode(map[string]string{"message": "The provided API key is invalid.", "code": "invalid_api_key", "type": "auth", "link": ""})
		return
	}
	if !strings.HasPrefix(r.URL.Path, "/tasks/") && r.URL.Path != "/health" {
		f.requests = append(f.requests, recorded{r.Method, r.URL.Path, r.URL.RawQuery, body})
	}
	task := func(uid, kind string) {
		f.tasks++
		w.WriteHeader(http.StatusAccepted)
		json.NewEncoder(w).Encode(map[string]any{"taskUid": f.tasks, "indexUid": uid, "status": "enqueued", "type": kind, "enqueuedAt": "2026-11-21T00:00:00Z"})
	}
	parts := strings.Split(strings.Trim(r.URL.Path, "/"), "/")
	switch {
	case r.URL.Path == "/health":
		json.NewEncoder(w).Encode(map[string]string{"status": "available"})
	case parts[0] == "tasks":
		status, errBody := "succeeded", any(nil)
		if f.failNext != "" {
			status = "failed"
			errBody = map[string]string{"message": "it failed", "code": f.failNext, "type": "invalid_request", "link": ""}
			f.failNext = ""
		}
		json.NewEncoder(w).Encode(map[string]any{"uid": json.Number(parts[1]), "indexUid": "x", "status": status, "type": "t",
			"error": errBody, "enqueuedAt": "2026-11-21T00:00:00Z"})
	case r.Method == "POST" && r.URL.Path == "/indexes":
		uid := body.(map[string]any)["uid"].(string)
		f.indexes[uid] = true
		task(uid, "indexCreation")
	case r.Method == "GET" && len(parts) == 2 && parts[0] == "indexes":
		if !f.indexes[parts[1]] {
			w.WriteHeader(http.StatusNotFound)
			json.NewEncoder(w).Encode(map[string]string{"message": "Index `" + parts[1] + "` not found.", "code": "index_not_found", "type": "invalid_request", "link": ""})
			return
		}
		json.NewEncoder(w).Encode(map[string]any{"uid": parts[1], "primaryKey": "id", "createdAt": "2026-11-21T00:00:00Z", "updatedAt": "2026-11-21T00:00:00Z"})
	case r.Method == "DELETE" && len(parts) == 2:
		delete(f.indexes, parts[1])
		task(parts[1], "indexDeletion")
	case r.Method == "PATCH" && len(parts) == 3 && parts[2] == "settings":
		task(parts[1], "settingsUpdate")
	case r.Method == "POST" && len(parts) == 3 && parts[2] == "documents":
		task(parts[1], "documentAdditionOrUpdate")
	case r.Method == "POST" && len(parts) == 4 && parts[3] == "delete-batch":
		task(parts[1], "documentDeletion")
	case r.Method == "POST" && len(parts) == 3 && parts[2] == "search":
		hits := f.search
		if m, _ := body.(map[string]any); f.found != nil && !f.found[fmt.Sprint(m["q"])] {
			hits = []map[string]any{}
		}
		json.NewEncoder(w).Encode(map[string]any{"hits": hits, "query": "", "processingTimeMs": 1, "hitsPerPage": 20,
			"page": 1, "totalPages": 1, "totalHits": len(hits), "facetDistribution": map[string]any{"category_id": map[string]int{"1": 3, "3": 5}}})
	case r.Method == "PUT" && len(parts) == 4 && parts[2] == "settings" && parts[3] == "synonyms":
		task(parts[1], "settingsUpdate")
	default:
		w.WriteHeader(http.StatusNotFound)
		json.NewEncoder(w).Encode(map[string]string{"message": "not found", "code": "not_found", "type": "invalid_request", "link": ""})
	}
}

func (f *fakeMeili) take() []recorded {
	f.mu.Lock()
	defer f.mu.Unlock()
	r := f.requests
	f.requests = nil
	return r
}

// jsonOf round-trips v through JSON, so expectations compare as decoded JSON.
func jsonOf(t *testing.T, v any) any {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	var out any
	_ = json.Unmarshal(b, &out)
	return out
}

func expect(t *testing.T, got []recorded, want []recorded) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%d requests, want %d:\n%+v", len(got), len(want), got)
	}
	for i := range want {
		w := want[i]
		w.Body = jsonOf(t, w.Body)
		if got[i].Method != w.Method || got[i].Path != w.Path || got[i].Query != w.Query || !reflect.DeepEqual(got[i].Body, w.Body) {
			g, _ := json.Marshal(got[i].Body)
			e, _ := json.Marshal(w.Body)
			t.Fatalf("request %d:\n got  %s %s?%s %s\n want %s %s?%s %s", i, got[i].Method, got[i].Path, got[i].Query, g, w.Method, w.Path, w.Query, e)
		}
	}
}

func TestMeiliOpenAppliesSettings(t *testing.T) {
	f, m := newFakeMeili(t)
	ctx := context.Background()
	idx, created, err := m.Open(ctx, 3)
	if err != nil || !created {
		t.Fatalf("Open: %v, created %v", err, created)
	}
	settings := map[string]any{
		"searchableAttributes": []string{"title", "aliases", "pinyin", "initials", "skus", "subtitle"},
		"displayedAttributes":  []string{"id", "title", "category_id", "price_min_fen", "price_max_fen", "sales", "image"},
		"filterableAttributes": []string{"id", "category_id", "price_min_fen", "price_max_fen", "stores"},
		"sortableAttributes":   []string{"price_min_fen", "sales", "id"},
		"localizedAttributes":  []map[string]any{{"locales": []string{"cmn"}, "attributePatterns": []string{"title", "aliases", "skus", "subtitle"}}},
		"typoTolerance": map[string]any{"enabled": true, "minWordSizeForTypos": map[string]any{"oneTypo": 5, "twoTypos": 8},
			"disableOnWords": []string{}, "disableOnAttributes": []string{"initials"}, "disableOnNumbers": false},
		"pagination": map[string]any{"maxTotalHits": 10000},
		"faceting":   map[string]any{"maxValuesPerFacet": 200, "sortFacetValuesBy": nil},
	}
	expect(t, f.take(), []recorded{
		{Method: "GET", Path: "/indexes/wemart_products_3"},
		{Method: "POST", Path: "/indexes", Body: map[string]string{"uid": "wemart_products_3", "primaryKey": "id"}},
		{Method: "PATCH", Path: "/indexes/wemart_products_3/settings", Body: settings},
	})
	// Opening an existing generation applies the settings again, creates nothing.
	if _, created, err := m.Open(ctx, 3); err != nil || created {
		t.Fatalf("reopen: %v, created %v", err, created)
	}
	expect(t, f.take(), []recorded{
		{Method: "GET", Path: "/indexes/wemart_products_3"},
		{Method: "PATCH", Path: "/indexes/wemart_products_3/settings", Body: settings},
	})
	if err := idx.Ping(ctx); err != nil {
		t.Fatal(err)
	}
}

func TestMeiliDocumentsInBatches(t *testing.T) {
	f, m := newFakeMeili(t)
	ctx := context.Background()
	idx, _, _ := m.Open(ctx, 1)
	f.take()
	docs := make([]Document, 2500)
	for i := range docs {
		docs[i] = Document{ID: i + 1, Title: fmt.Sprintf("商品 %d", i+1), CategoryID: 2, PriceMinFen: 100, PriceMaxFen: 200, Stores: []int{7}}
	}
	if err := idx.Upsert(ctx, docs); err != nil {
		t.Fatal(err)
	}
	got := f.take()
	if len(got) != 3 {
		t.Fatalf("%d document requests for 2500 documents, want 3 batches", len(got))
	}
	for i, n := range []int{1000, 1000, 500} {
		if got[i].Method != "POST" || got[i].Path != "/indexes/wemart_products_1/documents" || got[i].Query != "primaryKey=id" || len(got[i].Body.([]any)) != n {
			t.Fatalf("batch %d: %s %s?%s with %d documents", i, got[i].Method, got[i].Path, got[i].Query, len(got[i].Body.([]any)))
		}
	}
	// The text as package analysis makes it: pinyin of the title's words
	// (商品 → shangpin and its syllables; initials sp).
	want := jsonOf(t, map[string]any{"id": 1, "title": "商品 1", "subtitle": "", "category_id": 2, "price_min_fen": 100,
		"price_max_fen": 200, "sales": 0, "image": "", "stores": []int{7}, "aliases": "", "skus": "",
		"pinyin": "shangpin shang pin", "initials": "sp"})
	if !reflect.DeepEqual(got[0].Body.([]any)[0], want) {
		t.Fatalf("document shape: %v", got[0].Body.([]any)[0])
	}
	if err := idx.Delete(ctx, []int{4, 5}); err != nil {
		t.Fatal(err)
	}
	expect(t, f.take(), []recorded{{Method: "POST", Path: "/indexes/wemart_products_1/documents/delete-batch", Body: []string{"4", "5"}}})
}

func TestMeiliSearchRequests(t *testing.T) {
	f, m := newFakeMeili(t)
	ctx := context.Background()
	idx, _, _ := m.Open(ctx, 1)
	f.take()
	f.search = []map[string]any{{"id": 7, "title": "光明 <鲜>牛奶", "category_id": 1, "price_min_fen": 1090, "price_max_fen": 1890,
		"sales": 5, "image": "", "_formatted": map[string]any{"title": "光明 <鲜>\x01牛奶\x02"}}}
	res, err := idx.Search(ctx, Query{Text: "牛奶", CategoryID: 1, MinPriceFen: 1000, MaxPriceFen: 3000, InStockAt: 12,
		Sort: SortPriceAsc, Offset: 40, Limit: 20})
	if err != nil {
		t.Fatal(err)
	}
	expect(t, f.take(), []recorded{
		{Method: "POST", Path: "/indexes/wemart_products_1/search", Body: map[string]any{
			"q": "牛奶", "hybrid": nil, "matchingStrategy": "all", "hitsPerPage": 20, "page": 3,
			"filter":                "category_id = 1 AND price_min_fen <= 3000 AND price_max_fen >= 1000 AND stores = 12",
			"sort":                  []string{"price_min_fen:asc", "id:asc"},
			"attributesToHighlight": []string{"title"}, "highlightPreTag": "\x01", "highlightPostTag": "\x02"}},
		// Facets count over every filter but the category.
		{Method: "POST", Path: "/indexes/wemart_products_1/search", Body: map[string]any{
			"q": "牛奶", "hybrid": nil, "matchingStrategy": "all", "hitsPerPage": 0,
			"filter": "price_min_fen <= 3000 AND price_max_fen >= 1000 AND stores = 12", "facets": []string{"category_id"}}},
	})
	if len(res.Hits) != 1 || res.Hits[0].ID != 7 || res.Hits[0].TitleHighlight != "光明 &lt;鲜&gt;<em>牛奶</em>" || res.Total != 1 {
		t.Fatalf("result %+v", res)
	}
	if !reflect.DeepEqual(res.Categories, []Facet{{3, 5}, {1, 3}}) {
		t.Fatalf("facets %+v", res.Categories)
	}
	// An empty query lists best sellers; relevance sends no sort.
	idx.Search(ctx, Query{MinPriceFen: -1, MaxPriceFen: -1, Limit: 10})
	idx.Search(ctx, Query{Text: "milk", MinPriceFen: -1, MaxPriceFen: -1, Limit: 10})
	expect(t, f.take(), []recorded{
		{Method: "POST", Path: "/indexes/wemart_products_1/search", Body: map[string]any{"q": "", "hybrid": nil, "hitsPerPage": 10, "page": 1,
			"sort": []string{"sales:desc", "id:asc"}, "facets": []string{"category_id"}}},
		{Method: "POST", Path: "/indexes/wemart_products_1/search", Body: map[string]any{"q": "milk", "hybrid": nil, "matchingStrategy": "all", "hitsPerPage": 10, "page": 1,
			"facets": []string{"category_id"}, "attributesToHighlight": []string{"title"}, "highlightPreTag": "\x01", "highlightPostTag": "\x02"}},
	})
}

// TestMeiliRepricedRequests: a search at a store with prices of its own
// sends Meilisearch the id filters that keep it exact: with a price sort, the
// store-priced products in the bounds (all of them, unsorted by the engine's
// prices) and the others from where the page can be reached; otherwise one
// query whose price condition spares the store-priced products.
func TestMeiliRepricedRequests(t *testing.T) {
	f, m := newFakeMeili(t)
	ctx := context.Background()
	idx, _, _ := m.Open(ctx, 1)
	f.take()
	f.search = []map[string]any{{"id": 4, "title": "牛腱子", "category_id": 8, "price_min_fen": 9990, "price_max_fen": 9990}}
	own := map[int]PriceRange{4: {MinFen: 1500, MaxFen: 1500}, 9: {MinFen: 500, MaxFen: 800}, 2: {MinFen: 9000, MaxFen: 9000}}
	base := Query{Text: "牛", MinPriceFen: 1000, MaxPriceFen: 3000, InStockAt: 12, Limit: 20, Offset: 40}

	byPrice := base
	byPrice.Sort = SortPriceAsc
	if _, err := Repriced(ctx, idx, byPrice, own); err != nil {
		t.Fatal(err)
	}
	expect(t, f.take(), []recorded{
		// How the words match is decided once, on the words alone.
		{Method: "POST", Path: "/indexes/wemart_products_1/search", Body: map[string]any{
			"q": "牛", "hybrid": nil, "matchingStrategy": "all", "hitsPerPage": 0, "page": 1,
			"filter": "stores = 12", "attributesToRetrieve": []string{"id", "price_min_fen"}}},
		{Method: "POST", Path: "/indexes/wemart_products_1/search", Body: map[string]any{
			"q": "牛", "hybrid": nil, "matchingStrategy": "all", "hitsPerPage": 1, "page": 1,
			"filter":               "id IN [4] AND stores = 12",
			"sort":                 []string{"price_min_fen:asc", "id:asc"},
			"facets":               []string{"category_id"},
			"attributesToRetrieve": []string{"id", "price_min_fen"}}},
		// One store-priced product matched: the others' window, 39–59, starts
		// one place before the page (a page of 30, the second, holds it).
		{Method: "POST", Path: "/indexes/wemart_products_1/search", Body: map[string]any{
			"q": "牛", "hybrid": nil, "matchingStrategy": "all", "hitsPerPage": 30, "page": 2,
			"filter":               "price_min_fen <= 3000 AND price_max_fen >= 1000 AND id NOT IN [2, 4, 9] AND stores = 12",
			"sort":                 []string{"price_min_fen:asc", "id:asc"},
			"facets":               []string{"category_id"},
			"attributesToRetrieve": []string{"id", "price_min_fen"}}},
		// The fake holds one product: the page lies past the others' end, so
		// they are read whole to place the store-priced one among them.
		{Method: "POST", Path: "/indexes/wemart_products_1/search", Body: map[string]any{
			"q": "牛", "hybrid": nil, "matchingStrategy": "all", "hitsPerPage": 1, "page": 1,
			"filter":               "price_min_fen <= 3000 AND price_max_fen >= 1000 AND id NOT IN [2, 4, 9] AND stores = 12",
			"sort":                 []string{"price_min_fen:asc", "id:asc"},
			"facets":               []string{"category_id"},
			"attributesToRetrieve": []string{"id", "price_min_fen"}}},
	})

	bySales := base
	bySales.Sort, bySales.Offset = SortSales, 0
	res, err := Repriced(ctx, idx, bySales, own)
	if err != nil {
		t.Fatal(err)
	}
	expect(t, f.take(), []recorded{
		{Method: "POST", Path: "/indexes/wemart_products_1/search", Body: map[string]any{
			"q": "牛", "hybrid": nil, "matchingStrategy": "all", "hitsPerPage": 20, "page": 1,
			"filter":                "((price_min_fen <= 3000 AND price_max_fen >= 1000 AND id NOT IN [2, 4, 9]) OR id IN [4]) AND stores = 12",
			"sort":                  []string{"sales:desc", "id:asc"},
			"facets":                []string{"category_id"},
			"attributesToHighlight": []string{"title"}, "highlightPreTag": "\x01", "highlightPostTag": "\x02"}},
	})
	if res.Hits[0].PriceMinFen != 1500 || res.Hits[0].PriceMaxFen != 1500 {
		t.Fatalf("a store-priced hit keeps its indexed price: %+v", res.Hits[0])
	}
}

// TestMeiliPage: any window maps onto one Meilisearch page (the exact-total
// mode), a page-aligned one onto the page of its own size.
func TestMeiliPage(t *testing.T) {
	if page, per, skip := meiliPage(40, 20); page != 3 || per != 20 || skip != 0 {
		t.Fatalf("aligned window: page %d of %d, skip %d", page, per, skip)
	}
	for offset := range 300 {
		for limit := 1; limit <= 60; limit++ {
			page, per, skip := meiliPage(offset, limit)
			if page < 1 || (page-1)*per+skip != offset || skip+limit > per {
				t.Fatalf("offset %d limit %d: page %d of %d, skip %d", offset, limit, page, per, skip)
			}
		}
	}
}

func TestMeiliFailuresSurface(t *testing.T) {
	f, m := newFakeMeili(t)
	ctx := context.Background()
	idx, _, _ := m.Open(ctx, 1)
	f.failNext = "invalid_document_id"
	err := idx.Upsert(ctx, []Document{{ID: 1, Title: "x"}})
	if !errors.Is(err, ErrUnavailable) || !strings.Contains(err.Error(), "invalid_document_id") {
		t.Fatalf("a failed task must surface with its code: %v", err)
	}
	f.mu.Lock()
	f.down = true
	f.mu.Unlock()
	if _, err := idx.Search(ctx, Query{Limit: 1}); !errors.Is(err, ErrUnavailable) {
		t.Fatalf("a Meilisearch answering 503: %v", err)
	}
	if err := idx.Ping(ctx); !errors.Is(err, ErrUnavailable) {
		t.Fatalf("ping of a down Meilisearch: %v", err)
	}
	if _, _, err := NewMeili("http://127.0.0.1:1", "").Open(ctx, 1); !errors.Is(err, ErrUnavailable) {
		t.Fatalf("no Meilisearch at all: %v", err)
	}
	f.mu.Lock()
	f.down = false
	f.mu.Unlock()
	bad := NewMeili(f.url, "wrong-key")
	if _, _, err := bad.Open(ctx, 1); !errors.Is(err, ErrUnavailable) {
		t.Fatalf("a wrong key: %v", err)
	}
}

// TestMeiliLive runs the backend against a real Meilisearch when
// MEILISEARCH_URL (and MEILISEARCH_KEY) are set.
func TestMeiliLive(t *testing.T) {
	url := os.Getenv("MEILISEARCH_URL")
	if url == "" {
		t.Skip("MEILISEARCH_URL is not set")
	}
	m := NewMeili(url, os.Getenv("MEILISEARCH_KEY"))
	m.prefix = fmt.Sprintf("wemart_test_%d", os.Getpid())
	ctx := context.Background()
	idx, _, err := m.Open(ctx, 1)
	if err != nil {
		t.Fatal(err)
	}
	defer m.Drop(ctx, 1)
	if err := idx.Upsert(ctx, catalogue); err != nil {
		t.Fatal(err)
	}
	r, err := idx.Search(ctx, q("牛奶"))
	if err != nil {
		t.Fatal(err)
	}
	found := map[int]bool{}
	for _, h := range r.Hits {
		found[h.ID] = true
	}
	if !found[1] || !found[2] || found[4] {
		t.Fatalf("牛奶: %v", ids(r))
	}
	in := q("")
	in.InStockAt, in.Sort = 2, SortPriceAsc
	if r, _ = idx.Search(ctx, in); ids(r) != "5,1,2" {
		t.Fatalf("in stock at store 2 by price: %s", ids(r))
	}
	// Store 2 prices Coca-Cola (5) its own way, at 30 yuan.
	own := map[int]PriceRange{5: {MinFen: 3000, MaxFen: 3000}}
	if r, err = Repriced(ctx, idx, in, own); err != nil || ids(r) != "1,5,2" || r.Total != 3 {
		t.Fatalf("in stock at store 2 by its prices: %s (total %d), %v", ids(r), r.Total, err)
	}
	in.MinPriceFen = 2000
	if r, err = Repriced(ctx, idx, in, own); err != nil || ids(r) != "5,2" || r.Total != 2 {
		t.Fatalf("from 20 yuan at store 2: %s (total %d), %v", ids(r), r.Total, err)
	}
	if s, _ := idx.Suggest(ctx, "oat", 5); len(s) == 0 || s[0].ID != 3 {
		t.Fatalf("suggest oat: %+v", s)
	}

	// The same understanding of shoppers' typing as the embedded index.
	m.prefix += "_shelf"
	shelfIdx, _, err := m.Open(ctx, 1)
	if err != nil {
		t.Fatal(err)
	}
	defer m.Drop(ctx, 1)
	if err := shelfIdx.Upsert(ctx, shelf); err != nil {
		t.Fatal(err)
	}
	if err := shelfIdx.SetSynonyms(ctx, shelfSynonyms); err != nil {
		t.Fatal(err)
	}
	checkUnderstood(t, shelfIdx, true)
}

// TestMeiliCascade: Meilisearch is asked the words as package analysis
// reads them (folded, segmented, fillers left out), all of them required;
// when nothing has them all, the Chinese words by their pinyin
// (homophones), then with a word left out, and the answer says which.
func TestMeiliCascade(t *testing.T) {
	f, m := newFakeMeili(t)
	ctx := context.Background()
	idx, _, _ := m.Open(ctx, 1)
	f.take()
	f.search = []map[string]any{{"id": 1, "title": "光明 优倍 鲜牛奶"}}
	body := func(text string) map[string]any {
		return map[string]any{"q": text, "hybrid": nil, "matchingStrategy": "all", "hitsPerPage": 20, "page": 1,
			"facets": []string{"category_id"}, "attributesToHighlight": []string{"title"}, "highlightPreTag": "\x01", "highlightPostTag": "\x02"}
	}
	search := func(text string) recorded {
		return recorded{Method: "POST", Path: "/indexes/wemart_products_1/search", Body: body(text)}
	}
	// After the first pass, each is asked first whether it finds anything.
	probe := func(text string) recorded {
		return recorded{Method: "POST", Path: "/indexes/wemart_products_1/search", Body: map[string]any{"q": text, "hybrid": nil,
			"matchingStrategy": "all", "hitsPerPage": 0, "page": 1, "attributesToRetrieve": []string{"id", "price_min_fen"}}}
	}
	f.found = map[string]bool{"光明 牛奶": true}
	r, err := idx.Search(ctx, q("光明牛奶"))
	if err != nil || r.Match != MatchAll || r.Total != 1 {
		t.Fatalf("光明牛奶: %+v %v", r, err)
	}
	expect(t, f.take(), []recorded{search("光明 牛奶")})

	f.found = map[string]bool{"niunai": true}
	if r, _ = idx.Search(ctx, q("牛乃")); r.Match != MatchFuzzy || r.Total != 1 {
		t.Fatalf("牛乃: %+v", r)
	}
	expect(t, f.take(), []recorded{search("牛乃"), probe("niunai"), search("niunai")})

	f.found = map[string]bool{"光明 牛奶": true}
	if r, _ = idx.Search(ctx, q("光明牛奶 巧克力")); r.Match != MatchPartial || !slices.Equal(r.Ignored, []string{"巧克力"}) {
		t.Fatalf("光明牛奶 巧克力: %+v", r)
	}
	// Words left out one at a time: Chinese from the first (a Chinese
	// phrase names its thing last).
	expect(t, f.take(), []recorded{search("光明 牛奶 巧克力"), probe("guangming niunai qiaokeli"),
		probe("牛奶 巧克力"), probe("光明 巧克力"), probe("光明 牛奶"), search("光明 牛奶")})
	f.found = map[string]bool{"牛奶": true}
	if r, _ = idx.Search(ctx, q("我要进口牛奶")); r.Match != MatchPartial || !slices.Equal(r.Ignored, []string{"进口"}) {
		t.Fatalf("我要进口牛奶: %+v", r)
	}
	expect(t, f.take(), []recorded{search("进口 牛奶"), probe("jinkou niunai"), probe("牛奶"), search("牛奶")})

	f.found = map[string]bool{}
	if r, _ = idx.Search(ctx, q("ＸＹＺ")); r.Match != MatchNone || len(r.Hits) != 0 {
		t.Fatalf("xyz: %+v", r)
	}
	expect(t, f.take(), []recorded{search("xyz"), probe("xyz")})
	if r, _ = idx.Search(ctx, q("!!!")); r.Match != MatchNone {
		t.Fatalf("!!!: %+v", r)
	}
	if got := f.take(); len(got) != 0 {
		t.Fatalf("punctuation alone asked Meilisearch: %v", got)
	}

	// Suggestions: the words as read, best sellers first.
	f.found = map[string]bool{"光明 牛": true}
	if s, err := idx.Suggest(ctx, "光明牛", 5); err != nil || len(s) != 1 {
		t.Fatalf("suggest: %+v %v", s, err)
	}
	expect(t, f.take(), []recorded{{Method: "POST", Path: "/indexes/wemart_products_1/search", Body: map[string]any{
		"q": "光明 牛", "hybrid": nil, "matchingStrategy": "all", "limit": 5, "attributesToRetrieve": []string{"id", "title"},
		"sort": []string{"sales:desc", "id:asc"}}}})

	// Synonyms: each folded term with the others of its group, and the
	// pinyin of a Chinese term one way to the group.
	if err := idx.SetSynonyms(ctx, [][]string{{"可乐", "Coke"}}); err != nil {
		t.Fatal(err)
	}
	expect(t, f.take(), []recorded{
		{Method: "PUT", Path: "/indexes/wemart_products_1/settings/synonyms", Body: map[string][]string{
			"可乐": {"coke"}, "coke": {"可乐"}, "kele": {"可乐", "coke"}, "kl": {"可乐", "coke"}}},
	})
}
