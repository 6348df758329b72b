package api_test

import (
	"bytes"
	"io"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"strings"
	"testing"

	"wemart/server/apitest"
	"wemart/server/app"
	"wemart/server/config"
	"wemart/server/media"
	"wemart/server/media/mediatest"
	"wemart/server/storage"
	"wemart/server/storage/storagetest"
)

type productImage struct {
	ID          int    `json:"id"`
	ProductID   int    `json:"product_id"`
	URL         string `json:"url"`
	Width       int    `json:"width"`
	Height      int    `json:"height"`
	ContentType string `json:"content_type"`
	Bytes       int64  `json:"bytes"`
	Position    int    `json:"position"`
}

// upload posts data as the multipart part field of a picture upload,
// declared with filename and contentType as a client would.
func upload(h *apitest.Harness, path, token, field, filename, contentType string, data []byte) *apitest.Response {
	body, ct := mediatest.Multipart(field, filename, contentType, data)
	return h.Do("POST", path, token, body, "Content-Type", ct)
}

func imagesPath(productID int) string { return apitest.Path("/admin/v1/products/%d/images", productID) }

// imageURL is a product's image_url as shoppers see it.
func imageURL(t *testing.T, h *apitest.Harness, productID int) string {
	t.Helper()
	var p struct {
		ImageURL *string `json:"image_url"`
	}
	h.Do("GET", apitest.Path("/api/v1/products/%d", productID), "", nil).OK(http.StatusOK, &p)
	if p.ImageURL == nil {
		t.Fatal("a product without image_url")
	}
	return *p.ImageURL
}

// searchImage is the image_url of productID in the shopper's search results.
func searchImage(t *testing.T, h *apitest.Harness, productID int) (string, bool) {
	t.Helper()
	var res struct {
		Items []struct {
			ID       int     `json:"id"`
			ImageURL *string `json:"image_url"`
			Image    string  `json:"image"`
		} `json:"items"`
	}
	h.Do("GET", "/api/v1/products?page_size=50", "", nil).OK(http.StatusOK, &res)
	for _, it := range res.Items {
		if it.ID == productID {
			if it.ImageURL == nil || it.Image != *it.ImageURL {
				t.Fatalf("search item %d: image_url %v, image %q", it.ID, it.ImageURL, it.Image)
			}
			return *it.ImageURL, true
		}
	}
	return "", false
}

// mediaFiles counts the objects in the harness's local media store.
func mediaFiles(t *testing.T, h *apitest.Harness) int {
	t.Helper()
	n := 0
	_ = filepath.WalkDir(filepath.Join(h.DataDir, "media"), func(_ string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			n++
		}
		return nil
	})
	return n
}

