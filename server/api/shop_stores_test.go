package api_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"net/http"
	"testing"
	"time"

	"wemart/ent"
	"wemart/server/apitest"
	"wemart/server/geo"
	"wemart/server/seed"
	"wemart/server/storage"
	"wemart/server/storage/storagetest"
	"wemart/server/stores"
)

type card struct {
	ID           int     `json:"id"`
	Name         string  `json:"name"`
	Lat          float64 `json:"lat"`
	Lng          float64 `json:"lng"`
	DistanceM    int     `json:"distance_m"`
	Status       string  `json:"status"`
	OpenNow      bool    `json:"open_now"`
	Pickup       bool    `json:"pickup"`
	DeliversHere *bool   `json:"delivers_here"`
	Location     *struct {
		Latitude, Longitude float64
		Name                string
		Scale               int
	} `json:"location"`
}

type cards struct{ Items []card }

func nearby(t *testing.T, h *apitest.Harness, query string) []card {
	t.Helper()
	var out cards
	h.Do("GET", "/api/v1/stores/nearby?"+query, "", nil).OK(http.StatusOK, &out)
	return out.Items
}

func names(cs []card) string {
	out := ""
	for _, c := range cs {
		out += c.Name + " "
	}
	return out
}

// Around People's Square (31.2323, 121.4751): stores at known distances.
func TestNearbyStores(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		// 2026-11-21 03:00 in Shanghai: only 24-hour stores are open.
		h := apitest.New(t, db, apitest.At(time.Date(2026, 11, 20, 19, 0, 0, 0, time.UTC)))
		mk := func(name string, lat, lng float64, extra map[string]any) store {
			body := map[string]any{"name": name, "lat": lat, "lng": lng, "delivery_radius_m": 1500,
				"opening_hours": []map[string]any{{"weekday": 6, "open": "07:00", "close": "23:00"}}}
			for k, v := range extra {
				body[k] = v
			}
			var s store
			h.Do("POST", "/admin/v1/stores", h.AdminToken, body).OK(http.StatusCreated, &s)
			return s
		}
		near := mk("近店", 31.2330, 121.4760, map[string]any{"opening_hours": []any{}}) // ~120 m, 24h
		mid := mk("中店", 31.2400, 121.4800, nil)                                       // ~1 km
		noPickup := mk("无自提店", 31.2250, 121.4700, map[string]any{"pickup": false})    // ~950 m
		far := mk("远店", 31.3000, 121.5500, nil)                                       // ~10 km
		closed := mk("停业店", 31.2325, 121.4752, map[string]any{"status": "closed"})    // 20 m, closed by staff
		gone := mk("已删店", 31.2324, 121.4751, nil)
		h.Do("DELETE", apitest.Path("/admin/v1/stores/%d", gone.ID), h.AdminToken, nil).OK(http.StatusNoContent, nil)
		_ = closed

		got := nearby(t, h, "lat=31.2323&lng=121.4751")
		if names(got) != "近店 无自提店 中店 " {
			t.Fatalf("within 5 km: %s", names(got))
		}
		if got[0].DistanceM < 80 || got[0].DistanceM > 160 || !got[0].OpenNow || got[1].OpenNow || *got[0].DeliversHere != true {
			t.Fatalf("first: %+v", got[0])
		}
		if *got[2].DeliversHere != true || got[2].DistanceM < 900 || got[2].DistanceM > 1100 {
			t.Fatalf("mid: %+v", got[2])
		}
		if n := nearby(t, h, "lat=31.2323&lng=121.4751&radius_m=20000"); names(n) != "近店 无自提店 中店 远店 " {
			t.Fatalf("within 20 km: %s", names(n))
		}
		if n := nearby(t, h, "lat=31.2323&lng=121.4751&limit=1"); names(n) != "近店 " {
			t.Fatalf("limit 1: %s", names(n))
		}
		if n := nearby(t, h, "lat=31.2323&lng=121.4751&open_now=true"); names(n) != "近店 " {
			t.Fatalf("open now at 03:00: %s", names(n))
		}
		if n := nearby(t, h, "lat=31.2323&lng=121.4751&pickup=true"); names(n) != "近店 中店 " {
			t.Fatalf("pickup: %s", names(n))
		}
		// 1.6 km north of 近店, 0.9 km from 中店: only 中店 (1.5 km radius) delivers.
		if n := nearby(t, h, "lat=31.2470&lng=121.4751&delivers=true"); names(n) != "中店 " {
			t.Fatalf("delivers: %s", names(n))
		}

		// Staff move a store: the next search sees it at its new place.
		h.Do("PATCH", apitest.Path("/admin/v1/stores/%d", far.ID), h.AdminToken, map[string]any{"lat": 31.2322, "lng": 121.4750}).OK(http.StatusOK, nil)
		if n := nearby(t, h, "lat=31.2323&lng=121.4751&limit=1"); names(n) != "远店 " {
			t.Fatalf("after moving 远店 next door: %s", names(n))
		}
		// Staff close a store: it leaves the list.
		h.Do("PATCH", apitest.Path("/admin/v1/stores/%d", far.ID), h.AdminToken, map[string]any{"status": "closed"}).OK(http.StatusOK, nil)
		if n := nearby(t, h, "lat=31.2323&lng=121.4751&limit=1"); names(n) != "近店 " {
			t.Fatalf("after closing: %s", names(n))
		}

		// The store page: wx.openLocation's argument; a deleted store is gone,
		// a closed one says so.
		var page card
		h.Do("GET", apitest.Path("/api/v1/stores/%d", mid.ID), "", nil).OK(http.StatusOK, &page)
		if page.Location == nil || page.Location.Latitude != 31.24 || page.Location.Name != "中店" || page.Location.Scale == 0 {
			t.Fatalf("store page: %+v", page)
		}
		h.Do("GET", apitest.Path("/api/v1/stores/%d", gone.ID), "", nil).Fails(http.StatusNotFound, "not_found")
		h.Do("GET", apitest.Path("/api/v1/stores/%d", far.ID), "", nil).OK(http.StatusOK, &page)
		if page.Status != "closed" || page.OpenNow {
			t.Fatalf("closed store page: %+v", page)
		}
		_, _ = noPickup, near
	})
}

