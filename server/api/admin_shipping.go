package api

import (
	"net/http"
	"time"

	"github.com/labstack/echo/v4"

	"wemart/ent"
	"wemart/ent/shipment"
	"wemart/server/logistics"
	"wemart/server/orders"
)

// anyStore is a store-bound permission checked without a store: the
// request is about none in particular (the express companies a ship form
// offers), so the role alone decides.
func anyStore(echo.Context) (int, bool, error) { return 0, false, nil }

// ExpressCompany is an express company staff may ship with.
type ExpressCompany struct {
	// ID is WeChat's express company id (SF, ZTO, ...).
	ID   string `json:"id"`
	Name string `json:"name"`
}

// Tracking is an order's shipments with their events.
type Tracking struct {
	Shipments []Shipment `json:"shipments"`
}

// Shipment is one way an order's goods travel: an express parcel or a
// rider delivery.
type Shipment struct {
	ID          int             `json:"id"`
	Kind        string          `json:"kind"`
	Carrier     string          `json:"carrier"`
	CarrierName string          `json:"carrier_name"`
	TrackingNo  string          `json:"tracking_no"`
	Status      string          `json:"status"`
	ShippedAt   *time.Time      `json:"shipped_at"`
	DeliveredAt *time.Time      `json:"delivered_at"`
	Rider       *Rider          `json:"rider"`
	Events      []ShipmentEvent `json:"events"`
	// FeeFen and Reason are for staff only.
	FeeFen *int64  `json:"fee_fen,omitempty"`
	Reason *string `json:"reason,omitempty"`
}

// Rider is the rider of a rider delivery, where they last were.
type Rider struct {
	Name      string     `json:"name"`
	Phone     string     `json:"phone"`
	Lat       *float64   `json:"lat"`
	Lng       *float64   `json:"lng"`
	UpdatedAt *time.Time `json:"updated_at"`
}

// ShipmentEvent is one tracking event.
type ShipmentEvent struct {
	Status      string    `json:"status"`
	Description string    `json:"description"`
	Location    string    `json:"location"`
	OccurredAt  time.Time `json:"occurred_at"`
}

func trackingDTO(rows []*ent.Shipment) Tracking {
	out := Tracking{Shipments: make([]Shipment, len(rows))}
	for i, sh := range rows {
		v := Shipment{ID: sh.ID, Kind: string(sh.Kind), Carrier: sh.Carrier, CarrierName: sh.Carrier, TrackingNo: sh.TrackingNo,
			Status: string(sh.Status), ShippedAt: utcPtr(sh.ShippedAt), DeliveredAt: utcPtr(sh.DeliveredAt),
			Events: make([]ShipmentEvent, len(sh.Edges.Events))}
		if co, ok := logistics.CompanyByID(sh.Carrier); ok && sh.Kind == shipment.KindExpress {
			v.CarrierName = co.Name
		} else if name, ok := logistics.RiderServiceNames[sh.Carrier]; ok && sh.Kind == shipment.KindRider {
			v.CarrierName = name
		}
		if sh.Kind == shipment.KindRider && sh.RiderName != "" {
			v.Rider = &Rider{Name: sh.RiderName, Lat: sh.RiderLat, Lng: sh.RiderLng, UpdatedAt: utcPtr(sh.PositionAt)}
			if riderOnTheWay(sh.Status) { // a rider's phone only while they carry the order
				v.Rider.Phone = sh.RiderPhone
			}
		}
		for j, e := range sh.Edges.Events {
			v.Events[j] = ShipmentEvent{Status: e.Status, Description: e.Description, Location: e.Location, OccurredAt: e.OccurredAt.UTC()}
		}
		out.Shipments[i] = v
	}
	return out
}

// riderOnTheWay reports whether a rider delivery in status st is between
// the rider accepting it and handing it over.
func riderOnTheWay(st shipment.Status) bool {
	return st == shipment.StatusAccepted || st == shipment.StatusArrived || st == shipment.StatusPickedUp
}

func staffTrackingDTO(rows []*ent.Shipment) Tracking {
	out := trackingDTO(rows)
	for i, sh := range rows {
		out.Shipments[i].FeeFen, out.Shipments[i].Reason = &sh.FeeFen, &sh.Reason
	}
	return out
}

func (h *ordersAPI) shipOrder(c echo.Context) error {
	o := pathOrder(c)
	var in orders.ShipInput
	if err := bindJSON(c, &in); err != nil {
		return err
	}
	parcels, err := in.List()
	if err != nil {
		return err
	}
	o, err = h.Orders.Ship(c.Request().Context(), orders.StaffActor(principal(c).ID), o.ID, parcels)
	return reply(c, http.StatusOK, o, err, h.staffOrderDTO)
}

func (h *ordersAPI) staffTracking(c echo.Context) error {
	rows, err := h.Orders.Tracking(c.Request().Context(), pathOrder(c).ID)
	return reply(c, http.StatusOK, rows, err, staffTrackingDTO)
}

func (h *ordersAPI) expressCompanies(c echo.Context) error {
	var items []ExpressCompany
	for _, co := range logistics.Companies() {
		items = append(items, ExpressCompany{ID: co.ID, Name: co.Name})
	}
	return c.JSON(http.StatusOK, map[string]any{"items": items})
}
