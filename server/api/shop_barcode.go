package api

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"wemart/server/catalog"
	"wemart/server/errs"
)

// storeBarcode is GET /api/v1/stores/:id/barcode/:code: a shopper in the
// store scans a pack's barcode and sees the product, its price and the stock
// there.
func (h *productsAPI) storeBarcode(c echo.Context) error {
	code := c.Param("code")
	if !catalog.ValidEAN13(code) {
		return errs.InvalidField("code", "must be an EAN-13 barcode (13 digits with a valid check digit)")
	}
	e, err := h.openStore(c)
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	k, err := h.Catalog.SkuByBarcode(ctx, code)
	if err != nil {
		return err
	}
	p, err := h.shopProduct(c, k.Edges.Product, e.ID)
	if err != nil {
		return err
	}
	var scanned ShopSku
	for _, s := range p.Skus {
		if s.ID == k.ID {
			scanned = s
		}
	}
	return c.JSON(http.StatusOK, BarcodeMatch{StoreID: e.ID, Sku: scanned, Product: p})
}

// BarcodeMatch is the SKU a barcode scanned in a store names, with its
// product, priced and stocked at that store.
type BarcodeMatch struct {
	StoreID int         `json:"store_id"`
	Sku     ShopSku     `json:"sku"`
	Product ShopProduct `json:"product"`
}
