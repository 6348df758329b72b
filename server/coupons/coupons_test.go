package coupons_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"wemart/ent"
	"wemart/ent/coupon"
	"wemart/ent/order"
	"wemart/server/apitest"
	"wemart/server/coupons"
	"wemart/server/errs"
	"wemart/server/pricing"
	"wemart/server/storage"
	"wemart/server/storage/storagetest"
)

// env is a coupons service on a real database, on a clock tests move.
type env struct {
	t   *testing.T
	ctx context.Context
	db  *storage.DB
	s   *coupons.Service
	// clock is the service's.
	clock *apitest.Clock
	n     int
}

func newEnv(t *testing.T, db *storage.DB) *env {
	e := &env{t: t, ctx: context.Background(), db: db, clock: apitest.NewClock(time.Date(2026, 12, 1, 2, 0, 0, 0, time.UTC))}
	e.s = coupons.New(db.Client, e.clock.Now)
	return e
}

// shopper adds a shopper and returns its id.
func (e *env) shopper() int {
	e.t.Helper()
	e.n++
	return e.db.Client.Shopper.Create().SetOpenid(fmt.Sprintf("openid-%d", e.n)).SaveX(e.ctx).ID
}

// template adds a template straight to the table (ids in its lists need
// not exist here): 100 of them, 5 a shopper, as set makes it, by default
// ¥5 off anything (unless set gives a percent) for 30 days (unless set
// gives an end).
func (e *env) template(set func(c *ent.CouponTemplateCreate)) *ent.CouponTemplate {
	e.t.Helper()
	e.n++
	c := e.db.Client.CouponTemplate.Create().SetName(fmt.Sprintf("券 %d", e.n)).
		SetTotal(100).SetPerShopper(5).
		SetStoreIds([]int{}).SetCategoryIds([]int{}).SetProductIds([]int{})
	if set != nil {
		set(c)
	}
	m := c.Mutation()
	if _, pct := m.PercentOff(); !pct {
		if _, fixed := m.DiscountFen(); !fixed {
			c.SetDiscountFen(500)
		}
	}
	if _, fixed := m.EndsAt(); !fixed {
		if _, days := m.ValidDays(); !days {
			c.SetValidDays(30)
		}
	}
	return c.SaveX(e.ctx)
}

// issue gives shopperID a coupon of t, as staff do.
func (e *env) issue(t *ent.CouponTemplate, shopperID int) *ent.Coupon {
	e.t.Helper()
	var c *ent.Coupon
	err := storage.WithTx(e.ctx, e.db.Client, func(tx *ent.Tx) (err error) {
		c, err = e.s.Issue(e.ctx, tx, t.ID, shopperID, coupon.SourceStaff)
		return err
	})
	if err != nil {
		e.t.Fatalf("issue %q to %d: %v", t.Name, shopperID, err)
	}
	return c
}

// inTx runs fn in a transaction and returns its error (rolled back on one).
func (e *env) inTx(fn func(tx *ent.Tx) error) error {
	return storage.WithTx(e.ctx, e.db.Client, fn)
}

func (e *env) coupon(id int) *ent.Coupon {
	e.t.Helper()
	return e.db.Client.Coupon.GetX(e.ctx, id)
}

// reasonOf is the details.reason of a conflict, failing on anything else.
func reasonOf(t *testing.T, err error) string {
	t.Helper()
	if !errs.Is(err, errs.Conflict) {
		t.Fatalf("want a conflict, got %v", err)
	}
	var e *errs.Error
	if !errors.As(err, &e) {
		t.Fatalf("not a coded error: %v", err)
	}
	r, _ := e.Details["reason"].(string)
	return r
}

// cart is three lines at store 7: product 1 (category 10) ¥30, product 2
// (category 20) ¥20, product 3 (no category) ¥10, after a 10% level
// discount (¥3, ¥2, ¥1 off).
func cart() *pricing.Quote {
	q := pricing.NewQuote([]pricing.Line{
		{SkuID: 11, ProductID: 1, CategoryID: 10, Quantity: 1, AmountFen: 3000},
		{SkuID: 12, ProductID: 2, CategoryID: 20, Quantity: 2, AmountFen: 2000},
		{SkuID: 13, ProductID: 3, Quantity: 1, AmountFen: 1000},
	})
	q.LevelDiscountFen = q.Apply(pricing.Percent(q.GoodsFen(), 10), nil)
	return q
}

