package coupons

import (
	"context"
	"time"

	"wemart/ent"
	"wemart/ent/coupon"
	"wemart/ent/coupontemplate"
	"wemart/ent/shopper"
	"wemart/server/check"
	"wemart/server/errs"
	"wemart/server/storage"
)

// Claim gives shopperID a coupon of template templateID, as the shopper
// asked: the template must be active, claimable, in its claim window and
// have coupons left, and the shopper below its per-shopper limit;
// otherwise 409 conflict with details.reason (paused, not_claimable,
// not_started, ended, sold_out, limit). An unknown template is 404.
func (s *Service) Claim(ctx context.Context, shopperID, templateID int) (c *ent.Coupon, err error) {
	defer errs.Op(&err, "coupons.Claim")
	err = storage.WithTx(ctx, s.client, func(tx *ent.Tx) error {
		c, err = s.give(ctx, tx, templateID, shopperID, coupon.SourceClaim)
		return err
	})
	return c, err
}

// IssueByStaff is Issue in a transaction of its own, for staff.
func (s *Service) IssueByStaff(ctx context.Context, templateID, shopperID int) (c *ent.Coupon, err error) {
	defer errs.Op(&err, "coupons.IssueByStaff")
	var v check.Checker
	v.Int("shopper_id", int64(shopperID), 1, 1<<31-1)
	if err := v.Err(); err != nil {
		return nil, err
	}
	err = storage.WithTx(ctx, s.client, func(tx *ent.Tx) error {
		c, err = s.Issue(ctx, tx, templateID, shopperID, coupon.SourceStaff)
		return err
	})
	return c, err
}

// Issue gives a template's coupon to a shopper (staff, or a rule such as a
// referral reward) in tx, under the limits of a claim but for two: the
// template need not be claimable, and its claim window need not have
// started (the coupon is then valid from starts_at). A refusal (404 for an
// unknown template or shopper, 409 conflict with details.reason as Claim's)
// leaves tx as it was, so the caller may carry on. The coupon comes with
// its template (Edges.Template).
func (s *Service) Issue(ctx context.Context, tx *ent.Tx, templateID, shopperID int, source coupon.Source) (_ *ent.Coupon, err error) {
	defer errs.Op(&err, "coupons.Issue")
	known, err := tx.Shopper.Query().Where(shopper.ID(shopperID)).Exist(ctx)
	if err != nil {
		return nil, err
	}
	if !known {
		return nil, errs.E(errs.NotFound, "no shopper %d", shopperID).With("shopper_id", shopperID)
	}
	return s.give(ctx, tx, templateID, shopperID, source)
}

// give takes one coupon from the template and gives it to the shopper,
// inside a savepoint: a refusal rolls back to it (the issued count
// included; on PostgreSQL a refused insert would otherwise abort tx).
func (s *Service) give(ctx context.Context, tx *ent.Tx, templateID, shopperID int, source coupon.Source) (*ent.Coupon, error) {
	if _, err := tx.ExecContext(ctx, "SAVEPOINT coupon_give"); err != nil {
		return nil, err
	}
	c, err := s.take(ctx, tx, templateID, shopperID, source)
	if err != nil {
		if errs.CodeOf(err) == errs.Internal {
			return nil, err
		}
		if _, rerr := tx.ExecContext(ctx, "ROLLBACK TO SAVEPOINT coupon_give"); rerr != nil {
			return nil, rerr
		}
		return nil, err
	}
	_, err = tx.ExecContext(ctx, "RELEASE SAVEPOINT coupon_give")
	return c, err
}

// take counts one more coupon issued (the guarded UPDATE: on PostgreSQL
// it also holds the template's row until tx ends, so the shopper's count
// below sees every coupon given before), then inserts the shopper's next
// one. The unique (template, shopper, seq) refuses a second coupon with
// the same seq whatever happens.
func (s *Service) take(ctx context.Context, tx *ent.Tx, templateID, shopperID int, source coupon.Source) (*ent.Coupon, error) {
	now := s.clock()
	claim := source == coupon.SourceClaim
	upd := tx.CouponTemplate.Update().Where(coupontemplate.ID(templateID),
		coupontemplate.StatusEQ(coupontemplate.StatusActive), issuedBelowTotal(),
		coupontemplate.Or(coupontemplate.EndsAtIsNil(), coupontemplate.EndsAtGT(now)))
	if claim {
		upd.Where(coupontemplate.Claimable(true),
			coupontemplate.Or(coupontemplate.StartsAtIsNil(), coupontemplate.StartsAtLTE(now)))
	}
	n, err := upd.AddIssued(1).Save(ctx)
	if err != nil {
		return nil, err
	}
	if n == 0 {
		return nil, refusal(ctx, tx, templateID, claim, now)
	}
	t, err := tx.CouponTemplate.Get(ctx, templateID)
	if err != nil {
		return nil, err
	}
	seq, err := tx.Coupon.Query().Where(coupon.TemplateID(templateID), coupon.ShopperID(shopperID)).Count(ctx)
	if err != nil {
		return nil, err
	}
	if seq >= t.PerShopper {
		return nil, overLimit(t)
	}
	from, until := validity(t, now)
	c, err := tx.Coupon.Create().SetTemplateID(templateID).SetShopperID(shopperID).SetSeq(seq).
		SetValidFrom(from).SetValidUntil(until).SetSource(source).Save(ctx)
	if storage.IsConflict(err) {
		return nil, overLimit(t)
	}
	if err != nil {
		return nil, err
	}
	c.Edges.Template = t
	return c, nil
}

