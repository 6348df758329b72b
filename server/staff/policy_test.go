package staff_test

import (
	"testing"

	"wemart/server/errs"
	"wemart/server/staff"
)

// TestPolicyScopes: chain-wide perms are refused to every account bound to a store,
// whatever its role; store-bound perms hold at the account's own store only.
func TestPolicyScopes(t *testing.T) {
	one, two := 1, 2
	admin := staff.Principal{ID: 1, Role: staff.RoleAdmin}
	chainMgr := staff.Principal{ID: 2, Role: staff.RoleManager}
	storeMgr := staff.Principal{ID: 3, Role: staff.RoleManager, StoreID: &one}
	clerk := staff.Principal{ID: 4, Role: staff.RoleClerk, StoreID: &one}
	tests := []struct {
		name  string
		p     staff.Principal
		perm  staff.Perm
		store int // 0: Require, else RequireStore at that store
		ok    bool
	}{
		{"admin edits the catalogue", admin, staff.PermEditCatalogue, 0, true},
		{"chain manager edits the catalogue", chainMgr, staff.PermEditCatalogue, 0, true},
		{"store manager may not edit the catalogue", storeMgr, staff.PermEditCatalogue, 0, false},
		{"store manager may not edit the catalogue even at its store", storeMgr, staff.PermEditCatalogue, one, false},
		{"clerk may not edit the catalogue", clerk, staff.PermEditCatalogue, 0, false},
		{"store manager sets its store's prices", storeMgr, staff.PermSetPrices, one, true},
		{"store manager may not set another store's prices", storeMgr, staff.PermSetPrices, two, false},
		{"chain manager sets any store's prices", chainMgr, staff.PermSetPrices, two, true},
		{"admin sets any store's prices", admin, staff.PermSetPrices, two, true},
		{"clerk may not set prices", clerk, staff.PermSetPrices, one, false},
		{"clerk reads its store's prices", clerk, staff.PermReadPrices, one, true},
		{"clerk may not read another store's prices", clerk, staff.PermReadPrices, two, false},
		{"store manager edits its store", storeMgr, staff.PermEditStore, one, true},
		{"chain manager may not manage staff", chainMgr, staff.PermManageStaff, 0, false},
		{"clerk bound to a store reads the chain's catalogue", clerk, staff.PermReadCatalogue, 0, true},
		{"clerk bound to a store reads the chain's stores", clerk, staff.PermReadStores, 0, true},
		{"unknown role holds nothing", staff.Principal{Role: "guest"}, staff.PermReadStock, one, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var err error
			if tt.store == 0 {
				err = tt.p.Require(tt.perm)
			} else {
				err = tt.p.RequireStore(tt.perm, tt.store)
			}
			if tt.ok && err != nil {
				t.Fatalf("refused: %v", err)
			}
			if !tt.ok && !errs.Is(err, errs.PermissionDenied) {
				t.Fatalf("got %v, want permission_denied", err)
			}
		})
	}
}

func TestKnown(t *testing.T) {
	if !staff.Known(staff.PermReadStock) || staff.Known("stock.reed") {
		t.Fatal("Known must hold the policy's perms and nothing else")
	}
}
