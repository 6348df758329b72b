package search

import (
	"context"
	"strings"
	"testing"
)

// TestEmbeddedKeepsTheImage: a document's image (the main picture's media
// key, or a URL) comes back on its hits, so a search page needs nothing
// but the index; a document without one has "".
func TestEmbeddedKeepsTheImage(t *testing.T) {
	t.Parallel()
	idx := mustIndex(t)
	key := strings.Repeat("ab", 32) + ".jpg"
	doc := Document{ID: 100, Title: "光明 优倍 鲜牛奶 图片", CategoryID: 1, PriceMinFen: 1, PriceMaxFen: 1, Image: key, Stores: []int{}}
	if err := idx.Upsert(context.Background(), []Document{doc}); err != nil {
		t.Fatal(err)
	}
	res, err := idx.Search(context.Background(), q("图片"))
	if err != nil || len(res.Hits) != 1 || res.Hits[0].Image != key {
		t.Fatalf("hits %+v, %v", res.Hits, err)
	}
	res, err = idx.Search(context.Background(), q("Coca-Cola"))
	if err != nil || len(res.Hits) == 0 || res.Hits[0].Image != "" {
		t.Fatalf("hits %+v, %v", res.Hits, err)
	}
}
