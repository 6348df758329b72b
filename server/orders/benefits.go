package orders

import (
	"context"

	"wemart/ent"
	"wemart/ent/order"
	"wemart/server/check"
	"wemart/server/coupons"
	"wemart/server/errs"
	"wemart/server/members"
	"wemart/server/pricing"
	"wemart/server/stores"
)

// Benefits are what a shopper's membership takes off an order: the member
// level (server/members), coupons (server/coupons) and points. A Service
// without them prices orders at the goods and the fee.
type Benefits struct {
	Coupons *coupons.Service
	Members *members.Service
}

// benefitsAsked is what a checkout or a quote asks of the shopper's
// benefits: a coupon (nil: none; for a quote, the best one) and points.
type benefitsAsked struct {
	couponID *int
	// autoCoupon picks the best usable coupon when couponID is nil (a quote
	// that did not say).
	autoCoupon bool
	points     int64
}

// Priced is an order's price worked out by server/pricing's steps, with
// what the shopper could choose instead (for a quote).
type Priced struct {
	Quote *pricing.Quote
	Level members.Level
	// Coupon is the coupon applied (nil: none).
	Coupon *coupons.Offer
	// Offers are the shopper's coupons judged against the order (a quote
	// only), best first.
	Offers []coupons.Offer
	// PointsAvailable is the shopper's balance; PointsMax the most this
	// order can take.
	PointsAvailable int64
	PointsMax       int64
}

// price works out what lines cost for shopperID at store e, in the order
// server/pricing documents: level, coupon, points, then the delivery fee
// (fee is the store's; delivery reports whether it is charged at all).
// With tx (a checkout) the coupon is checked inside it, and a coupon or
// points that cannot be used are a conflict; without (a quote) the coupons
// are offered and an unusable choice simply not applied.
func (s *Service) price(ctx context.Context, tx *ent.Tx, shopperID int, st standing, e *stores.Entry, lines []priced, delivery bool, ask benefitsAsked) (*Priced, error) {
	pl := make([]pricing.Line, len(lines))
	for i, l := range lines {
		pl[i] = pricing.Line{SkuID: l.SkuID, ProductID: l.product.ID, Quantity: l.Quantity, AmountFen: l.unitFen * int64(l.Quantity)}
		if l.product.CategoryID != nil {
			pl[i].CategoryID = *l.product.CategoryID
		}
	}
	p := &Priced{Quote: pricing.NewQuote(pl)}
	q := p.Quote
	p.Level = st.level
	if st.level.PercentOff > 0 {
		q.LevelDiscountFen = q.Apply(pricing.Percent(q.NetFen(), st.level.PercentOff), nil)
	}
	if err := s.priceCoupon(ctx, tx, shopperID, e.ID, p, ask); err != nil {
		return nil, err
	}
	if m := s.benefits.Members; m != nil {
		p.PointsAvailable, p.PointsMax = st.points, m.MaxSpend(st.points, q)
	}
	if ask.points > 0 {
		if ask.points > p.PointsMax {
			if tx == nil {
				ask.points = p.PointsMax
			} else {
				return nil, errs.E(errs.Conflict, "this order can take at most %d points (you have %d)", p.PointsMax, p.PointsAvailable).
					With("reason", "points").With("points_max", p.PointsMax)
			}
		}
	}
	if ask.points > 0 { // MaxSpend keeps it within what the goods can take
		fen := s.benefits.Members.PointFen()
		q.PointsUsed = min(ask.points, q.Room(nil)/fen)
		q.PointsDiscountFen = q.Apply(q.PointsUsed*fen, nil)
	}
	if delivery {
		q.DeliveryFeeFen = e.FeeFen
		if p.Level.FreeDelivery {
			q.DeliveryFeeFen, q.DeliveryFeeWaivedFen = 0, e.FeeFen
		}
	}
	if err := payable(q.PayableFen()); err != nil {
		return nil, err
	}
	return p, nil
}

// payable refuses a total one WeChat Pay payment cannot take: nothing
// (SKUs may cost 0 fen, a gift beside what is bought, but WeChat Pay takes
// at least 1 fen) or more than check.MaxPriceFen (¥10,000,000). Quote and
// checkout refuse alike, before any stock is reserved or WeChat Pay asked.
func payable(fen int64) error {
	switch {
	case fen < 1:
		return errs.E(errs.Conflict, "this order comes to ¥0.00 and WeChat Pay takes at least ¥0.01: add something that costs money").
			With("reason", "nothing_to_pay").With("payable_fen", fen)
	case fen > check.MaxPriceFen:
		return errs.E(errs.Conflict, "this order comes to ¥%s, more than one payment may be (¥%s): split it into smaller orders",
			yuan(fen), yuan(check.MaxPriceFen)).With("reason", "too_much_to_pay").With("payable_fen", fen).With("max_payable_fen", int64(check.MaxPriceFen))
	}
	return nil
}

