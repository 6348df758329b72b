package members_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"wemart/ent"
	"wemart/ent/order"
	"wemart/ent/pointentry"
	"wemart/ent/refund"
	"wemart/schema/types"
	"wemart/server/apitest"
	"wemart/server/errs"
	"wemart/server/members"
	"wemart/server/pricing"
	"wemart/server/storage"
	"wemart/server/storage/storagetest"
)

// fixture is a shopper at a store, and the service on a test clock.
type fixture struct {
	t       *testing.T
	ctx     context.Context
	db      *storage.DB
	s       *members.Service
	clock   *apitest.Clock
	shopper int
	store   int
	orders  int
}

func newFixture(t *testing.T, db *storage.DB) *fixture {
	t.Helper()
	ctx := t.Context()
	c := apitest.NewClock(time.Date(2026, 6, 1, 4, 0, 0, 0, time.UTC))
	st := db.Client.Store.Create().SetName("店").SetLat(31).SetLng(121).SetH3R5(1).SetH3R7(1).SetH3R8(1).
		SetOpeningHours([]types.OpeningPeriod{}).SaveX(ctx)
	f := &fixture{t: t, ctx: ctx, db: db, clock: c, store: st.ID,
		s: members.New(db.Client, []byte("test-key"), c.Now, members.Rules{})}
	f.shopper = f.newShopper()
	return f
}

func (f *fixture) newShopper() int {
	f.orders++
	return f.db.Client.Shopper.Create().SetOpenid(fmt.Sprintf("o-%s-%d", f.t.Name(), f.orders)).SaveX(f.ctx).ID
}

// order is a new unpaid order of the shopper: payable fen, of which the
// delivery fee is fee.
func (f *fixture) order(payable, fee int64) *ent.Order {
	f.t.Helper()
	f.orders++
	return f.db.Client.Order.Create().SetOrderNo(fmt.Sprintf("W%d", f.orders)).SetShopperID(f.shopper).
		SetStoreID(f.store).SetFulfilment(order.FulfilmentDelivery).SetGoodsFen(payable - fee).SetDeliveryFeeFen(fee).
		SetPayableFen(payable).SetIdempotencyKey(fmt.Sprintf("k%d", f.orders)).SetRequestHash("h").
		SetExpiresAt(f.clock.Now().Add(time.Hour)).SaveX(f.ctx)
}

// move moves o to status by compare-and-set and runs the hook in the
// move's transaction, as orders does; it returns the order as moved.
func (f *fixture) move(o *ent.Order, to order.Status) *ent.Order {
	f.t.Helper()
	var moved *ent.Order
	err := storage.WithTx(f.ctx, f.db.Client, func(tx *ent.Tx) error {
		upd := tx.Order.Update().Where(order.ID(o.ID), order.StatusEQ(o.Status)).SetStatus(to)
		if to == order.StatusPaid {
			upd.SetPaidAt(f.clock.Now())
		}
		if n, err := upd.Save(f.ctx); err != nil || n != 1 {
			return fmt.Errorf("move %s → %s: %d rows, %v", o.Status, to, n, err)
		}
		var err error
		if moved, err = tx.Order.Get(f.ctx, o.ID); err != nil {
			return err
		}
		return f.s.OnMove(f.ctx, tx, moved, o.Status)
	})
	if err != nil {
		f.t.Fatal(err)
	}
	return moved
}

// rerun runs the hook of the move from → o.Status again (a retry).
func (f *fixture) rerun(o *ent.Order, from order.Status) {
	f.t.Helper()
	f.tx(func(tx *ent.Tx) error { return f.s.OnMove(f.ctx, tx, o, from) })
}

func (f *fixture) tx(fn func(tx *ent.Tx) error) {
	f.t.Helper()
	if err := storage.WithTx(f.ctx, f.db.Client, fn); err != nil {
		f.t.Fatal(err)
	}
}

// refund records a succeeded refund of amount fen of o, goods fen of it
// goods, and tells the service; it returns the refund's id.
func (f *fixture) refund(o *ent.Order, amount, goods int64) int {
	f.t.Helper()
	var id int
	f.orders++
	f.tx(func(tx *ent.Tx) error {
		r, err := tx.Refund.Create().SetOrderID(o.ID).SetOutRefundNo(fmt.Sprintf("%sR%d", o.OrderNo, f.orders)).
			SetAmountFen(amount).SetInitiator(refund.InitiatorStaff).SetStatus(refund.StatusSucceeded).Save(f.ctx)
		if err != nil {
			return err
		}
		id = r.ID
		return f.s.Refunded(f.ctx, tx, o, r.ID, goods)
	})
	return id
}

