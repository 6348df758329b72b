package api_test

import (
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"

	"wemart/server/apitest"
	"wemart/server/storage"
	"wemart/server/storage/storagetest"
)

type store struct {
	ID              int     `json:"id"`
	Name            string  `json:"name"`
	Lat             float64 `json:"lat"`
	Lng             float64 `json:"lng"`
	Status          string  `json:"status"`
	Pickup          bool    `json:"pickup"`
	Delivery        bool    `json:"delivery"`
	DeliveryRadiusM int     `json:"delivery_radius_m"`
	Timezone        string  `json:"timezone"`
	H3              struct {
		R5, R7, R8 string
	} `json:"h3"`
	OpeningHours []struct {
		Weekday     int
		Open, Close string
	} `json:"opening_hours"`
}

func mustStore(t *testing.T, h *apitest.Harness, name string, lat, lng float64) store {
	t.Helper()
	var s store
	h.Do("POST", "/admin/v1/stores", h.AdminToken, map[string]any{
		"name": name, "address": "上海市黄浦区", "lat": lat, "lng": lng, "pickup": true, "delivery_radius_m": 3000,
	}).OK(http.StatusCreated, &s)
	return s
}

func TestStoreCRUD(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		h := apitest.New(t, db)
		s := mustStore(t, h, "人民广场店", 31.2323, 121.4751)
		if s.ID == 0 || s.Status != "open" || !s.Pickup || !s.Delivery || s.Timezone != "Asia/Shanghai" ||
			len(s.OpeningHours) != 7 || s.H3.R8 == "" || s.Lat != 31.2323 {
			t.Fatalf("created store: %+v", s)
		}
		var got store
		h.Do("GET", apitest.Path("/admin/v1/stores/%d", s.ID), h.AdminToken, nil).OK(http.StatusOK, &got)
		if got.Name != "人民广场店" || got.H3 != s.H3 {
			t.Fatalf("read back: %+v", got)
		}

		// Moving the store recomputes its H3 cells; other fields stay.
		var moved store
		h.Do("PATCH", apitest.Path("/admin/v1/stores/%d", s.ID), h.AdminToken,
			map[string]any{"lat": 31.2405, "lng": 121.5052, "opening_hours": []map[string]any{
				{"weekday": 1, "open": "22:00", "close": "02:00"}}}).OK(http.StatusOK, &moved)
		if moved.H3.R8 == s.H3.R8 || moved.Name != s.Name || moved.Lng != 121.5052 || len(moved.OpeningHours) != 1 {
			t.Fatalf("after move: %+v", moved)
		}

		mustStore(t, h, "陆家嘴店", 31.24, 121.50)
		var list struct {
			Items []store
			Total int
		}
		h.Do("GET", "/admin/v1/stores?q=陆家嘴&page_size=5", h.AdminToken, nil).OK(http.StatusOK, &list)
		if list.Total != 1 || list.Items[0].Name != "陆家嘴店" {
			t.Fatalf("search: %+v", list)
		}
		h.Do("GET", "/admin/v1/stores?page=1&page_size=1", h.AdminToken, nil).OK(http.StatusOK, &list)
		if list.Total != 2 || len(list.Items) != 1 {
			t.Fatalf("paging: %+v", list)
		}

		h.Do("DELETE", apitest.Path("/admin/v1/stores/%d", s.ID), h.AdminToken, nil).OK(http.StatusNoContent, nil)
		h.Do("GET", apitest.Path("/admin/v1/stores/%d", s.ID), h.AdminToken, nil).Fails(http.StatusNotFound, "not_found")
		h.Do("DELETE", apitest.Path("/admin/v1/stores/%d", s.ID), h.AdminToken, nil).Fails(http.StatusNotFound, "not_found")
		h.Do("GET", "/admin/v1/stores", h.AdminToken, nil).OK(http.StatusOK, &list)
		if list.Total != 1 {
			t.Fatalf("deleted store still listed: %+v", list)
		}
	})
}

