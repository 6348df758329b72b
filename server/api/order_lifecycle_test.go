package api_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"wemart/ent/order"
	"wemart/server/apitest"
	"wemart/server/storage"
	"wemart/server/storage/storagetest"
	"wemart/server/wechat/sandbox"
)

// past is far enough beyond an order's expiry (15 minutes) and the grace
// the sweeper gives WeChat to answer (5 minutes).
const past = 21 * time.Minute

// TestUnpaidOrdersExpire: past its deadline an unpaid order is cancelled by
// the sweeper, its stock released and its WeChat Pay transaction closed, so
// the shopper can no longer pay it.
func TestUnpaidOrdersExpire(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		clock := apitest.NewClock(time.Now())
		s := newShop(t, db, apitest.WithClock(clock))
		a := s.mustOrder(s.milk, 3)
		s.sweep() // not yet due
		s.wantStatus(a.Order.ID, order.StatusPendingPayment)
		s.wantLevel(s.milk, 10, 3)

		clock.Advance(16 * time.Minute)
		s.h.Do("POST", apitest.Path("/api/v1/orders/%d/pay", a.Order.ID), s.shopper.Token, nil).Fails(http.StatusConflict, "conflict")
		s.sweep()
		o := s.wantStatus(a.Order.ID, order.StatusCancelled)
		if o.statuses() != "pending_payment>cancelled" || o.Timeline[1].Actor != "system" || o.CancelReason != "expired unpaid" {
			t.Fatalf("expired order %+v", o)
		}
		s.wantLevel(s.milk, 10, 0)
		if state, _, _ := s.h.App.WeChat.Sandbox.Transaction(a.Order.OrderNo); state != sandbox.StateClosed {
			t.Fatalf("WeChat transaction is %s, want CLOSED", state)
		}
		s.h.Do("POST", "/sandbox/pay", "", map[string]string{"prepay_id": a.Payment.prepayID()}).Fails(http.StatusConflict, "conflict")
		s.sweep() // nothing left to do, nothing changes
		if o := s.order(a.Order.ID); o.statuses() != "pending_payment>cancelled" {
			t.Fatalf("timeline after a second sweep: %s", o.statuses())
		}
		s.ledgerReplays()
	})
}

// TestExpiryFindsAMissedPayment: the shopper paid but the notification was
// lost and the shopper never looked again; before expiring the order the
// sweeper asks WeChat Pay, which says paid, so the order is paid, not
// cancelled.
func TestExpiryFindsAMissedPayment(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		clock := apitest.NewClock(time.Now())
		s := newShop(t, db, apitest.WithClock(clock))
		a := s.mustOrder(s.milk, 2, s.bread, 1)
		s.pay(a.Payment.prepayID(), false) // paid at WeChat, never notified
		// Not the shopper's read: that would ask WeChat Pay itself
		// (TestReadConfirmsPayment); here nobody reads until the sweep.
		if o, err := db.Client.Order.Get(context.Background(), a.Order.ID); err != nil || o.Status != order.StatusPendingPayment {
			t.Fatalf("before the sweep: %v %v, want pending_payment", o, err)
		}
		clock.Advance(16 * time.Minute)
		s.sweep()
		o := s.wantStatus(a.Order.ID, order.StatusPaid)
		if o.Payment == nil || o.Payment.Status != "paid" || o.Timeline[1].Actor != "wechat" {
			t.Fatalf("reconciled order %+v", o)
		}
		s.wantLevel(s.milk, 8, 0)
		s.wantLevel(s.bread, 4, 0)
		s.ledgerReplays()
	})
}

