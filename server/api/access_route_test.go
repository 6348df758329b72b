package api

import (
	"net/http"
	"strings"
	"testing"

	"github.com/labstack/echo/v4"

	"wemart/server/staff"
)

// TestStoreBoundRouteNeedsItsStore: the route table refuses a store-bound
// permission declared without the store the request is about (it would let
// one store's staff act on every store), and takes it with one.
func TestStoreBoundRouteNeedsItsStore(t *testing.T) {
	r := New(Options{}, nil, nil)
	noop := func(echo.Context) error { return nil }
	r.staffRoute(http.MethodGet, "/fine", noop, may(staff.PermEditStock).at(storeIDInPath))
	r.staffRoute(http.MethodGet, "/chain", noop, may(staff.PermEditCatalogue))
	defer func() {
		msg, _ := recover().(string)
		if !strings.Contains(msg, "stock.edit is store-bound") {
			t.Fatalf("a store-bound route without its store was registered (recovered %q)", msg)
		}
	}()
	r.staffRoute(http.MethodPut, "/stores/:store_id/stock", noop, may(staff.PermEditStock))
}
