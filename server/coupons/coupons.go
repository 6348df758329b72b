// Package coupons gives coupons out and takes them in. Staff define
// templates (a fixed amount or a percent off, a threshold, the stores and
// goods they cover, how many there are, how long each is valid); shoppers
// claim them, staff or rules (a referral reward) issue them; at checkout a
// shopper's coupons are judged against the cart (Offers, Check), one is
// locked by the unpaid order (Lock) and follows the order's moves (OnMove):
// used when paid, back to unused when the order is cancelled or refunded.
//
// Every limit holds whatever races: a template gives out coupons by one
// guarded UPDATE of its issued count (issued < total, under a CHECK too),
// and the unique (template_id, shopper_id, seq) of coupons holds the
// per-shopper limit. Every status change is a compare-and-set. An unused
// coupon past its valid_until is expired for every reader (the row is not
// rewritten).
package coupons

import (
	"fmt"
	"time"

	"entgo.io/ent/dialect/sql"

	"wemart/ent"
	"wemart/ent/coupon"
	"wemart/ent/coupontemplate"
	"wemart/ent/predicate"
	"wemart/server/errs"
)

// Limits of a template.
const (
	// MaxTotal is the most coupons one template may give out.
	MaxTotal = 10_000_000
	// MaxPerShopper is the most coupons of one template one shopper may hold.
	MaxPerShopper = 100
	// MaxValidDays is the longest a coupon may be valid for, in days.
	MaxValidDays = 3650
	// MaxScopeIDs is the most ids each of store_ids, category_ids and
	// product_ids may list.
	MaxScopeIDs = 200
)

// Service manages coupon templates and coupons.
type Service struct {
	client *ent.Client
	now    func() time.Time
}

// New returns a Service judging validity by now (nil: time.Now).
func New(client *ent.Client, now func() time.Time) *Service {
	if now == nil {
		now = time.Now
	}
	return &Service{client: client, now: now}
}

// clock is the service's time in UTC (what every stored time is in).
func (s *Service) clock() time.Time { return s.now().UTC() }

// issuedBelowTotal is "issued < total": a coupon is left to give out.
func issuedBelowTotal() predicate.CouponTemplate {
	return predicate.CouponTemplate(func(s *sql.Selector) {
		s.Where(sql.ColumnsLT(s.C(coupontemplate.FieldIssued), s.C(coupontemplate.FieldTotal)))
	})
}

// Seen returns cs as a shopper sees them: an unused coupon whose
// valid_until has passed reads expired (in memory; the row is unchanged).
func (s *Service) Seen(cs ...*ent.Coupon) []*ent.Coupon { return seenAt(s.clock(), cs) }

func seenAt(now time.Time, cs []*ent.Coupon) []*ent.Coupon {
	for _, c := range cs {
		if c.Status == coupon.StatusUnused && !c.ValidUntil.After(now) {
			c.Status = coupon.StatusExpired
		}
	}
	return cs
}

// beijing is the time zone dates are shown to shoppers in.
var beijing = time.FixedZone("CST", 8*3600)

// yuan formats fen as shoppers read money: ¥12.00.
func yuan(fen int64) string { return fmt.Sprintf("¥%d.%02d", fen/100, fen%100) }

// conflict is a 409 with a machine-readable reason.
func conflict(reason, format string, args ...any) *errs.Error {
	return errs.E(errs.Conflict, format, args...).With("reason", reason)
}