// TestOffersJudgeEveryCoupon: each of a shopper's unused, valid coupons is
// judged against the cart (after the level step): its store, the lines in
// its scope (product or category), its threshold against those lines at
// their prices, a percent of what they cost now with its cap, a fixed
// amount cut to what the lines can give; usable ones best first, then the
// others with a sentence the mini program shows as is. Expired, used and
// other shoppers' coupons are not offered.
func TestOffersJudgeEveryCoupon(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		e := newEnv(t, db)
		me, other := e.shopper(), e.shopper()
		q := cart()
		if q.LevelDiscountFen != 600 || q.Lines[0].NetFen() != 2700 {
			t.Fatalf("level step %+v", q)
		}
		anything := e.issue(e.template(nil), me) // ¥5 off
		e.issue(e.template(func(c *ent.CouponTemplateCreate) { c.SetDiscountFen(1000).SetStoreIds([]int{8}) }), me)
		short := e.issue(e.template(func(c *ent.CouponTemplateCreate) { c.SetProductIds([]int{2}).SetMinSpendFen(3200) }), me)
		// The threshold is against the lines at their prices (¥20), not
		// after the level discount (¥18).
		exact := e.issue(e.template(func(c *ent.CouponTemplateCreate) {
			c.SetDiscountFen(100).SetProductIds([]int{2}).SetMinSpendFen(2000)
		}), me)
		tenPct := e.issue(e.template(func(c *ent.CouponTemplateCreate) {
			c.SetPercentOff(10).SetCategoryIds([]int{10})
		}), me)
		capped := e.issue(e.template(func(c *ent.CouponTemplateCreate) {
			c.SetPercentOff(50).SetMaxDiscountFen(800).SetCategoryIds([]int{20}).SetProductIds([]int{3})
		}), me)
		huge := e.issue(e.template(func(c *ent.CouponTemplateCreate) { c.SetDiscountFen(100000).SetProductIds([]int{3}) }), me)
		e.issue(e.template(func(c *ent.CouponTemplateCreate) { c.SetCategoryIds([]int{99}) }), me)
		e.issue(e.template(func(c *ent.CouponTemplateCreate) {
			c.SetStartsAt(e.clock.Now().Add(50 * time.Hour)).SetEndsAt(e.clock.Now().Add(100 * time.Hour))
		}), me)
		e.issue(e.template(nil), other)
		used := e.issue(e.template(nil), me)
		db.Client.Coupon.UpdateOneID(used.ID).SetStatus(coupon.StatusUsed).ExecX(e.ctx)
		old := e.issue(e.template(func(c *ent.CouponTemplateCreate) { c.SetValidDays(1) }), me)

		e.clock.Advance(25 * time.Hour) // old is past its valid_until now
		offers, err := e.s.Offers(e.ctx, me, 7, q)
		if err != nil {
			t.Fatal(err)
		}
		type view struct {
			id     int
			off    int64
			usable bool
			reason string
			lines  []int
		}
		var got []view
		for _, o := range offers {
			got = append(got, view{o.CouponID, o.DiscountFen, o.Usable, o.Reason, o.Lines})
			if o.CouponID == old.ID || o.CouponID == used.ID {
				t.Fatalf("offered %+v", o)
			}
		}
		want := []view{
			{huge.ID, 900, true, "", []int{2}},      // cut to what product 3 costs now
			{capped.ID, 800, true, "", []int{1, 2}}, // 50% of ¥27 capped at ¥8
			{anything.ID, 500, true, "", []int{0, 1, 2}},
			{tenPct.ID, 270, true, "", []int{0}}, // 10% of ¥27
			{exact.ID, 100, true, "", []int{1}},
		}
		if len(got) != 9 || !slices.EqualFunc(got[:5], want, func(a, b view) bool {
			return a.id == b.id && a.off == b.off && a.usable == b.usable && a.reason == b.reason && slices.Equal(a.lines, b.lines)
		}) {
			t.Fatalf("offers\n got %+v\nwant %+v first", got, want)
		}
		reasons := map[string]bool{}
		for _, o := range got[5:] {
			if o.usable || o.off != 0 || o.reason == "" {
				t.Fatalf("unusable offer %+v", o)
			}
			reasons[o.reason] = true
			if o.id == short.ID && o.reason != "还差 ¥12.00 可用" {
				t.Fatalf("below the threshold: %+v", o)
			}
		}
		for _, r := range []string{"不适用于本店", "还差 ¥12.00 可用", "购物车中没有适用的商品", "12月3日 12:00 起可用"} {
			if !reasons[r] {
				t.Fatalf("no offer says %q: %v", r, reasons)
			}
		}
		// Judging changes nothing in the quote.
		if q.CouponDiscountFen != 0 || q.NetFen() != 5400 {
			t.Fatalf("quote changed: %+v", q)
		}
	})
}

