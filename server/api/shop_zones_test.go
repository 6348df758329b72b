package api_test

import (
	"net/http"
	"strings"
	"testing"

	"wemart/server/apitest"
	"wemart/server/storage"
	"wemart/server/storage/storagetest"
)

type deliveryAnswer struct {
	Delivers  bool   `json:"delivers"`
	DistanceM int    `json:"distance_m"`
	Reason    string `json:"reason"`
}

func delivery(t *testing.T, h *apitest.Harness, id int, lat, lng float64) deliveryAnswer {
	t.Helper()
	var d deliveryAnswer
	h.Do("GET", apitest.Path("/api/v1/stores/%d/delivery?lat=%v&lng=%v", id, lat, lng), "", nil).OK(http.StatusOK, &d)
	return d
}

// square is a closed GeoJSON ring around (lat, lng), half-side d degrees.
func square(lat, lng, d float64) [][][2]float64 {
	return [][][2]float64{{{lng - d, lat - d}, {lng + d, lat - d}, {lng + d, lat + d}, {lng - d, lat + d}, {lng - d, lat - d}}}
}

func TestDeliveryZones(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		h := apitest.New(t, db)
		s := mustStore(t, h, "配送店", 31.2323, 121.4751) // 3 km radius
		zone := apitest.Path("/admin/v1/stores/%d/delivery-zone", s.ID)

		// By radius: 2 km east yes, 4 km east no.
		if d := delivery(t, h, s.ID, 31.2323, 121.4961); !d.Delivers || d.DistanceM < 1900 || d.DistanceM > 2100 {
			t.Fatalf("2 km: %+v", d)
		}
		if d := delivery(t, h, s.ID, 31.2323, 121.5171); d.Delivers || d.Reason != "outside_radius" {
			t.Fatalf("4 km: %+v", d)
		}

		// A zone stretched east (a Feature, as map tools export it): now 4 km east
		// is in, 2 km north is out, whatever the radius says.
		east := [][][2]float64{{{121.47, 31.225}, {121.53, 31.225}, {121.53, 31.24}, {121.47, 31.24}, {121.47, 31.225}}}
		var set struct {
			Cells int `json:"cells"`
			Store struct {
				DeliveryZone *struct{ Type string } `json:"delivery_zone"`
			} `json:"store"`
		}
		h.Do("PUT", zone, h.AdminToken, map[string]any{"type": "Feature", "properties": map[string]any{"name": "east"},
			"geometry": map[string]any{"type": "Polygon", "coordinates": east}}).OK(http.StatusOK, &set)
		if set.Cells < 50 || set.Store.DeliveryZone == nil || set.Store.DeliveryZone.Type != "Polygon" {
			t.Fatalf("zone set: %+v", set)
		}
		if d := delivery(t, h, s.ID, 31.2323, 121.5171); !d.Delivers {
			t.Fatalf("4 km east, inside the zone: %+v", d)
		}
		if d := delivery(t, h, s.ID, 31.2503, 121.4751); d.Delivers || d.Reason != "outside_zone" {
			t.Fatalf("2 km north, outside the zone: %+v", d)
		}
		// The same rule filters the nearby list.
		if n := nearby(t, h, "lat=31.2323&lng=121.5171&delivers=true"); names(n) != "配送店 " {
			t.Fatalf("nearby delivers in zone: %s", names(n))
		}

		// Bad zones: 400, and the zone stays as it was.
		tests := map[string]any{
			"not closed":               map[string]any{"type": "Polygon", "coordinates": [][][2]float64{{{121.47, 31.22}, {121.48, 31.22}, {121.48, 31.23}, {121.47, 31.23}}}},
			"too few positions":        map[string]any{"type": "Polygon", "coordinates": [][][2]float64{{{121.47, 31.22}, {121.48, 31.22}, {121.47, 31.22}}}},
			"no rings":                 map[string]any{"type": "Polygon", "coordinates": [][][2]float64{}},
			"a point":                  map[string]any{"type": "Point", "coordinates": []float64{121.47, 31.22}},
			"too many cells":           map[string]any{"type": "Polygon", "coordinates": square(31.2323, 121.4751, 0.25)},
			"far too large":            map[string]any{"type": "Polygon", "coordinates": square(31.2323, 121.4751, 0.44)},
			"far from store":           map[string]any{"type": "Polygon", "coordinates": square(39.9, 116.4, 0.01)},
			"latitude 95":              map[string]any{"type": "Polygon", "coordinates": [][][2]float64{{{121.47, 95}, {121.48, 31.22}, {121.48, 31.23}, {121.47, 95}}}},
			"feature without geometry": map[string]any{"type": "Feature"},
			"degenerate":               map[string]any{"type": "Polygon", "coordinates": [][][2]float64{{{121.47, 31.22}, {121.47, 31.22}, {121.47, 31.22}, {121.47, 31.22}}}},
		}
		for name, body := range tests {
			t.Run(name, func(t *testing.T) {
				e := h.For(t).Do("PUT", zone, h.AdminToken, body).Fails(http.StatusBadRequest, "invalid_argument")
				if name == "too many cells" && !strings.Contains(e.Error.Message, "cells") {
					t.Fatalf("the cap on cells must be what refused it: %s", e.Error.Message)
				}
			})
		}
		if d := delivery(t, h, s.ID, 31.2323, 121.5171); !d.Delivers {
			t.Fatalf("a refused zone replaced the good one: %+v", d)
		}

		// Removing the zone brings the radius back.
		h.Do("DELETE", zone, h.AdminToken, nil).OK(http.StatusNoContent, nil)
		if d := delivery(t, h, s.ID, 31.2323, 121.5171); d.Delivers || d.Reason != "outside_radius" {
			t.Fatalf("after removing the zone: %+v", d)
		}
		h.Do("GET", apitest.Path("/api/v1/stores/%d/delivery?lat=100&lng=1", s.ID), "", nil).Fails(http.StatusBadRequest, "invalid_argument")
		h.Do("GET", "/api/v1/stores/999/delivery?lat=31&lng=121", "", nil).Fails(http.StatusNotFound, "not_found")
		// A clerk of another store may not draw this one's zone.
		other := mustStore(t, h, "别店", 31.3, 121.5)
		_, clerk := mustStaff(t, h, "zone-clerk", "clerk", &other.ID)
		h.Do("PUT", zone, clerk, map[string]any{"type": "Polygon", "coordinates": east}).Fails(http.StatusForbidden, "permission_denied")
	})
}