func (f *fixture) spend(orderID int, points int64) error {
	return storage.WithTx(f.ctx, f.db.Client, func(tx *ent.Tx) error {
		return f.s.Spend(f.ctx, tx, f.shopper, orderID, points)
	})
}

// want checks the shopper's balance, and that her ledger adds up to it.
func (f *fixture) want(available, pending int64) {
	f.t.Helper()
	a, p, err := f.s.Balance(f.ctx, f.shopper)
	if err != nil {
		f.t.Fatal(err)
	}
	if a != available || p != pending {
		f.t.Fatalf("balance available %d pending %d, want %d and %d", a, p, available, pending)
	}
	if ck, err := f.s.CheckoutStanding(f.ctx, f.shopper); err != nil || ck.Points != available {
		f.t.Fatalf("CheckoutStanding %+v %v, want %d points", ck, err, available)
	}
	var sa, sp int64
	for _, e := range f.db.Client.PointEntry.Query().Where(pointentry.ShopperID(f.shopper)).AllX(f.ctx) {
		sa += e.AvailableDelta
		sp += e.PendingDelta
	}
	if sa != a || sp != p {
		f.t.Fatalf("the ledger adds up to available %d pending %d, the account says %d and %d", sa, sp, a, p)
	}
}

// entries counts the ledger entries of kind.
func (f *fixture) entries(kind pointentry.Kind) int {
	return f.db.Client.PointEntry.Query().Where(pointentry.KindEQ(kind)).CountX(f.ctx)
}

// TestEarnReleaseClawback: paying earns points pending (1 per full yuan
// of goods: the delivery fee earns nothing), completion makes them
// available, and a refund afterwards takes them back from available even
// when they were spent: the balance goes negative and is shown so. Each
// hook run twice writes once.
func TestEarnReleaseClawback(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		f := newFixture(t, db)
		o := f.order(12_345, 500) // goods 118.45 yuan → 118 points
		o = f.move(o, order.StatusPaid)
		f.want(0, 118)
		f.rerun(o, order.StatusPendingPayment)
		f.want(0, 118)
		o = f.move(o, order.StatusReadyForPickup)
		f.want(0, 118)
		o = f.move(o, order.StatusCompleted)
		f.want(118, 0)
		f.rerun(o, order.StatusReadyForPickup)
		f.want(118, 0)
		if f.entries(pointentry.KindEarn) != 1 || f.entries(pointentry.KindRelease) != 1 {
			t.Fatal("a hook run twice wrote twice")
		}

		other := f.order(5_000, 0)
		if err := f.spend(other.ID, 100); err != nil {
			t.Fatal(err)
		}
		f.want(18, 0)
		// The whole goods refunded after completion: all 118 come back out
		// of available, which goes negative.
		r := f.refund(o, 12_345, 11_845)
		f.want(-100, 0)
		f.tx(func(tx *ent.Tx) error { return f.s.Refunded(f.ctx, tx, o, r, 11_845) })
		f.want(-100, 0)
		if f.entries(pointentry.KindClawback) != 1 {
			t.Fatal("a refund told twice took points twice")
		}
	})
}

// TestRefundWhilePending: a refund before completion takes the points
// from pending; completion then releases only what is left.
func TestRefundWhilePending(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		f := newFixture(t, db)
		o := f.move(f.order(11_845, 0), order.StatusPaid)
		f.want(0, 118)
		f.refund(o, 5_000, 5_000) // 68.45 yuan still paid: 68 points kept
		f.want(0, 68)
		o = f.move(o, order.StatusReadyForPickup)
		f.move(o, order.StatusCompleted)
		f.want(68, 0)
	})
}

