// Package members is the shopper's membership: the points ledger (earned
// by paying, pending until the order completes, taken back by refunds,
// spent at checkout, given for the daily check-in and for purchases at a
// store's counter), the member levels with their checkout benefits, and the
// member code staff scan at the counter.
//
// Every change of points is an append-only row of point_entries, unique by
// (kind, ref_type, ref_id), written with ON CONFLICT DO NOTHING: only when
// the row was inserted does the cached balance of point_accounts change, in
// the same transaction. An order hook or a refund that runs twice therefore
// changes points once. Spending is a guarded decrement (never below zero);
// taking points back (a refund, a late payment of a cancelled order) is not
// guarded, so a balance may go below zero and is shown so.
package members

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"time"

	"entgo.io/ent/dialect/sql"

	"wemart/ent"
	"wemart/ent/pointaccount"
	"wemart/ent/pointentry"
	"wemart/server/errs"
	"wemart/server/pricing"
	"wemart/server/storage"
)

// Rules are the numbers of the points and levels programme. The zero value
// of a field means its default (DefaultRules).
type Rules struct {
	// PointsPerYuan is earned per full yuan of an order's goods paid
	// (payable minus the delivery fee): 1. The points are pending until the
	// order completes.
	PointsPerYuan int64
	// PointFen is what one point takes off at checkout, in fen: 1 (100
	// points = ¥1).
	PointFen int64
	// MaxSpendPercent caps points at checkout, in percent of the goods
	// after the level and coupon discounts: 50.
	MaxSpendPercent int
	// CheckinPoints are given for the daily check-in: 10.
	CheckinPoints int64
	// CounterPointsPerYuan is earned per full yuan of a purchase at a
	// store's counter, available at once: 1.
	CounterPointsPerYuan int64
	// LevelWindow is the period whose spend sets the level: 365 days.
	LevelWindow time.Duration
}

// DefaultRules are the documented rules: 1 point per full yuan paid,
// available at completion; 100 points = ¥1 at checkout, at most 50% of the
// goods after the coupon; 10 points a day for checking in; 1 point per full
// yuan at the counter; the level from the spend of the last 365 days.
func DefaultRules() Rules {
	return Rules{PointsPerYuan: 1, PointFen: 1, MaxSpendPercent: 50, CheckinPoints: 10,
		CounterPointsPerYuan: 1, LevelWindow: 365 * 24 * time.Hour}
}

func (r Rules) withDefaults() Rules {
	d := DefaultRules()
	if r.PointsPerYuan <= 0 {
		r.PointsPerYuan = d.PointsPerYuan
	}
	if r.PointFen <= 0 {
		r.PointFen = d.PointFen
	}
	if r.MaxSpendPercent <= 0 || r.MaxSpendPercent > 100 {
		r.MaxSpendPercent = d.MaxSpendPercent
	}
	if r.CheckinPoints <= 0 {
		r.CheckinPoints = d.CheckinPoints
	}
	if r.CounterPointsPerYuan <= 0 {
		r.CounterPointsPerYuan = d.CounterPointsPerYuan
	}
	if r.LevelWindow <= 0 {
		r.LevelWindow = d.LevelWindow
	}
	return r
}

// Service keeps points, levels, check-ins and member codes.
type Service struct {
	client *ent.Client
	// codeKey signs member codes.
	codeKey []byte
	now     func() time.Time
	rules   Rules
}

// New returns a Service. secret keys the member codes' signatures (the
// app derives it from its token secret); now is the clock (nil: time.Now);
// rules' zero fields take their defaults.
func New(client *ent.Client, secret []byte, now func() time.Time, rules Rules) *Service {
	if now == nil {
		now = time.Now
	}
	return &Service{client: client, codeKey: secret, now: now, rules: rules.withDefaults()}
}

// Rules are the rules the service applies.
func (s *Service) Rules() Rules { return s.rules }

// DeriveKey derives a key for label from secret (HMAC-SHA256), so one
// configured secret serves several purposes without one key serving two.
func DeriveKey(secret []byte, label string) []byte {
	m := hmac.New(sha256.New, secret)
	m.Write([]byte(label))
	return m.Sum(nil)
}

func (s *Service) clock() time.Time { return s.now().UTC() }

// Balance is the shopper's points: available to spend, and pending (earned
// by orders not completed yet). A shopper without any points has 0 and 0.
func (s *Service) Balance(ctx context.Context, shopperID int) (available, pending int64, err error) {
	defer errs.Op(&err, "members.Balance")
	return balance(ctx, s.client.PointAccount, shopperID)
}

func balance(ctx context.Context, accounts *ent.PointAccountClient, shopperID int) (int64, int64, error) {
	a, err := accounts.Get(ctx, shopperID)
	if ent.IsNotFound(err) {
		return 0, 0, nil
	}
	if err != nil {
		return 0, 0, err
	}
	return a.Available, a.Pending, nil
}

// MaxSpend is how many points the shopper may spend on the quote q (as it
// stands after the level and coupon steps) with available points: at most
// MaxSpendPercent of the goods, never so many that the goods cost less than
// 1 fen, never more than she has.
func (s *Service) MaxSpend(available int64, q *pricing.Quote) int64 {
	if available <= 0 || q == nil {
		return 0
	}
	fen := min(pricing.Percent(q.NetFen(), s.rules.MaxSpendPercent), q.Room(nil))
	return max(0, min(available, fen/s.rules.PointFen))
}

