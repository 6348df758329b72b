package search

import (
	"context"
	"fmt"
	"strings"
	"testing"
)

var catalogue = []Document{
	{ID: 1, Title: "光明 优倍 鲜牛奶", CategoryID: 1, PriceMinFen: 1090, PriceMaxFen: 1890, Sales: 500, Stores: []int{1, 2}},
	{ID: 2, Title: "蒙牛 特仑苏 纯牛奶", CategoryID: 1, PriceMinFen: 6590, PriceMaxFen: 8590, Sales: 900, Stores: []int{2}},
	{ID: 3, Title: "Oatly 噢麦力 燕麦奶 咖啡大师", CategoryID: 1, PriceMinFen: 2990, PriceMaxFen: 2990, Sales: 300, Stores: []int{1}},
	{ID: 4, Title: "澳洲 谷饲 牛腱子", CategoryID: 8, PriceMinFen: 9990, PriceMaxFen: 9990, Sales: 50},
	{ID: 5, Title: "Coca-Cola 可口可乐", Subtitle: "经典 原味 Classic", CategoryID: 2, PriceMinFen: 790, PriceMaxFen: 1590, Sales: 2000, Stores: []int{1, 2, 3}},
	{ID: 6, Title: "Fresh Milks Organic 有机牛奶", CategoryID: 1, PriceMinFen: 1500, PriceMaxFen: 1500, Sales: 10, Stores: []int{3}},
	{ID: 7, Title: "德芙 Dove 丝滑牛奶巧克力", CategoryID: 3, PriceMinFen: 4290, PriceMaxFen: 4290, Sales: 700, Stores: []int{1}},
	{ID: 8, Title: "旺旺 仙贝 <b>脆</b>", CategoryID: 3, PriceMinFen: 2990, PriceMaxFen: 2990, Sales: 1},
}

func mustIndex(t testing.TB) Index {
	t.Helper()
	e := NewEmbedded(t.TempDir())
	idx, created, err := e.Open(context.Background(), 1)
	if err != nil || !created {
		t.Fatal(err, created)
	}
	t.Cleanup(func() { idx.Close() })
	if err := idx.Upsert(context.Background(), catalogue); err != nil {
		t.Fatal(err)
	}
	return idx
}

func ids(r Result) string {
	out := make([]string, len(r.Hits))
	for i, h := range r.Hits {
		out[i] = fmt.Sprint(h.ID)
	}
	return strings.Join(out, ",")
}

func q(text string) Query { return Query{Text: text, MinPriceFen: -1, MaxPriceFen: -1, Limit: 20} }

func TestEmbeddedChineseEnglishMixed(t *testing.T) {
	idx := mustIndex(t)
	ctx := context.Background()
	tests := []struct {
		text string
		want string // ids in relevance order may tie; compare as sets
	}{
		{"牛奶", "1,2,6,7"},               // a two-character word, inside longer runs
		{"奶", "1,2,3,6,7"},              // one character
		{"鲜牛奶", "1"},                    // three characters
		{"牛腱", "4"},                     // 牛 alone must not match 牛奶
		{"oatly", "3"},                  // case
		{"OATLY 燕麦", "3"},               // mixed
		{"milk", "6"},                   // stemming: Milks
		{"classic", "5"},                // the subtitle counts too
		{"coca cola", "5"},              // hyphenated words
		{"巧克力 dove", "7"},               // any order
		{"咖啡 牛肉", "3"},                  // no product has both: the first word's (partial)
		{`"牛奶" AND title:*`, "1,2,6,7"}, // query syntax is plain text, not syntax (partial)
		{"*", ""},
		{"(牛奶", "1,2,6,7"},
		{"'; DROP TABLE products; --", ""},
	}
	for _, tt := range tests {
		r, err := idx.Search(ctx, q(tt.text))
		if err != nil {
			t.Fatalf("%q: %v", tt.text, err)
		}
		got := strings.Split(ids(r), ",")
		want := strings.Split(tt.want, ",")
		if !sameSet(got, want) || r.Total != len(r.Hits) {
			t.Errorf("%q: got %s (total %d), want %s", tt.text, ids(r), r.Total, tt.want)
		}
		match := MatchAll
		switch {
		case tt.want == "":
			match = MatchNone
		case strings.Contains(tt.text, " AND ") || strings.Contains(tt.text, "牛肉"):
			match = MatchPartial
		}
		if r.Match != match {
			t.Errorf("%q: match %q, want %q", tt.text, r.Match, match)
		}
	}
	r, _ := idx.Search(ctx, q("牛奶"))
	for _, h := range r.Hits {
		if h.ID == 1 && !strings.Contains(h.TitleHighlight, "<em>") {
			t.Errorf("no highlight in %q", h.TitleHighlight)
		}
	}
	r, _ = idx.Search(ctx, q("仙贝"))
	if len(r.Hits) != 1 || strings.Contains(r.Hits[0].TitleHighlight, "<b>") || !strings.Contains(r.Hits[0].TitleHighlight, "&lt;b&gt;") {
		t.Errorf("highlight must escape the title's own HTML: %q", r.Hits[0].TitleHighlight)
	}
}

