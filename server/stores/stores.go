// Package stores manages the chain's physical stores: their location (GCJ-02,
// indexed by H3 cells computed here on every create and move), opening hours,
// and what they offer (pickup, delivery radius and fee).
package stores

import (
	"context"
	"strings"
	"time"
	_ "time/tzdata" // store time zones must resolve on hosts without zoneinfo

	"wemart/ent"
	"wemart/ent/order"
	"wemart/ent/store"
	"wemart/schema/types"
	"wemart/server/check"
	"wemart/server/errs"
	"wemart/server/geo"
	"wemart/server/storage"
)

// MaxDeliveryRadiusM is the widest delivery radius a store may have (50 km).
const MaxDeliveryRadiusM = 50000

// Service manages stores and finds them.
type Service struct {
	client *ent.Client
	index  *Index
	now    func() time.Time
}

// New returns a Service over db; now is the clock "open now" is judged by
// (nil: time.Now).
func New(db *storage.DB, now func() time.Time) (_ *Service, err error) {
	defer errs.Op(&err, "stores.New")
	if now == nil {
		now = time.Now
	}
	ix, err := NewIndex(db)
	if err != nil {
		return nil, err
	}
	return &Service{client: db.Client, index: ix, now: now}, nil
}

// Index is the service's in-memory store index.
func (s *Service) Index() *Index { return s.index }

// Input is a store's editable details, as staff send them. On create, nil
// booleans take defaults (pickup on; delivery on when a radius is given) and
// empty opening hours mean open around the clock.
type Input struct {
	Name            string                `json:"name"`
	Address         string                `json:"address"`
	City            string                `json:"city"`
	Phone           string                `json:"phone"`
	Lat             *float64              `json:"lat"`
	Lng             *float64              `json:"lng"`
	Timezone        string                `json:"timezone"`
	OpeningHours    []types.OpeningPeriod `json:"opening_hours"`
	Status          string                `json:"status"`
	Pickup          *bool                 `json:"pickup"`
	Delivery        *bool                 `json:"delivery"`
	DeliveryRadiusM int                   `json:"delivery_radius_m"`
	DeliveryFeeFen  int64                 `json:"delivery_fee_fen"`
	DeliveryMinFen  int64                 `json:"delivery_min_fen"`
}

// Patch changes some of a store's details; nil fields stay as they are.
type Patch struct {
	Name            *string                `json:"name"`
	Address         *string                `json:"address"`
	City            *string                `json:"city"`
	Phone           *string                `json:"phone"`
	Lat             *float64               `json:"lat"`
	Lng             *float64               `json:"lng"`
	Timezone        *string                `json:"timezone"`
	OpeningHours    *[]types.OpeningPeriod `json:"opening_hours"`
	Status          *string                `json:"status"`
	Pickup          *bool                  `json:"pickup"`
	Delivery        *bool                  `json:"delivery"`
	DeliveryRadiusM *int                   `json:"delivery_radius_m"`
	DeliveryFeeFen  *int64                 `json:"delivery_fee_fen"`
	DeliveryMinFen  *int64                 `json:"delivery_min_fen"`
}

func (in *Input) defaults() {
	if in.Timezone == "" {
		in.Timezone = "Asia/Shanghai"
	}
	if len(in.OpeningHours) == 0 {
		in.OpeningHours = AllDay()
	}
	if in.Status == "" {
		in.Status = string(store.StatusOpen)
	}
	if in.Pickup == nil {
		in.Pickup = ptr(true)
	}
	if in.Delivery == nil {
		in.Delivery = ptr(in.DeliveryRadiusM > 0)
	}
}

// Validate checks a complete Input for a store without a drawn delivery zone.
func (in *Input) Validate() error { return in.validate(false) }

