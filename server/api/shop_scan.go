package api

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"wemart/server/errs"
	"wemart/server/qr"
)

// Scan is what an in-store code points at: a store, and a product in it
// (null for a store's own code).
type Scan struct {
	Store   StoreCard    `json:"store"`
	Product *ShopProduct `json:"product"`
}

// scan is GET /api/v1/scan?scene=: what an in-store code points at.
func (h *productsAPI) scan(c echo.Context) error {
	s, err := qr.ParseScene(c.QueryParam("scene"))
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	e, err := h.Stores.Index().Get(ctx, s.StoreID)
	if err != nil {
		return err
	}
	if e == nil {
		return errs.E(errs.NotFound, "this code is for a store that no longer exists")
	}
	if !e.Open {
		return errs.E(errs.Conflict, "%s is closed for now", e.Name).With("store_id", e.ID)
	}
	out := Scan{Store: storeCard(e, h.Stores.OpenNow(e))}
	if s.ProductID != 0 {
		p, err := h.Catalog.ListedProduct(ctx, s.ProductID)
		if err != nil {
			return err
		}
		sp, err := h.shopProduct(c, p, e.ID)
		if err != nil {
			return err
		}
		out.Product = &sp
	}
	return c.JSON(http.StatusOK, out)
}
