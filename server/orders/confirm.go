package orders

import (
	"context"
	"time"

	"wemart/ent"
	"wemart/ent/order"
	"wemart/ent/payment"
)

// ConfirmEvery is how often a shopper's reads of an unpaid order may ask
// WeChat Pay about its payment (payment confirmation on read).
const ConfirmEvery = 3 * time.Second

// confirmOnRead asks WeChat Pay about o's payment when o is unpaid, its
// payment was started (a prepay exists), and no read asked in the last
// ConfirmEvery: after wx.requestPayment succeeds the mini program re-reads the
// order, and a notification that is late or lost must not leave a paid
// shopper looking at an unpaid order. The claim is a compare-and-set on the
// payment's checked_at, so reads in any number of processes ask at most once
// per interval. A WeChat failure is logged, not returned: the order is
// answered as stored, and the sweeper and the notification still come.
func (s *Service) confirmOnRead(ctx context.Context, o *ent.Order) {
	if o.Status != order.StatusPendingPayment {
		return
	}
	now := s.now().UTC()
	n, err := s.client.Payment.Update().
		Where(payment.OrderID(o.ID), payment.StatusEQ(payment.StatusPending), payment.PrepayIDNotNil(),
			payment.Or(payment.CheckedAtIsNil(), payment.CheckedAtLTE(now.Add(-ConfirmEvery)))).
		SetCheckedAt(now).Save(ctx)
	if err != nil || n == 0 {
		if err != nil {
			s.log.Warn("payment confirmation on read: claim", "order", o.OrderNo, "error", err)
		}
		return
	}
	if _, err := s.query(ctx, o); err != nil {
		s.log.Warn("payment confirmation on read: WeChat Pay query", "order", o.OrderNo, "error", err)
	}
}