// TestNearbyAcrossProcesses: two app instances on one database (two server
// processes): what staff change through one, the other's search sees at once.
func TestNearbyAcrossProcesses(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		a, b := apitest.New(t, db), apitest.New(t, db)
		if n := nearby(t, b, "lat=31.2323&lng=121.4751"); len(n) != 0 {
			t.Fatalf("empty chain: %v", n)
		}
		s := mustStore(t, a, "新店", 31.2330, 121.4760)
		if n := nearby(t, b, "lat=31.2323&lng=121.4751"); names(n) != "新店 " {
			t.Fatalf("process B after A opened a store: %s", names(n))
		}
		a.Do("PATCH", apitest.Path("/admin/v1/stores/%d", s.ID), a.AdminToken, map[string]any{"lat": 31.30, "lng": 121.55}).OK(http.StatusOK, nil)
		if n := nearby(t, b, "lat=31.2323&lng=121.4751"); len(n) != 0 {
			t.Fatalf("process B after A moved the store 10 km away: %s", names(n))
		}
		if n := nearby(t, b, "lat=31.30&lng=121.55"); names(n) != "新店 " {
			t.Fatalf("process B at the new place: %s", names(n))
		}
		a.Do("DELETE", apitest.Path("/admin/v1/stores/%d", s.ID), a.AdminToken, nil).OK(http.StatusNoContent, nil)
		if n := nearby(t, b, "lat=31.30&lng=121.55"); len(n) != 0 {
			t.Fatalf("process B after A deleted the store: %s", names(n))
		}
	})
}

