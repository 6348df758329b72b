package staff

import (
	"slices"

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

// The permissions the admin API checks: every staff route declares one (see
// the route table in server/api). A perm is either chain-wide (it changes
// what every store sees, so an account bound to one store never holds it,
// whatever its role) or store-bound (held for the account's own store only,
// when it has one).
const (
	PermManageStaff   Perm = "staff.manage"   // create, edit, disable accounts (chain-wide)
	PermCreateStores  Perm = "stores.create"  // open or delete a store (chain-wide)
	PermEditCatalogue Perm = "catalogue.edit" // categories, products, SKUs, chain prices (chain-wide)
	PermEditStore     Perm = "stores.edit"    // change a store's details (store-bound)
	PermEditStock     Perm = "stock.edit"     // set and adjust stock (store-bound)
	PermReadStock     Perm = "stock.read"     // a store's stock and ledger (store-bound)
	PermSetPrices     Perm = "prices.edit"    // a store's own prices (store-bound)
	PermReadPrices    Perm = "prices.read"    // a store's own prices and their ledger (store-bound)
	PermReadOrders    Perm = "orders.read"    // a store's orders (store-bound)
	PermRefundOrders  Perm = "orders.refund"  // approve or reject refunds (store-bound)
	PermFulfilOrders  Perm = "orders.fulfil"  // pack and hand over orders (store-bound)
	PermReadStores    Perm = "stores.read"    // the chain's stores (every account)
	PermReadCatalogue Perm = "catalogue.read" // categories, products, SKUs (every account)
	PermOwnAccount    Perm = "account.own"    // the caller's own account: read it, log out (every account)
	// PermManagePromotions: coupon templates, issuing coupons, member levels (chain-wide).
	PermManagePromotions Perm = "promotions.manage"
	// PermServeMembers: scan a member code and record a counter sale (store-bound).
	PermServeMembers Perm = "members.serve"
)

// rule is who holds a perm: the roles, and whether the perm is chain-wide
// or store-bound (neither: about no store, like reading the catalogue).
type rule struct {
	roles      []string
	chainWide  bool
	storeBound bool
}

// policy says which roles hold each permission. One table, so the whole
// access model can be read (and reviewed) in one place.
var policy = map[Perm]rule{
	PermManageStaff:      {roles: []string{RoleAdmin}, chainWide: true},
	PermCreateStores:     {roles: []string{RoleAdmin}, chainWide: true},
	PermEditCatalogue:    {roles: []string{RoleAdmin, RoleManager}, chainWide: true},
	PermEditStore:        {roles: []string{RoleAdmin, RoleManager}, storeBound: true},
	PermEditStock:        {roles: []string{RoleAdmin, RoleManager, RoleClerk}, storeBound: true},
	PermReadStock:        {roles: []string{RoleAdmin, RoleManager, RoleClerk}, storeBound: true},
	PermSetPrices:        {roles: []string{RoleAdmin, RoleManager}, storeBound: true},
	PermReadPrices:       {roles: []string{RoleAdmin, RoleManager, RoleClerk}, storeBound: true},
	PermReadOrders:       {roles: []string{RoleAdmin, RoleManager, RoleClerk}, storeBound: true},
	PermRefundOrders:     {roles: []string{RoleAdmin, RoleManager}, storeBound: true},
	PermFulfilOrders:     {roles: []string{RoleAdmin, RoleManager, RoleClerk}, storeBound: true},
	PermReadStores:       {roles: []string{RoleAdmin, RoleManager, RoleClerk}},
	PermReadCatalogue:    {roles: []string{RoleAdmin, RoleManager, RoleClerk}},
	PermOwnAccount:       {roles: []string{RoleAdmin, RoleManager, RoleClerk}},
	PermManagePromotions: {roles: []string{RoleAdmin, RoleManager}, chainWide: true},
	PermServeMembers:     {roles: []string{RoleAdmin, RoleManager, RoleClerk}, storeBound: true},
}

// Known reports whether perm is in the policy (an unknown perm is held by
// no one).
func Known(perm Perm) bool {
	_, ok := policy[perm]
	return ok
}

// StoreBound reports whether perm is held for one store at a time: a route
// that checks it must say which store the request is about.
func StoreBound(perm Perm) bool { return policy[perm].storeBound }

// Principal is the authenticated staff member behind a request, as the
// database says now (a role change or a disabled account applies at once).
type Principal struct {
	ID       int
	Username string
	Role     string
	// StoreID limits a manager or clerk to one store; nil means chain-wide.
	StoreID *int
}

// Require returns permission_denied unless p holds perm: p's role has it,
// and, for a chain-wide perm, p is not bound to a store (a store's manager
// runs that store; the chain's catalogue is for admins and chain managers).
func (p Principal) Require(perm Perm) error {
	r := policy[perm]
	if !slices.Contains(r.roles, p.Role) {
		return errs.E(errs.PermissionDenied, "a %s may not do this", p.Role)
	}
	if r.chainWide && p.StoreID != nil {
		return errs.E(errs.PermissionDenied, "this account is limited to store %d; changes for the whole chain are for admins and chain-wide managers", *p.StoreID)
	}
	return nil
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
