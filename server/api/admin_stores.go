package api

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"wemart/server/stores"
)

func (h *storesAPI) listStores(c echo.Context) error {
	p, err := queryPage(c)
	if err != nil {
		return err
	}
	q, err := queryText(c, "q")
	if err != nil {
		return err
	}
	items, total, err := h.Stores.List(c.Request().Context(), stores.ListParams{
		Query: q, Status: c.QueryParam("status"), Offset: p.Offset(), Limit: p.Size,
	})
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, listOf(items, total, p, storeDTO))
}

func (h *storesAPI) createStore(c echo.Context) error {
	var in stores.Input
	if err := bindJSON(c, &in); err != nil {
		return err
	}
	st, err := h.Stores.Create(c.Request().Context(), in)
	return reply(c, http.StatusCreated, st, err, storeDTO)
}

func (h *storesAPI) getStore(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	st, err := h.Stores.Get(c.Request().Context(), id)
	return reply(c, http.StatusOK, st, err, storeDTO)
}

func (h *storesAPI) updateStore(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	var p stores.Patch
	if err := bindJSON(c, &p); err != nil {
		return err
	}
	st, err := h.Stores.Update(c.Request().Context(), id, p)
	return reply(c, http.StatusOK, st, err, storeDTO)
}

func (h *storesAPI) deleteStore(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	if err := h.Stores.Delete(c.Request().Context(), id); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}
