package coupons

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"wemart/ent"
	"wemart/ent/category"
	"wemart/ent/coupon"
	"wemart/ent/coupontemplate"
	"wemart/ent/product"
	"wemart/ent/store"
	"wemart/server/check"
	"wemart/server/errs"
	"wemart/server/storage"
)

// TemplateInput is a new template as staff send it. Exactly one of
// DiscountFen and PercentOff; MaxDiscountFen only with PercentOff; exactly
// one of ValidDays and EndsAt (EndsAt in the future, after StartsAt).
// Claimable defaults to true. Every id listed must name a store, category
// or product that exists (400 naming the entry otherwise).
type TemplateInput struct {
	Name           string     `json:"name"`
	Description    string     `json:"description"`
	DiscountFen    *int64     `json:"discount_fen"`
	PercentOff     *int       `json:"percent_off"`
	MaxDiscountFen *int64     `json:"max_discount_fen"`
	MinSpendFen    *int64     `json:"min_spend_fen"`
	Total          *int       `json:"total"`
	PerShopper     *int       `json:"per_shopper"`
	ValidDays      *int       `json:"valid_days"`
	StartsAt       *time.Time `json:"starts_at"`
	EndsAt         *time.Time `json:"ends_at"`
	Claimable      *bool      `json:"claimable"`
	StoreIDs       []int      `json:"store_ids"`
	CategoryIDs    []int      `json:"category_ids"`
	ProductIDs     []int      `json:"product_ids"`
}

// TemplatePatch changes a template: each field given replaces the old
// value. Total may not go below what was issued (409); EndsAt is only for
// a template valid until fixed dates. Coupons already given out keep the
// validity they were given.
type TemplatePatch struct {
	Name        *string    `json:"name"`
	Description *string    `json:"description"`
	Status      *string    `json:"status"`
	Total       *int       `json:"total"`
	EndsAt      *time.Time `json:"ends_at"`
}

// CreateTemplate checks in and adds the template.
func (s *Service) CreateTemplate(ctx context.Context, in TemplateInput) (_ *ent.CouponTemplate, err error) {
	defer errs.Op(&err, "coupons.CreateTemplate")
	now := s.clock()
	if err := checkTemplate(in, now); err != nil {
		return nil, err
	}
	if err := s.checkScope(ctx, in); err != nil {
		return nil, err
	}
	claimable := in.Claimable == nil || *in.Claimable
	return s.client.CouponTemplate.Create().
		SetName(strings.TrimSpace(in.Name)).
		SetDescription(strings.TrimSpace(in.Description)).
		SetNillableDiscountFen(in.DiscountFen).
		SetNillablePercentOff(in.PercentOff).
		SetNillableMaxDiscountFen(in.MaxDiscountFen).
		SetMinSpendFen(*in.MinSpendFen).
		SetTotal(*in.Total).
		SetPerShopper(*in.PerShopper).
		SetNillableValidDays(in.ValidDays).
		SetNillableStartsAt(utc(in.StartsAt)).
		SetNillableEndsAt(utc(in.EndsAt)).
		SetClaimable(claimable).
		SetStoreIds(ids(in.StoreIDs)).
		SetCategoryIds(ids(in.CategoryIDs)).
		SetProductIds(ids(in.ProductIDs)).
		Save(ctx)
}

// checkTemplate checks a new template's fields, the first problem named.
func checkTemplate(in TemplateInput, now time.Time) error {
	var c check.Checker
	c.Text("name", in.Name, true, 40)
	c.Text("description", in.Description, false, 200)
	switch {
	case in.DiscountFen != nil && in.PercentOff != nil:
		c.Fail("percent_off", "cannot go with discount_fen: a coupon takes a fixed amount or a percent off, not both")
	case in.DiscountFen == nil && in.PercentOff == nil:
		c.Fail("discount_fen", "is required (or percent_off instead)")
	case in.DiscountFen != nil:
		c.Int("discount_fen", *in.DiscountFen, 1, check.MaxPriceFen)
	default:
		c.Int("percent_off", int64(*in.PercentOff), 1, 99)
	}
	if in.MaxDiscountFen != nil {
		if in.PercentOff == nil {
			c.Fail("max_discount_fen", "caps a percent off: it goes with percent_off only")
		}
		c.Int("max_discount_fen", *in.MaxDiscountFen, 1, check.MaxPriceFen)
	}
	c.Fen("min_spend_fen", in.MinSpendFen)
	required(&c, "total", in.Total, 1, MaxTotal)
	required(&c, "per_shopper", in.PerShopper, 1, MaxPerShopper)
	switch {
	case in.ValidDays != nil && in.EndsAt != nil:
		c.Fail("valid_days", "cannot go with ends_at: coupons are valid for valid_days from when they are given, or until ends_at")
	case in.ValidDays == nil && in.EndsAt == nil:
		c.Fail("valid_days", "is required (or ends_at instead)")
	case in.ValidDays != nil:
		c.Int("valid_days", int64(*in.ValidDays), 1, MaxValidDays)
	}
	checkEndsAt(&c, in.EndsAt, in.StartsAt, now)
	scopeIDs(&c, "store_ids", in.StoreIDs)
	scopeIDs(&c, "category_ids", in.CategoryIDs)
	scopeIDs(&c, "product_ids", in.ProductIDs)
	return c.Err()
}

