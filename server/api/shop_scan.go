package api

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"wemart/server/errs"
	"wemart/server/qr"
)

// scan is GET /api/v1/scan?scene=: what an in-store code points at.
func (h *handlers) scan(c echo.Context) error {
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
	out := map[string]any{"store": storeCard(e, h.Stores.OpenNow(e)), "product": nil}
	if s.ProductID != 0 {
		p, err := h.Catalog.ListedProduct(ctx, s.ProductID)
		if err != nil {
			return err
		}
		if out["product"], err = h.shopProduct(c, p, e.ID); err != nil {
			return err
		}
	}
	return c.JSON(http.StatusOK, out)
}