// TestCheckSaysWhy: Check accepts a usable coupon of the shopper's and
// refuses every other with 409 conflict and the reason's code.
func TestCheckSaysWhy(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		e := newEnv(t, db)
		me, other := e.shopper(), e.shopper()
		q := cart()
		check := func(id int) (coupons.Offer, error) {
			var o coupons.Offer
			err := e.inTx(func(tx *ent.Tx) (err error) {
				o, err = e.s.Check(e.ctx, tx, me, id, 7, q)
				return err
			})
			return o, err
		}
		good := e.issue(e.template(func(c *ent.CouponTemplateCreate) { c.SetStoreIds([]int{7, 9}) }), me)
		if o, err := check(good.ID); err != nil || !o.Usable || o.DiscountFen != 500 || o.Reason != "" {
			t.Fatalf("usable coupon: %+v %v", o, err)
		}
		cases := map[string]int{
			"not_yours": e.issue(e.template(nil), other).ID,
			"store":     e.issue(e.template(func(c *ent.CouponTemplateCreate) { c.SetStoreIds([]int{8}) }), me).ID,
			"scope":     e.issue(e.template(func(c *ent.CouponTemplateCreate) { c.SetProductIds([]int{42}) }), me).ID,
			"min_spend": e.issue(e.template(func(c *ent.CouponTemplateCreate) { c.SetMinSpendFen(6001) }), me).ID,
			"not_started": e.issue(e.template(func(c *ent.CouponTemplateCreate) {
				c.SetStartsAt(e.clock.Now().Add(time.Hour)).SetEndsAt(e.clock.Now().Add(2 * time.Hour))
			}), me).ID,
		}
		locked := e.issue(e.template(nil), me)
		if err := e.inTx(func(tx *ent.Tx) error { return e.s.Lock(e.ctx, tx, locked.ID, me, 501) }); err != nil {
			t.Fatal(err)
		}
		cases["not_unused"] = locked.ID
		for want, id := range cases {
			if _, err := check(id); reasonOf(t, err) != want {
				t.Fatalf("coupon %d: %v, want reason %s", id, err, want)
			}
		}
		if _, err := check(999999); reasonOf(t, err) != "not_yours" {
			t.Fatalf("unknown coupon: %v", err)
		}
		soon := e.issue(e.template(func(c *ent.CouponTemplateCreate) { c.SetValidDays(1) }), me)
		e.clock.Advance(24 * time.Hour)
		if _, err := check(soon.ID); reasonOf(t, err) != "expired" {
			t.Fatalf("expired coupon: %v", err)
		}
	})
}