// MaxAhead is how far ahead a template's dates may be: coupons are given
// and used within years, and dates beyond any calendar the databases keep
// (year 10000, or before year 1) must never reach them.
const MaxAhead = 10 * 365 * 24 * time.Hour

// earliest is the earliest starts_at a template may have.
var earliest = time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)

// checkEndsAt checks a template's dates: a start from 2000 to 10 years
// ahead; an end in the future, after the start, at most 10 years ahead.
func checkEndsAt(c *check.Checker, endsAt, startsAt *time.Time, now time.Time) {
	if startsAt != nil && (startsAt.Before(earliest) || startsAt.After(now.Add(MaxAhead))) {
		c.Fail("starts_at", "must be between 2000-01-01 and 10 years from now")
	}
	switch {
	case endsAt == nil:
	case endsAt.After(now.Add(MaxAhead)):
		c.Fail("ends_at", "must be at most 10 years from now")
	case !endsAt.After(now):
		c.Fail("ends_at", "must be in the future")
	case startsAt != nil && !endsAt.After(*startsAt):
		c.Fail("ends_at", "must be after starts_at")
	}
}

// required checks a required integer field within [lo, hi].
func required(c *check.Checker, field string, v *int, lo, hi int64) {
	if v == nil {
		c.Fail(field, "is required")
		return
	}
	c.Int(field, int64(*v), lo, hi)
}

// scopeIDs checks a list of ids: few, positive, none twice.
func scopeIDs(c *check.Checker, field string, list []int) {
	if len(list) > MaxScopeIDs {
		c.Fail(field, "must have at most %d entries", MaxScopeIDs)
	}
	for i, id := range list {
		name := fmt.Sprintf("%s[%d]", field, i)
		if id < 1 {
			c.Fail(name, "must be a positive id")
		}
		if j := slices.Index(list, id); j < i {
			c.Fail(name, "repeats %s[%d]", field, j)
		}
	}
}

// checkScope refuses an id of in's lists that names no store (or a
// deleted one), no category or no product (or a deleted one).
func (s *Service) checkScope(ctx context.Context, in TemplateInput) error {
	stores, err := s.client.Store.Query().Where(store.IDIn(in.StoreIDs...), store.DeletedAtIsNil()).IDs(ctx)
	if err != nil {
		return err
	}
	if err := known("store_ids", in.StoreIDs, stores, "store"); err != nil {
		return err
	}
	cats, err := s.client.Category.Query().Where(category.IDIn(in.CategoryIDs...)).IDs(ctx)
	if err != nil {
		return err
	}
	if err := known("category_ids", in.CategoryIDs, cats, "category"); err != nil {
		return err
	}
	prods, err := s.client.Product.Query().Where(product.IDIn(in.ProductIDs...), product.DeletedAtIsNil()).IDs(ctx)
	if err != nil {
		return err
	}
	return known("product_ids", in.ProductIDs, prods, "product")
}

// known names the first of asked that is not in found.
func known(field string, asked, found []int, what string) error {
	for i, id := range asked {
		if !slices.Contains(found, id) {
			return errs.InvalidField(fmt.Sprintf("%s[%d]", field, i), "names no %s (%d)", what, id)
		}
	}
	return nil
}

// ids is list, never nil (stored as [] rather than null).
func ids(list []int) []int {
	if list == nil {
		return []int{}
	}
	return list
}

func utc(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	u := t.UTC()
	return &u
}

// Templates lists every template, newest first.
func (s *Service) Templates(ctx context.Context) (_ []*ent.CouponTemplate, err error) {
	defer errs.Op(&err, "coupons.Templates")
	return s.client.CouponTemplate.Query().Order(ent.Desc(coupontemplate.FieldID)).All(ctx)
}

// Template returns template id.
func (s *Service) Template(ctx context.Context, id int) (_ *ent.CouponTemplate, err error) {
	defer errs.Op(&err, "coupons.Template")
	t, err := s.client.CouponTemplate.Get(ctx, id)
	if ent.IsNotFound(err) {
		return nil, errs.E(errs.NotFound, "no coupon template %d", id)
	}
	return t, err
}