// validate checks a complete Input; hasZone says the store has a drawn
// delivery zone (which makes a radius unnecessary).
func (in *Input) validate(hasZone bool) error {
	var c check.Checker
	c.Text("name", in.Name, true, 100)
	c.Text("address", in.Address, false, 300)
	c.Text("city", in.City, false, 50)
	c.Text("phone", in.Phone, false, 30)
	c.Lat("lat", in.Lat)
	c.Lng("lng", in.Lng)
	if _, err := time.LoadLocation(in.Timezone); err != nil || in.Timezone == "" || in.Timezone == "Local" {
		c.Fail("timezone", "must be an IANA time zone such as Asia/Shanghai")
	}
	checkHours(&c, in.OpeningHours)
	c.OneOf("status", in.Status, string(store.StatusOpen), string(store.StatusClosed))
	c.Int("delivery_radius_m", int64(in.DeliveryRadiusM), 0, MaxDeliveryRadiusM)
	c.Int("delivery_fee_fen", in.DeliveryFeeFen, 0, check.MaxPriceFen)
	c.Int("delivery_min_fen", in.DeliveryMinFen, 0, check.MaxPriceFen)
	if in.Delivery != nil && *in.Delivery && in.DeliveryRadiusM == 0 && !hasZone {
		c.Fail("delivery_radius_m", "must be positive when delivery is on (or draw a delivery zone)")
	}
	return c.Err()
}

// Create opens a new store.
func (s *Service) Create(ctx context.Context, in Input) (_ *ent.Store, err error) {
	defer errs.Op(&err, "stores.Create")
	in.defaults()
	if err := in.Validate(); err != nil {
		return nil, err
	}
	var out *ent.Store
	err = storage.WithTx(ctx, s.client, func(tx *ent.Tx) error {
		v, err := bumpVersion(ctx, tx)
		if err != nil {
			return err
		}
		c := tx.Store.Create().SetVersion(v)
		if err := in.fill(c.Mutation()); err != nil {
			return err
		}
		out, err = c.Save(ctx)
		return err
	})
	return out, err
}

// fill sets every field of a validated Input on a create or update, with the
// H3 cells of its coordinates.
func (in *Input) fill(m *ent.StoreMutation) error {
	cells, err := geo.CellsOf(geo.Point{Lat: *in.Lat, Lng: *in.Lng})
	if err != nil {
		return err
	}
	m.SetName(in.Name)
	m.SetAddress(in.Address)
	m.SetCity(in.City)
	m.SetPhone(in.Phone)
	m.SetLat(*in.Lat)
	m.SetLng(*in.Lng)
	m.SetH3R5(cells.R5)
	m.SetH3R7(cells.R7)
	m.SetH3R8(cells.R8)
	m.SetTimezone(in.Timezone)
	m.SetOpeningHours(in.OpeningHours)
	m.SetStatus(store.Status(in.Status))
	m.SetPickup(*in.Pickup)
	m.SetDelivery(*in.Delivery)
	m.SetDeliveryRadiusM(in.DeliveryRadiusM)
	m.SetDeliveryFeeFen(in.DeliveryFeeFen)
	m.SetDeliveryMinFen(in.DeliveryMinFen)
	return nil
}

// Get returns a store that has not been deleted.
func (s *Service) Get(ctx context.Context, id int) (_ *ent.Store, err error) {
	defer errs.Op(&err, "stores.Get")
	st, err := s.client.Store.Query().Where(store.ID(id), store.DeletedAtIsNil()).Only(ctx)
	if ent.IsNotFound(err) {
		return nil, errs.E(errs.NotFound, "no store %d", id)
	}
	return st, err
}

// ListParams filters the store list.
type ListParams struct {
	// Query matches name, address or city (substring).
	Query  string
	Status string
	Offset int
	Limit  int
}

// List returns stores (not deleted) ordered by id, and the total matching.
func (s *Service) List(ctx context.Context, p ListParams) (_ []*ent.Store, _ int, err error) {
	defer errs.Op(&err, "stores.List")
	q := s.client.Store.Query().Where(store.DeletedAtIsNil())
	if p.Status != "" {
		if p.Status != string(store.StatusOpen) && p.Status != string(store.StatusClosed) {
			return nil, 0, errs.InvalidField("status", "must be open or closed")
		}
		q.Where(store.StatusEQ(store.Status(p.Status)))
	}
	if t := strings.TrimSpace(p.Query); t != "" {
		q.Where(store.Or(store.NameContains(t), store.AddressContains(t), store.CityContains(t)))
	}
	total, err := q.Clone().Count(ctx)
	if err != nil {
		return nil, 0, err
	}
	items, err := q.Order(ent.Asc(store.FieldID)).Offset(p.Offset).Limit(p.Limit).All(ctx)
	return items, total, err
}

