package api

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"wemart/server/prices"
)

func (h *pricesAPI) listStorePrices(c echo.Context) error {
	storeID, _, err := storeSku(c)
	if err != nil {
		return err
	}
	p, err := queryPage(c)
	if err != nil {
		return err
	}
	items, total, err := h.Prices.List(c.Request().Context(), storeID, p.Offset(), p.Size)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, listOf(items, total, p, storePriceDTO))
}

func (h *pricesAPI) setStorePrice(c echo.Context) error {
	storeID, skuID, err := storeSku(c)
	if err != nil {
		return err
	}
	var in prices.SetInput
	if err := bindJSON(c, &in); err != nil {
		return err
	}
	sp, err := h.Prices.Set(c.Request().Context(), prices.Staff(principal(c).ID), storeID, skuID, in)
	return reply(c, http.StatusOK, sp, err, storePriceDTO)
}

func (h *pricesAPI) clearStorePrice(c echo.Context) error {
	storeID, skuID, err := storeSku(c)
	if err != nil {
		return err
	}
	if err := h.Prices.Clear(c.Request().Context(), prices.Staff(principal(c).ID), storeID, skuID); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}

func (h *pricesAPI) priceHistory(c echo.Context) error {
	storeID, skuID, err := storeSku(c)
	if err != nil {
		return err
	}
	p, err := queryPage(c)
	if err != nil {
		return err
	}
	items, total, err := h.Prices.History(c.Request().Context(), storeID, skuID, p.Offset(), p.Size)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, listOf(items, total, p, priceChangeDTO))
}
