package api_test

import (
	"net/http"
	"testing"

	"wemart/server/apitest"
	"wemart/server/storage/storagetest"
)

// TestPreviewRedirects: in sandbox mode / and /shop lead to the mini
// program's preview at /shop/ (server/app's tests cover the files served).
func TestPreviewRedirects(t *testing.T) {
	h := apitest.New(t, storagetest.New(t, "sqlite"))
	for path, want := range map[string]int{"/": http.StatusFound, "/shop": http.StatusMovedPermanently} {
		res := h.Do("GET", path, "", nil)
		if res.Status != want || res.Header.Get("Location") != "/shop/" {
			t.Errorf("GET %s: %d %q, want %d to /shop/", path, res.Status, res.Header.Get("Location"), want)
		}
	}
}