// TestLockIsCompareAndSet: a coupon is locked by one order only; a second
// lock (another checkout racing) is a conflict and changes nothing, and so
// is locking another shopper's coupon.
func TestLockIsCompareAndSet(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		e := newEnv(t, db)
		me, other := e.shopper(), e.shopper()
		c := e.issue(e.template(nil), me)
		lock := func(shopperID, orderID int) error {
			return e.inTx(func(tx *ent.Tx) error { return e.s.Lock(e.ctx, tx, c.ID, shopperID, orderID) })
		}
		if err := lock(other, 70); reasonOf(t, err) != "not_unused" {
			t.Fatalf("another shopper's lock: %v", err)
		}
		if err := lock(me, 71); err != nil {
			t.Fatal(err)
		}
		if err := lock(me, 72); reasonOf(t, err) != "not_unused" {
			t.Fatalf("second lock: %v", err)
		}
		if got := e.coupon(c.ID); got.Status != coupon.StatusLocked || got.OrderID == nil || *got.OrderID != 71 {
			t.Fatalf("after two locks: %+v", got)
		}
		// Racing locks: exactly one wins.
		d := e.issue(e.template(nil), me)
		var wg sync.WaitGroup
		var mu sync.Mutex
		won := 0
		for i := range 8 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				err := e.inTx(func(tx *ent.Tx) error { return e.s.Lock(e.ctx, tx, d.ID, me, 100+i) })
				if err == nil {
					mu.Lock()
					won++
					mu.Unlock()
				} else if !errs.Is(err, errs.Conflict) {
					t.Errorf("lock: %v", err)
				}
			}()
		}
		wg.Wait()
		if won != 1 {
			t.Fatalf("%d racing locks won", won)
		}
	})
}

// TestOnMoveFollowsTheOrder: the coupon an order locked is used when the
// order is paid, unused again when it is cancelled (expired when past its
// validity), used by a late payment while still free, and given back (or
// expired) when the whole order is refunded. Other moves and other
// orders' coupons are left alone.
func TestOnMoveFollowsTheOrder(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		e := newEnv(t, db)
		me := e.shopper()
		tpl := e.template(func(c *ent.CouponTemplateCreate) { c.SetValidDays(2).SetPerShopper(10) })
		nextOrder := 1000
		// locked is a coupon locked by a new order.
		locked := func() (*ent.Coupon, int) {
			c := e.issue(tpl, me)
			nextOrder++
			id := nextOrder
			if err := e.inTx(func(tx *ent.Tx) error { return e.s.Lock(e.ctx, tx, c.ID, me, id) }); err != nil {
				t.Fatal(err)
			}
			return c, id
		}
		move := func(orderID int, from, to order.Status) {
			t.Helper()
			o := &ent.Order{ID: orderID, Status: to, ShopperID: me}
			if err := e.inTx(func(tx *ent.Tx) error { return e.s.OnMove(e.ctx, tx, o, from) }); err != nil {
				t.Fatal(err)
			}
		}
		status := func(c *ent.Coupon) coupon.Status { return e.coupon(c.ID).Status }

		paid, paidOrder := locked()
		bystander, _ := locked()
		move(paidOrder, order.StatusPendingPayment, order.StatusPaid)
		if got := e.coupon(paid.ID); got.Status != coupon.StatusUsed || got.UsedAt == nil || !got.UsedAt.Equal(e.clock.Now()) {
			t.Fatalf("paid: %+v", got)
		}
		if status(bystander) != coupon.StatusLocked {
			t.Fatal("another order's coupon moved")
		}
		move(paidOrder, order.StatusPaid, order.StatusReadyForPickup)
		if status(paid) != coupon.StatusUsed {
			t.Fatal("a move that is not about coupons changed one")
		}
		// The whole order refunded while the coupon is valid: back to unused.
		move(paidOrder, order.StatusRefunding, order.StatusRefunded)
		if got := e.coupon(paid.ID); got.Status != coupon.StatusUnused || got.UsedAt != nil {
			t.Fatalf("refunded: %+v", got)
		}

		cancelled, cancelledOrder := locked()
		move(cancelledOrder, order.StatusPendingPayment, order.StatusCancelled)
		if status(cancelled) != coupon.StatusUnused {
			t.Fatalf("cancelled: %s", status(cancelled))
		}
		// A late payment uses it again while it is free and valid.
		move(cancelledOrder, order.StatusCancelled, order.StatusPaid)
		if status(cancelled) != coupon.StatusUsed {
			t.Fatalf("paid late: %s", status(cancelled))
		}
		// ... but not once another order locked it.
		taken, takenOrder := locked()
		move(takenOrder, order.StatusPendingPayment, order.StatusCancelled)
		if err := e.inTx(func(tx *ent.Tx) error { return e.s.Lock(e.ctx, tx, taken.ID, me, 4242) }); err != nil {
			t.Fatal(err)
		}
		move(takenOrder, order.StatusCancelled, order.StatusPaid)
		if got := e.coupon(taken.ID); got.Status != coupon.StatusLocked || *got.OrderID != 4242 {
			t.Fatalf("late payment took a coupon another order holds: %+v", got)
		}

		// Past validity: a cancelled order's coupon expires, and so does a
		// refunded order's.
		late, lateOrder := locked()
		usedLate, usedLateOrder := locked()
		move(usedLateOrder, order.StatusPendingPayment, order.StatusPaid)
		e.clock.Advance(49 * time.Hour)
		move(lateOrder, order.StatusPendingPayment, order.StatusCancelled)
		move(usedLateOrder, order.StatusPaid, order.StatusRefunded)
		if status(late) != coupon.StatusExpired || status(usedLate) != coupon.StatusExpired {
			t.Fatalf("past validity: cancelled %s, refunded %s", status(late), status(usedLate))
		}
		// A late payment finds nothing to use then, and fails nothing.
		move(lateOrder, order.StatusCancelled, order.StatusPaid)
		if status(late) != coupon.StatusExpired {
			t.Fatalf("late payment of an expired coupon: %s", status(late))
		}
	})
}