// UpdateTemplate changes template id by in.
func (s *Service) UpdateTemplate(ctx context.Context, id int, in TemplatePatch) (_ *ent.CouponTemplate, err error) {
	defer errs.Op(&err, "coupons.UpdateTemplate")
	now := s.clock()
	var c check.Checker
	if in.Name != nil {
		c.Text("name", *in.Name, true, 40)
	}
	if in.Description != nil {
		c.Text("description", *in.Description, false, 200)
	}
	if in.Status != nil {
		c.OneOf("status", *in.Status, "active", "paused")
	}
	if in.Total != nil {
		c.Int("total", int64(*in.Total), 1, MaxTotal)
	}
	if err := c.Err(); err != nil {
		return nil, err
	}
	var t *ent.CouponTemplate
	err = storage.WithTx(ctx, s.client, func(tx *ent.Tx) error {
		old, err := tx.CouponTemplate.Get(ctx, id)
		if ent.IsNotFound(err) {
			return errs.E(errs.NotFound, "no coupon template %d", id)
		}
		if err != nil {
			return err
		}
		upd := tx.CouponTemplate.Update().Where(coupontemplate.ID(id))
		if in.EndsAt != nil {
			if old.EndsAt == nil {
				return errs.InvalidField("ends_at", "is for a template valid until a fixed date; this one's coupons are valid for %d days", *old.ValidDays)
			}
			checkEndsAt(&c, in.EndsAt, old.StartsAt, now)
			if err := c.Err(); err != nil {
				return err
			}
			upd.SetEndsAt(in.EndsAt.UTC())
		}
		if in.Name != nil {
			upd.SetName(strings.TrimSpace(*in.Name))
		}
		if in.Description != nil {
			upd.SetDescription(strings.TrimSpace(*in.Description))
		}
		if in.Status != nil {
			upd.SetStatus(coupontemplate.Status(*in.Status))
		}
		if in.Total != nil {
			upd.Where(coupontemplate.IssuedLTE(*in.Total)).SetTotal(*in.Total)
		}
		n, err := upd.Save(ctx)
		if err != nil {
			return err
		}
		if n == 0 { // only the total's guard can refuse: the row is there
			issued, err := tx.CouponTemplate.Query().Where(coupontemplate.ID(id)).Select(coupontemplate.FieldIssued).Int(ctx)
			if err != nil {
				return err
			}
			return &errs.Error{Code: errs.Conflict, Field: "total",
				Message: fmt.Sprintf("total %d is below the %d coupons already given out", *in.Total, issued),
				Details: map[string]any{"issued": issued}}
		}
		t, err = tx.CouponTemplate.Get(ctx, id)
		return err
	})
	return t, err
}

// Offering is a template a shopper may claim now, with how many of its
// coupons the shopper holds and whether they may claim one more.
type Offering struct {
	Template    *ent.CouponTemplate
	ClaimedByMe int
	CanClaim    bool
}

// Claimable lists the templates shopperID can see claimable now, newest
// first: active, claimable, in their claim window, some left; at storeID
// only those good there (nil: every store).
func (s *Service) Claimable(ctx context.Context, shopperID int, storeID *int) (_ []Offering, err error) {
	defer errs.Op(&err, "coupons.Claimable")
	now := s.clock()
	ts, err := s.client.CouponTemplate.Query().Where(
		coupontemplate.StatusEQ(coupontemplate.StatusActive), coupontemplate.Claimable(true), issuedBelowTotal(),
		coupontemplate.Or(coupontemplate.StartsAtIsNil(), coupontemplate.StartsAtLTE(now)),
		coupontemplate.Or(coupontemplate.EndsAtIsNil(), coupontemplate.EndsAtGT(now)),
	).Order(ent.Desc(coupontemplate.FieldID)).All(ctx)
	if err != nil {
		return nil, err
	}
	ts = slices.DeleteFunc(ts, func(t *ent.CouponTemplate) bool {
		return storeID != nil && len(t.StoreIds) > 0 && !slices.Contains(t.StoreIds, *storeID)
	})
	held, err := s.client.Coupon.Query().
		Where(coupon.ShopperID(shopperID), coupon.TemplateIDIn(templateIDs(ts)...)).
		Select(coupon.FieldTemplateID).Ints(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]Offering, len(ts))
	for i, t := range ts {
		n := 0
		for _, id := range held {
			if id == t.ID {
				n++
			}
		}
		out[i] = Offering{Template: t, ClaimedByMe: n, CanClaim: n < t.PerShopper}
	}
	return out, nil
}

func templateIDs(ts []*ent.CouponTemplate) []int {
	out := make([]int, len(ts))
	for i, t := range ts {
		out[i] = t.ID
	}
	return out
}
