// Package payments records what WeChat Pay says happened to wemart's money:
// a payment notification (or a query during reconciliation) marks a payment
// paid, a refund notification marks a refund done. Each is checked against
// what we asked WeChat for (the out_trade_no exists, the amount and payer
// match) and applied by compare-and-set, so a repeated notification changes
// nothing. What a paid payment means for its order is the Hooks' business.
package payments

import (
	"context"
	"log/slog"
	"time"

	"wemart/ent"
	"wemart/ent/payment"
	"wemart/ent/refund"
	"wemart/server/errs"
	"wemart/server/storage"
	"wemart/server/wechat"
)

// Hooks run inside the transaction that records a payment or a refund, so
// the order's side of it commits (or fails) together with the record.
type Hooks struct {
	// Paid runs when a payment first becomes paid.
	Paid func(ctx context.Context, tx *ent.Tx, p *ent.Payment) error
	// Refunded runs when a refund first succeeds.
	Refunded func(ctx context.Context, tx *ent.Tx, r *ent.Refund) error
	// RefundFailed runs when WeChat Pay reports a refund closed or abnormal.
	RefundFailed func(ctx context.Context, tx *ent.Tx, r *ent.Refund) error
}

// Service records payments and refunds.
type Service struct {
	client *ent.Client
	log    *slog.Logger
	hooks  Hooks
}

// New returns a Service.
func New(client *ent.Client, log *slog.Logger, hooks Hooks) *Service {
	return &Service{client: client, log: log, hooks: hooks}
}

// Paid applies a transaction WeChat Pay reports as paid. It returns nil for
// a payment already recorded (a duplicate notification), not_found for an
// out_trade_no we never sent, and invalid_argument when the amount or payer
// differ from ours (never applied: someone is lying or something is broken).
func (s *Service) Paid(ctx context.Context, t wechat.Transaction) (err error) {
	defer errs.Op(&err, "payments.Paid")
	if t.TradeState != wechat.TradeSuccess {
		return errs.E(errs.Invalid, "trade_state is %s, not SUCCESS", t.TradeState)
	}
	if t.TransactionID == "" {
		return errs.E(errs.Invalid, "the transaction has no transaction_id")
	}
	return storage.WithTx(ctx, s.client, func(tx *ent.Tx) error {
		p, err := tx.Payment.Query().Where(payment.OutTradeNo(t.OutTradeNo)).Only(ctx)
		if ent.IsNotFound(err) {
			return errs.E(errs.NotFound, "no payment has out_trade_no %q", t.OutTradeNo)
		}
		if err != nil {
			return err
		}
		if t.TotalFen != p.AmountFen || t.OpenID != p.PayerOpenid {
			s.log.Error("payment notification does not match our payment: not applied",
				"out_trade_no", t.OutTradeNo, "notified_fen", t.TotalFen, "expected_fen", p.AmountFen,
				"payer_matches", t.OpenID == p.PayerOpenid)
			return errs.E(errs.Invalid, "amount or payer of %s differ from the order", t.OutTradeNo)
		}
		if p.Status == payment.StatusPaid {
			if p.TransactionID == nil || *p.TransactionID != t.TransactionID {
				s.log.Error("a second transaction for a paid payment", "out_trade_no", t.OutTradeNo,
					"recorded", p.TransactionID, "notified", t.TransactionID)
			}
			return nil // a duplicate: already recorded, nothing changes
		}
		paidAt := t.SuccessTime
		if paidAt.IsZero() {
			paidAt = time.Now()
		}
		// Compare-and-set: of two notifications racing, one records the payment.
		n, err := tx.Payment.Update().Where(payment.ID(p.ID), payment.StatusNEQ(payment.StatusPaid)).
			SetStatus(payment.StatusPaid).SetTransactionID(t.TransactionID).SetTradeState(t.TradeState).
			SetPaidAt(paidAt.UTC()).Save(ctx)
		if err != nil || n == 0 {
			return err
		}
		if s.hooks.Paid == nil {
			return nil
		}
		p, err = tx.Payment.Get(ctx, p.ID)
		if err != nil {
			return err
		}
		return s.hooks.Paid(ctx, tx, p)
	})
}

// Refunded applies a refund WeChat Pay reports as settled (or failed).
func (s *Service) Refunded(ctx context.Context, r wechat.Refund) (err error) {
	defer errs.Op(&err, "payments.Refunded")
	return storage.WithTx(ctx, s.client, func(tx *ent.Tx) error {
		rf, err := tx.Refund.Query().Where(refund.OutRefundNo(r.OutRefundNo)).WithOrder().Only(ctx)
		if ent.IsNotFound(err) {
			return errs.E(errs.NotFound, "no refund has out_refund_no %q", r.OutRefundNo)
		}
		if err != nil {
			return err
		}
		if r.RefundFen != rf.AmountFen || r.OutTradeNo != rf.Edges.Order.OrderNo {
			s.log.Error("refund notification does not match our refund: not applied",
				"out_refund_no", r.OutRefundNo, "notified_fen", r.RefundFen, "expected_fen", rf.AmountFen)
			return errs.E(errs.Invalid, "amount or order of refund %s differ from ours", r.OutRefundNo)
		}
		switch rf.Status {
		case refund.StatusSucceeded, refund.StatusFailed:
			return nil // already final: a duplicate
		case refund.StatusProcessing:
		default:
			// Only a refund WeChat Pay was asked for can be finished by it: a
			// notification for one nobody approved (or one rejected) is
			// refused, never applied. (Approval records processing before
			// WeChat is called, so a genuine one cannot outrun it.)
			s.log.Error("refund notification for a refund WeChat Pay was never asked for: not applied",
				"out_refund_no", r.OutRefundNo, "status", rf.Status)
			return errs.E(errs.Conflict, "refund %s is %s: it was never sent to WeChat Pay", r.OutRefundNo, rf.Status)
		}
		upd := tx.Refund.Update().Where(refund.ID(rf.ID), refund.StatusEQ(refund.StatusProcessing))
		if r.Status != wechat.RefundSuccess {
			n, err := upd.SetStatus(refund.StatusFailed).SetReviewNote("WeChat Pay: " + r.Status).Save(ctx)
			if err != nil || n == 0 {
				return err
			}
			s.log.Error("WeChat Pay reports a refund failed", "out_refund_no", r.OutRefundNo, "status", r.Status)
			if s.hooks.RefundFailed == nil {
				return nil
			}
			if rf, err = tx.Refund.Get(ctx, rf.ID); err != nil {
				return err
			}
			return s.hooks.RefundFailed(ctx, tx, rf)
		}
		at := r.SuccessTime
		if at.IsZero() {
			at = time.Now()
		}
		n, err := upd.SetStatus(refund.StatusSucceeded).SetRefundID(r.RefundID).SetSucceededAt(at.UTC()).Save(ctx)
		if err != nil || n == 0 || s.hooks.Refunded == nil {
			return err
		}
		rf, err = tx.Refund.Get(ctx, rf.ID)
		if err != nil {
			return err
		}
		return s.hooks.Refunded(ctx, tx, rf)
	})
}