// TestPaymentAfterCancellationIsNeverLost: WeChat Pay could not close the
// transaction when the order expired, so the order was cancelled anyway and
// its stock released; then the shopper pays. With the stock still there
// the order is paid after all; with it gone, the money goes back by itself.
func TestPaymentAfterCancellationIsNeverLost(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		clock := apitest.NewClock(time.Now())
		s := newShop(t, db, apitest.WithClock(clock))
		sb := s.h.App.WeChat.Sandbox

		// 1. Stock still there: re-reserved and paid.
		kept := s.mustOrder(s.milk, 4)
		clock.Advance(past)
		// WeChat is down for the sweep: the expiry's query and close fail, and
		// so does the follow-up's close in the same sweep.
		sb.Fail(sandbox.OpQuery, 1, 500, "SYSTEM_ERROR")
		sb.Fail(sandbox.OpClose, 2, 500, "SYSTEM_ERROR")
		s.sweep()
		s.wantStatus(kept.Order.ID, order.StatusCancelled)
		s.wantLevel(s.milk, 10, 0)
		s.pay(kept.Payment.prepayID(), true)
		o := s.wantStatus(kept.Order.ID, order.StatusPaid)
		if o.statuses() != "pending_payment>cancelled>paid" || !strings.Contains(o.Timeline[2].Note, "after the order was cancelled") {
			t.Fatalf("late payment, stock kept: %s %q", o.statuses(), o.Timeline[2].Note)
		}
		s.wantLevel(s.milk, 6, 0)

		// 2. Stock gone: refunded automatically, and the timeline says why.
		gone := s.mustOrder(s.bread, 2)
		clock.Advance(past)
		sb.Fail(sandbox.OpClose, 2, 500, "SYSTEM_ERROR")
		s.sweep()
		s.wantStatus(gone.Order.ID, order.StatusCancelled)
		s.setStock(s.bread, 1) // the shelf was counted: one left
		s.pay(gone.Payment.prepayID(), true)
		o = s.eventuallyStatus(gone.Order.ID, order.StatusRefunded)
		if o.statuses() != "pending_payment>cancelled>refunding>refunded" || len(o.Refunds) != 1 ||
			o.Refunds[0].Initiator != "system" || o.Refunds[0].AmountFen != 2*breadFen || o.RefundedFen != 2*breadFen {
			t.Fatalf("late payment, stock gone: %s %+v", o.statuses(), o.Refunds)
		}
		if !strings.Contains(o.Timeline[2].Note, "stock is gone") {
			t.Fatalf("the timeline does not say why: %q", o.Timeline[2].Note)
		}
		s.wantLevel(s.bread, 1, 0)
		s.wantSales(s.bread, 0) // refunded, never sold: no sales either way
		s.ledgerReplays()

		// 3. A cancellation WeChat could not confirm is followed up: the
		// sweeper closes the transaction later, and then it cannot be paid.
		late := s.mustOrder(s.bread, 1)
		sb.Fail(sandbox.OpClose, 1, 500, "SYSTEM_ERROR")
		s.h.Do("POST", apitest.Path("/api/v1/orders/%d/cancel", late.Order.ID), s.shopper.Token, nil).OK(http.StatusOK, nil)
		if state, _, _ := sb.Transaction(late.Order.OrderNo); state != sandbox.StateNotPay {
			t.Fatalf("transaction is %s before the follow-up", state)
		}
		s.sweep()
		if state, _, _ := sb.Transaction(late.Order.OrderNo); state != sandbox.StateClosed {
			t.Fatalf("transaction is %s after the follow-up, want CLOSED", state)
		}
		if o := s.order(late.Order.ID); o.Payment == nil || o.Payment.Status != "closed" {
			t.Fatalf("payment after the follow-up: %+v", o.Payment)
		}
		s.h.Do("POST", "/sandbox/pay", "", map[string]string{"prepay_id": late.Payment.prepayID()}).Fails(http.StatusConflict, "conflict")
	})
}

