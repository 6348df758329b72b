package api

import (
	"net/http"
	"strconv"

	"github.com/labstack/echo/v4"

	"wemart/server/errs"
	"wemart/server/qr"
)

// qrCode draws the code of a store (and a product in it) for printing.
func (h *qrAPI) qrCode(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	scene := qr.Scene{StoreID: id}
	ctx := c.Request().Context()
	if _, err := h.Stores.Get(ctx, id); err != nil {
		return err
	}
	if c.Param("product_id") != "" {
		if scene.ProductID, err = pathID(c, "product_id"); err != nil {
			return err
		}
		if _, err := h.Catalog.Product(ctx, scene.ProductID); err != nil {
			return err
		}
	}
	width, err := queryInt(c, "width", 430, 280, 1280)
	if err != nil {
		return err
	}
	kind := c.QueryParam("kind")
	switch kind {
	case "", qr.KindWXACode, qr.KindPlain:
	default:
		return errs.InvalidField("kind", "must be wxacode or plain")
	}
	env := c.QueryParam("env")
	switch env {
	case "", "release", "trial", "develop":
	default:
		return errs.InvalidField("env", "must be release, trial or develop")
	}
	png, drawn, err := h.Codes.Draw(ctx, scene, qr.Image{Kind: kind, Width: int(width), Env: env})
	if err != nil {
		return err
	}
	res := c.Response().Header()
	res.Set("X-Wemart-QR-Kind", drawn)
	res.Set("X-Wemart-QR-Scene", scene.String())
	res.Set("Content-Disposition", `inline; filename="wemart-`+sceneFile(scene)+`.png"`)
	return c.Blob(http.StatusOK, "image/png", png)
}

func sceneFile(s qr.Scene) string {
	name := "store-" + strconv.Itoa(s.StoreID)
	if s.ProductID != 0 {
		name += "-product-" + strconv.Itoa(s.ProductID)
	}
	return name
}
