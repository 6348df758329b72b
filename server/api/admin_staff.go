package api

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"wemart/server/staff"
)

func (h *staffAPI) listStaff(c echo.Context) error {
	p, err := queryPage(c)
	if err != nil {
		return err
	}
	items, total, err := h.Staff.List(c.Request().Context(), p.Offset(), p.Size)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, listOf(items, total, p, staffDTO))
}

func (h *staffAPI) createStaff(c echo.Context) error {
	var in staff.CreateInput
	if err := bindJSON(c, &in); err != nil {
		return err
	}
	st, err := h.Staff.Create(c.Request().Context(), in)
	return reply(c, http.StatusCreated, st, err, staffDTO)
}

func (h *staffAPI) getStaff(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	st, err := h.Staff.Get(c.Request().Context(), id)
	return reply(c, http.StatusOK, st, err, staffDTO)
}

func (h *staffAPI) updateStaff(c echo.Context) error {
	p := principal(c)
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	var in staff.UpdateInput
	if err := bindJSON(c, &in); err != nil {
		return err
	}
	st, err := h.Staff.Update(c.Request().Context(), p, id, in)
	return reply(c, http.StatusOK, st, err, staffDTO)
}

// disableStaff is DELETE: accounts are disabled, never erased, so the stock
// ledger and order timelines keep naming who did what.
func (h *staffAPI) disableStaff(c echo.Context) error {
	p := principal(c)
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	disabled := true
	if _, err := h.Staff.Update(c.Request().Context(), p, id, staff.UpdateInput{Disabled: &disabled}); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}