// TestShopperCancel: cancelling an unpaid order releases its stock at once
// and closes its WeChat transaction; cancelling twice, or a paid order, is
// a conflict.
func TestShopperCancel(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		s := newShop(t, db)
		h, tok := s.h, s.shopper.Token
		a := s.mustOrder(s.milk, 2, s.bread, 5)
		s.wantLevel(s.bread, 5, 5)
		var o orderView
		reason := strings.Repeat("买", 200) // 200 characters, 600 bytes: the limit counts characters
		h.Do("POST", apitest.Path("/api/v1/orders/%d/cancel", a.Order.ID), tok, map[string]string{"reason": reason}).OK(http.StatusOK, &o)
		if o.Status != "cancelled" || o.CancelReason != reason || o.Timeline[1].Actor != "shopper" {
			t.Fatalf("cancelled order %+v", o)
		}
		s.wantLevel(s.milk, 10, 0)
		s.wantLevel(s.bread, 5, 0)
		h.Do("POST", apitest.Path("/api/v1/orders/%d/cancel", a.Order.ID), tok, nil).Fails(http.StatusConflict, "conflict")
		h.Do("POST", "/sandbox/pay", "", map[string]string{"prepay_id": a.Payment.prepayID()}).Fails(http.StatusConflict, "conflict")

		// Paid in the cashier while the shopper hits cancel: WeChat refuses to
		// close, the payment is recorded, the cancel is refused.
		b := s.mustOrder(s.milk, 1)
		s.pay(b.Payment.prepayID(), false)
		h.Do("POST", apitest.Path("/api/v1/orders/%d/cancel", b.Order.ID), tok, nil).Fails(http.StatusConflict, "conflict")
		s.wantStatus(b.Order.ID, order.StatusPaid)
		s.wantLevel(s.milk, 9, 0)

		h.Do("POST", apitest.Path("/api/v1/orders/%d/cancel", b.Order.ID), tok, `{"reason": 5}`).Fails(http.StatusBadRequest, "invalid_argument")
		h.Do("POST", apitest.Path("/api/v1/orders/%d/cancel", b.Order.ID), tok, map[string]string{"reason": strings.Repeat("长", 201)}).
			Fails(http.StatusBadRequest, "invalid_argument")
		h.Do("POST", "/api/v1/orders/999999/cancel", tok, nil).Fails(http.StatusNotFound, "not_found")
		s.ledgerReplays()
	})
}

