package coupons

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"time"

	"wemart/ent"
	"wemart/ent/coupon"
	"wemart/ent/order"
	"wemart/ent/referral"
	"wemart/server/errs"
	"wemart/server/pricing"
)

// Offer is one of the shopper's coupons judged against a cart.
type Offer struct {
	CouponID, TemplateID int
	Name                 string
	DiscountFen          int64 // what it would take off (0 when not usable)
	Usable               bool
	// Reason says why it is not usable, as a short Chinese sentence the
	// mini program shows as it is ("还差 ¥12.00 可用", "不适用于本店");
	// "" when usable.
	Reason     string
	Lines      []int // indexes of the quote's lines in scope
	ValidUntil time.Time
}

// Why a coupon cannot be used on a cart: the details.reason of Check's 409.
const (
	reasonNotYours   = "not_yours"
	reasonNotUnused  = "not_unused"
	reasonExpired    = "expired"
	reasonNotStarted = "not_started"
	reasonStore      = "store"
	reasonScope      = "scope"
	reasonMinSpend   = "min_spend"
)

// Offers judges every unused, valid coupon of the shopper (those not valid
// yet included, as not usable) against the quote q at storeID, q being
// after the level step: best first (usable ones by discount, then those
// expiring soonest).
func (s *Service) Offers(ctx context.Context, shopperID, storeID int, q *pricing.Quote) (_ []Offer, err error) {
	defer errs.Op(&err, "coupons.Offers")
	now := s.clock()
	cs, err := s.client.Coupon.Query().
		Where(coupon.ShopperID(shopperID), coupon.StatusEQ(coupon.StatusUnused), coupon.ValidUntilGT(now)).
		WithTemplate().All(ctx)
	if err != nil {
		return nil, err
	}
	offers := make([]Offer, len(cs))
	for i, c := range cs {
		offers[i], _ = judge(c, storeID, q, now)
	}
	slices.SortFunc(offers, func(a, b Offer) int {
		if a.Usable != b.Usable {
			if a.Usable {
				return -1
			}
			return 1
		}
		return cmp.Or(cmp.Compare(b.DiscountFen, a.DiscountFen), a.ValidUntil.Compare(b.ValidUntil),
			cmp.Compare(a.CouponID, b.CouponID))
	})
	return offers, nil
}

// Check judges one coupon inside the checkout tx. A coupon that is not the
// shopper's (or no coupon at all), not unused, expired, not valid yet, not
// good at storeID, with nothing in scope, or whose in-scope goods are below
// its min_spend_fen (or too little for it to take anything off) is
// errs.Conflict with details.reason: not_yours, not_unused, expired,
// not_started, store, scope or min_spend.
func (s *Service) Check(ctx context.Context, tx *ent.Tx, shopperID, couponID, storeID int, q *pricing.Quote) (_ Offer, err error) {
	defer errs.Op(&err, "coupons.Check")
	now := s.clock()
	c, err := tx.Coupon.Query().Where(coupon.ID(couponID)).WithTemplate().Only(ctx)
	if ent.IsNotFound(err) || err == nil && c.ShopperID != shopperID {
		return Offer{}, conflict(reasonNotYours, "coupon %d is not yours", couponID).With("coupon_id", couponID)
	}
	if err != nil {
		return Offer{}, err
	}
	switch {
	case c.Status == coupon.StatusExpired || c.Status == coupon.StatusUnused && !c.ValidUntil.After(now):
		return Offer{}, conflict(reasonExpired, "coupon %d expired at %s", c.ID, c.ValidUntil.UTC().Format(time.RFC3339)).
			With("coupon_id", c.ID)
	case c.Status != coupon.StatusUnused:
		return Offer{}, conflict(reasonNotUnused, "coupon %d is %s, not unused", c.ID, c.Status).With("coupon_id", c.ID)
	}
	o, why := judge(c, storeID, q, now)
	if why != "" {
		return o, conflict(why, "coupon %d cannot be used on this order: %s", c.ID, checkMessages[why]).With("coupon_id", c.ID)
	}
	return o, nil
}

// checkMessages explain Check's reasons to a client.
var checkMessages = map[string]string{
	reasonNotStarted: "it is not valid yet",
	reasonStore:      "it is not good at this store",
	reasonScope:      "it covers none of the goods ordered",
	reasonMinSpend:   "the goods it covers come to less than its threshold",
}

// judge is coupon c (unused, with its template, not past valid_until) on
// quote q at storeID: the offer, and why it is not usable ("" when it is).
func judge(c *ent.Coupon, storeID int, q *pricing.Quote, now time.Time) (Offer, string) {
	t := c.Edges.Template
	o := Offer{CouponID: c.ID, TemplateID: t.ID, Name: t.Name, ValidUntil: c.ValidUntil}
	if c.ValidFrom.After(now) {
		o.Reason = c.ValidFrom.In(beijing).Format("1月2日 15:04 起可用")
		return o, reasonNotStarted
	}
	if len(t.StoreIds) > 0 && !slices.Contains(t.StoreIds, storeID) {
		o.Reason = "不适用于本店"
		return o, reasonStore
	}
	o.Lines = inScope(t, q)
	if len(o.Lines) == 0 {
		o.Reason = "购物车中没有适用的商品"
		return o, reasonScope
	}
	var amount, net int64
	for _, i := range o.Lines {
		amount += q.Lines[i].AmountFen
		net += q.Lines[i].NetFen()
	}
	if amount < t.MinSpendFen {
		o.Reason = fmt.Sprintf("还差 %s 可用", yuan(t.MinSpendFen-amount))
		return o, reasonMinSpend
	}
	var off int64
	if t.DiscountFen != nil {
		off = *t.DiscountFen
	} else {
		off = pricing.Percent(net, *t.PercentOff)
		if t.MaxDiscountFen != nil {
			off = min(off, *t.MaxDiscountFen)
		}
	}
	off = min(off, q.Room(o.Lines))
	if off <= 0 {
		o.Reason = "本单金额太低，用不上这张券"
		return o, reasonMinSpend
	}
	o.DiscountFen, o.Usable = off, true
	return o, ""
}

