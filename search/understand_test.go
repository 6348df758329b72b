package search

import (
	"context"
	"slices"
	"testing"
)

// shelf is a small supermarket: titles as staff write them, aliases and
// SKU names, for the ways shoppers type.
var shelf = []Document{
	{ID: 1, Title: "光明 优倍 鲜牛奶", Aliases: []string{"fresh milk"}, Skus: []string{"950ml", "450ml"}, Sales: 50},
	{ID: 2, Title: "蒙牛 特仑苏 纯牛奶", Aliases: []string{"milk"}, Skus: []string{"250ml×12"}, Sales: 90},
	{ID: 3, Title: "光明 莫斯利安 酸奶", Aliases: []string{"yogurt"}, Skus: []string{"200g×6"}, Sales: 40},
	{ID: 4, Title: "康师傅 红烧牛肉面", Aliases: []string{"方便面", "instant noodles"}, Skus: []string{"5连包", "桶装"}, Sales: 70},
	{ID: 5, Title: "Coca-Cola 可口可乐", Aliases: []string{"coke"}, Skus: []string{"330ml×6", "500ml"}, Sales: 80},
	{ID: 6, Title: "百事可乐 Pepsi 无糖", Skus: []string{"330ml×12"}, Sales: 30},
	{ID: 7, Title: "农夫山泉 NFC 橙汁", Aliases: []string{"orange juice"}, Skus: []string{"300ml"}, Sales: 20},
	{ID: 8, Title: "奥利奥 Oreo 夹心饼干", Skus: []string{"388g"}, Sales: 35},
	{ID: 9, Title: "桃李 醇熟 吐司面包", Aliases: []string{"bread", "toast"}, Skus: []string{"400g"}, Sales: 25},
	{ID: 10, Title: "新疆 阿克苏 冰糖心苹果", Aliases: []string{"apple"}, Skus: []string{"5kg"}, Sales: 15},
	{ID: 11, Title: "恒都 牛腩块", Skus: []string{"1kg"}, Sales: 10},
	{ID: 12, Title: "海飞丝 去屑洗发水", Aliases: []string{"shampoo"}, Skus: []string{"400ml"}, Sales: 12},
}

var shelfSynonyms = [][]string{{"方便面", "泡面"}, {"可乐", "coke", "cola"}, {"酸奶", "酸牛奶"}}

// understood is what each kind of typing must find: the first hit, the
// hits that must be there, and how they matched. meili marks the rows a
// Meilisearch server answers alike (the embedded index alone forgives one
// wrong character in a Chinese word).
var understood = []struct {
	kind, text string
	first      int
	all        []int
	match      Match
	meili      bool
}{
	{"spaceless", "康师傅红烧牛肉面", 4, nil, MatchAll, true},
	{"spaceless", "光明牛奶", 1, []int{1}, MatchAll, true},
	{"spaceless", "蒙牛纯牛奶", 2, nil, MatchAll, true},
	{"spaceless", "农夫山泉橙汁", 7, nil, MatchAll, true},
	{"spaceless", "康师傅方便面", 4, nil, MatchAll, true},
	{"attribute", "可乐 500ml", 5, nil, MatchAll, true},
	{"attribute", "牛奶 950ml", 1, nil, MatchAll, true},
	{"pinyin", "niunai", 0, []int{1, 2}, MatchAll, true},
	{"pinyin", "guangming niunai", 1, nil, MatchAll, true},
	{"pinyin", "guangmingniunai", 1, nil, MatchAll, true},
	{"initials", "nn", 0, []int{1, 2}, MatchAll, true},
	{"initials", "gmnn", 1, nil, MatchAll, true},
	{"mixed", "光明nn", 1, nil, MatchAll, true},
	{"traditional", "鮮牛奶", 1, nil, MatchAll, true},
	{"traditional", "可樂", 0, []int{5, 6}, MatchAll, true},
	{"width", "ＯＲＥＯ", 8, nil, MatchAll, true},
	{"width", "可乐 ５００ＭＬ", 5, nil, MatchAll, true},
	{"homophone", "康师父", 4, nil, MatchAll, false},
	{"homophone", "牛乃", 0, []int{1, 2}, MatchAll, false},
	{"typo", "康帅傅", 4, nil, MatchFuzzy, false},
	{"typo", "shampo", 12, nil, MatchFuzzy, false},
	{"synonym", "泡面", 4, nil, MatchAll, true},
	{"synonym", "酸牛奶", 3, nil, MatchAll, true},
	{"synonym", "cola", 0, []int{5, 6}, MatchAll, true},
	{"english", "milk", 0, []int{1, 2}, MatchAll, true},
	{"english", "Bread", 9, nil, MatchAll, true},
	{"english", "apple", 10, nil, MatchAll, true},
	{"partial", "光明 牛奶 巧克力", 1, nil, MatchPartial, true},
	{"partial", "进口牛奶", 0, []int{1, 2}, MatchPartial, true},
	{"partial", "可乐 500ml 冰镇", 5, nil, MatchPartial, true},
	{"filler", "我要牛奶", 0, []int{1, 2}, MatchAll, true},
	{"filler", "有没有可乐", 0, []int{5, 6}, MatchAll, true},
	{"none", "哈哈哈", 0, nil, MatchNone, false},
	{"none", "榴莲", 0, nil, MatchNone, true},
	{"none", "🥛!!!", 0, nil, MatchNone, true},
}