// TestIssueLimitsAndRevoke: issuing holds the template's total and the
// shopper's limit; a refusal leaves the caller's transaction usable and
// the issued count unchanged; Revoke takes back unused coupons only.
func TestIssueLimitsAndRevoke(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		e := newEnv(t, db)
		me, other := e.shopper(), e.shopper()
		tpl := e.template(func(c *ent.CouponTemplateCreate) { c.SetTotal(3).SetPerShopper(2).SetClaimable(false) })
		a, b := e.issue(tpl, me), e.issue(tpl, me)
		if a.Seq != 0 || b.Seq != 1 || a.Source != coupon.SourceStaff {
			t.Fatalf("seqs %d %d", a.Seq, b.Seq)
		}
		// Over the shopper's limit inside a longer transaction: refused,
		// and the transaction carries on (PostgreSQL too).
		err := e.inTx(func(tx *ent.Tx) error {
			_, err := e.s.Issue(e.ctx, tx, tpl.ID, me, coupon.SourceReferral)
			if r := reasonOf(t, err); r != "limit" {
				t.Fatalf("third coupon: %v", err)
			}
			_, err = e.s.Issue(e.ctx, tx, tpl.ID, other, coupon.SourceReferral)
			return err
		})
		if err != nil {
			t.Fatalf("the transaction after a refusal: %v", err)
		}
		if got := db.Client.CouponTemplate.GetX(e.ctx, tpl.ID); got.Issued != 3 {
			t.Fatalf("issued %d, want 3", got.Issued)
		}
		third := e.shopper()
		err = e.inTx(func(tx *ent.Tx) error {
			_, err := e.s.Issue(e.ctx, tx, tpl.ID, third, coupon.SourceStaff)
			return err
		})
		if reasonOf(t, err) != "sold_out" {
			t.Fatalf("over the total: %v", err)
		}
		err = e.inTx(func(tx *ent.Tx) error {
			_, err := e.s.Issue(e.ctx, tx, tpl.ID, 99999, coupon.SourceStaff)
			return err
		})
		if !errs.Is(err, errs.NotFound) {
			t.Fatalf("unknown shopper: %v", err)
		}

		// Revoke: unused only, once.
		if err := e.inTx(func(tx *ent.Tx) error { return e.s.Lock(e.ctx, tx, b.ID, me, 9) }); err != nil {
			t.Fatal(err)
		}
		revoke := func(id int) bool {
			var ok bool
			if err := e.inTx(func(tx *ent.Tx) (err error) { ok, err = e.s.Revoke(e.ctx, tx, id); return err }); err != nil {
				t.Fatal(err)
			}
			return ok
		}
		if !revoke(a.ID) || revoke(a.ID) || revoke(b.ID) || revoke(123456) {
			t.Fatal("revoke: want true once for the unused coupon, false for the rest")
		}
		if e.coupon(a.ID).Status != coupon.StatusRevoked || e.coupon(b.ID).Status != coupon.StatusLocked {
			t.Fatal("revoke changed the wrong coupons")
		}
	})
}