func sameSet(a, b []string) bool {
	if len(a) == 1 && a[0] == "" {
		a = nil
	}
	if len(b) == 1 && b[0] == "" {
		b = nil
	}
	if len(a) != len(b) {
		return false
	}
	m := map[string]int{}
	for _, x := range a {
		m[x]++
	}
	for _, x := range b {
		m[x]--
	}
	for _, v := range m {
		if v != 0 {
			return false
		}
	}
	return true
}

func TestEmbeddedFiltersSortPagingFacets(t *testing.T) {
	idx := mustIndex(t)
	ctx := context.Background()
	all := q("")
	r, _ := idx.Search(ctx, all)
	if r.Total != len(catalogue) || ids(r) != "5,2,7,1,3,4,6,8" { // empty query: best sellers first
		t.Fatalf("all: %s (%d)", ids(r), r.Total)
	}
	facets := map[int]int{}
	for _, f := range r.Categories {
		facets[f.CategoryID] = f.Count
	}
	if facets[1] != 4 || facets[3] != 2 || facets[2] != 1 || facets[8] != 1 {
		t.Fatalf("facets %v", facets)
	}

	cat := q("")
	cat.CategoryID = 1
	r, _ = idx.Search(ctx, cat)
	if !sameSet(strings.Split(ids(r), ","), []string{"1", "2", "3", "6"}) || len(r.Categories) != 4 {
		t.Fatalf("category 1: %s, facets %v (facets ignore the category filter)", ids(r), r.Categories)
	}

	price := q("")
	price.MinPriceFen, price.MaxPriceFen = 1500, 3000 // a SKU priced in range
	price.Sort = SortPriceAsc
	r, _ = idx.Search(ctx, price)
	if ids(r) != "5,1,6,3,8" {
		t.Fatalf("price 15–30 yuan ascending: %s", ids(r))
	}
	price.Sort = SortPriceDesc
	r, _ = idx.Search(ctx, price)
	if ids(r) != "3,8,6,1,5" {
		t.Fatalf("descending: %s", ids(r))
	}

	store := q("牛奶")
	store.InStockAt = 1
	r, _ = idx.Search(ctx, store)
	if !sameSet(strings.Split(ids(r), ","), []string{"1", "7"}) {
		t.Fatalf("in stock at store 1: %s", ids(r))
	}

	page := q("")
	page.Sort, page.Limit, page.Offset = SortSales, 3, 3
	r, _ = idx.Search(ctx, page)
	if ids(r) != "1,3,4" || r.Total != 8 {
		t.Fatalf("page 2 of 3: %s (total %d)", ids(r), r.Total)
	}
	page.Offset = 30
	r, _ = idx.Search(ctx, page)
	if len(r.Hits) != 0 || r.Total != 8 {
		t.Fatalf("beyond the end: %s (total %d)", ids(r), r.Total)
	}

	// Updates and deletes.
	doc := catalogue[3]
	doc.Title = "澳洲 谷饲 牛腱子 Beef"
	if err := idx.Upsert(ctx, []Document{doc}); err != nil {
		t.Fatal(err)
	}
	if err := idx.Delete(ctx, []int{2, 999}); err != nil {
		t.Fatal(err)
	}
	if r, _ = idx.Search(ctx, q("beef")); ids(r) != "4" {
		t.Fatalf("after update: %s", ids(r))
	}
	if r, _ = idx.Search(ctx, q("特仑苏")); len(r.Hits) != 0 {
		t.Fatalf("after delete: %s", ids(r))
	}
}

func TestEmbeddedSuggest(t *testing.T) {
	idx := mustIndex(t)
	ctx := context.Background()
	for prefix, want := range map[string]string{
		"牛":       "Coca", // placeholder, replaced below
		"oat":     "3",
		"Oa":      "3",
		"co":      "5",
		"鲜牛":      "1",
		"fresh m": "6",
		"zzz":     "",
	} {
		got, err := idx.Suggest(ctx, prefix, 5)
		if err != nil {
			t.Fatal(err)
		}
		var ids []string
		for _, s := range got {
			ids = append(ids, fmt.Sprint(s.ID))
		}
		if prefix == "牛" {
			if strings.Join(ids, ",") != "2,7,1,4,6" { // best sellers first
				t.Errorf("牛: %v", ids)
			}
			continue
		}
		if strings.Join(ids, ",") != want {
			t.Errorf("%q: %v, want %s", prefix, ids, want)
		}
	}
}

func TestEmbeddedIsOneProcessAtATime(t *testing.T) {
	dir := t.TempDir()
	a, _, err := NewEmbedded(dir).Open(context.Background(), 1)
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	if _, _, err := NewEmbedded(dir).Open(context.Background(), 1); err == nil {
		t.Fatal("a second opener of the same embedded index must fail, not share it")
	}
}