// TestNearbyIsExact: on seeded data, the API's answer (the in-memory index)
// and the SQL H3 path both equal a brute-force scan of every store.
func TestNearbyIsExact(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		ctx := context.Background()
		if _, err := seed.Synthetic(ctx, db, seed.Spec{Stores: 3000, Seed: 9}, nil); err != nil {
			t.Fatal(err)
		}
		h := apitest.New(t, db)
		all := db.Client.Store.Query().AllX(ctx)
		places := make([]geo.Place[*ent.Store], 0, len(all))
		for _, s := range all {
			if s.Status == "open" {
				places = append(places, geo.Place[*ent.Store]{ID: s.ID, Point: geo.Point{Lat: s.Lat, Lng: s.Lng}, Value: s})
			}
		}
		rng := rand.New(rand.NewPCG(3, 3))
		for i := range 60 {
			p := geo.Point{Lat: 31.23 + rng.NormFloat64()*0.15, Lng: 121.47 + rng.NormFloat64()*0.15}
			radius := []int{500, 2000, 5000, 20000, 50000}[i%5]
			limit := []int{1, 7, 20, 100}[i%4]
			want := geo.BruteForce(places, geo.Query[*ent.Store]{Point: p, RadiusM: float64(radius), Limit: limit})
			got := nearby(t, h, fmt.Sprintf("lat=%v&lng=%v&radius_m=%d&limit=%d", p.Lat, p.Lng, radius, limit))
			sql, err := geo.Nearest(ctx, stores.SQLSource{Client: db.Client}, geo.Query[*stores.Entry]{Point: p, RadiusM: float64(radius), Limit: limit,
				Keep: func(pl geo.Place[*stores.Entry]) bool { return pl.Value.Open }})
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != len(want) || len(sql) != len(want) {
				t.Fatalf("query %d: api %d, sql %d, brute force %d stores", i, len(got), len(sql), len(want))
			}
			for j := range want {
				if got[j].ID != want[j].ID || sql[j].ID != want[j].ID {
					t.Fatalf("query %d position %d: api %d, sql %d, brute force %d", i, j, got[j].ID, sql[j].ID, want[j].ID)
				}
			}
		}
	})
}

func TestNearbyBadInput(t *testing.T) {
	h := apitest.New(t, storagetest.New(t, "sqlite"))
	for q, field := range map[string]string{
		"lng=121":                           "lat",
		"lat=31":                            "lng",
		"lat=91&lng=121":                    "lat",
		"lat=-90.5&lng=121":                 "lat",
		"lat=31&lng=181":                    "lng",
		"lat=31&lng=-180.1":                 "lng",
		"lat=abc&lng=121":                   "lat",
		"lat=NaN&lng=121":                   "lat",
		"lat=31&lng=121&radius_m=0":         "radius_m",
		"lat=31&lng=121&radius_m=-5":        "radius_m",
		"lat=31&lng=121&radius_m=50001":     "radius_m",
		"lat=31&lng=121&radius_m=1e3":       "radius_m",
		"lat=31&lng=121&limit=101":          "limit",
		"lat=31&lng=121&limit=0":            "limit",
		"lat=31&lng=121&open_now=sometimes": "open_now",
	} {
		t.Run(q, func(t *testing.T) {
			e := h.For(t).Do("GET", "/api/v1/stores/nearby?"+q, "", nil).Fails(http.StatusBadRequest, "invalid_argument")
			if e.Error.Field != field {
				t.Fatalf("names %q, want %q", e.Error.Field, field)
			}
		})
	}
	// Far from China is fine: H3 is global.
	var s store
	h.Do("POST", "/admin/v1/stores", h.AdminToken, map[string]any{"name": "London", "lat": 51.5007, "lng": -0.1246}).OK(http.StatusCreated, &s)
	if n := nearby(t, h, "lat=51.5014&lng=-0.1419"); names(n) != "London " {
		t.Fatalf("London: %v", n)
	}
	if n := nearby(t, h, "lat=-89.9&lng=179.9&radius_m=50000"); len(n) != 0 {
		t.Fatalf("south pole: %v", n)
	}
	h.Do("GET", "/api/v1/stores/abc", "", nil).Fails(http.StatusBadRequest, "invalid_argument")
	h.Do("GET", "/api/v1/stores/999", "", nil).Fails(http.StatusNotFound, "not_found")
}