func TestProductImages(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		s := newShop(t, db)
		h := s.h
		var milk struct {
			ProductID int `json:"product_id"`
		}
		h.Do("GET", apitest.Path("/admin/v1/skus/%d", s.milk), h.AdminToken, nil).OK(http.StatusOK, &milk)
		id := milk.ProductID
		path := imagesPath(id)

		// Before any picture: image_url is there, and empty, everywhere.
		if u := imageURL(t, h, id); u != "" {
			t.Fatalf("image_url %q before any upload", u)
		}
		eventually(t, "indexed", func() bool { _, ok := searchImage(t, h, id); return ok })
		if u, _ := searchImage(t, h, id); u != "" {
			t.Fatalf("search image_url %q before any upload", u)
		}
		var admin struct {
			ImageURL *string `json:"image_url"`
		}
		h.Do("GET", apitest.Path("/admin/v1/products/%d", id), h.AdminToken, nil).OK(http.StatusOK, &admin)
		if admin.ImageURL == nil || *admin.ImageURL != "" {
			t.Fatalf("admin image_url %v before any upload", admin.ImageURL)
		}

		// A PNG named .jpg and declared image/jpeg is read as what it is.
		var first productImage
		upload(h, path, h.AdminToken, "file", "photo.jpg", "image/jpeg", mediatest.PNG(300, 200, true)).OK(http.StatusCreated, &first)
		if first.ContentType != "image/png" || first.Width != 300 || first.Height != 200 || first.Position != 0 ||
			first.ProductID != id || !strings.HasPrefix(first.URL, "/media/") || !strings.HasSuffix(first.URL, ".png") {
			t.Fatalf("first picture %+v", first)
		}
		// A phone photo with EXIF (and a GPS position), sideways.
		var photo productImage
		upload(h, path, h.AdminToken, "file", "IMG_0001.JPG", "image/jpeg", mediatest.JPEGWithEXIF(120, 80, 6)).OK(http.StatusCreated, &photo)
		if photo.ContentType != "image/jpeg" || photo.Width != 80 || photo.Height != 120 || photo.Position != 1 {
			t.Fatalf("photo %+v", photo)
		}
		stored := h.Do("GET", photo.URL, "", nil).OK(http.StatusOK, nil)
		if bytes.Contains(stored.Body, []byte("Exif")) || bytes.Contains(stored.Body, []byte(mediatest.GPSMarker)) {
			t.Fatal("the stored photo kept its EXIF")
		}
		if int64(len(stored.Body)) != photo.Bytes {
			t.Fatalf("served %d bytes, the picture says %d", len(stored.Body), photo.Bytes)
		}
		var webp productImage
		upload(h, path, h.AdminToken, "file", "x.webp", "image/webp", mediatest.WebPOpaque).OK(http.StatusCreated, &webp)
		if webp.ContentType != "image/jpeg" || webp.Width != 40 || webp.Position != 2 {
			t.Fatalf("webp %+v", webp)
		}
		// The same picture again is the same picture: 200, nothing added.
		var again productImage
		upload(h, path, h.AdminToken, "file", "copy.png", "application/octet-stream", mediatest.PNG(300, 200, true)).OK(http.StatusOK, &again)
		if again.ID != first.ID || again.URL != first.URL {
			t.Fatalf("re-upload %+v, want %+v", again, first)
		}

		// What is refused, and that it stores nothing.
		files := mediaFiles(t, h)
		jpg := mediatest.JPEG(64, 64)
		refused := []struct {
			name, field, ct string
			data            []byte
			wantField       string
		}{
			{"gif", "file", "image/gif", mediatest.GIF(8, 8), "file"},
			{"html as an image", "file", "image/png", []byte("<html><body><script>alert(1)</script></body></html>"), "file"},
			{"text as a jpeg", "file", "image/jpeg", []byte("hello"), "file"},
			{"truncated jpeg", "file", "image/jpeg", jpg[:len(jpg)/2], "file"},
			{"100000×100000 png", "file", "image/png", mediatest.PNGHeader(100000, 100000), "file"},
			{"empty", "file", "image/png", nil, "file"},
			{"another field", "picture", "image/png", mediatest.PNG(4, 4, false), "picture"},
		}
		for _, r := range refused {
			t.Run("refused "+r.name, func(t *testing.T) {
				e := upload(h.For(t), path, h.AdminToken, r.field, "a.png", r.ct, r.data).Fails(http.StatusBadRequest, "invalid_argument")
				if e.Error.Field != r.wantField {
					t.Fatalf("field %q, want %q (%s)", e.Error.Field, r.wantField, e.Error.Message)
				}
			})
		}
		e := upload(h, path, h.AdminToken, "file", "a.gif", "image/gif", mediatest.GIF(8, 8)).Fails(http.StatusBadRequest, "invalid_argument")
		if !strings.Contains(e.Error.Message, "JPEG, PNG or WebP") {
			t.Fatalf("message %q does not name the accepted types", e.Error.Message)
		}
		h.Do("POST", path, h.AdminToken, map[string]any{"file": "x"}).Fails(http.StatusBadRequest, "invalid_argument")
		// An unknown product: 404, and the picture is not stored.
		upload(h, imagesPath(99999), h.AdminToken, "file", "a.png", "image/png", mediatest.PNG(33, 33, false)).Fails(http.StatusNotFound, "not_found")
		h.Do("GET", imagesPath(99999), h.AdminToken, nil).Fails(http.StatusNotFound, "not_found")
		if n := mediaFiles(t, h); n != files {
			t.Fatalf("refused uploads stored %d files", n-files)
		}
		// Only staff who edit the catalogue upload.
		upload(h, path, s.shopper.Token, "file", "a.png", "image/png", mediatest.PNG(4, 4, false)).Fails(http.StatusUnauthorized, "unauthenticated")
		upload(h, path, "", "file", "a.png", "image/png", mediatest.PNG(4, 4, false)).Fails(http.StatusUnauthorized, "unauthenticated")

		var list struct{ Items []productImage }
		h.Do("GET", path, h.AdminToken, nil).OK(http.StatusOK, &list)
		if len(list.Items) != 3 || list.Items[0].ID != first.ID || list.Items[1].ID != photo.ID || list.Items[2].ID != webp.ID {
			t.Fatalf("list %+v", list.Items)
		}

		// The main picture reaches every product view.
		if u := imageURL(t, h, id); u != first.URL {
			t.Fatalf("image_url %q, want %q", u, first.URL)
		}
		eventually(t, "the picture in search", func() bool { u, _ := searchImage(t, h, id); return u == first.URL })
		var withStore struct {
			ImageURL string `json:"image_url"`
		}
		h.Do("GET", apitest.Path("/api/v1/products/%d?store_id=%d", id, s.store.ID), "", nil).OK(http.StatusOK, &withStore)
		h.Do("GET", apitest.Path("/admin/v1/products/%d", id), h.AdminToken, nil).OK(http.StatusOK, &admin)
		if withStore.ImageURL != first.URL || *admin.ImageURL != first.URL {
			t.Fatalf("image_url %q at a store, %q for staff", withStore.ImageURL, *admin.ImageURL)
		}
		var scanned struct {
			Product struct {
				ImageURL string `json:"image_url"`
			} `json:"product"`
		}
		h.Do("GET", "/api/v1/scan?scene="+url.QueryEscape(apitest.Path("p=%d&s=%d", id, s.store.ID)), "", nil).OK(http.StatusOK, &scanned)
		if scanned.Product.ImageURL != first.URL {
			t.Fatalf("scan image_url %q", scanned.Product.ImageURL)
		}
		var ct struct {
			Items []struct {
				SkuID    int    `json:"sku_id"`
				ImageURL string `json:"image_url"`
				Image    string `json:"image"`
			} `json:"items"`
		}
		h.Do("PUT", "/api/v1/cart/items", s.shopper.Token, map[string]any{"store_id": s.store.ID, "sku_id": s.milk, "quantity": 1}).
			OK(http.StatusOK, &ct)
		if len(ct.Items) != 1 || ct.Items[0].ImageURL != first.URL || ct.Items[0].Image != first.URL {
			t.Fatalf("cart lines %+v", ct.Items)
		}
		placed := s.mustOrder(s.milk, 1)
		var o struct {
			Items []struct {
				ImageURL *string `json:"image_url"`
			} `json:"items"`
		}
		h.Do("GET", apitest.Path("/api/v1/orders/%d", placed.Order.ID), s.shopper.Token, nil).OK(http.StatusOK, &o)
		if len(o.Items) != 1 || o.Items[0].ImageURL == nil || *o.Items[0].ImageURL != first.URL {
			t.Fatalf("order lines %+v", o.Items)
		}

		// Another main picture.
		h.Do("PUT", path+apitest.Path("/%d/main", webp.ID), h.AdminToken, nil).OK(http.StatusOK, &list)
		if len(list.Items) != 3 || list.Items[0].ID != webp.ID || list.Items[1].ID != first.ID || list.Items[2].ID != photo.ID ||
			list.Items[0].Position != 0 || list.Items[2].Position != 2 {
			t.Fatalf("after main: %+v", list.Items)
		}
		if u := imageURL(t, h, id); u != webp.URL {
			t.Fatalf("image_url %q, want the new main %q", u, webp.URL)
		}
		eventually(t, "the new main picture in search", func() bool { u, _ := searchImage(t, h, id); return u == webp.URL })
		h.Do("PUT", path+"/99999/main", h.AdminToken, nil).Fails(http.StatusNotFound, "not_found")

		// Deleting the main picture makes the next one main; deleting all
		// leaves "" again. The order line keeps the picture it was bought with.
		h.Do("DELETE", path+apitest.Path("/%d", webp.ID), h.AdminToken, nil).OK(http.StatusNoContent, nil)
		h.Do("DELETE", path+apitest.Path("/%d", webp.ID), h.AdminToken, nil).Fails(http.StatusNotFound, "not_found")
		if u := imageURL(t, h, id); u != first.URL {
			t.Fatalf("image_url %q after deleting the main picture, want %q", u, first.URL)
		}
		h.Do("DELETE", path+apitest.Path("/%d", first.ID), h.AdminToken, nil).OK(http.StatusNoContent, nil)
		h.Do("DELETE", path+apitest.Path("/%d", photo.ID), h.AdminToken, nil).OK(http.StatusNoContent, nil)
		if u := imageURL(t, h, id); u != "" {
			t.Fatalf("image_url %q with no pictures", u)
		}
		eventually(t, "no picture in search", func() bool { u, _ := searchImage(t, h, id); return u == "" })
		h.Do("GET", apitest.Path("/api/v1/orders/%d", placed.Order.ID), s.shopper.Token, nil).OK(http.StatusOK, &o)
		if *o.Items[0].ImageURL != first.URL {
			t.Fatalf("the order line's picture changed to %q", *o.Items[0].ImageURL)
		}
		// Its object is still served (deleting a picture leaves the bytes).
		h.Do("GET", first.URL, "", nil).OK(http.StatusOK, nil)
	})
}

