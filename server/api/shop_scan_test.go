package api_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"wemart/server/apitest"
	"wemart/server/storage"
	"wemart/server/storage/storagetest"
	"wemart/server/wechat/sandbox"
	"wemart/server/wechat/sandbox/sandboxtest"
)

type shopProduct struct {
	ID        int   `json:"id"`
	StoreID   *int  `json:"store_id"`
	Available *bool `json:"available"`
	Skus      []struct {
		ID       int    `json:"id"`
		PriceFen int64  `json:"price_fen"`
		Stock    *int64 `json:"stock"`
	} `json:"skus"`
}

func TestQRCodesAndScanning(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		h := apitest.New(t, db)
		st := mustStore(t, h, "扫码店", 31.2323, 121.4751)
		var p product
		h.Do("POST", "/admin/v1/products", h.AdminToken, map[string]any{"title": "光明 鲜牛奶", "skus": []map[string]any{
			{"name": "950ml", "price_fen": 1890, "barcode": "6901234567892"}, {"name": "450ml", "price_fen": 1090}}}).OK(http.StatusCreated, &p)
		h.Do("PUT", apitest.Path("/admin/v1/stores/%d/stock/%d", st.ID, p.Skus[0].ID), h.AdminToken, map[string]any{"on_hand": 6}).OK(http.StatusOK, nil)

		// The store's mini program code, drawn by (the sandbox's) WeChat.
		res := h.Do("GET", apitest.Path("/admin/v1/stores/%d/qrcode.png", st.ID), h.AdminToken, nil).OK(http.StatusOK, nil)
		if res.Header.Get("X-Wemart-QR-Kind") != "wxacode" || res.Header.Get("Content-Type") != "image/png" {
			t.Fatalf("headers %v", res.Header)
		}
		scene := apitest.Path("s=%d", st.ID)
		if got := sandboxtest.ReadQR(t, res.Body); got != sandbox.WXACodeContent("pages/store/store", scene) {
			t.Fatalf("store code encodes %q", got)
		}
		// A product on its shelf; and the plain code that needs no WeChat.
		res = h.Do("GET", apitest.Path("/admin/v1/stores/%d/products/%d/qrcode.png?width=600", st.ID, p.ID), h.AdminToken, nil).OK(http.StatusOK, nil)
		pscene := apitest.Path("p=%d&s=%d", p.ID, st.ID)
		if got := sandboxtest.ReadQR(t, res.Body); got != sandbox.WXACodeContent("pages/product/product", pscene) || res.Header.Get("X-Wemart-QR-Scene") != pscene {
			t.Fatalf("product code encodes %q", got)
		}
		res = h.Do("GET", apitest.Path("/admin/v1/stores/%d/qrcode.png?kind=plain", st.ID), h.AdminToken, nil).OK(http.StatusOK, nil)
		plain := sandboxtest.ReadQR(t, res.Body)
		if res.Header.Get("X-Wemart-QR-Kind") != "plain" || !strings.HasPrefix(plain, h.URL+"/qr?scene=") {
			t.Fatalf("plain code encodes %q", plain)
		}
		landing := h.Do("GET", strings.TrimPrefix(plain, h.URL), "", nil).OK(http.StatusOK, nil)
		if !strings.Contains(string(landing.Body), "扫码店") {
			t.Fatalf("landing page: %s", landing.Body)
		}
		// WeChat busy: the plain code, of the same landing page, instead.
		h.Do("POST", "/sandbox/faults", "", map[string]any{"op": sandbox.OpWXACode, "count": 1}).OK(http.StatusOK, nil)
		res = h.Do("GET", apitest.Path("/admin/v1/stores/%d/qrcode.png", st.ID), h.AdminToken, nil).OK(http.StatusOK, nil)
		if got := sandboxtest.ReadQR(t, res.Body); res.Header.Get("X-Wemart-QR-Kind") != "plain" || got != plain {
			t.Fatalf("with WeChat busy: a %q code of %q, want the plain code of %q", res.Header.Get("X-Wemart-QR-Kind"), got, plain)
		}
		h.Do("POST", "/sandbox/faults", "", map[string]any{"op": sandbox.OpWXACode, "count": 1, "status": 503}).
			Fails(http.StatusBadRequest, "invalid_argument")
		for _, q := range []string{"?kind=svg", "?width=100", "?width=2000", "?env=beta"} {
			h.Do("GET", apitest.Path("/admin/v1/stores/%d/qrcode.png%s", st.ID, q), h.AdminToken, nil).Fails(http.StatusBadRequest, "invalid_argument")
		}
		h.Do("GET", apitest.Path("/admin/v1/stores/%d/products/999/qrcode.png", st.ID), h.AdminToken, nil).Fails(http.StatusNotFound, "not_found")
		h.Do("GET", "/admin/v1/stores/999/qrcode.png", h.AdminToken, nil).Fails(http.StatusNotFound, "not_found")
		other := mustStore(t, h, "别店", 31.3, 121.5)
		_, clerk := mustStaff(t, h, "qr-clerk", "clerk", &other.ID)
		h.Do("GET", apitest.Path("/admin/v1/stores/%d/qrcode.png", st.ID), clerk, nil).Fails(http.StatusForbidden, "permission_denied")

		// Scanning: the store, and the product with its stock there.
		var scanned struct {
			Store   card         `json:"store"`
			Product *shopProduct `json:"product"`
		}
		h.Do("GET", "/api/v1/scan?scene="+scene, "", nil).OK(http.StatusOK, &scanned)
		if scanned.Store.ID != st.ID || scanned.Product != nil {
			t.Fatalf("store scene: %+v", scanned)
		}
		h.Do("GET", "/api/v1/scan?scene=p%3D"+apitest.Path("%d", p.ID)+"%26s%3D"+apitest.Path("%d", st.ID), "", nil).OK(http.StatusOK, &scanned)
		if scanned.Product == nil || scanned.Product.ID != p.ID || *scanned.Product.Skus[0].Stock != 6 || *scanned.Product.Skus[1].Stock != 0 || !*scanned.Product.Available {
			t.Fatalf("product scene: %+v", scanned.Product)
		}
		for _, bad := range []string{"", "s=", "s=abc", "x=1", "p=1", "s=1&s=2", strings.Repeat("s=1&", 9) + "s=1"} {
			h.Do("GET", "/api/v1/scan?scene="+url.QueryEscape(bad), "", nil).Fails(http.StatusBadRequest, "invalid_argument")
		}
		h.Do("GET", apitest.Path("/api/v1/scan?scene=p%%3D999%%26s%%3D%d", st.ID), "", nil).Fails(http.StatusNotFound, "not_found")
		h.Do("GET", "/api/v1/scan?scene=s=999", "", nil).Fails(http.StatusNotFound, "not_found")

		// Barcodes in the store: the check digit is checked.
		var bc struct {
			StoreID int `json:"store_id"`
			Sku     struct {
				ID    int    `json:"id"`
				Stock *int64 `json:"stock"`
			} `json:"sku"`
			Product shopProduct `json:"product"`
		}
		h.Do("GET", apitest.Path("/api/v1/stores/%d/barcode/6901234567892", st.ID), "", nil).OK(http.StatusOK, &bc)
		if bc.Sku.ID != p.Skus[0].ID || *bc.Sku.Stock != 6 || bc.Product.ID != p.ID {
			t.Fatalf("barcode: %+v", bc)
		}
		h.Do("GET", apitest.Path("/api/v1/stores/%d/barcode/6901234567891", st.ID), "", nil).Fails(http.StatusBadRequest, "invalid_argument")
		h.Do("GET", apitest.Path("/api/v1/stores/%d/barcode/690123456789", st.ID), "", nil).Fails(http.StatusBadRequest, "invalid_argument")
		h.Do("GET", apitest.Path("/api/v1/stores/%d/barcode/4006381333931", st.ID), "", nil).Fails(http.StatusNotFound, "not_found")

		// The product page, with and without a store.
		var sp shopProduct
		h.Do("GET", apitest.Path("/api/v1/products/%d?store_id=%d", p.ID, st.ID), "", nil).OK(http.StatusOK, &sp)
		if sp.StoreID == nil || *sp.Skus[0].Stock != 6 {
			t.Fatalf("product at store: %+v", sp)
		}
		h.Do("GET", apitest.Path("/api/v1/products/%d", p.ID), "", nil).OK(http.StatusOK, &sp)
		if sp.StoreID != nil || sp.Skus[0].Stock != nil || sp.Skus[0].PriceFen != 1890 {
			t.Fatalf("product without store: %+v", sp)
		}
		h.Do("GET", apitest.Path("/api/v1/products/%d?store_id=999", p.ID), "", nil).Fails(http.StatusNotFound, "not_found")
		h.Do("GET", apitest.Path("/api/v1/products/%d?store_id=x", p.ID), "", nil).Fails(http.StatusBadRequest, "invalid_argument")

		// An unlisted product is gone for shoppers.
		h.Do("PATCH", apitest.Path("/admin/v1/products/%d", p.ID), h.AdminToken, map[string]any{"status": "unlisted"}).OK(http.StatusOK, nil)
		h.Do("GET", apitest.Path("/api/v1/products/%d", p.ID), "", nil).Fails(http.StatusNotFound, "not_found")
		h.Do("GET", apitest.Path("/api/v1/stores/%d/barcode/6901234567892", st.ID), "", nil).Fails(http.StatusNotFound, "not_found")

		// A store closed by staff: its codes say so; a deleted one is gone.
		h.Do("PATCH", apitest.Path("/admin/v1/stores/%d", st.ID), h.AdminToken, map[string]any{"status": "closed"}).OK(http.StatusOK, nil)
		h.Do("GET", "/api/v1/scan?scene="+scene, "", nil).Fails(http.StatusConflict, "conflict")
		h.Do("GET", apitest.Path("/api/v1/stores/%d/barcode/6901234567892", st.ID), "", nil).Fails(http.StatusConflict, "conflict")
		h.Do("DELETE", apitest.Path("/admin/v1/stores/%d", st.ID), h.AdminToken, nil).OK(http.StatusNoContent, nil)
		h.Do("GET", "/api/v1/scan?scene="+scene, "", nil).Fails(http.StatusNotFound, "not_found")
	})
}