// TestRefunds: a paid order's refund is requested by the shopper and
// reviewed by staff; rejected, the order goes back; approved, WeChat Pay
// pays it back and its notification finishes it, units that never left the
// store returning to the shelf. A refund may cover some lines only.
func TestRefunds(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		s := newShop(t, db)
		h, tok := s.h, s.shopper.Token
		a := s.mustOrder(s.milk, 2, s.bread, 1)
		refund := func(body any) *apitest.Response {
			return h.Do("POST", apitest.Path("/api/v1/orders/%d/refund", a.Order.ID), tok, body)
		}
		refund(map[string]string{"reason": "不要了"}).Fails(http.StatusConflict, "conflict") // not paid yet
		s.pay(a.Payment.prepayID(), true)
		s.wantLevel(s.milk, 8, 0)

		refund(map[string]string{}).Fails(http.StatusBadRequest, "invalid_argument") // a reason is required
		var o orderView
		refund(map[string]string{"reason": "不要了"}).OK(http.StatusOK, &o)
		if o.Status != "refunding" || len(o.Refunds) != 1 || o.Refunds[0].Status != "requested" || o.Refunds[0].AmountFen != o.PayableFen {
			t.Fatalf("refund requested: %+v", o)
		}
		refund(map[string]string{"reason": "again"}).Fails(http.StatusConflict, "conflict")

		// A clerk may read the order but not decide refunds.
		_, clerk := mustStaff(t, h, "clerk-"+t.Name(), "clerk", &s.store.ID)
		h.Do("GET", apitest.Path("/admin/v1/orders/%d", a.Order.ID), clerk, nil).OK(http.StatusOK, nil)
		h.Do("POST", apitest.Path("/admin/v1/orders/%d/refund/approve", a.Order.ID), clerk, nil).Fails(http.StatusForbidden, "permission_denied")

		approve := apitest.Path("/admin/v1/orders/%d/refund/approve", a.Order.ID)
		reject := apitest.Path("/admin/v1/orders/%d/refund/reject", a.Order.ID)
		h.Do("POST", reject, h.AdminToken, map[string]string{}).Fails(http.StatusBadRequest, "invalid_argument")
		h.Do("POST", reject, h.AdminToken, map[string]string{"note": "已过退货期"}).OK(http.StatusOK, &o)
		if o.Status != "paid" || o.Refunds[0].Status != "rejected" {
			t.Fatalf("after rejection: %+v", o)
		}
		h.Do("POST", approve, h.AdminToken, nil).Fails(http.StatusConflict, "conflict") // nothing to review

		// One carton of milk back: a partial refund.
		milkLine := o.Items[0].ID
		if o.Items[0].SkuID != s.milk {
			milkLine = o.Items[1].ID
		}
		refund(map[string]any{"reason": "一盒破了", "items": []map[string]int{{"order_item_id": milkLine, "quantity": 3}}}).
			Fails(http.StatusBadRequest, "invalid_argument") // more than bought
		refund(map[string]any{"reason": "一盒破了", "items": []map[string]int{{"order_item_id": milkLine, "quantity": 1}}}).OK(http.StatusOK, &o)
		if o.Refunds[1].AmountFen != milkFen {
			t.Fatalf("partial refund amount %d", o.Refunds[1].AmountFen)
		}
		h.Do("POST", approve, h.AdminToken, map[string]string{"note": "同意"}).OK(http.StatusOK, nil)
		o = s.eventuallyStatus(a.Order.ID, order.StatusPaid)
		if o.RefundedFen != milkFen || o.Refunds[1].Status != "succeeded" {
			t.Fatalf("after the partial refund: %+v", o)
		}
		s.wantLevel(s.milk, 9, 0) // the refunded carton is back on the shelf
		s.wantSales(s.milk, 1)    // and no longer counts as sold
		s.wantSales(s.bread, 1)

		// The rest: everything not refunded yet.
		refund(map[string]string{"reason": "都不要了"}).OK(http.StatusOK, &o)
		if want := o.PayableFen - milkFen; o.Refunds[2].AmountFen != want {
			t.Fatalf("refund of the rest: %d, want %d", o.Refunds[2].AmountFen, want)
		}
		h.Do("POST", approve, h.AdminToken, nil).OK(http.StatusOK, nil)
		o = s.eventuallyStatus(a.Order.ID, order.StatusRefunded)
		if o.RefundedFen != o.PayableFen {
			t.Fatalf("refunded %d of %d", o.RefundedFen, o.PayableFen)
		}
		for _, it := range o.Items {
			if it.RefundedQuantity != it.Quantity {
				t.Fatalf("line %+v not fully refunded", it)
			}
		}
		s.wantLevel(s.milk, 10, 0)
		s.wantLevel(s.bread, 5, 0)
		s.wantSales(s.milk, 0)
		s.wantSales(s.bread, 0)
		refund(map[string]string{"reason": "再退"}).Fails(http.StatusConflict, "conflict")
		s.ledgerReplays()
	})
}