// TestUploadLimit: a product picture's body may be 8 MiB (not the API's 1
// MiB); beyond, 413, refused before the body is read when it says its
// length, and cut off at the limit when it does not.
func TestUploadLimit(t *testing.T) {
	t.Parallel()
	h := apitest.New(t, storagetest.New(t, "sqlite"))
	p := mustProduct(t, h, "大图", 100)
	path := imagesPath(p.ID)

	// 3 MiB: over the API's limit, under this route's.
	big := append(mediatest.PNG(64, 64, false), make([]byte, 3<<20)...) // trailing bytes after IEND
	upload(h, path, h.AdminToken, "file", "big.png", "image/png", big).OK(http.StatusCreated, nil)

	huge := make([]byte, 9<<20)
	copy(huge, mediatest.JPEG(8, 8))
	body, ct := mediatest.Multipart("file", "huge.jpg", "image/jpeg", huge)
	// Chunked (no Content-Length): read up to the limit, then refused.
	e := h.Do("POST", path, h.AdminToken, io.MultiReader(bytes.NewReader(body)), "Content-Type", ct).
		Fails(http.StatusRequestEntityTooLarge, "payload_too_large")
	if !strings.Contains(e.Error.Message, "8 MiB") {
		t.Fatalf("message %q", e.Error.Message)
	}
	// With a Content-Length over the limit: refused before a byte is read.
	counter := &countingReader{r: bytes.NewReader(body)}
	req := httptest.NewRequest("POST", path, counter)
	req.ContentLength = int64(len(body))
	req.Header.Set("Content-Type", ct)
	req.Header.Set("Authorization", "Bearer "+h.AdminToken)
	rec := httptest.NewRecorder()
	h.App.Echo.ServeHTTP(rec, req)
	if rec.Code != http.StatusRequestEntityTooLarge || counter.n != 0 {
		t.Fatalf("status %d after reading %d bytes; want 413 before reading any", rec.Code, counter.n)
	}
	// Other routes keep the 1 MiB limit.
	h.Do("POST", "/admin/v1/products", h.AdminToken, bytes.Repeat([]byte(" "), 2<<20)).Fails(http.StatusRequestEntityTooLarge, "payload_too_large")
}

