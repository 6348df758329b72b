package members

import (
	"context"
	"fmt"

	"wemart/ent"
	"wemart/ent/order"
	"wemart/ent/pointentry"
	"wemart/server/errs"
)

// OnMove keeps an order's points in step with its moves, in the move's tx:
//   - paid (from pending_payment, or a late payment of a cancelled order):
//     the order earns points, pending (kind earn);
//   - cancelled → paid also takes again the points the order had spent and
//     got back at its cancellation (respend; the balance may go negative);
//   - completed: what the order still has pending becomes available
//     (release);
//   - pending_payment → cancelled, or refunded (the whole order paid back):
//     the points spent on it come back (spend_return), as its coupon does;
//     a partial refund keeps them spent (the rest was bought with them).
//
// Each runs once per order whatever the retries. It fails only when the
// database does.
func (s *Service) OnMove(ctx context.Context, tx *ent.Tx, o *ent.Order, from order.Status) (err error) {
	defer errs.Op(&err, "members.OnMove")
	switch {
	case o.Status == order.StatusPaid && (from == order.StatusPendingPayment || from == order.StatusCancelled):
		if from == order.StatusCancelled {
			err := s.undo(ctx, tx, o, pointentry.KindSpendReturn, pointentry.KindRespend, "订单 %s 取消后付款，重新抵扣积分")
			if err != nil {
				return err
			}
		}
		return s.earn(ctx, tx, o)
	case o.Status == order.StatusCompleted:
		return s.release(ctx, tx, o)
	case o.Status == order.StatusCancelled && from == order.StatusPendingPayment:
		return s.undo(ctx, tx, o, pointentry.KindSpend, pointentry.KindSpendReturn, "订单 %s 已取消，退回抵扣积分")
	case o.Status == order.StatusRefunded:
		return s.returnSpent(ctx, tx, o)
	}
	return nil
}

// goodsFen is the part of an order's payment that earns points.
func goodsFen(o *ent.Order) int64 { return max(0, o.PayableFen-o.DeliveryFeeFen) }

// earned is what fen of goods paid earn.
func (s *Service) earned(fen int64) int64 { return max(0, fen) / 100 * s.rules.PointsPerYuan }

func (s *Service) earn(ctx context.Context, tx *ent.Tx, o *ent.Order) error {
	p := s.earned(goodsFen(o))
	if p == 0 {
		return nil
	}
	_, err := s.post(ctx, tx, entry{shopperID: o.ShopperID, kind: pointentry.KindEarn, refType: RefOrder, refID: o.ID,
		pending: p, orderID: &o.ID, note: fmt.Sprintf("订单 %s 已支付，订单完成后可用", o.OrderNo)})
	return err
}

// orderPoints is what the ledger holds about one of the shopper's orders.
type orderPoints struct {
	earned        int64 // pending points the payment earned
	pending       int64 // what is still pending
	clawedBack    int64 // taken back by refunds so far (positive)
	goodsRefunded int64 // the refunds' goods so far, in fen
	released      bool
	byKind        map[pointentry.Kind]*ent.PointEntry
}

func orderLedger(ctx context.Context, tx *ent.Tx, o *ent.Order) (orderPoints, error) {
	rows, err := tx.PointEntry.Query().
		Where(pointentry.OrderID(o.ID), pointentry.ShopperID(o.ShopperID)).All(ctx)
	if err != nil {
		return orderPoints{}, err
	}
	p := orderPoints{byKind: map[pointentry.Kind]*ent.PointEntry{}}
	for _, e := range rows {
		p.byKind[e.Kind] = e // one row per kind, except clawbacks (summed below)
		p.pending += e.PendingDelta
		switch e.Kind {
		case pointentry.KindEarn:
			p.earned = e.PendingDelta
		case pointentry.KindRelease:
			p.released = true
		case pointentry.KindClawback:
			p.clawedBack -= e.AvailableDelta + e.PendingDelta
			p.goodsRefunded += e.GoodsRefundedFen
		}
	}
	return p, nil
}

func (s *Service) release(ctx context.Context, tx *ent.Tx, o *ent.Order) error {
	if err := s.lock(ctx, tx, o.ShopperID); err != nil {
		return err
	}
	p, err := orderLedger(ctx, tx, o)
	if err != nil || p.released || p.pending <= 0 {
		return err
	}
	_, err = s.post(ctx, tx, entry{shopperID: o.ShopperID, kind: pointentry.KindRelease, refType: RefOrder, refID: o.ID,
		available: p.pending, pending: -p.pending, orderID: &o.ID, note: fmt.Sprintf("订单 %s 已完成，积分可用", o.OrderNo)})
	return err
}

