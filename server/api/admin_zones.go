package api

import (
	"encoding/json"
	"net/http"

	"github.com/labstack/echo/v4"

	"wemart/schema/types"
	"wemart/server/errs"
	"wemart/server/stores"
)

// zoneBody is a GeoJSON Polygon, or a Feature whose geometry is one (what
// map tools export).
type zoneBody struct {
	Type        string          `json:"type"`
	Coordinates [][][2]float64  `json:"coordinates"`
	Geometry    *types.Polygon  `json:"geometry"`
	Properties  json.RawMessage `json:"properties"`
}

// DeliveryZone is a store after its delivery zone was drawn, with how many
// H3 cells (at Resolution) the zone covers.
type DeliveryZone struct {
	Store      Store `json:"store"`
	Cells      int   `json:"cells"`
	Resolution int   `json:"resolution"`
}

func (h *storesAPI) setDeliveryZone(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	var body zoneBody
	if err := bindJSON(c, &body); err != nil {
		return err
	}
	poly := types.Polygon{Type: body.Type, Coordinates: body.Coordinates}
	if body.Type == "Feature" {
		if body.Geometry == nil {
			return errs.InvalidField("geometry", "is required in a Feature")
		}
		poly = *body.Geometry
	}
	st, cells, err := h.Stores.SetZone(c.Request().Context(), id, poly)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, DeliveryZone{Store: storeDTO(st), Cells: cells, Resolution: stores.ZoneResolution})
}

func (h *storesAPI) clearDeliveryZone(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	if err := h.Stores.ClearZone(c.Request().Context(), id); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}