type countingReader struct {
	r io.Reader
	n int
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += n
	return n, err
}

func TestMediaServing(t *testing.T) {
	t.Parallel()
	h := apitest.New(t, storagetest.New(t, "sqlite"))
	p := mustProduct(t, h, "照片", 100)
	var img productImage
	upload(h, imagesPath(p.ID), h.AdminToken, "file", "a.jpg", "image/jpeg", mediatest.JPEG(50, 40)).OK(http.StatusCreated, &img)
	key := strings.TrimPrefix(img.URL, "/media/")
	if !media.ValidKey(key) {
		t.Fatalf("url %q", img.URL)
	}
	res := h.Do("GET", img.URL, "", nil).OK(http.StatusOK, nil)
	etag := `"` + strings.TrimSuffix(key, ".jpg") + `"`
	if res.Header.Get("Cache-Control") != "public, max-age=31536000, immutable" || res.Header.Get("ETag") != etag ||
		res.Header.Get("Content-Type") != "image/jpeg" || res.Header.Get("X-Content-Type-Options") != "nosniff" {
		t.Fatalf("headers %v", res.Header)
	}
	if media.Key(res.Body, "jpg") != key {
		t.Fatal("the served bytes are not the key's content")
	}
	for _, inm := range []string{etag, `W/` + etag, `"other", ` + etag, "*"} {
		r := h.Do("GET", img.URL, "", nil, "If-None-Match", inm)
		if r.Status != http.StatusNotModified || len(r.Body) != 0 || r.Header.Get("ETag") != etag {
			t.Fatalf("If-None-Match %s: %d %q", inm, r.Status, r.Body)
		}
	}
	h.Do("GET", img.URL, "", nil, "If-None-Match", `"other"`).OK(http.StatusOK, nil)
	head := h.Do("HEAD", img.URL, "", nil).OK(http.StatusOK, nil)
	if len(head.Body) != 0 || head.Header.Get("Content-Length") != apitest.Path("%d", img.Bytes) {
		t.Fatalf("HEAD: %q, Content-Length %q", head.Body, head.Header.Get("Content-Length"))
	}
	unknown := strings.Repeat("0", 64) + ".jpg"
	h.Do("GET", "/media/"+unknown, "", nil).Fails(http.StatusNotFound, "not_found")
	for _, bad := range []string{
		"/media/../wemart.db", "/media/../../etc/passwd", "/media/..%2F..%2Fwemart.db", "/media/" + key[:2] + "%2F" + key,
		"/media/" + key[:2] + "/" + key, "/media/" + strings.ToUpper(key), "/media/" + strings.TrimSuffix(key, ".jpg") + ".gif",
		"/media/" + key + "/..", "/media/%2e%2e/wemart.db", "/media/",
	} {
		r := h.Do("GET", bad, "", nil)
		if r.Status != http.StatusNotFound && r.Status != http.StatusBadRequest {
			t.Fatalf("GET %s: %d %q", bad, r.Status, r.Body)
		}
		if bytes.Contains(r.Body, []byte("SQLite")) {
			t.Fatalf("GET %s served a file outside the media dir", bad)
		}
	}
}