// undo reverses the order's entry of kind done, if it has one, by an
// entry of kind kind (spend_return for a spend, respend for a
// spend_return).
func (s *Service) undo(ctx context.Context, tx *ent.Tx, o *ent.Order, done, kind pointentry.Kind, note string) error {
	p, err := orderLedger(ctx, tx, o)
	if err != nil {
		return err
	}
	e := p.byKind[done]
	if e == nil || e.AvailableDelta == 0 {
		return nil
	}
	_, err = s.post(ctx, tx, entry{shopperID: o.ShopperID, kind: kind, refType: RefOrder, refID: o.ID,
		available: -e.AvailableDelta, orderID: &o.ID, note: fmt.Sprintf(note, o.OrderNo)})
	return err
}

// returnSpent gives back what an order refunded in full still has spent:
// its spend, less what a cancellation returned, plus what a late payment
// took again.
func (s *Service) returnSpent(ctx context.Context, tx *ent.Tx, o *ent.Order) error {
	rows, err := tx.PointEntry.Query().Where(pointentry.OrderID(o.ID), pointentry.ShopperID(o.ShopperID),
		pointentry.KindIn(pointentry.KindSpend, pointentry.KindSpendReturn, pointentry.KindRespend)).All(ctx)
	if err != nil {
		return err
	}
	var net int64
	for _, e := range rows {
		net += e.AvailableDelta
	}
	if net >= 0 {
		return nil
	}
	_, err = s.post(ctx, tx, entry{shopperID: o.ShopperID, kind: pointentry.KindSpendReturn, refType: RefRefunded, refID: o.ID,
		available: -net, orderID: &o.ID, note: fmt.Sprintf("订单 %s 已全额退款，退回抵扣积分", o.OrderNo)})
	return err
}

// Refunded takes back the points of what refund refundID of order o
// returned, in the refund's tx (kind clawback, once per refund): the
// points the order earned, less what its goods still paid earn after all
// its refunds, less what earlier refunds took back. They come from pending
// while the order's points are pending, else from available (which may go
// below zero). goodsRefundedFen is the refund's amount less any delivery
// fee it covered.
func (s *Service) Refunded(ctx context.Context, tx *ent.Tx, o *ent.Order, refundID int, goodsRefundedFen int64) (err error) {
	defer errs.Op(&err, "members.Refunded")
	if err := s.lock(ctx, tx, o.ShopperID); err != nil {
		return err
	}
	p, err := orderLedger(ctx, tx, o)
	if err != nil || p.earned <= 0 {
		return err
	}
	refunded := p.goodsRefunded + max(0, goodsRefundedFen)
	keep := s.earned(goodsFen(o) - refunded)
	take := max(0, p.earned-keep-p.clawedBack)
	e := entry{shopperID: o.ShopperID, kind: pointentry.KindClawback, refType: RefRefund, refID: refundID,
		orderID: &o.ID, goodsRefundedFen: max(0, goodsRefundedFen), note: fmt.Sprintf("订单 %s 退款，扣回积分", o.OrderNo)}
	if p.released {
		e.available = -take
	} else {
		e.pending = -min(take, max(0, p.pending))
	}
	// Written even when it takes nothing: later refunds count its goods.
	_, err = s.post(ctx, tx, e)
	return err
}

// Award gives the shopper points for a referral: the invited shopper's
// order orderID (kind referral, once per order), available at once.
func (s *Service) Award(ctx context.Context, tx *ent.Tx, shopperID, orderID int, points int64) (err error) {
	defer errs.Op(&err, "members.Award")
	if points <= 0 {
		return nil
	}
	_, err = s.post(ctx, tx, entry{shopperID: shopperID, kind: pointentry.KindReferral, refType: RefOrder, refID: orderID,
		available: points, note: "邀请好友奖励"})
	return err
}

// Reverse takes back the referral points Award gave the shopper for order
// orderID (kind referral_clawback, once), even below zero; nothing when
// none were given.
func (s *Service) Reverse(ctx context.Context, tx *ent.Tx, shopperID, orderID int) (err error) {
	defer errs.Op(&err, "members.Reverse")
	given, err := tx.PointEntry.Query().Where(pointentry.KindEQ(pointentry.KindReferral),
		pointentry.RefType(RefOrder), pointentry.RefID(orderID), pointentry.ShopperID(shopperID)).Only(ctx)
	if ent.IsNotFound(err) {
		return nil
	}
	if err != nil {
		return err
	}
	_, err = s.post(ctx, tx, entry{shopperID: shopperID, kind: pointentry.KindReferralClawback, refType: RefOrder, refID: orderID,
		available: -given.AvailableDelta, note: "邀请奖励撤回（好友订单已退款）"})
	return err
}
