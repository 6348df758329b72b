// Package addresses is a shopper's address book: where deliveries go. An
// address with coordinates (GCJ-02, from the mini program's map picker)
// decides which stores can deliver there.
package addresses

import (
	"context"
	"regexp"
	"time"

	"wemart/ent"
	"wemart/ent/address"
	"wemart/server/check"
	"wemart/server/errs"
	"wemart/server/storage"
)

// MaxPerShopper bounds an address book.
const MaxPerShopper = 30

// Service manages addresses.
type Service struct{ client *ent.Client }

// New returns a Service.
func New(client *ent.Client) *Service { return &Service{client: client} }

// Input is an address as the shopper enters it.
type Input struct {
	Contact   string   `json:"contact"`
	Phone     string   `json:"phone"`
	Province  string   `json:"province"`
	City      string   `json:"city"`
	District  string   `json:"district"`
	Detail    string   `json:"detail"`
	Lat       *float64 `json:"lat"`
	Lng       *float64 `json:"lng"`
	IsDefault bool     `json:"is_default"`
}

var phonePattern = regexp.MustCompile(`^\+?[0-9][0-9\- ]{5,19}$`)

func (in Input) validate() error {
	var c check.Checker
	c.Text("contact", in.Contact, true, 50)
	c.Text("phone", in.Phone, true, 30)
	if in.Phone != "" && !phonePattern.MatchString(in.Phone) {
		c.Fail("phone", "must be a phone number")
	}
	c.Text("province", in.Province, false, 30)
	c.Text("city", in.City, false, 30)
	c.Text("district", in.District, false, 30)
	c.Text("detail", in.Detail, true, 200)
	if (in.Lat == nil) != (in.Lng == nil) {
		c.Fail("lat", "and lng go together")
	} else if in.Lat != nil {
		c.Lat("lat", in.Lat)
		c.Lng("lng", in.Lng)
	}
	return c.Err()
}

// List returns the shopper's addresses, the default first.
func (s *Service) List(ctx context.Context, shopperID int) (_ []*ent.Address, err error) {
	defer errs.Op(&err, "addresses.List")
	return s.client.Address.Query().Where(address.ShopperID(shopperID), address.DeletedAtIsNil()).
		Order(ent.Desc(address.FieldIsDefault), ent.Desc(address.FieldID)).All(ctx)
}

// Get returns one of the shopper's addresses; another shopper's is not found.
func (s *Service) Get(ctx context.Context, shopperID, id int) (_ *ent.Address, err error) {
	defer errs.Op(&err, "addresses.Get")
	a, err := s.client.Address.Query().Where(address.ID(id), address.ShopperID(shopperID), address.DeletedAtIsNil()).Only(ctx)
	if ent.IsNotFound(err) {
		return nil, errs.E(errs.NotFound, "no address %d", id)
	}
	return a, err
}

// Create adds an address; the first one, or one marked default, becomes the default.
func (s *Service) Create(ctx context.Context, shopperID int, in Input) (_ *ent.Address, err error) {
	defer errs.Op(&err, "addresses.Create")
	if err := in.validate(); err != nil {
		return nil, err
	}
	var out *ent.Address
	err = storage.WithTx(ctx, s.client, func(tx *ent.Tx) error {
		// Counted with the shopper locked: racing requests cannot take the
		// book past MaxPerShopper.
		if err := storage.LockShopper(ctx, tx, shopperID); err != nil {
			return err
		}
		n, err := tx.Address.Query().Where(address.ShopperID(shopperID), address.DeletedAtIsNil()).Count(ctx)
		if err != nil {
			return err
		}
		if n >= MaxPerShopper {
			return errs.E(errs.Conflict, "an address book holds at most %d addresses", MaxPerShopper).
				With("limit", "addresses").With("max", MaxPerShopper)
		}
		isDefault := in.IsDefault || n == 0
		if isDefault {
			if err := clearDefault(ctx, tx, shopperID); err != nil {
				return err
			}
		}
		out, err = tx.Address.Create().SetShopperID(shopperID).SetContact(in.Contact).SetPhone(in.Phone).
			SetProvince(in.Province).SetCity(in.City).SetDistrict(in.District).SetDetail(in.Detail).
			SetNillableLat(in.Lat).SetNillableLng(in.Lng).SetIsDefault(isDefault).Save(ctx)
		return err
	})
	return out, err
}

// Replace overwrites one of the shopper's addresses.
func (s *Service) Replace(ctx context.Context, shopperID, id int, in Input) (_ *ent.Address, err error) {
	defer errs.Op(&err, "addresses.Replace")
	if err := in.validate(); err != nil {
		return nil, err
	}
	err = storage.WithTx(ctx, s.client, func(tx *ent.Tx) error {
		cur, err := tx.Address.Query().Where(address.ID(id), address.ShopperID(shopperID), address.DeletedAtIsNil()).Only(ctx)
		if ent.IsNotFound(err) {
			return errs.E(errs.NotFound, "no address %d", id)
		}
		if err != nil {
			return err
		}
		isDefault := in.IsDefault || cur.IsDefault
		if in.IsDefault {
			if err := clearDefault(ctx, tx, shopperID); err != nil {
				return err
			}
		}
		return cur.Update().SetContact(in.Contact).SetPhone(in.Phone).SetProvince(in.Province).SetCity(in.City).
			SetDistrict(in.District).SetDetail(in.Detail).ClearLat().ClearLng().
			SetNillableLat(in.Lat).SetNillableLng(in.Lng).SetIsDefault(isDefault).Exec(ctx)
	})
	if err != nil {
		return nil, err
	}
	return s.Get(ctx, shopperID, id)
}

// Delete removes one of the shopper's addresses (orders keep their copy).
func (s *Service) Delete(ctx context.Context, shopperID, id int) (err error) {
	defer errs.Op(&err, "addresses.Delete")
	n, err := s.client.Address.Update().Where(address.ID(id), address.ShopperID(shopperID), address.DeletedAtIsNil()).
		SetDeletedAt(time.Now().UTC()).SetIsDefault(false).Save(ctx)
	if err != nil {
		return err
	}
	if n == 0 {
		return errs.E(errs.NotFound, "no address %d", id)
	}
	return nil
}

func clearDefault(ctx context.Context, tx *ent.Tx, shopperID int) error {
	return tx.Address.Update().Where(address.ShopperID(shopperID), address.IsDefault(true)).SetIsDefault(false).Exec(ctx)
}
