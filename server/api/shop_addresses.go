package api

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"wemart/ent"
	"wemart/server/addresses"
	"wemart/server/errs"
	"wemart/server/geo"
	"wemart/server/stores"
)

// Address is an entry of the shopper's address book.
type Address struct {
	ID        int      `json:"id"`
	Contact   string   `json:"contact"`
	Phone     string   `json:"phone"`
	Province  string   `json:"province"`
	City      string   `json:"city"`
	District  string   `json:"district"`
	Detail    string   `json:"detail"`
	Lat       *float64 `json:"lat"`
	Lng       *float64 `json:"lng"`
	IsDefault bool     `json:"is_default"`
}

func addressDTO(a *ent.Address) Address {
	return Address{ID: a.ID, Contact: a.Contact, Phone: a.Phone, Province: a.Province, City: a.City,
		District: a.District, Detail: a.Detail, Lat: a.Lat, Lng: a.Lng, IsDefault: a.IsDefault}
}

func (h *addressesAPI) listAddresses(c echo.Context) error {
	items, err := h.Addresses.List(c.Request().Context(), shopperID(c))
	if err != nil {
		return err
	}
	out := make([]Address, len(items))
	for i, a := range items {
		out[i] = addressDTO(a)
	}
	return c.JSON(http.StatusOK, Items[Address]{Items: out})
}

func (h *addressesAPI) createAddress(c echo.Context) error {
	var in addresses.Input
	if err := bindJSON(c, &in); err != nil {
		return err
	}
	a, err := h.Addresses.Create(c.Request().Context(), shopperID(c), in)
	return reply(c, http.StatusCreated, a, err, addressDTO)
}

func (h *addressesAPI) getAddress(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	a, err := h.Addresses.Get(c.Request().Context(), shopperID(c), id)
	return reply(c, http.StatusOK, a, err, addressDTO)
}

func (h *addressesAPI) replaceAddress(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	var in addresses.Input
	if err := bindJSON(c, &in); err != nil {
		return err
	}
	a, err := h.Addresses.Replace(c.Request().Context(), shopperID(c), id, in)
	return reply(c, http.StatusOK, a, err, addressDTO)
}

func (h *addressesAPI) deleteAddress(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	if err := h.Addresses.Delete(c.Request().Context(), shopperID(c), id); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}

// addressStores lists the stores that deliver to one of the shopper's
// addresses, nearest first.
func (h *addressesAPI) addressStores(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	a, err := h.Addresses.Get(ctx, shopperID(c), id)
	if err != nil {
		return err
	}
	if a.Lat == nil || a.Lng == nil {
		return errs.E(errs.Conflict, "address %d has no coordinates; pick it on the map first", id)
	}
	limit, err := queryInt(c, "limit", stores.DefaultLimit, 1, stores.MaxLimit)
	if err != nil {
		return err
	}
	found, err := h.Stores.Nearby(ctx, stores.NearbyQuery{Point: geo.Point{Lat: *a.Lat, Lng: *a.Lng},
		RadiusM: stores.MaxDeliveryRadiusM, Limit: int(limit), Delivers: true})
	if err != nil {
		return err
	}
	items := make([]StoreCard, len(found))
	for i, n := range found {
		items[i] = nearbyCard(n)
	}
	return c.JSON(http.StatusOK, Items[StoreCard]{Items: items})
}
