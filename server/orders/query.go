package orders

import (
	"context"
	"slices"
	"strings"

	"wemart/ent"
	"wemart/ent/order"
	"wemart/ent/orderevent"
	"wemart/ent/refund"
	"wemart/server/errs"
)

// load reads an order with everything its detail view shows: lines,
// timeline (oldest first), refunds, payment and store.
func (s *Service) load(ctx context.Context, id int) (*ent.Order, error) {
	o, err := s.client.Order.Query().Where(order.ID(id)).
		WithItems().
		WithEvents(func(q *ent.OrderEventQuery) { q.Order(ent.Asc(orderevent.FieldID)) }).
		WithRefunds(func(q *ent.RefundQuery) { q.Order(ent.Asc(refund.FieldID)) }).
		WithPayments().
		WithStore().
		Only(ctx)
	if ent.IsNotFound(err) {
		return nil, errs.E(errs.NotFound, "no order %d", id)
	}
	return o, err
}

// own reads the shopper's order; another shopper's is not found.
func (s *Service) own(ctx context.Context, shopperID, id int) (*ent.Order, error) {
	o, err := s.client.Order.Query().Where(order.ID(id), order.ShopperID(shopperID)).Only(ctx)
	if ent.IsNotFound(err) {
		return nil, errs.E(errs.NotFound, "no order %d", id)
	}
	return o, err
}

// Get returns the shopper's order in full; another shopper's is not found.
// An unpaid order whose payment was started is confirmed with WeChat Pay
// first (confirmOnRead).
func (s *Service) Get(ctx context.Context, shopperID, id int) (_ *ent.Order, err error) {
	defer errs.Op(&err, "orders.Get")
	o, err := s.own(ctx, shopperID, id)
	if err != nil {
		return nil, err
	}
	s.confirmOnRead(ctx, o)
	return s.load(ctx, id)
}

// Load returns any order in full (staff views; the caller checks the
// staff member's store).
func (s *Service) Load(ctx context.Context, id int) (_ *ent.Order, err error) {
	defer errs.Op(&err, "orders.Load")
	return s.load(ctx, id)
}

// ListParams filter and page an order list.
type ListParams struct {
	// Statuses keeps orders in any of them (all when empty).
	Statuses []order.Status
	// StoreID keeps one store's orders (staff lists).
	StoreID *int
	// OrderNo keeps the order with this number (staff lists).
	OrderNo string
	Offset  int
	Limit   int
}

// maxStatuses bounds a status filter's entries (duplicates included).
const maxStatuses = 20

// ParseStatuses reads a comma-separated status filter: at most maxStatuses
// entries, each a valid status, duplicates dropped.
func ParseStatuses(field, v string) ([]order.Status, error) {
	if v == "" {
		return nil, nil
	}
	parts := strings.Split(v, ",")
	if len(parts) > maxStatuses {
		// Each status becomes a bound parameter: an unbounded list would
		// overflow the database's parameter limit.
		return nil, errs.InvalidField(field, "may list at most %d statuses, not %d", maxStatuses, len(parts))
	}
	var out []order.Status
	for _, p := range parts {
		st := order.Status(strings.TrimSpace(p))
		if err := order.StatusValidator(st); err != nil {
			return nil, errs.InvalidField(field, "must be order statuses separated by commas (%q is not one)", clip(string(st), 32))
		}
		if !slices.Contains(out, st) {
			out = append(out, st)
		}
	}
	return out, nil
}

// List returns the shopper's orders, newest first, with their lines and
// store, and how many match.
func (s *Service) List(ctx context.Context, shopperID int, p ListParams) (_ []*ent.Order, _ int, err error) {
	defer errs.Op(&err, "orders.List")
	return s.list(ctx, s.client.Order.Query().Where(order.ShopperID(shopperID)), p)
}

// StaffList returns orders across stores (or of p.StoreID), newest first.
func (s *Service) StaffList(ctx context.Context, p ListParams) (_ []*ent.Order, _ int, err error) {
	defer errs.Op(&err, "orders.StaffList")
	return s.list(ctx, s.client.Order.Query(), p)
}

func (s *Service) list(ctx context.Context, q *ent.OrderQuery, p ListParams) ([]*ent.Order, int, error) {
	if len(p.Statuses) > 0 {
		q.Where(order.StatusIn(p.Statuses...))
	}
	if p.StoreID != nil {
		q.Where(order.StoreID(*p.StoreID))
	}
	if p.OrderNo != "" {
		q.Where(order.OrderNo(p.OrderNo))
	}
	total, err := q.Clone().Count(ctx)
	if err != nil {
		return nil, 0, err
	}
	rows, err := q.WithItems().WithStore().WithRefunds().
		Order(ent.Desc(order.FieldCreatedAt), ent.Desc(order.FieldID)).
		Offset(p.Offset).Limit(p.Limit).All(ctx)
	return rows, total, err
}
