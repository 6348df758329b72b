package api

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"wemart/ent"
	"wemart/server/orders"
)

// DispatchShipment is one of an order's shipments as the dispatch steps
// answer it: for a rider, tracking_no is the rider service's delivery id
// and fee_fen what it charges the store.
type DispatchShipment struct {
	ID         int    `json:"id"`
	Kind       string `json:"kind"`
	Carrier    string `json:"carrier"`
	TrackingNo string `json:"tracking_no"`
	Status     string `json:"status"`
	FeeFen     int64  `json:"fee_fen"`
	DistanceM  *int   `json:"distance_m"`
	RiderName  string `json:"rider_name"`
	RiderPhone string `json:"rider_phone"`
	// Reason is why it was cancelled or failed.
	Reason string `json:"reason"`
}

// DispatchedOrder is the staff order with its shipments.
type DispatchedOrder struct {
	Order
	Shipments []DispatchShipment `json:"shipments"`
}

// dispatchInput is the body of a dispatch: nothing yet (the rider service
// is the configured one).
type dispatchInput struct{}

// cancelDispatchInput says why a rider delivery is called off.
type cancelDispatchInput struct {
	Reason string `json:"reason"`
}

func (h *ordersAPI) dispatchOrder(c echo.Context) error {
	var in dispatchInput
	if err := bindOptionalJSON(c, &in); err != nil {
		return err
	}
	o, err := h.Orders.Dispatch(c.Request().Context(), orders.StaffActor(principal(c).ID), pathOrder(c).ID)
	if err != nil {
		return err
	}
	return h.withShipments(c, o)
}

func (h *ordersAPI) cancelDispatch(c echo.Context) error {
	var in cancelDispatchInput
	if err := bindJSON(c, &in); err != nil {
		return err
	}
	o, err := h.Orders.CancelDispatch(c.Request().Context(), orders.StaffActor(principal(c).ID), pathOrder(c).ID, in.Reason)
	if err != nil {
		return err
	}
	return h.withShipments(c, o)
}

// withShipments answers the staff order o with its shipments.
func (h *ordersAPI) withShipments(c echo.Context, o *ent.Order) error {
	list, err := h.Orders.Shipments(c.Request().Context(), o.ID)
	if err != nil {
		return err
	}
	out := DispatchedOrder{Order: h.staffOrderDTO(o), Shipments: make([]DispatchShipment, 0, len(list))}
	for _, sh := range list {
		out.Shipments = append(out.Shipments, DispatchShipment{ID: sh.ID, Kind: string(sh.Kind), Carrier: sh.Carrier,
			TrackingNo: sh.TrackingNo, Status: string(sh.Status), FeeFen: sh.FeeFen, DistanceM: sh.DistanceM,
			RiderName: sh.RiderName, RiderPhone: sh.RiderPhone, Reason: sh.Reason})
	}
	return c.JSON(http.StatusOK, out)
}