// TestPartialRefundsAddUp: two refunds of parts of the goods take back,
// together, exactly the points the order earned, however the yuan split.
func TestPartialRefundsAddUp(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		f := newFixture(t, db)
		o := f.move(f.order(12_345, 500), order.StatusPaid)
		o = f.move(o, order.StatusReadyForPickup)
		o = f.move(o, order.StatusCompleted)
		f.want(118, 0)
		f.refund(o, 5_050, 5_050) // 67.95 yuan still paid: 67 kept, 51 back
		f.want(67, 0)
		f.refund(o, 7_295, 6_795) // the rest, with the delivery fee
		f.want(0, 0)
		var back int64
		for _, e := range db.Client.PointEntry.Query().Where(pointentry.KindEQ(pointentry.KindClawback)).AllX(f.ctx) {
			back -= e.AvailableDelta
		}
		if back != 118 {
			t.Fatalf("the refunds took back %d points, the order earned 118", back)
		}
	})
}

// TestSpendIsGuarded: two checkouts racing to spend the whole balance:
// one wins, the other is a conflict (reason points) and spends nothing;
// spending for the same order again changes nothing.
func TestSpendIsGuarded(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		f := newFixture(t, db)
		f.tx(func(tx *ent.Tx) error { return f.s.Award(f.ctx, tx, f.shopper, 999, 300) })
		f.want(300, 0)
		a, b := f.order(10_000, 0), f.order(10_000, 0)
		errc := make(chan error, 2)
		for _, o := range []*ent.Order{a, b} {
			go func() { errc <- f.spend(o.ID, 300) }()
		}
		var won, lost int
		for range 2 {
			err := <-errc
			var e *errs.Error
			switch {
			case err == nil:
				won++
			case errors.As(err, &e) && e.Code == errs.Conflict && e.Details["reason"] == "points":
				lost++
			default:
				t.Fatalf("spend: %v", err)
			}
		}
		if won != 1 || lost != 1 {
			t.Fatalf("%d spends won, %d lost; want one each", won, lost)
		}
		f.want(0, 0)
		if f.entries(pointentry.KindSpend) != 1 {
			t.Fatal("the losing spend left an entry")
		}
		// The winner's order again: no change, no error.
		winner := db.Client.PointEntry.Query().Where(pointentry.KindEQ(pointentry.KindSpend)).OnlyX(f.ctx)
		if err := f.spend(winner.RefID, 300); err != nil {
			t.Fatalf("spending again for the same order: %v", err)
		}
		f.want(0, 0)
		if err := f.spend(f.order(100, 0).ID, -1); !errs.Is(err, errs.Invalid) {
			t.Fatalf("negative points: %v", err)
		}
	})
}

// TestSpendReturnAndRespend: a cancelled order gives its points back; a
// late payment of it takes them again, even below zero, and earns.
func TestSpendReturnAndRespend(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		f := newFixture(t, db)
		f.tx(func(tx *ent.Tx) error { return f.s.Award(f.ctx, tx, f.shopper, 999, 100) })
		o := f.order(2_000, 0)
		if err := f.spend(o.ID, 60); err != nil {
			t.Fatal(err)
		}
		f.want(40, 0)
		o = f.move(o, order.StatusCancelled)
		f.want(100, 0)
		f.rerun(o, order.StatusPendingPayment)
		f.want(100, 0)
		if err := f.spend(f.order(5_000, 0).ID, 80); err != nil {
			t.Fatal(err)
		}
		f.want(20, 0)
		// The payment arrives after all: 60 taken again (20 − 60 = −40),
		// and 20 points earned, pending.
		o = f.move(o, order.StatusPaid)
		f.want(-40, 20)
		f.rerun(o, order.StatusCancelled)
		f.want(-40, 20)
		if f.entries(pointentry.KindRespend) != 1 || f.entries(pointentry.KindSpendReturn) != 1 {
			t.Fatal("return or respend written twice")
		}
	})
}

// TestAwardAndReverse: referral points once per order; reversed once,
// nothing to reverse when none were given.
func TestAwardAndReverse(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		f := newFixture(t, db)
		for range 2 {
			f.tx(func(tx *ent.Tx) error { return f.s.Award(f.ctx, tx, f.shopper, 7, 200) })
		}
		f.want(200, 0)
		for range 2 {
			f.tx(func(tx *ent.Tx) error { return f.s.Reverse(f.ctx, tx, f.shopper, 7) })
		}
		f.want(0, 0)
		f.tx(func(tx *ent.Tx) error { return f.s.Reverse(f.ctx, tx, f.shopper, 8) })
		f.want(0, 0)
	})
}