// standing is what the shopper's membership brings to a checkout: the
// level and the points balance. A checkout reads it inside its
// transaction, through the transaction's connection (a read through the
// pool there would wait, on PostgreSQL, for a second pooled connection,
// and N racing checkouts holding all N connections would wait for ever),
// in the statement that checks the shopper's limits (shopperLimits): for
// explicit lines, once they are priced and in stock, so a sold-out rush
// does not pay for it (a checkout of the cart reads its lines after it).
// The balance read only sizes the offer; spending is the guarded update in
// the transaction.
type standing struct {
	level  members.Level
	points int64
}

// standingOf reads the shopper's standing for a quote (a checkout reads it
// in shopperLimits).
func (s *Service) standingOf(ctx context.Context, shopperID int) (standing, error) {
	m := s.benefits.Members
	if m == nil {
		return standing{}, nil
	}
	at, err := m.CheckoutStanding(ctx, shopperID) // one round trip
	return standing{level: at.Level, points: at.Points}, err
}

// priceCoupon applies the coupon step: the one asked for (checked in tx
// at checkout), or for a quote the best usable one unless the shopper said
// none.
func (s *Service) priceCoupon(ctx context.Context, tx *ent.Tx, shopperID, storeID int, p *Priced, ask benefitsAsked) error {
	c := s.benefits.Coupons
	if c == nil {
		if ask.couponID != nil {
			return errs.E(errs.Conflict, "coupons are not in use here").With("reason", "coupons")
		}
		return nil
	}
	var chosen *coupons.Offer
	if tx != nil {
		if ask.couponID == nil {
			return nil
		}
		offer, err := c.Check(ctx, tx, shopperID, *ask.couponID, storeID, p.Quote)
		if err != nil {
			return err
		}
		chosen = &offer
	} else {
		offers, err := c.Offers(ctx, shopperID, storeID, p.Quote)
		if err != nil {
			return err
		}
		p.Offers = offers
		for i := range offers {
			o := &offers[i]
			if !o.Usable {
				continue
			}
			if (ask.couponID != nil && o.CouponID == *ask.couponID) || (ask.couponID == nil && ask.autoCoupon && chosen == nil) {
				chosen = o
			}
		}
	}
	if chosen != nil {
		p.Quote.CouponDiscountFen = p.Quote.Apply(chosen.DiscountFen, chosen.Lines)
		p.Coupon = chosen
	}
	return nil
}

// claimBenefits locks the coupon and spends the points of an order just
// placed, in its transaction.
func (s *Service) claimBenefits(ctx context.Context, tx *ent.Tx, shopperID int, o *ent.Order, p *Priced) error {
	if p.Coupon != nil {
		if err := s.benefits.Coupons.Lock(ctx, tx, p.Coupon.CouponID, shopperID, o.ID); err != nil {
			return err
		}
	}
	if used := p.Quote.PointsUsed; used > 0 {
		if err := s.benefits.Members.Spend(ctx, tx, shopperID, o.ID, used); err != nil {
			return err
		}
	}
	return nil
}

// Quote prices a checkout without placing it: the same request as Create
// (without an Idempotency-Key), the same checks, and the price by the same
// steps, with the shopper's coupons judged against it. A coupon_id left out
// picks the best usable coupon; 0 picks none; an unusable one is not
// applied (its offer says why). Points are cut to what the order can take.
func (s *Service) Quote(ctx context.Context, shopperID int, in CreateInput) (_ *Priced, err error) {
	defer errs.Op(&err, "orders.Quote")
	auto := in.CouponID == nil
	norm, err := in.normalize()
	if err != nil {
		return nil, err
	}
	entry, err := s.stores.Index().Get(ctx, norm.StoreID)
	if err != nil {
		return nil, err
	}
	if entry == nil {
		return nil, errs.E(errs.NotFound, "no store %d", norm.StoreID)
	}
	delivery := norm.Fulfilment == string(order.FulfilmentDelivery)
	if !delivery && !entry.Pickup {
		return nil, errs.E(errs.Conflict, "%s offers no pickup; choose delivery", entry.Name)
	}
	items := norm.Items
	if items == nil {
		if items, err = cartLines(ctx, s.client, shopperID, norm.StoreID); err != nil {
			return nil, err
		}
	}
	lines, err := priceLines(ctx, s.client, s.db.Dialect, norm.StoreID, items, 0)
	if err != nil {
		return nil, err
	}
	if delivery {
		var goods int64
		for _, l := range lines {
			goods += l.unitFen * int64(l.Quantity)
		}
		if _, _, err := deliverable(ctx, s.client, entry, shopperID, *norm.AddressID, goods); err != nil {
			return nil, err
		}
	}
	st, err := s.standingOf(ctx, shopperID)
	if err != nil {
		return nil, err
	}
	return s.price(ctx, nil, shopperID, st, entry, lines, delivery,
		benefitsAsked{couponID: norm.CouponID, autoCoupon: auto, points: norm.Points})
}