func checkUnderstood(t *testing.T, idx Index, meiliOnly bool) {
	t.Helper()
	ctx := context.Background()
	for _, u := range understood {
		if meiliOnly && !u.meili {
			continue
		}
		r, err := idx.Search(ctx, q(u.text))
		if err != nil {
			t.Fatalf("%s %q: %v", u.kind, u.text, err)
		}
		got := make([]int, len(r.Hits))
		for i, h := range r.Hits {
			got[i] = h.ID
		}
		bad := r.Match != u.match || (u.first != 0 && (len(got) == 0 || got[0] != u.first))
		for _, id := range u.all {
			bad = bad || !slices.Contains(got, id)
		}
		if u.match == MatchNone {
			bad = bad || len(got) != 0
		}
		if bad {
			t.Errorf("%s %q: hits %v, match %q; want first %d, all %v, match %q", u.kind, u.text, got, r.Match, u.first, u.all, u.match)
		}
	}
	if r, _ := idx.Search(ctx, q("光明 牛奶 巧克力")); !slices.Equal(r.Ignored, []string{"巧克力"}) {
		t.Errorf("partial: ignored %v", r.Ignored)
	}
	// Words past the eighth take no part, and the answer says so.
	if r, _ := idx.Search(ctx, q("光明 牛奶 光明 牛奶 光明 牛奶 光明 牛奶 xyzzy 酸奶")); r.Match != MatchPartial ||
		!slices.Equal(r.Ignored, []string{"xyzzy", "酸奶"}) || len(r.Hits) == 0 {
		t.Errorf("nine words: %q %v %v", r.Match, r.Ignored, ids(r))
	}
}

func TestEmbeddedUnderstandsShoppers(t *testing.T) {
	ctx := context.Background()
	idx, _, err := NewEmbedded(t.TempDir()).Open(ctx, 1)
	if err != nil {
		t.Fatal(err)
	}
	defer idx.Close()
	if err := idx.Upsert(ctx, shelf); err != nil {
		t.Fatal(err)
	}
	if err := idx.SetSynonyms(ctx, shelfSynonyms); err != nil {
		t.Fatal(err)
	}
	checkUnderstood(t, idx, false)

	// Suggestions understand the same typing, best sellers first.
	for text, want := range map[string][]int{"光明牛": {1}, "niun": {2, 1}, "gmn": {1}, "kel": {5, 6}, "co": {5}} {
		s, err := idx.Suggest(ctx, text, 5)
		if err != nil {
			t.Fatal(err)
		}
		got := make([]int, len(s))
		for i, x := range s {
			got[i] = x.ID
		}
		if len(got) < len(want) || !slices.Equal(got[:len(want)], want) {
			t.Errorf("suggest %q: %v, want %v first", text, got, want)
		}
	}
	// Synonyms change with the staff's list, no reindex.
	if err := idx.SetSynonyms(ctx, nil); err != nil {
		t.Fatal(err)
	}
	if r, _ := idx.Search(ctx, q("泡面")); r.Match != MatchNone {
		t.Errorf("泡面 without synonyms: %q %v", r.Match, ids(r))
	}
}