// Update applies patch to store id. Moving a store recomputes its H3 cells.
func (s *Service) Update(ctx context.Context, id int, p Patch) (_ *ent.Store, err error) {
	defer errs.Op(&err, "stores.Update")
	st, err := s.Get(ctx, id)
	if err != nil {
		return nil, err
	}
	in := inputOf(st)
	p.applyTo(&in)
	in.defaults()
	if err := in.validate(st.DeliveryZone != nil); err != nil {
		return nil, err
	}
	err = storage.WithTx(ctx, s.client, func(tx *ent.Tx) error {
		v, err := bumpVersion(ctx, tx)
		if err != nil {
			return err
		}
		// Compare-and-set on updated_at: a concurrent edit makes this one a
		// conflict instead of silently overwriting it.
		u := tx.Store.Update().Where(store.ID(id), store.UpdatedAt(st.UpdatedAt), store.DeletedAtIsNil()).SetVersion(v)
		if err := in.fill(u.Mutation()); err != nil {
			return err
		}
		n, err := u.Save(ctx)
		if err == nil && n == 0 {
			err = errs.E(errs.Conflict, "store %d was changed by someone else; reload and try again", id)
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	return s.Get(ctx, id)
}

// activeStatuses are the order statuses that still need the store.
var activeStatuses = []order.Status{
	order.StatusPendingPayment, order.StatusPaid, order.StatusReadyForPickup,
	order.StatusShipped, order.StatusRefunding,
}

// Delete removes a store from the chain (soft: orders and the ledger keep
// pointing at it). A store with orders still in progress cannot be deleted;
// close it first and let them finish.
func (s *Service) Delete(ctx context.Context, id int) (err error) {
	defer errs.Op(&err, "stores.Delete")
	if _, err := s.Get(ctx, id); err != nil {
		return err
	}
	// Mark it deleted first, then look for orders: the update waits for
	// checkouts holding the store's row (they read it FOR SHARE in their
	// transaction) and later ones find it gone, so no order can slip in
	// between the check and the delete.
	return storage.WithTx(ctx, s.client, func(tx *ent.Tx) error {
		v, err := bumpVersion(ctx, tx)
		if err != nil {
			return err
		}
		n, err := tx.Store.Update().Where(store.ID(id), store.DeletedAtIsNil()).
			SetDeletedAt(time.Now().UTC()).SetStatus(store.StatusClosed).SetVersion(v).Save(ctx)
		if err != nil {
			return err
		}
		if n == 0 {
			return errs.E(errs.NotFound, "no store %d", id)
		}
		busy, err := tx.Order.Query().Where(order.StoreID(id), order.StatusIn(activeStatuses...)).Exist(ctx)
		if err != nil {
			return err
		}
		if busy {
			return errs.E(errs.Conflict, "store %d has orders in progress; close it and let them finish first", id)
		}
		return nil
	})
}

func inputOf(st *ent.Store) Input {
	return Input{
		Name: st.Name, Address: st.Address, City: st.City, Phone: st.Phone,
		Lat: ptr(st.Lat), Lng: ptr(st.Lng), Timezone: st.Timezone, OpeningHours: st.OpeningHours,
		Status: string(st.Status), Pickup: ptr(st.Pickup), Delivery: ptr(st.Delivery),
		DeliveryRadiusM: st.DeliveryRadiusM, DeliveryFeeFen: st.DeliveryFeeFen, DeliveryMinFen: st.DeliveryMinFen,
	}
}

func (p Patch) applyTo(in *Input) {
	set(&in.Name, p.Name)
	set(&in.Address, p.Address)
	set(&in.City, p.City)
	set(&in.Phone, p.Phone)
	if p.Lat != nil {
		in.Lat = p.Lat
	}
	if p.Lng != nil {
		in.Lng = p.Lng
	}
	set(&in.Timezone, p.Timezone)
	set(&in.OpeningHours, p.OpeningHours)
	set(&in.Status, p.Status)
	if p.Pickup != nil {
		in.Pickup = p.Pickup
	}
	if p.Delivery != nil {
		in.Delivery = p.Delivery
	}
	set(&in.DeliveryRadiusM, p.DeliveryRadiusM)
	set(&in.DeliveryFeeFen, p.DeliveryFeeFen)
	set(&in.DeliveryMinFen, p.DeliveryMinFen)
}

func set[T any](dst *T, v *T) {
	if v != nil {
		*dst = *v
	}
}

func ptr[T any](v T) *T { return &v }