// TestMediaURLBase: with WEMART_MEDIA_URL, picture URLs are absolute there.
func TestMediaURLBase(t *testing.T) {
	t.Parallel()
	h := apitest.New(t, storagetest.New(t, "sqlite"), func(cfg *config.Config, _ *app.Options) {
		cfg.MediaURL = "https://img.example.com/wemart/"
	})
	p := mustProduct(t, h, "远程", 100)
	var img productImage
	upload(h, imagesPath(p.ID), h.AdminToken, "file", "a.png", "image/png", mediatest.PNG(10, 10, true)).OK(http.StatusCreated, &img)
	if !strings.HasPrefix(img.URL, "https://img.example.com/wemart/") || !media.ValidKey(strings.TrimPrefix(img.URL, "https://img.example.com/wemart/")) {
		t.Fatalf("url %q", img.URL)
	}
	if u := imageURL(t, h, p.ID); u != img.URL {
		t.Fatalf("image_url %q", u)
	}
}

// TestPicturesOnS3: the app keeps pictures in an S3-compatible bucket when
// WEMART_S3_* say so, and still serves them at /media/.
func TestPicturesOnS3(t *testing.T) {
	t.Parallel()
	srv := mediatest.NewS3(t)
	h := apitest.New(t, storagetest.New(t, "sqlite"), func(cfg *config.Config, _ *app.Options) {
		c := srv.Config
		cfg.S3 = config.S3{Endpoint: c.Endpoint, Bucket: c.Bucket, AccessKey: c.AccessKey, SecretKey: c.SecretKey,
			Region: c.Region, PathStyle: true, Prefix: "pics/"}
	})
	p := mustProduct(t, h, "云端", 100)
	var img productImage
	upload(h, imagesPath(p.ID), h.AdminToken, "file", "a.jpg", "image/jpeg", mediatest.JPEG(20, 20)).OK(http.StatusCreated, &img)
	res := h.Do("GET", img.URL, "", nil).OK(http.StatusOK, nil)
	if media.Key(res.Body, "jpg") != strings.TrimPrefix(img.URL, "/media/") {
		t.Fatal("served bytes differ")
	}
	if mediaFiles(t, h) != 0 {
		t.Fatal("a picture was written to the data dir")
	}
	if u := srv.Unsigned(); len(u) > 0 {
		t.Fatalf("unsigned requests: %v", u)
	}
}
