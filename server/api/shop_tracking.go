package api

import (
	"net/http"

	"github.com/labstack/echo/v4"
)

func (h *ordersAPI) shopTracking(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	rows, err := h.Orders.ShopperTracking(c.Request().Context(), shopperID(c), id)
	return reply(c, http.StatusOK, rows, err, trackingDTO)
}

func (h *ordersAPI) receiveOrder(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	o, err := h.Orders.Receive(c.Request().Context(), shopperID(c), id)
	return reply(c, http.StatusOK, o, err, h.orderDTO)
}
