package app_test

import (
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"wemart/server/apitest"
	"wemart/server/app"
	"wemart/server/config"
	"wemart/server/storage/storagetest"
)

// TestPreviewServedInSandbox: in sandbox mode the built h5 preview is at
// /shop/ (index revalidated, hashed assets cached for a year), / redirects
// there, and nothing outside the preview's folder can be reached.
func TestPreviewServedInSandbox(t *testing.T) {
	dir := t.TempDir()
	files := map[string]string{
		"index.html":           "<!DOCTYPE html><title>wemart</title>",
		"js/app.1234abcd.js":   "console.log(1)",
		"css/app.1234abcd.css": "body{}",
	}
	for name, body := range files {
		p := filepath.Join(dir, "dist-h5", name)
		if err := os.MkdirAll(filepath.Dir(p), 0o700); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(filepath.Join(dir, "secret.txt"), []byte("secret"), 0o600); err != nil {
		t.Fatal(err)
	}
	// A hidden file and a link out of the folder are never served.
	if err := os.WriteFile(filepath.Join(dir, "dist-h5", ".env"), []byte("secret"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(filepath.Join(dir, "secret.txt"), filepath.Join(dir, "dist-h5", "js", "link.js")); err != nil {
		t.Fatal(err)
	}
	h := apitest.New(t, storagetest.New(t, "sqlite"), func(cfg *config.Config, _ *app.Options) {
		cfg.PreviewDir = filepath.Join(dir, "dist-h5")
	})
	serve := func(path string) *httptest.ResponseRecorder {
		rec := httptest.NewRecorder()
		h.App.Echo.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, path, nil))
		return rec
	}
	if rec := serve("/"); rec.Code != http.StatusFound || rec.Header().Get("Location") != "/shop/" {
		t.Fatalf("GET /: %d %q", rec.Code, rec.Header().Get("Location"))
	}
	if rec := serve("/shop"); rec.Code != http.StatusMovedPermanently || rec.Header().Get("Location") != "/shop/" {
		t.Fatalf("GET /shop: %d %q", rec.Code, rec.Header().Get("Location"))
	}
	rec := serve("/shop/")
	if rec.Code != http.StatusOK || rec.Body.String() != files["index.html"] || rec.Header().Get("Cache-Control") != "no-cache" ||
		!strings.HasPrefix(rec.Header().Get("Content-Type"), "text/html") {
		t.Fatalf("GET /shop/: %d %q %v", rec.Code, rec.Body, rec.Header())
	}
	rec = serve("/shop/js/app.1234abcd.js")
	if rec.Code != http.StatusOK || rec.Body.String() != files["js/app.1234abcd.js"] ||
		rec.Header().Get("Cache-Control") != "public, max-age=31536000, immutable" {
		t.Fatalf("GET an asset: %d %q %v", rec.Code, rec.Body, rec.Header())
	}
	// A range is ignored (the whole file, never a plain-text 416).
	rangeReq := httptest.NewRequest(http.MethodGet, "/shop/js/app.1234abcd.js", nil)
	rangeReq.Header.Set("Range", "bytes=9999-")
	rec = httptest.NewRecorder()
	h.App.Echo.ServeHTTP(rec, rangeReq)
	if rec.Code != http.StatusOK || rec.Body.String() != files["js/app.1234abcd.js"] {
		t.Fatalf("GET with a range past the end: %d %q", rec.Code, rec.Body)
	}
	for _, path := range []string{"/shop/../secret.txt", "/shop/%2e%2e/secret.txt", "/shop/..%2fsecret.txt", "/shop/missing.js",
		"/shop/.env", "/shop/js/link.js"} {
		rec := serve(path)
		if rec.Code != http.StatusNotFound || strings.Contains(rec.Body.String(), "secret") {
			t.Errorf("GET %s: %d %q", path, rec.Code, rec.Body)
		}
	}
}

// TestPreviewNotBuilt: without a build, /shop/ says how to build it (503:
// an HTML page for a browser, the error envelope otherwise) and the API is
// served as usual.
func TestPreviewNotBuilt(t *testing.T) {
	h := apitest.New(t, storagetest.New(t, "sqlite"), func(cfg *config.Config, _ *app.Options) {
		cfg.PreviewDir = filepath.Join(t.TempDir(), "none")
	})
	browser := httptest.NewRequest(http.MethodGet, "/shop/", nil)
	browser.Header.Set("Accept", "text/html,application/xhtml+xml")
	rec := httptest.NewRecorder()
	h.App.Echo.ServeHTTP(rec, browser)
	if rec.Code != http.StatusServiceUnavailable || !strings.Contains(rec.Body.String(), "npm run build:h5") ||
		!strings.HasPrefix(rec.Header().Get("Content-Type"), "text/html") {
		t.Fatalf("GET /shop/ unbuilt, from a browser: %d %q", rec.Code, rec.Body)
	}
	rec = httptest.NewRecorder()
	h.App.Echo.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/shop/", nil))
	if rec.Code != http.StatusServiceUnavailable || !strings.Contains(rec.Body.String(), `"code":"unavailable"`) {
		t.Fatalf("GET /shop/ unbuilt: %d %q", rec.Code, rec.Body)
	}
	h.Do("GET", "/healthz", "", nil).OK(http.StatusOK, nil)
}
