package api

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"wemart/server/orders"
)

// IdempotencyKeyHeader carries the client's key on order creation.
const IdempotencyKeyHeader = "Idempotency-Key"

func (h *ordersAPI) createOrder(c echo.Context) error {
	key := c.Request().Header.Get(IdempotencyKeyHeader)
	var in orders.CreateInput
	if err := bindJSON(c, &in); err != nil {
		return err
	}
	p, err := h.Orders.Create(c.Request().Context(), shopperID(c), key, in)
	if err != nil {
		return err
	}
	status := http.StatusOK
	if p.Created {
		status = http.StatusCreated
	}
	return c.JSON(status, h.checkoutDTO(p))
}

func (h *ordersAPI) listOrders(c echo.Context) error {
	p, err := queryPage(c)
	if err != nil {
		return err
	}
	statuses, err := orders.ParseStatuses("status", c.QueryParam("status"))
	if err != nil {
		return err
	}
	rows, total, err := h.Orders.List(c.Request().Context(), shopperID(c),
		orders.ListParams{Statuses: statuses, Offset: p.Offset(), Limit: p.Size})
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, listOf(rows, total, p, h.orderSummaryDTO))
}

func (h *ordersAPI) getOrder(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	o, err := h.Orders.Get(c.Request().Context(), shopperID(c), id)
	return reply(c, http.StatusOK, o, err, h.orderDTO)
}

func (h *ordersAPI) payOrder(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	o, params, err := h.Orders.Pay(c.Request().Context(), shopperID(c), id)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, Checkout{Order: h.orderDTO(o), Payment: params})
}

// cancelInput optionally says why the shopper cancels.
type cancelInput struct {
	Reason string `json:"reason"`
}

func (h *ordersAPI) cancelOrder(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	var in cancelInput
	if err := bindOptionalJSON(c, &in); err != nil {
		return err
	}
	o, err := h.Orders.Cancel(c.Request().Context(), shopperID(c), id, in.Reason)
	return reply(c, http.StatusOK, o, err, h.orderDTO)
}

func (h *ordersAPI) refundOrder(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	var in orders.RefundInput
	if err := bindJSON(c, &in); err != nil {
		return err
	}
	o, err := h.Orders.RequestRefund(c.Request().Context(), shopperID(c), id, in)
	return reply(c, http.StatusOK, o, err, h.orderDTO)
}