// TestRefundsWeChatCannotTake: a refund WeChat Pay refuses fails and the
// order goes back to where it was (nothing stuck in refunding), so it can be
// asked for again; one WeChat cannot take now is retried by the sweeper; and
// goods are never handed over while their refund is pending.
func TestRefundsWeChatCannotTake(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		clock := apitest.NewClock(time.Now())
		s := newShop(t, db, apitest.WithClock(clock))
		h, tok, sb := s.h, s.shopper.Token, s.h.App.WeChat.Sandbox
		a := s.mustOrder(s.milk, 2)
		s.pay(a.Payment.prepayID(), true)
		refund := apitest.Path("/api/v1/orders/%d/refund", a.Order.ID)
		approve := apitest.Path("/admin/v1/orders/%d/refund/approve", a.Order.ID)
		h.Do("POST", refund, tok, map[string]string{"reason": "不想要了"}).OK(http.StatusOK, nil)

		// No handing over while the money is on its way back.
		h.Do("POST", apitest.Path("/admin/v1/orders/%d/ready", a.Order.ID), h.AdminToken, nil).Fails(http.StatusConflict, "conflict")
		code := *db.Client.Order.GetX(context.Background(), a.Order.ID).PickupCode // the right code, even
		h.Do("POST", apitest.Path("/admin/v1/orders/%d/picked-up", a.Order.ID), h.AdminToken,
			map[string]string{"pickup_code": code}).Fails(http.StatusConflict, "conflict")
		var o orderView
		s.wantStatus(a.Order.ID, order.StatusRefunding)

		// WeChat refuses: the refund fails, the order is paid again, and says why.
		sb.Fail(sandbox.OpRefund, 1, http.StatusForbidden, "USER_ACCOUNT_ABNORMAL")
		h.Do("POST", approve, h.AdminToken, nil).OK(http.StatusOK, &o)
		if o.Status != "paid" || o.Refunds[0].Status != "failed" || !strings.Contains(o.Timeline[len(o.Timeline)-1].Note, "failed") {
			t.Fatalf("after a refused refund: %s %+v", o.statuses(), o.Refunds)
		}
		s.wantLevel(s.milk, 8, 0)

		// Asked again, WeChat is down: the refund waits, the sweeper retries it.
		h.Do("POST", refund, tok, map[string]string{"reason": "再试一次"}).OK(http.StatusOK, nil)
		sb.Fail(sandbox.OpRefund, 1, http.StatusInternalServerError, "SYSTEM_ERROR")
		h.Do("POST", approve, h.AdminToken, nil).OK(http.StatusOK, &o)
		if o.Status != "refunding" || o.Refunds[1].Status != "processing" {
			t.Fatalf("after WeChat was down: %s %+v", o.statuses(), o.Refunds)
		}
		s.sweep() // too soon to retry
		if got := s.order(a.Order.ID); got.Status != "refunding" {
			t.Fatalf("retried too soon: %s", got.statuses())
		}
		clock.Advance(time.Minute)
		s.sweep()
		o = s.eventuallyStatus(a.Order.ID, order.StatusRefunded)
		if o.RefundedFen != o.PayableFen {
			t.Fatalf("refunded %d of %d", o.RefundedFen, o.PayableFen)
		}
		s.wantLevel(s.milk, 10, 0)
		s.ledgerReplays()
	})
}

// TestLatePaymentRefundRefused: the automatic refund of a late payment is
// refused by WeChat; the order goes back to cancelled with the money held,
// and staff refund it by hand.
func TestLatePaymentRefundRefused(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		clock := apitest.NewClock(time.Now())
		s := newShop(t, db, apitest.WithClock(clock))
		h, sb := s.h, s.h.App.WeChat.Sandbox
		a := s.mustOrder(s.bread, 5)
		clock.Advance(past)
		sb.Fail(sandbox.OpClose, 2, 500, "SYSTEM_ERROR")
		s.sweep()
		s.setStock(s.bread, 0)
		sb.Fail(sandbox.OpRefund, 1, http.StatusForbidden, "USER_ACCOUNT_ABNORMAL")
		s.pay(a.Payment.prepayID(), true)
		deadline := time.Now().Add(10 * time.Second)
		for s.order(a.Order.ID).statuses() != "pending_payment>cancelled>refunding>cancelled" {
			if time.Now().After(deadline) {
				t.Fatalf("timeline %s", s.order(a.Order.ID).statuses())
			}
			time.Sleep(10 * time.Millisecond)
		}
		o := s.order(a.Order.ID)
		if o.Payment == nil || o.Payment.Status != "paid" || o.Refunds[0].Status != "failed" {
			t.Fatalf("held money: %+v %+v", o.Payment, o.Refunds)
		}
		// A clerk may not refund; an admin may, at once.
		_, clerk := mustStaff(t, h, "clerk-"+t.Name(), "clerk", &s.store.ID)
		staffRefund := apitest.Path("/admin/v1/orders/%d/refund", a.Order.ID)
		h.Do("POST", staffRefund, clerk, map[string]string{"reason": "退回迟到的付款"}).Fails(http.StatusForbidden, "permission_denied")
		h.Do("POST", staffRefund, h.AdminToken, map[string]string{}).Fails(http.StatusBadRequest, "invalid_argument")
		h.Do("POST", staffRefund, h.AdminToken, map[string]string{"reason": "退回迟到的付款"}).OK(http.StatusOK, nil)
		o = s.eventuallyStatus(a.Order.ID, order.StatusRefunded)
		if o.RefundedFen != 5*breadFen || o.Refunds[1].Initiator != "staff" {
			t.Fatalf("staff refund: %+v", o.Refunds)
		}
		// An unpaid order cannot be refunded by staff either.
		b := s.mustOrder(s.milk, 1)
		h.Do("POST", apitest.Path("/admin/v1/orders/%d/refund", b.Order.ID), h.AdminToken,
			map[string]string{"reason": "x"}).Fails(http.StatusConflict, "conflict")
		s.ledgerReplays()
	})
}

