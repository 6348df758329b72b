package api

import (
	"net/http"
	"strconv"

	"github.com/labstack/echo/v4"

	"wemart/schema/types"
	"wemart/server/errs"
	"wemart/server/geo"
	"wemart/server/stores"
)

// StoreCard is a store as shoppers see it, in lists and on its own page.
type StoreCard struct {
	ID              int     `json:"id"`
	Name            string  `json:"name"`
	Address         string  `json:"address"`
	City            string  `json:"city"`
	Phone           string  `json:"phone"`
	Lat             float64 `json:"lat"`
	Lng             float64 `json:"lng"`
	DistanceM       *int    `json:"distance_m,omitempty"`
	Status          string  `json:"status"`
	OpenNow         bool    `json:"open_now"`
	Pickup          bool    `json:"pickup"`
	Delivery        bool    `json:"delivery"`
	DeliversHere    *bool   `json:"delivers_here,omitempty"`
	DeliveryRadiusM int     `json:"delivery_radius_m"`
	DeliveryFeeFen  int64   `json:"delivery_fee_fen"`
	DeliveryMinFen  int64   `json:"delivery_min_fen"`
	// OpeningHours are on the store page only (lists say open_now).
	OpeningHours []types.OpeningPeriod `json:"opening_hours,omitempty"`
	// Location is what wx.openLocation takes to show the store on a map.
	Location *OpenLocation `json:"location,omitempty"`
}

// OpenLocation is the argument of wx.openLocation.
type OpenLocation struct {
	Latitude  float64 `json:"latitude"`
	Longitude float64 `json:"longitude"`
	Name      string  `json:"name"`
	Address   string  `json:"address"`
	Scale     int     `json:"scale"`
}

func storeCard(e *stores.Entry, openNow bool) StoreCard {
	status := "open"
	if !e.Open {
		status = "closed"
	}
	return StoreCard{
		ID: e.ID, Name: e.Name, Address: e.Address, City: e.City, Phone: e.Phone, Lat: e.Point.Lat, Lng: e.Point.Lng,
		Status: status, OpenNow: openNow, Pickup: e.Pickup, Delivery: e.Delivery, DeliveryRadiusM: e.RadiusM,
		DeliveryFeeFen: e.FeeFen, DeliveryMinFen: e.MinFen,
	}
}

func nearbyCard(n stores.Nearby) StoreCard {
	c := storeCard(n.Entry, n.OpenNow)
	d := int(n.DistanceM + 0.5)
	c.DistanceM = &d
	c.DeliversHere = &n.Delivery.Delivers
	return c
}

// queryPoint reads the required lat and lng query parameters.
func queryPoint(c echo.Context) (geo.Point, error) {
	var p geo.Point
	for _, f := range []struct {
		name  string
		dst   *float64
		limit float64
	}{{"lat", &p.Lat, 90}, {"lng", &p.Lng, 180}} {
		raw := c.QueryParam(f.name)
		if raw == "" {
			return p, errs.InvalidField(f.name, "is required")
		}
		v, err := strconv.ParseFloat(raw, 64)
		if err != nil || v != v || v < -f.limit || v > f.limit {
			return p, errs.InvalidField(f.name, "must be a number between %g and %g", -f.limit, f.limit)
		}
		*f.dst = v
	}
	return p, nil
}

func (h *storesAPI) nearbyStores(c echo.Context) error {
	p, err := queryPoint(c)
	if err != nil {
		return err
	}
	q := stores.NearbyQuery{Point: p}
	radius, err := queryInt(c, "radius_m", stores.DefaultRadiusM, 1, stores.MaxRadiusM)
	if err != nil {
		return err
	}
	limit, err := queryInt(c, "limit", stores.DefaultLimit, 1, stores.MaxLimit)
	if err != nil {
		return err
	}
	q.RadiusM, q.Limit = int(radius), int(limit)
	if q.OpenNow, err = queryBool(c, "open_now"); err != nil {
		return err
	}
	if q.Pickup, err = queryBool(c, "pickup"); err != nil {
		return err
	}
	if q.Delivers, err = queryBool(c, "delivers"); err != nil {
		return err
	}
	found, err := h.Stores.Nearby(c.Request().Context(), q)
	if err != nil {
		return err
	}
	items := make([]StoreCard, len(found))
	for i, n := range found {
		items[i] = nearbyCard(n)
	}
	return c.JSON(http.StatusOK, Items[StoreCard]{Items: items})
}

// indexedStore reads the :id store from the store index; a deleted store is not found.
func (h *storesAPI) indexedStore(c echo.Context) (*stores.Entry, error) {
	id, err := pathID(c, "id")
	if err != nil {
		return nil, err
	}
	e, err := h.Stores.Index().Get(c.Request().Context(), id)
	if err != nil {
		return nil, err
	}
	if e == nil {
		return nil, errs.E(errs.NotFound, "no store %d", id)
	}
	return e, nil
}

func (h *storesAPI) shopStore(c echo.Context) error {
	e, err := h.indexedStore(c)
	if err != nil {
		return err
	}
	card := storeCard(e, h.Stores.OpenNow(e))
	card.OpeningHours = e.Hours
	card.Location = &OpenLocation{Latitude: e.Point.Lat, Longitude: e.Point.Lng, Name: e.Name, Address: e.Address, Scale: 18}
	return c.JSON(http.StatusOK, card)
}

// DeliveryCheck answers whether a store delivers to a point.
type DeliveryCheck struct {
	StoreID        int    `json:"store_id"`
	Delivers       bool   `json:"delivers"`
	DistanceM      int    `json:"distance_m"`
	Reason         string `json:"reason,omitempty"`
	DeliveryFeeFen int64  `json:"delivery_fee_fen"`
	DeliveryMinFen int64  `json:"delivery_min_fen"`
}

func (h *storesAPI) storeDelivery(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	p, err := queryPoint(c)
	if err != nil {
		return err
	}
	e, d, err := h.Stores.CheckDelivery(c.Request().Context(), id, p)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, DeliveryCheck{StoreID: e.ID, Delivers: d.Delivers, DistanceM: int(d.DistanceM + 0.5),
		Reason: d.Reason, DeliveryFeeFen: e.FeeFen, DeliveryMinFen: e.MinFen})
}

// openStore is indexedStore for shopping: a store closed by staff is a conflict.
func (h *storesAPI) openStore(c echo.Context) (*stores.Entry, error) {
	e, err := h.indexedStore(c)
	if err != nil {
		return nil, err
	}
	if !e.Open {
		return nil, errs.E(errs.Conflict, "store %d is closed for now", e.ID)
	}
	return e, nil
}
