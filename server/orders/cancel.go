package orders

import (
	"context"
	"time"

	"wemart/ent"
	"wemart/ent/order"
	"wemart/ent/payment"
	"wemart/server/check"
	"wemart/server/errs"
	"wemart/server/storage"
	"wemart/server/wechat"
)

// expiryGrace is how long past its deadline an order waits for WeChat Pay to
// answer (a query, a close) before it is cancelled without an answer. A
// payment that turns up later still is not lost: see onPaid.
const expiryGrace = 5 * time.Minute

// Cancel cancels the shopper's unpaid order and releases its stock at once.
// The WeChat Pay transaction is closed first, so the shopper cannot pay for
// what was given up; if WeChat says it was paid meanwhile, the payment is
// recorded and the cancel refused.
func (s *Service) Cancel(ctx context.Context, shopperID, orderID int, reason string) (_ *ent.Order, err error) {
	defer errs.Op(&err, "orders.Cancel")
	var c check.Checker
	c.Text("reason", reason, false, 200)
	if err := c.Err(); err != nil {
		return nil, err
	}
	o, err := s.own(ctx, shopperID, orderID)
	if err != nil {
		return nil, err
	}
	if o.Status != order.StatusPendingPayment {
		msg := "order %d is %s and cannot be cancelled"
		if o.Status == order.StatusPaid || o.Status == order.StatusReadyForPickup {
			msg += "; ask for a refund instead"
		}
		return nil, errs.E(errs.Conflict, msg, o.ID, o.Status).With("status", o.Status)
	}
	if reason == "" {
		reason = "cancelled by the shopper"
	}
	p, err := s.payment(ctx, o)
	if err != nil {
		return nil, err
	}
	if err := s.abandon(ctx, o, p, ShopperActor(shopperID), reason, true); err != nil {
		return nil, err
	}
	return s.load(ctx, o.ID)
}

// expire cancels an unpaid order whose deadline passed, after asking WeChat
// Pay whether it was paid after all (a lost notification). It leaves the
// order alone while WeChat cannot tell, up to expiryGrace.
func (s *Service) expire(ctx context.Context, o *ent.Order) error {
	p, err := s.payment(ctx, o)
	if err != nil {
		return err
	}
	patient := s.now().Before(o.ExpiresAt.Add(expiryGrace))
	if p.PrepayID != nil {
		t, err := s.query(ctx, o)
		switch {
		case err == nil && t.TradeState == wechat.TradeSuccess:
			return nil // recorded as paid by query
		case err == nil && t.TradeState == wechat.TradePaying && patient:
			return nil // the shopper is confirming right now: look again next sweep
		case err != nil && wechat.CodeOf(err) != "ORDER_NOT_EXIST" && patient:
			s.log.Warn("cannot expire an order yet: WeChat Pay query failed", "order", o.OrderNo, "error", err)
			return nil
		}
	}
	return s.abandon(ctx, o, p, System, "expired unpaid", false)
}

// abandon closes the order's WeChat Pay transaction (if one was started),
// then cancels the order and releases its stock in one transaction. When
// WeChat cannot be reached the order is cancelled anyway and its payment
// left pending: the sweeper keeps asking WeChat until it is closed or a
// late payment is recorded.
func (s *Service) abandon(ctx context.Context, o *ent.Order, p *ent.Payment, by Actor, reason string, strict bool) error {
	closed := p.PrepayID == nil
	if !closed {
		var err error
		closed, err = s.closeAtWeChat(ctx, o)
		if err != nil {
			return err
		}
	}
	err := storage.WithTx(ctx, s.client, func(tx *ent.Tx) error {
		full, err := tx.Order.Query().Where(order.ID(o.ID)).WithItems().Only(ctx)
		if err != nil {
			return err
		}
		now := s.now().UTC()
		if err := s.transitionThen(ctx, tx, full, order.StatusCancelled, by, reason, func(u *ent.OrderUpdate) {
			u.SetCancelledAt(now).SetCancelReason(reason)
		}, func() error {
			return s.inv.Release(ctx, tx, by.stockActor(), full.StoreID, full.ID, lines(full.Edges.Items), reason)
		}); err != nil {
			return err
		}
		if !closed {
			return nil
		}
		return tx.Payment.Update().Where(payment.ID(p.ID), payment.StatusEQ(payment.StatusPending)).
			SetStatus(payment.StatusClosed).SetTradeState(wechat.TradeClosed).Exec(ctx)
	})
	if errs.Is(err, errs.Conflict) && !strict {
		return nil // someone else moved it first (another sweeper, a payment): fine
	}
	return err
}

// closeAtWeChat closes the order's WeChat Pay transaction so it can no
// longer be paid. closed is false when WeChat could not be reached; a
// transaction WeChat reports paid is recorded and answered with conflict.
func (s *Service) closeAtWeChat(ctx context.Context, o *ent.Order) (closed bool, err error) {
	err = s.pay.Close(ctx, o.OrderNo)
	switch code := wechat.CodeOf(err); {
	case err == nil, code == "ORDER_NOT_EXIST", code == "ORDER_CLOSED":
		return true, nil
	case code == "ORDERPAID":
		if _, err := s.query(ctx, o); err != nil {
			return false, err
		}
		return false, errs.E(errs.Conflict, "order %d was paid meanwhile", o.ID).With("status", order.StatusPaid)
	default:
		s.log.Warn("could not close a WeChat Pay transaction; cancelling anyway, the sweeper will follow up",
			"order", o.OrderNo, "error", err)
		return false, nil
	}
}

// followUp settles the WeChat side of an order cancelled while WeChat Pay
// could not be reached: a payment made meanwhile is recorded (and handled
// like any late payment), otherwise the transaction is closed.
func (s *Service) followUp(ctx context.Context, o *ent.Order) error {
	t, err := s.query(ctx, o)
	code := wechat.CodeOf(err)
	switch {
	case err != nil && code != "ORDER_NOT_EXIST":
		return err
	case err == nil && t.TradeState == wechat.TradeSuccess:
		return nil // recorded by query
	case err == nil && t.TradeState == wechat.TradePaying:
		return nil
	}
	closed := code == "ORDER_NOT_EXIST" || t.TradeState == wechat.TradeClosed
	if !closed {
		if closed, err = s.closeAtWeChat(ctx, o); err != nil || !closed {
			return err
		}
	}
	return s.client.Payment.Update().
		Where(payment.OrderID(o.ID), payment.OutTradeNo(o.OrderNo), payment.StatusEQ(payment.StatusPending)).
		SetStatus(payment.StatusClosed).SetTradeState(wechat.TradeClosed).Exec(ctx)
}

// payment is the order's WeChat Pay transaction (from its loaded edges
// when it has them: the caller may then update it in place).
func (s *Service) payment(ctx context.Context, o *ent.Order) (*ent.Payment, error) {
	for _, p := range o.Edges.Payments {
		if p.OutTradeNo == o.OrderNo {
			return p, nil
		}
	}
	return s.client.Payment.Query().Where(payment.OrderID(o.ID), payment.OutTradeNo(o.OrderNo)).Only(ctx)
}