// TestLevelOf: the level follows the spend of the last 365 days: orders
// paid in it less their refunds, plus counter sales; older spend falls out.
func TestLevelOf(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		f := newFixture(t, db)
		wantLevel := func(name string, spend int64) {
			t.Helper()
			st, err := f.s.Standing(f.ctx, f.shopper)
			if err != nil {
				t.Fatal(err)
			}
			l, err := f.s.LevelOf(f.ctx, f.shopper)
			if err != nil {
				t.Fatal(err)
			}
			if st.Level.Name != name || l != st.Level || st.SpendFen != spend {
				t.Fatalf("level %q spend %d, want %q and %d", st.Level.Name, st.SpendFen, name, spend)
			}
			// The checkout's one-query read says the same.
			ck, err := f.s.CheckoutStanding(f.ctx, f.shopper)
			avail, _, berr := f.s.Balance(f.ctx, f.shopper)
			if err != nil || berr != nil || ck.Level != st.Level || ck.Points != avail {
				t.Fatalf("CheckoutStanding %+v %v, want level %+v and %d points (%v)", ck, err, st.Level, avail, berr)
			}
		}
		wantLevel("普通会员", 0)
		// A year and a bit ago: counts until 365 days have passed.
		old := f.move(f.order(1_000_000, 0), order.StatusPaid)
		wantLevel("黑金", 1_000_000)
		f.clock.Advance(355 * 24 * time.Hour)
		recent := f.move(f.order(60_000, 1_000), order.StatusPaid)
		wantLevel("黑金", 1_060_000)
		f.clock.Advance(11 * 24 * time.Hour) // old is 366 days ago
		wantLevel("银卡", 60_000)
		f.refund(recent, 20_000, 20_000)
		wantLevel("普通会员", 40_000)
		f.refund(old, 1_000_000, 1_000_000) // its refund falls out with it
		wantLevel("普通会员", 40_000)

		// A counter sale of 1,600 yuan: 金卡 (200,000 fen), and its points at once.
		f.sale(160_000, "R-1")
		wantLevel("金卡", 200_000)
		st, _ := f.s.Standing(f.ctx, f.shopper)
		if st.Next == nil || st.Next.Name != "黑金" || st.Level.PercentOff != 5 || !st.Level.FreeDelivery {
			t.Fatalf("standing %+v", st)
		}
		// An unpaid order and a cancelled one count for nothing.
		f.move(f.order(500_000, 0), order.StatusCancelled)
		f.order(500_000, 0)
		wantLevel("金卡", 200_000)
		f.clock.Advance(360 * 24 * time.Hour) // the recent order falls out, the sale not yet
		wantLevel("银卡", 160_000)
		f.clock.Advance(6 * 24 * time.Hour)
		wantLevel("普通会员", 0)
	})
}

// sale records a counter sale for the shopper through a fresh code and scan.
func (f *fixture) sale(amount int64, receipt string) members.Sale {
	f.t.Helper()
	code, err := f.s.IssueCode(f.shopper)
	if err != nil {
		f.t.Fatal(err)
	}
	scan, err := f.s.Scan(f.ctx, code.Code, f.store, 1)
	if err != nil {
		f.t.Fatal(err)
	}
	sale, err := f.s.RecordSale(f.ctx, f.store, 1, members.SaleInput{ScanID: scan.ID, AmountFen: amount, ReceiptNo: receipt})
	if err != nil {
		f.t.Fatal(err)
	}
	return sale
}

// TestMaxSpend: at most half the goods after the coupon, never below 1
// fen of goods, never more than available.
func TestMaxSpend(t *testing.T) {
	s := members.New(nil, nil, nil, members.Rules{})
	q := pricing.NewQuote([]pricing.Line{{AmountFen: 1_000}, {AmountFen: 2_001}})
	q.CouponDiscountFen = q.Apply(1_000, nil)
	for _, c := range []struct{ available, want int64 }{{-5, 0}, {0, 0}, {300, 300}, {5_000, 1_000}} {
		if got := s.MaxSpend(c.available, q); got != c.want {
			t.Fatalf("MaxSpend(%d) = %d, want %d", c.available, got, c.want)
		}
	}
	one := pricing.NewQuote([]pricing.Line{{AmountFen: 1}})
	if got := s.MaxSpend(100, one); got != 0 {
		t.Fatalf("MaxSpend on a 1 fen order = %d", got)
	}
}