// Spend takes points from the shopper for order orderID, in the checkout's
// tx: a guarded decrement that never takes the balance below zero. Too few
// points is a conflict (reason "points"). Spending for the same order again
// changes nothing.
func (s *Service) Spend(ctx context.Context, tx *ent.Tx, shopperID, orderID int, points int64) (err error) {
	defer errs.Op(&err, "members.Spend")
	if points < 0 {
		return errs.InvalidField("points", "must not be negative")
	}
	if points == 0 {
		return nil
	}
	e := entry{shopperID: shopperID, kind: pointentry.KindSpend, refType: RefOrder, refID: orderID,
		available: -points, orderID: &orderID, note: "下单抵扣"}
	inserted, err := s.insert(ctx, tx, e)
	if err != nil || !inserted {
		return err
	}
	n, err := tx.PointAccount.Update().
		Where(pointaccount.ID(shopperID), pointaccount.AvailableGTE(points)).
		AddAvailable(-points).SetUpdatedAt(s.clock()).Save(ctx)
	if err != nil {
		return err
	}
	if n == 0 {
		have, _, err := balance(ctx, tx.PointAccount, shopperID)
		if err != nil {
			return err
		}
		return errs.E(errs.Conflict, "%d points asked for, %d available", points, max(have, 0)).
			With("reason", "points").With("available", have)
	}
	return nil
}

// What a ledger entry refers to (ref_type).
const (
	RefOrder       = "order"
	RefRefund      = "refund"
	RefCheckin     = "checkin"
	RefCounterSale = "counter_sale"
	RefShopper     = "shopper"
	// RefRefunded is an order refunded in full: what it still had spent
	// comes back once, whatever came back at a cancellation before.
	RefRefunded = "refunded_order"
)

// entry is one change of a shopper's points.
type entry struct {
	shopperID          int
	kind               pointentry.Kind
	refType            string
	refID              int
	available, pending int64
	orderID            *int
	goodsRefundedFen   int64
	note               string
}

// post writes e and changes the shopper's account by its deltas, in tx;
// when an entry of the same kind and reference exists already it changes
// nothing and returns false.
func (s *Service) post(ctx context.Context, tx *ent.Tx, e entry) (bool, error) {
	inserted, err := s.insert(ctx, tx, e)
	if err != nil || !inserted {
		return false, err
	}
	return true, s.add(ctx, tx, e.shopperID, e.available, e.pending)
}

// insert writes e to the ledger unless its (kind, ref_type, ref_id) is
// there already (then false). ON CONFLICT DO NOTHING keeps a PostgreSQL
// transaction usable after the duplicate.
func (s *Service) insert(ctx context.Context, tx *ent.Tx, e entry) (bool, error) {
	err := tx.PointEntry.Create().SetShopperID(e.shopperID).SetKind(e.kind).SetRefType(e.refType).SetRefID(e.refID).
		SetAvailableDelta(e.available).SetPendingDelta(e.pending).SetNillableOrderID(e.orderID).
		SetGoodsRefundedFen(e.goodsRefundedFen).SetNote(e.note).SetCreatedAt(s.clock()).
		OnConflictColumns(pointentry.FieldKind, pointentry.FieldRefType, pointentry.FieldRefID).DoNothing().Exec(ctx)
	if storage.Skipped(err) {
		return false, nil
	}
	return err == nil, err
}

// add changes the shopper's account by the deltas (creating it): an
// upsert, so on PostgreSQL the row stays locked until tx ends and the
// shopper's point changes take turns.
func (s *Service) add(ctx context.Context, tx *ent.Tx, shopperID int, available, pending int64) error {
	now := s.clock()
	return tx.PointAccount.Create().SetID(shopperID).SetAvailable(available).SetPending(pending).SetUpdatedAt(now).
		OnConflictColumns(pointaccount.FieldID).
		Update(func(u *ent.PointAccountUpsert) { u.AddAvailable(available).AddPending(pending).SetUpdatedAt(now) }).
		Exec(ctx)
}

// lock takes the shopper's account row first, before reading what a
// change depends on (what an order still has pending, say).
func (s *Service) lock(ctx context.Context, tx *ent.Tx, shopperID int) error {
	return s.add(ctx, tx, shopperID, 0, 0)
}

// Entries is a page of the shopper's ledger, newest first: limit entries
// with ids below before (0: from the newest).
func (s *Service) Entries(ctx context.Context, shopperID, before, limit int) (_ []*ent.PointEntry, err error) {
	defer errs.Op(&err, "members.Entries")
	q := s.client.PointEntry.Query().Where(pointentry.ShopperID(shopperID))
	if before > 0 {
		q.Where(pointentry.IDLT(before))
	}
	return q.Order(ent.Desc(pointentry.FieldID)).Limit(limit).All(ctx)
}

// sum is an aggregate of a column's total, 0 over no rows, as a 64-bit
// integer on both engines.
func sum(column string) ent.AggregateFunc {
	return func(s *sql.Selector) string {
		return "CAST(COALESCE(SUM(" + s.C(column) + "), 0) AS BIGINT)"
	}
}

// PointFen is what one point takes off at checkout, in fen.
func (s *Service) PointFen() int64 { return s.rules.PointFen }
