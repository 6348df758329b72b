package staff

import (
	"wemart/server/errs"
)

// Roles of staff accounts.
const (
	RoleAdmin   = "admin"
	RoleManager = "manager"
	RoleClerk   = "clerk"
)

// Perm is something a staff member may be allowed to do.
type Perm string

// The permissions the admin API checks. Reading (stores, catalogue, stock)
// needs only a valid staff token; store-bound permissions are further limited
// to the account's store when it has one.
const (
	PermManageStaff   Perm = "staff.manage"   // create, edit, disable accounts
	PermCreateStores  Perm = "stores.create"  // open or delete a store
	PermEditStore     Perm = "stores.edit"    // change a store's details (store-bound)
	PermEditCatalogue Perm = "catalogue.edit" // categories, products, SKUs
	PermEditStock     Perm = "stock.edit"     // set and adjust stock (store-bound)
	PermReadStock     Perm = "stock.read"     // a store's stock and ledger (store-bound)
	PermReadOrders    Perm = "orders.read"    // a store's orders (store-bound)
	PermRefundOrders  Perm = "orders.refund"  // approve or reject refunds (store-bound)
	PermFulfilOrders  Perm = "orders.fulfil"  // pack and hand over orders (store-bound)
)

// policy says which roles hold each permission. One table, so the whole
// access model can be read (and reviewed) in one place.
var policy = map[Perm][]string{
	PermManageStaff:   {RoleAdmin},
	PermCreateStores:  {RoleAdmin},
	PermEditStore:     {RoleAdmin, RoleManager},
	PermEditCatalogue: {RoleAdmin, RoleManager},
	PermEditStock:     {RoleAdmin, RoleManager, RoleClerk},
	PermReadStock:     {RoleAdmin, RoleManager, RoleClerk},
	PermReadOrders:    {RoleAdmin, RoleManager, RoleClerk},
	PermRefundOrders:  {RoleAdmin, RoleManager},
	PermFulfilOrders:  {RoleAdmin, RoleManager, RoleClerk},
}

// Principal is the authenticated staff member behind a request, as the
// database says now (a role change or a disabled account applies at once).
type Principal struct {
	ID       int
	Username string
	Role     string
	// StoreID limits a manager or clerk to one store; nil means chain-wide.
	StoreID *int
}

// Require returns permission_denied unless p holds perm.
func (p Principal) Require(perm Perm) error {
	for _, r := range policy[perm] {
		if r == p.Role {
			return nil
		}
	}
	return errs.E(errs.PermissionDenied, "a %s may not do this", p.Role)
}

// RequireStore returns permission_denied unless p holds perm for storeID.
func (p Principal) RequireStore(perm Perm, storeID int) error {
	if err := p.Require(perm); err != nil {
		return err
	}
	if p.StoreID != nil && *p.StoreID != storeID {
		return errs.E(errs.PermissionDenied, "this account is limited to store %d", *p.StoreID)
	}
	return nil
}
