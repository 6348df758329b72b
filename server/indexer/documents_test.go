package indexer

import (
	"context"
	"strings"
	"testing"

	"wemart/ent"
	"wemart/server/storage"
	"wemart/server/storage/storagetest"
)

// TestDocumentsCarryTheMainPicture: a product's document has its main
// picture as a reference (the uploaded one's media key, else the first URL
// staff gave, else ""), which the API makes a URL.
func TestDocumentsCarryTheMainPicture(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		ctx := context.Background()
		key := strings.Repeat("cd", 32) + ".png"
		mk := func(title, imageKey string, images []string) *ent.Product {
			p := db.Client.Product.Create().SetTitle(title).SetImages(images).SetImageKey(imageKey).SaveX(ctx)
			db.Client.Sku.Create().SetProductID(p.ID).SetName("x").SetPriceFen(100).SaveX(ctx)
			return p
		}
		uploaded := mk("上传", key, []string{"https://img.example.com/a.jpg"})
		linked := mk("外链", "", []string{"https://img.example.com/b.jpg"})
		none := mk("无图", "", []string{})
		docs, gone, err := documents(ctx, db.Client, []int{uploaded.ID, linked.ID, none.ID})
		if err != nil || len(gone) != 0 || len(docs) != 3 {
			t.Fatalf("documents: %d docs, gone %v, %v", len(docs), gone, err)
		}
		want := map[int]string{uploaded.ID: key, linked.ID: "https://img.example.com/b.jpg", none.ID: ""}
		for _, d := range docs {
			if d.Image != want[d.ID] {
				t.Errorf("product %d: image %q, want %q", d.ID, d.Image, want[d.ID])
			}
		}
	})
}
