package api_test

import (
	"net/http"
	"strings"
	"testing"

	"wemart/server/apitest"
	"wemart/server/storage"
	"wemart/server/storage/storagetest"
)

type addr struct {
	ID        int      `json:"id"`
	Contact   string   `json:"contact"`
	Lat       *float64 `json:"lat"`
	IsDefault bool     `json:"is_default"`
}

func TestAddressBook(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		h := apitest.New(t, db)
		me := mustShopper(t, h, "addr-owner").Token
		other := mustShopper(t, h, "addr-stranger").Token
		home := map[string]any{"contact": "张三", "phone": "13800138000", "city": "上海", "district": "黄浦区",
			"detail": "人民大道200号", "lat": 31.2300, "lng": 121.4737}
		var a1, a2 addr
		h.Do("POST", "/api/v1/addresses", me, home).OK(http.StatusCreated, &a1)
		if !a1.IsDefault {
			t.Fatal("the first address must become the default")
		}
		office := map[string]any{"contact": "张三", "phone": "021-6321 0000", "detail": "陆家嘴环路1000号", "is_default": true}
		h.Do("POST", "/api/v1/addresses", me, office).OK(http.StatusCreated, &a2)
		var list struct{ Items []addr }
		h.Do("GET", "/api/v1/addresses", me, nil).OK(http.StatusOK, &list)
		if len(list.Items) != 2 || list.Items[0].ID != a2.ID || !list.Items[0].IsDefault || list.Items[1].IsDefault {
			t.Fatalf("default moves to the newest default: %+v", list.Items)
		}

		// Another shopper sees none of it.
		h.Do("GET", apitest.Path("/api/v1/addresses/%d", a1.ID), other, nil).Fails(http.StatusNotFound, "not_found")
		h.Do("PUT", apitest.Path("/api/v1/addresses/%d", a1.ID), other, home).Fails(http.StatusNotFound, "not_found")
		h.Do("DELETE", apitest.Path("/api/v1/addresses/%d", a1.ID), other, nil).Fails(http.StatusNotFound, "not_found")
		h.Do("GET", apitest.Path("/api/v1/addresses/%d/stores", a1.ID), other, nil).Fails(http.StatusNotFound, "not_found")
		h.Do("GET", "/api/v1/addresses", "", nil).Fails(http.StatusUnauthorized, "unauthenticated")

		// Stores that deliver to the address: 3 km radius around each store.
		mustStore(t, h, "近店", 31.2323, 121.4751)
		mustStore(t, h, "远店", 31.3000, 121.5500)
		var ds cards
		h.Do("GET", apitest.Path("/api/v1/addresses/%d/stores", a1.ID), me, nil).OK(http.StatusOK, &ds)
		if names(ds.Items) != "近店 " || !*ds.Items[0].DeliversHere {
			t.Fatalf("delivering stores: %+v", ds.Items)
		}
		h.Do("GET", apitest.Path("/api/v1/addresses/%d/stores", a2.ID), me, nil).Fails(http.StatusConflict, "conflict")

		// Replace moves it; bad input changes nothing.
		home["lat"], home["lng"] = 31.3001, 121.5501
		h.Do("PUT", apitest.Path("/api/v1/addresses/%d", a1.ID), me, home).OK(http.StatusOK, &a1)
		h.Do("GET", apitest.Path("/api/v1/addresses/%d/stores", a1.ID), me, nil).OK(http.StatusOK, &ds)
		if names(ds.Items) != "远店 " {
			t.Fatalf("after moving: %s", names(ds.Items))
		}
		for name, body := range map[string]map[string]any{
			"no contact":   {"phone": "13800138000", "detail": "x"},
			"bad phone":    {"contact": "a", "phone": "call me", "detail": "x"},
			"no detail":    {"contact": "a", "phone": "13800138000"},
			"lat only":     {"contact": "a", "phone": "13800138000", "detail": "x", "lat": 31.2},
			"lat 91":       {"contact": "a", "phone": "13800138000", "detail": "x", "lat": 91, "lng": 121},
			"long detail":  {"contact": "a", "phone": "13800138000", "detail": strings.Repeat("路", 201)},
			"extra fields": {"contact": "a", "phone": "13800138000", "detail": "x", "shopper_id": 1},
		} {
			t.Run(name, func(t *testing.T) {
				h.For(t).Do("POST", "/api/v1/addresses", me, body).Fails(http.StatusBadRequest, "invalid_argument")
				h.For(t).Do("PUT", apitest.Path("/api/v1/addresses/%d", a1.ID), me, body).Fails(http.StatusBadRequest, "invalid_argument")
			})
		}
		h.Do("GET", apitest.Path("/api/v1/addresses/%d", a1.ID), me, nil).OK(http.StatusOK, &a1)
		if *a1.Lat != 31.3001 {
			t.Fatalf("bad input changed the address: %+v", a1)
		}
		h.Do("DELETE", apitest.Path("/api/v1/addresses/%d", a1.ID), me, nil).OK(http.StatusNoContent, nil)
		h.Do("GET", "/api/v1/addresses", me, nil).OK(http.StatusOK, &list)
		if len(list.Items) != 1 {
			t.Fatalf("after delete: %+v", list.Items)
		}
	})
}
