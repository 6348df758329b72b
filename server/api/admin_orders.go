package api

import (
	"net/http"
	"sync"
	"time"

	"github.com/labstack/echo/v4"
	"golang.org/x/time/rate"

	"wemart/server/errs"
	"wemart/server/orders"
)

func (h *ordersAPI) staffListOrders(c echo.Context) error {
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
	params := orders.ListParams{Statuses: statuses, OrderNo: orderNo, Offset: p.Offset(), Limit: p.Size}
	params.StoreID = principal(c).StoreID // a store's staff see their store's orders
	if storeID != nil {
		id := int(*storeID)
		params.StoreID = &id
	}
	rows, total, err := h.Orders.StaffList(c.Request().Context(), params)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, listOf(rows, total, p, h.staffOrderSummaryDTO))
}

func (h *ordersAPI) staffGetOrder(c echo.Context) error {
	return c.JSON(http.StatusOK, h.staffOrderDTO(pathOrder(c)))
}

// reviewInput is a staff note on a refund decision.
type reviewInput struct {
	Note string `json:"note"`
}

func (h *ordersAPI) approveRefund(c echo.Context) error {
	o := pathOrder(c)
	var in reviewInput
	if err := bindOptionalJSON(c, &in); err != nil {
		return err
	}
	o, err := h.Orders.ApproveRefund(c.Request().Context(), orders.StaffActor(principal(c).ID), o.ID, in.Note)
	return reply(c, http.StatusOK, o, err, h.staffOrderDTO)
}

func (h *ordersAPI) rejectRefund(c echo.Context) error {
	o := pathOrder(c)
	var in reviewInput
	if err := bindJSON(c, &in); err != nil {
		return err
	}
	o, err := h.Orders.RejectRefund(c.Request().Context(), orders.StaffActor(principal(c).ID), o.ID, in.Note)
	return reply(c, http.StatusOK, o, err, h.staffOrderDTO)
}

func (h *ordersAPI) orderReady(c echo.Context) error {
	o := pathOrder(c)
	o, err := h.Orders.Ready(c.Request().Context(), orders.StaffActor(principal(c).ID), o.ID)
	return reply(c, http.StatusOK, o, err, h.staffOrderDTO)
}

// pickupInput is the code the shopper shows at the counter.
type pickupInput struct {
	PickupCode string `json:"pickup_code"`
}

func (h *ordersAPI) orderPickedUp(c echo.Context) error {
	o := pathOrder(c)
	var in pickupInput
	if err := bindJSON(c, &in); err != nil {
		return err
	}
	o, err := h.Orders.PickedUp(c.Request().Context(), orders.StaffActor(principal(c).ID), o.ID, in.PickupCode)
	return reply(c, http.StatusOK, o, err, h.staffOrderDTO)
}

// Lookup misses of POST /admin/v1/stores/{id}/pickups: a code that names no
// waiting order counts against its store (a bucket of 20 refilled one every
// 30 s, per process), so the lookup cannot be used to try codes much faster
// than each order's own attempt limit allows.
const (
	pickupLookupMisses = 20
	pickupLookupWindow = 10 * time.Minute
)

// pickupMisses limits, per store and process, the codes that matched nothing.
type pickupMisses struct{ byStore sync.Map } // store id → *rate.Limiter

func (m *pickupMisses) limiter(storeID int) *rate.Limiter {
	l, _ := m.byStore.LoadOrStore(storeID, rate.NewLimiter(rate.Every(pickupLookupWindow/pickupLookupMisses), pickupLookupMisses))
	return l.(*rate.Limiter)
}

func (h *ordersAPI) storePickup(c echo.Context) error {
	storeID, err := pathID(c, "store_id")
	if err != nil {
		return err
	}
	var in pickupInput
	if err := bindJSON(c, &in); err != nil {
		return err
	}
	// The try is taken before the lookup, so racing requests cannot look up
	// more codes than the store has tries; one that found its order gives
	// its try back.
	try := h.misses.limiter(storeID).Reserve()
	if try.Delay() > 0 {
		try.Cancel()
		return errs.TooMany(pickupLookupWindow/pickupLookupMisses, "%d codes that matched no order at store %d; wait a moment", pickupLookupMisses, storeID)
	}
	o, err := h.Orders.PickedUpByCode(c.Request().Context(), orders.StaffActor(principal(c).ID), storeID, in.PickupCode)
	if errs.CodeOf(err) != errs.NotFound {
		try.Cancel()
	}
	return reply(c, http.StatusOK, o, err, h.staffOrderDTO)
}

func (h *ordersAPI) staffRefund(c echo.Context) error {
	o := pathOrder(c)
	var in orders.RefundInput
	if err := bindJSON(c, &in); err != nil {
		return err
	}
	o, err := h.Orders.StaffRefund(c.Request().Context(), orders.StaffActor(principal(c).ID), o.ID, in)
	return reply(c, http.StatusOK, o, err, h.staffOrderDTO)
}
