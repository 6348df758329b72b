package api_test

import (
	"strings"
	"testing"

	"wemart/server/apitest"
	"wemart/server/staff"
	"wemart/server/storage/storagetest"
)

// TestStaffRoutesDeclareAccess walks the router: every /admin/v1 route but
// login is registered through the route table with a permission of the
// staff policy, so no staff route can skip the access check.
func TestStaffRoutesDeclareAccess(t *testing.T) {
	h := apitest.New(t, storagetest.New(t, "sqlite"))
	n := 0
	for _, r := range h.App.Echo.Routes() {
		if !strings.HasPrefix(r.Path, "/admin/v1/") || r.Method == "echo_route_not_found" || r.Path == "/admin/v1/login" {
			continue
		}
		n++
		if !staff.Known(staff.Perm(r.Name)) {
			t.Errorf("%s %s is registered without a declared permission (route name %q)", r.Method, r.Path, r.Name)
		}
	}
	if n == 0 {
		t.Fatal("no staff routes found")
	}
}