// TestRefundsWeChatClosesOrFindsAbnormal: WeChat Pay accepts a refund and
// later reports it CLOSED or ABNORMAL (by notification, or, when that is
// lost, to the sweeper's query). Either way it is a failed refund like one
// WeChat refuses: the order returns to where it was with the reason on its
// timeline, and staff can refund again.
func TestRefundsWeChatClosesOrFindsAbnormal(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		clock := apitest.NewClock(time.Now())
		s := newShop(t, db, apitest.WithClock(clock))
		h, tok, sb := s.h, s.shopper.Token, s.h.App.WeChat.Sandbox
		fault := func(op string, count int) {
			var f struct{ Code string }
			h.Do("POST", "/sandbox/faults", "", map[string]any{"op": op, "count": count}).OK(http.StatusOK, &f)
		}
		failedAndBack := func(id int, status order.Status, why string) orderView {
			t.Helper()
			o := s.order(id)
			last := o.Timeline[len(o.Timeline)-1]
			if o.Status != string(status) || o.Refunds[len(o.Refunds)-1].Status != "failed" ||
				!strings.Contains(last.Note, "failed") || !strings.Contains(last.Note, why) || last.Actor != "wechat" {
				t.Fatalf("after a %s refund: %s %+v, last note %q", why, o.statuses(), o.Refunds, last.Note)
			}
			return o
		}

		// CLOSED, told by the refund notification.
		a := s.mustOrder(s.milk, 2)
		s.pay(a.Payment.prepayID(), true)
		fault(sandbox.OpRefundClosed, 1)
		h.Do("POST", apitest.Path("/api/v1/orders/%d/refund", a.Order.ID), tok, map[string]string{"reason": "不想要了"}).OK(http.StatusOK, nil)
		h.Do("POST", apitest.Path("/admin/v1/orders/%d/refund/approve", a.Order.ID), h.AdminToken, nil).OK(http.StatusOK, nil)
		s.eventuallyStatus(a.Order.ID, order.StatusPaid)
		failedAndBack(a.Order.ID, order.StatusPaid, "CLOSED")
		s.wantLevel(s.milk, 8, 0) // nothing came back to the shelf
		h.Do("POST", apitest.Path("/admin/v1/orders/%d/refund", a.Order.ID), h.AdminToken, map[string]string{"reason": "再退一次"}).OK(http.StatusOK, nil)
		if o := s.eventuallyStatus(a.Order.ID, order.StatusRefunded); o.RefundedFen != o.PayableFen {
			t.Fatalf("refunded %d of %d", o.RefundedFen, o.PayableFen)
		}
		s.wantLevel(s.milk, 10, 0)

		// ABNORMAL, with its notification lost: the sweeper asks WeChat Pay.
		b := s.mustOrder(s.bread, 1)
		s.pay(b.Payment.prepayID(), true)
		fault(sandbox.OpRefundAbnormal, 1)
		fault(sandbox.OpNotify, 1000)
		h.Do("POST", apitest.Path("/admin/v1/orders/%d/refund", b.Order.ID), h.AdminToken, map[string]string{"reason": "缺货"}).OK(http.StatusOK, nil)
		refundNo := b.Order.OrderNo + "R1"
		deadline := time.Now().Add(10 * time.Second)
		for st, _ := sb.RefundStatus(refundNo); st != "ABNORMAL"; st, _ = sb.RefundStatus(refundNo) {
			if time.Now().After(deadline) {
				t.Fatalf("the sandbox's refund is %s", st)
			}
			time.Sleep(5 * time.Millisecond)
		}
		s.wantStatus(b.Order.ID, order.StatusRefunding) // no notification came
		clock.Advance(2 * time.Minute)
		s.sweep()
		failedAndBack(b.Order.ID, order.StatusPaid, "ABNORMAL")
		fault(sandbox.OpNotify, 0)
		s.ledgerReplays()
	})
}
