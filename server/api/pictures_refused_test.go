package api_test

import (
	"net/http"
	"testing"

	"wemart/server/apitest"
	"wemart/server/catalog"
	"wemart/server/media/mediatest"
	"wemart/server/storage"
	"wemart/server/storage/storagetest"
)

// TestRefusedUploadStoresNothing: a refused upload (409: the product has
// its 9 pictures) changes no state, not even the media store (found in
// review: the count was checked after the picture was stored).
func TestRefusedUploadStoresNothing(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		s := newShop(t, db)
		h := s.h
		var milk struct {
			ProductID int `json:"product_id"`
		}
		h.Do("GET", apitest.Path("/admin/v1/skus/%d", s.milk), h.AdminToken, nil).OK(http.StatusOK, &milk)
		path := imagesPath(milk.ProductID)
		for i := range catalog.MaxPictures {
			upload(h, path, h.AdminToken, "file", "p.jpg", "image/jpeg", mediatest.JPEG(40+i, 30)).OK(http.StatusCreated, nil)
		}
		before := mediaFiles(t, h)
		upload(h, path, h.AdminToken, "file", "p.jpg", "image/jpeg", mediatest.JPEG(99, 30)).Fails(http.StatusConflict, "conflict")
		if after := mediaFiles(t, h); after != before {
			t.Fatalf("a refused upload (409) wrote to the media store: %d objects before, %d after", before, after)
		}
	})
}
