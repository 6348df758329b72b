package api

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"wemart/ent"
	"wemart/server/orders"
	"wemart/server/staff"
)

func (h *handlers) staffListOrders(c echo.Context) error {
	p, err := queryPage(c)
	if err != nil {
		return err
	}
	statuses, err := orders.ParseStatuses("status", c.QueryParam("status"))
	if err != nil {
		return err
	}
	storeID, err := queryOptInt(c, "store_id", 1, 1<<31-1)
	if err != nil {
		return err
	}
	orderNo, err := queryText(c, "order_no")
	if err != nil {
		return err
	}
	me := principal(c)
	params := orders.ListParams{Statuses: statuses, OrderNo: orderNo, Offset: p.Offset(), Limit: p.Size}
	switch {
	case storeID != nil:
		id := int(*storeID)
		if err := me.RequireStore(staff.PermReadOrders, id); err != nil {
			return err
		}
		params.StoreID = &id
	case me.StoreID != nil: // a store's staff see their store's orders
		if err := me.Require(staff.PermReadOrders); err != nil {
			return err
		}
		params.StoreID = me.StoreID
	default:
		if err := me.Require(staff.PermReadOrders); err != nil {
			return err
		}
	}
	rows, total, err := h.Orders.StaffList(c.Request().Context(), params)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, listOf(rows, total, p, staffOrderSummaryDTO))
}

// staffOrder reads the order of the path and checks the caller holds perm
// at its store.
func (h *handlers) staffOrder(c echo.Context, perm staff.Perm) (*ent.Order, error) {
	id, err := pathID(c, "id")
	if err != nil {
		return nil, err
	}
	o, err := h.Orders.Load(c.Request().Context(), id)
	if err != nil {
		return nil, err
	}
	if err := principal(c).RequireStore(perm, o.StoreID); err != nil {
		return nil, err
	}
	return o, nil
}

func (h *handlers) staffGetOrder(c echo.Context) error {
	o, err := h.staffOrder(c, staff.PermReadOrders)
	return reply(c, http.StatusOK, o, err, staffOrderDTO)
}

// reviewInput is a staff note on a refund decision.
type reviewInput struct {
	Note string `json:"note"`
}

func (h *handlers) approveRefund(c echo.Context) error {
	o, err := h.staffOrder(c, staff.PermRefundOrders)
	if err != nil {
		return err
	}
	var in reviewInput
	if err := bindOptionalJSON(c, &in); err != nil {
		return err
	}
	o, err = h.Orders.ApproveRefund(c.Request().Context(), orders.StaffActor(principal(c).ID), o.ID, in.Note)
	return reply(c, http.StatusOK, o, err, staffOrderDTO)
}

func (h *handlers) rejectRefund(c echo.Context) error {
	o, err := h.staffOrder(c, staff.PermRefundOrders)
	if err != nil {
		return err
	}
	var in reviewInput
	if err := bindJSON(c, &in); err != nil {
		return err
	}
	o, err = h.Orders.RejectRefund(c.Request().Context(), orders.StaffActor(principal(c).ID), o.ID, in.Note)
	return reply(c, http.StatusOK, o, err, staffOrderDTO)
}

func (h *handlers) orderReady(c echo.Context) error {
	o, err := h.staffOrder(c, staff.PermFulfilOrders)
	if err != nil {
		return err
	}
	o, err = h.Orders.Ready(c.Request().Context(), orders.StaffActor(principal(c).ID), o.ID)
	return reply(c, http.StatusOK, o, err, staffOrderDTO)
}

// pickupInput is the code the shopper shows at the counter.
type pickupInput struct {
	PickupCode string `json:"pickup_code"`
}

func (h *handlers) orderPickedUp(c echo.Context) error {
	o, err := h.staffOrder(c, staff.PermFulfilOrders)
	if err != nil {
		return err
	}
	var in pickupInput
	if err := bindJSON(c, &in); err != nil {
		return err
	}
	o, err = h.Orders.PickedUp(c.Request().Context(), orders.StaffActor(principal(c).ID), o.ID, in.PickupCode)
	return reply(c, http.StatusOK, o, err, staffOrderDTO)
}

func (h *handlers) staffRefund(c echo.Context) error {
	o, err := h.staffOrder(c, staff.PermRefundOrders)
	if err != nil {
		return err
	}
	var in orders.RefundInput
	if err := bindJSON(c, &in); err != nil {
		return err
	}
	o, err = h.Orders.StaffRefund(c.Request().Context(), orders.StaffActor(principal(c).ID), o.ID, in)
	return reply(c, http.StatusOK, o, err, staffOrderDTO)
}
