package api

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"wemart/server/inventory"
)

// storeSku reads the store and SKU of a stock or price path.
func storeSku(c echo.Context) (storeID, skuID int, err error) {
	if storeID, err = pathID(c, "store_id"); err != nil {
		return
	}
	if c.Param("sku_id") != "" {
		skuID, err = pathID(c, "sku_id")
	}
	return
}

func (h *inventoryAPI) listStock(c echo.Context) error {
	storeID, _, err := storeSku(c)
	if err != nil {
		return err
	}
	p, err := queryPage(c)
	if err != nil {
		return err
	}
	low, err := queryBool(c, "low_stock")
	if err != nil {
		return err
	}
	threshold, err := queryOptInt(c, "threshold", 0, inventory.MaxUnits)
	if err != nil {
		return err
	}
	rows, total, err := h.Inventory.List(c.Request().Context(), storeID, inventory.ListParams{
		LowStock: low || threshold != nil, Threshold: threshold, Offset: p.Offset(), Limit: p.Size,
	})
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, listOf(rows, total, p, stockRowDTO))
}

func (h *inventoryAPI) getStock(c echo.Context) error {
	storeID, skuID, err := storeSku(c)
	if err != nil {
		return err
	}
	l, err := h.Inventory.Get(c.Request().Context(), storeID, skuID)
	return reply(c, http.StatusOK, l, err, levelDTO)
}

func (h *inventoryAPI) setStock(c echo.Context) error {
	storeID, skuID, err := storeSku(c)
	if err != nil {
		return err
	}
	var in inventory.SetInput
	if err := bindJSON(c, &in); err != nil {
		return err
	}
	l, err := h.Inventory.Set(c.Request().Context(), inventory.Staff(principal(c).ID), storeID, skuID, in)
	return reply(c, http.StatusOK, l, err, levelDTO)
}

func (h *inventoryAPI) adjustStock(c echo.Context) error {
	storeID, skuID, err := storeSku(c)
	if err != nil {
		return err
	}
	var in inventory.AdjustInput
	if err := bindJSON(c, &in); err != nil {
		return err
	}
	l, err := h.Inventory.Adjust(c.Request().Context(), inventory.Staff(principal(c).ID), storeID, skuID, in)
	return reply(c, http.StatusOK, l, err, levelDTO)
}

func (h *inventoryAPI) listMovements(c echo.Context) error {
	storeID, skuID, err := storeSku(c)
	if err != nil {
		return err
	}
	p, err := queryPage(c)
	if err != nil {
		return err
	}
	items, total, err := h.Inventory.Movements(c.Request().Context(), storeID, skuID, p.Offset(), p.Size)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, listOf(items, total, p, movementDTO))
}