// TestStoreBadInput: each bad store gets a 4xx envelope naming the problem,
// and nothing is created or changed.
func TestStoreBadInput(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		h := apitest.New(t, db)
		existing := mustStore(t, h, "基准店", 31.23, 121.47)
		valid := func(over map[string]any) map[string]any {
			m := map[string]any{"name": "新店", "lat": 31.2, "lng": 121.4}
			for k, v := range over {
				if v == nil {
					delete(m, k)
				} else {
					m[k] = v
				}
			}
			return m
		}
		// patch: the same bad value is also refused by PATCH (sent alone).
		tests := []struct {
			name  string
			over  map[string]any
			field string
			patch bool
		}{
			{"latitude above 90", map[string]any{"lat": 90.5}, "lat", true},
			{"latitude below -90", map[string]any{"lat": -91}, "lat", true},
			{"longitude above 180", map[string]any{"lng": 180.01}, "lng", true},
			{"longitude below -180", map[string]any{"lng": -200}, "lng", true},
			{"latitude missing", map[string]any{"lat": nil}, "lat", false},
			{"latitude as string", map[string]any{"lat": "31.2"}, "lat", true},
			{"name missing", map[string]any{"name": nil}, "name", false},
			{"name blank", map[string]any{"name": "   "}, "name", true},
			{"name too long", map[string]any{"name": strings.Repeat("店", 101)}, "name", true},
			{"negative radius", map[string]any{"delivery_radius_m": -1}, "delivery_radius_m", true},
			{"radius above 50 km", map[string]any{"delivery_radius_m": 50001}, "delivery_radius_m", true},
			{"negative fee", map[string]any{"delivery_fee_fen": -100}, "delivery_fee_fen", true},
			{"fee as float", map[string]any{"delivery_fee_fen": 1.5}, "delivery_fee_fen", true},
			{"unknown field", map[string]any{"colour": "red"}, "colour", true},
			{"bad timezone", map[string]any{"timezone": "Mars/Olympus"}, "timezone", true},
			{"bad status", map[string]any{"status": "gone"}, "status", true},
			{"weekday 8", map[string]any{"opening_hours": []map[string]any{{"weekday": 8, "open": "08:00", "close": "20:00"}}}, "opening_hours[0].weekday", true},
			{"time 25:00", map[string]any{"opening_hours": []map[string]any{{"weekday": 1, "open": "25:00", "close": "20:00"}}}, "opening_hours[0].open", true},
			{"delivery without radius", map[string]any{"delivery": true}, "delivery_radius_m", false},
			{"pickup as string", map[string]any{"pickup": "yes"}, "pickup", true},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				h := h.For(t)
				e := h.Do("POST", "/admin/v1/stores", h.AdminToken, valid(tt.over)).Fails(http.StatusBadRequest, "invalid_argument")
				if e.Error.Field != tt.field || !strings.Contains(e.Error.Message, tt.field) {
					t.Fatalf("error names %q (%q), want %q", e.Error.Field, e.Error.Message, tt.field)
				}
				if tt.patch {
					e = h.Do("PATCH", apitest.Path("/admin/v1/stores/%d", existing.ID), h.AdminToken, tt.over).
						Fails(http.StatusBadRequest, "invalid_argument")
					if e.Error.Field != tt.field {
						t.Fatalf("PATCH error names %q, want %q", e.Error.Field, tt.field)
					}
				}
			})
		}
		raw := []struct{ name, body string }{
			{"malformed JSON", `{"name": "x", "lat": 31.2,`},
			{"not JSON", `name=x&lat=1`},
			{"array body", `[{"name": "x"}]`},
			{"empty body", ``},
			{"two objects", `{"name":"a","lat":1,"lng":1}{"name":"b","lat":1,"lng":1}`},
			{"null body", `null`},
		}
		for _, tt := range raw {
			t.Run(tt.name, func(t *testing.T) {
				h.For(t).Do("POST", "/admin/v1/stores", h.AdminToken, tt.body).Fails(http.StatusBadRequest, "invalid_argument")
			})
		}
		// A 2 MiB body is refused before it is read, with or without a length.
		big := fmt.Sprintf(`{"name": "%s", "lat": 1, "lng": 1}`, strings.Repeat("x", 2<<20))
		h.Do("POST", "/admin/v1/stores", h.AdminToken, big).Fails(http.StatusRequestEntityTooLarge, "payload_too_large")
		unsized := io.MultiReader(strings.NewReader(big)) // no Content-Length: the limit bites while reading
		h.Do("POST", "/admin/v1/stores", h.AdminToken, unsized).Fails(http.StatusRequestEntityTooLarge, "payload_too_large")
		h.Do("POST", "/admin/v1/stores", h.AdminToken, `name=x&lat=1&lng=1`, "Content-Type", "application/x-www-form-urlencoded").
			Fails(http.StatusBadRequest, "invalid_argument")

		var list struct{ Total int }
		h.Do("GET", "/admin/v1/stores", h.AdminToken, nil).OK(http.StatusOK, &list)
		var after store
		h.Do("GET", apitest.Path("/admin/v1/stores/%d", existing.ID), h.AdminToken, nil).OK(http.StatusOK, &after)
		if list.Total != 1 || after.Name != existing.Name || after.Lat != existing.Lat || after.DeliveryRadiusM != existing.DeliveryRadiusM {
			t.Fatalf("bad input changed state: %d stores, store now %+v", list.Total, after)
		}
	})
}