// validity is when a coupon of t given at now may be used: from now (or
// t's start, if later) for t's valid_days, or until t's end.
func validity(t *ent.CouponTemplate, now time.Time) (from, until time.Time) {
	from = now
	if t.StartsAt != nil && t.StartsAt.After(now) {
		from = t.StartsAt.UTC()
	}
	if t.EndsAt != nil {
		return from, t.EndsAt.UTC()
	}
	return from, from.AddDate(0, 0, *t.ValidDays)
}

func overLimit(t *ent.CouponTemplate) error {
	return conflict("limit", "you already hold the %d coupon(s) of %q one shopper may have", t.PerShopper, t.Name).
		With("per_shopper", t.PerShopper)
}

// refusal says why template id gave out no coupon at now.
func refusal(ctx context.Context, tx *ent.Tx, id int, claim bool, now time.Time) error {
	t, err := tx.CouponTemplate.Get(ctx, id)
	if ent.IsNotFound(err) {
		return errs.E(errs.NotFound, "no coupon template %d", id)
	}
	if err != nil {
		return err
	}
	switch {
	case t.Status == coupontemplate.StatusPaused:
		return conflict("paused", "%q is paused: no coupons are given out now", t.Name)
	case claim && !t.Claimable:
		return conflict("not_claimable", "%q cannot be claimed: staff give it out", t.Name)
	case claim && t.StartsAt != nil && t.StartsAt.After(now):
		return conflict("not_started", "%q can be claimed from %s", t.Name, t.StartsAt.UTC().Format(time.RFC3339)).
			With("starts_at", t.StartsAt.UTC())
	case t.EndsAt != nil && !t.EndsAt.After(now):
		return conflict("ended", "%q has ended", t.Name)
	}
	return conflict("sold_out", "all %d coupons of %q have been given out", t.Total, t.Name)
}

// Revoke takes back an unused coupon (a referral reward whose order was
// refunded), in tx: true when it did. A coupon locked, used, expired,
// revoked before, or not there is left as it is (false).
func (s *Service) Revoke(ctx context.Context, tx *ent.Tx, couponID int) (_ bool, err error) {
	defer errs.Op(&err, "coupons.Revoke")
	n, err := tx.Coupon.Update().Where(coupon.ID(couponID), coupon.StatusEQ(coupon.StatusUnused)).
		SetStatus(coupon.StatusRevoked).Save(ctx)
	return n == 1, err
}

// Statuses a shopper may list coupons by.
var Statuses = []string{"unused", "locked", "used", "expired", "revoked"}

// Mine lists shopperID's coupons as they see them (see Seen), with their
// templates: those of status (one of Statuses; "": every one), the unused
// soonest to expire first, the others newest first.
func (s *Service) Mine(ctx context.Context, shopperID int, status string) (_ []*ent.Coupon, err error) {
	defer errs.Op(&err, "coupons.Mine")
	if status != "" {
		var c check.Checker
		c.OneOf("status", status, Statuses...)
		if err := c.Err(); err != nil {
			return nil, err
		}
	}
	now := s.clock()
	q := s.client.Coupon.Query().Where(coupon.ShopperID(shopperID)).WithTemplate()
	switch coupon.Status(status) {
	case "":
		q.Order(ent.Desc(coupon.FieldID))
	case coupon.StatusUnused:
		q.Where(coupon.StatusEQ(coupon.StatusUnused), coupon.ValidUntilGT(now)).
			Order(ent.Asc(coupon.FieldValidUntil), ent.Asc(coupon.FieldID))
	case coupon.StatusExpired:
		q.Where(coupon.Or(coupon.StatusEQ(coupon.StatusExpired),
			coupon.And(coupon.StatusEQ(coupon.StatusUnused), coupon.ValidUntilLTE(now)))).
			Order(ent.Desc(coupon.FieldID))
	default:
		q.Where(coupon.StatusEQ(coupon.Status(status))).Order(ent.Desc(coupon.FieldID))
	}
	cs, err := q.Limit(500).All(ctx)
	if err != nil {
		return nil, err
	}
	return seenAt(now, cs), nil
}