// inScope is the indexes of q's lines t covers: every line when t lists no
// product and no category, else the lines whose product or category it lists.
func inScope(t *ent.CouponTemplate, q *pricing.Quote) []int {
	every := len(t.ProductIds) == 0 && len(t.CategoryIds) == 0
	idx := []int{}
	for i, l := range q.Lines {
		if every || slices.Contains(t.ProductIds, l.ProductID) || l.CategoryID != 0 && slices.Contains(t.CategoryIds, l.CategoryID) {
			idx = append(idx, i)
		}
	}
	return idx
}

// Lock marks the shopper's unused, valid coupon as locked by orderID, in
// the checkout tx (compare-and-set): errs.Conflict (reason not_unused)
// when it is not so any more.
func (s *Service) Lock(ctx context.Context, tx *ent.Tx, couponID, shopperID, orderID int) (err error) {
	defer errs.Op(&err, "coupons.Lock")
	now := s.clock()
	n, err := tx.Coupon.Update().Where(coupon.ID(couponID), coupon.ShopperID(shopperID),
		coupon.StatusEQ(coupon.StatusUnused), coupon.ValidFromLTE(now), coupon.ValidUntilGT(now)).
		SetStatus(coupon.StatusLocked).SetOrderID(orderID).Save(ctx)
	if err != nil {
		return err
	}
	if n == 0 {
		return conflict(reasonNotUnused, "coupon %d is no longer available", couponID).With("coupon_id", couponID)
	}
	return nil
}

// OnMove follows order o's move from status from to o.Status, in the
// move's tx, for the coupon the order locked (found by coupons.order_id):
//   - pending_payment → paid: locked → used (used_at set);
//   - pending_payment → cancelled (an expiry too): locked → unused, or
//     expired when past valid_until;
//   - cancelled → paid (a late payment): unused → used, if the coupon is
//     still unused (not locked by another order since) and valid; else
//     nothing (the order keeps its discount; the caller notes it);
//   - any → refunded (the whole order): used → unused while valid, else
//     expired.
//
// Each is a compare-and-set on (order_id, status); no business reason
// makes it fail.
func (s *Service) OnMove(ctx context.Context, tx *ent.Tx, o *ent.Order, from order.Status) (err error) {
	defer errs.Op(&err, "coupons.OnMove")
	now := s.clock()
	ours := tx.Coupon.Update().Where(coupon.OrderID(o.ID))
	switch {
	case from == order.StatusPendingPayment && o.Status == order.StatusPaid:
		_, err = ours.Where(coupon.StatusEQ(coupon.StatusLocked)).
			SetStatus(coupon.StatusUsed).SetUsedAt(now).Save(ctx)
	case from == order.StatusPendingPayment && o.Status == order.StatusCancelled:
		err = s.giveBack(ctx, tx, o.ID, coupon.StatusLocked, now)
	case from == order.StatusCancelled && o.Status == order.StatusPaid:
		_, err = ours.Where(coupon.StatusEQ(coupon.StatusUnused), coupon.ValidFromLTE(now), coupon.ValidUntilGT(now)).
			SetStatus(coupon.StatusUsed).SetUsedAt(now).Save(ctx)
	case from != order.StatusRefunded && o.Status == order.StatusRefunded:
		err = s.giveBack(ctx, tx, o.ID, coupon.StatusUsed, now)
	}
	return err
}

// giveBack returns orderID's coupon in status was to the shopper: unused
// while valid, else expired; a referral reward taken back while the order
// held it (the invited shopper's order was refunded) is revoked instead.
func (s *Service) giveBack(ctx context.Context, tx *ent.Tx, orderID int, was coupon.Status, now time.Time) error {
	held, err := tx.Coupon.Query().Where(coupon.OrderID(orderID), coupon.StatusEQ(was), coupon.SourceEQ(coupon.SourceReferral)).IDs(ctx)
	if err != nil {
		return err
	}
	if len(held) > 0 {
		taken, err := tx.Referral.Query().Where(referral.RewardCouponIDIn(held...), referral.RewardStatusEQ(referral.RewardStatusRevoked)).IDs(ctx)
		if err != nil {
			return err
		}
		if len(taken) > 0 {
			if _, err := tx.Coupon.Update().Where(coupon.IDIn(held...), coupon.StatusEQ(was)).
				SetStatus(coupon.StatusRevoked).ClearUsedAt().Save(ctx); err != nil {
				return err
			}
		}
	}
	_, err = tx.Coupon.Update().Where(coupon.OrderID(orderID), coupon.StatusEQ(was), coupon.ValidUntilGT(now)).
		SetStatus(coupon.StatusUnused).ClearUsedAt().Save(ctx)
	if err != nil {
		return err
	}
	_, err = tx.Coupon.Update().Where(coupon.OrderID(orderID), coupon.StatusEQ(was)).
		SetStatus(coupon.StatusExpired).ClearUsedAt().Save(ctx)
	return err
}
