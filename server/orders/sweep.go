package orders

import (
	"context"
	"time"

	"wemart/ent"
	"wemart/ent/order"
	"wemart/ent/payment"
	"wemart/ent/refund"
	"wemart/ent/shipment"
	"wemart/server/errs"
	"wemart/server/wechat"
)

// Sweeper limits.
const (
	sweepBatch = 100
	// sweepRounds bounds the batches of one step in one sweep (a backlog after
	// downtime is worked off over a few sweeps, not in one long one).
	sweepRounds = 20
	// followUpWindow is how long after a cancellation wemart keeps asking
	// WeChat Pay about a transaction it could not close: WeChat retries a
	// notification for a little over 24 hours.
	followUpWindow = 25 * time.Hour
	// refundQueryAfter is how long a submitted refund waits for its
	// notification before the sweeper asks WeChat Pay instead.
	refundQueryAfter = time.Minute
	// refundRetryAfter spaces out submissions of a refund WeChat Pay could
	// not take (unreachable, or the merchant's balance short).
	refundRetryAfter = 30 * time.Second
	// dispatchSettleAfter is how long a rider shipment stays requested
	// without the rider service's answer (its tracking number) before the
	// sweeper asks the service about it: well past a Create's timeouts.
	dispatchSettleAfter = time.Minute
)

// SweepStats counts what a sweep did.
type SweepStats struct {
	Expired, FollowedUp, RefundsSubmitted, RefundsChecked, AutoReceived int
	// DispatchesSettled counts rider shipments left requested without an
	// answer that the sweeper adopted or marked failed.
	DispatchesSettled int
}

// Sweep does the order lifecycle's background work once: expire unpaid
// orders past their deadline (asking WeChat Pay first), follow up
// cancellations WeChat could not confirm, submit approved refunds WeChat
// has not accepted yet, ask about refunds whose notification is late,
// settle rider dispatches whose creation's answer never came, and
// complete shipped or delivered orders nobody confirmed in time.
// Every step is a guarded transition, so any number of processes may sweep
// at once: the second to reach an order finds nothing to do.
func (s *Service) Sweep(ctx context.Context) (_ SweepStats, err error) {
	defer errs.Op(&err, "orders.Sweep")
	var st SweepStats
	now := s.now().UTC()
	steps := []struct {
		count *int
		list  func(after int) ([]int, error)
		do    func(ctx context.Context, id int) error
	}{
		{&st.Expired, func(after int) ([]int, error) {
			return s.client.Order.Query().
				Where(order.StatusEQ(order.StatusPendingPayment), order.ExpiresAtLTE(now), order.IDGT(after)).
				Order(ent.Asc(order.FieldID)).Limit(sweepBatch).IDs(ctx)
		}, s.expireID},
		{&st.FollowedUp, func(after int) ([]int, error) {
			return s.client.Order.Query().
				Where(order.StatusEQ(order.StatusCancelled), order.CancelledAtGTE(now.Add(-followUpWindow)), order.IDGT(after),
					order.HasPaymentsWith(payment.StatusEQ(payment.StatusPending), payment.PrepayIDNotNil())).
				Order(ent.Asc(order.FieldID)).Limit(sweepBatch).IDs(ctx)
		}, s.followUpID},
		{&st.RefundsSubmitted, func(after int) ([]int, error) {
			return s.client.Refund.Query().
				Where(refund.StatusEQ(refund.StatusProcessing), refund.RefundIDIsNil(),
					refund.UpdatedAtLTE(now.Add(-refundRetryAfter)), refund.IDGT(after)).
				Order(ent.Asc(refund.FieldID)).Limit(sweepBatch).IDs(ctx)
		}, func(ctx context.Context, id int) error { s.submitRefund(ctx, id); return nil }},
		{&st.RefundsChecked, func(after int) ([]int, error) {
			return s.client.Refund.Query().
				Where(refund.StatusEQ(refund.StatusProcessing), refund.RefundIDNotNil(),
					refund.UpdatedAtLTE(now.Add(-refundQueryAfter)), refund.IDGT(after)).
				Order(ent.Asc(refund.FieldID)).Limit(sweepBatch).IDs(ctx)
		}, s.checkRefund},
		{&st.DispatchesSettled, func(after int) ([]int, error) { return s.unsettledDispatches(ctx, now, after) }, s.settleDispatchID},
		{&st.AutoReceived, func(after int) ([]int, error) { return s.autoReceiveDue(ctx, now, after) }, s.autoReceiveID},
	}
	for _, step := range steps {
		after := 0
		for range sweepRounds {
			ids, err := step.list(after)
			if err != nil {
				return st, err
			}
			for _, id := range ids {
				if err := step.do(ctx, id); err != nil && !errs.Is(err, errs.Conflict) {
					s.log.Warn("sweep: will retry", "id", id, "error", err)
				} else if err == nil {
					*step.count++
				}
				after = id
			}
			if len(ids) < sweepBatch {
				break
			}
		}
	}
	return st, nil
}

func (s *Service) expireID(ctx context.Context, id int) error {
	o, err := s.client.Order.Get(ctx, id)
	if err != nil {
		return err
	}
	if o.Status != order.StatusPendingPayment {
		return nil
	}
	return s.expire(ctx, o)
}

func (s *Service) followUpID(ctx context.Context, id int) error {
	o, err := s.client.Order.Get(ctx, id)
	if err != nil {
		return err
	}
	return s.followUp(ctx, o)
}

// checkRefund asks WeChat Pay about a refund whose notification has not
// come, and records what it says the same way a notification would.
func (s *Service) checkRefund(ctx context.Context, id int) error {
	r, err := s.client.Refund.Get(ctx, id)
	if err != nil {
		return err
	}
	res, err := s.pay.QueryRefund(ctx, r.OutRefundNo)
	if wechat.CodeOf(err) == "RESOURCE_NOT_EXISTS" {
		// WeChat has no such refund (its acceptance was lost): submit it again.
		s.log.Warn("refund: WeChat Pay does not know it; submitting again", "refund", r.OutRefundNo)
		return s.client.Refund.Update().Where(refund.ID(id), refund.StatusEQ(refund.StatusProcessing)).
			ClearRefundID().Exec(ctx)
	}
	if err != nil {
		return err
	}
	switch res.Status {
	case wechat.RefundSuccess, wechat.RefundClosed, wechat.RefundAbnormal:
		return s.payments.Refunded(ctx, res)
	}
	// Still processing: touch it so the next look is a minute away.
	return s.client.Refund.Update().Where(refund.ID(id), refund.StatusEQ(refund.StatusProcessing)).
		SetUpdatedAt(s.now().UTC()).Exec(ctx)
}

// unsettledDispatches lists rider shipments of this process's rider
// service still requested without a tracking number (the creation's
// answer never recorded: a process that died, an answer lost) and
// untouched for dispatchSettleAfter, after id after.
func (s *Service) unsettledDispatches(ctx context.Context, now time.Time, after int) ([]int, error) {
	if s.carrier == nil {
		return nil, nil
	}
	return s.client.Shipment.Query().
		Where(shipment.KindEQ(shipment.KindRider), shipment.Carrier(s.carrier.Code()), shipment.StatusEQ(shipment.StatusRequested),
			shipment.TrackingNo(""), shipment.UpdatedAtLTE(now.Add(-dispatchSettleAfter)), shipment.IDGT(after)).
		Order(ent.Asc(shipment.FieldID)).Limit(sweepBatch).IDs(ctx)
}

// settleDispatchID asks the rider service about one such shipment
// (settleRequested): a delivery it has is adopted, one it does not know
// is marked failed with a note on the order's timeline (the order may be
// dispatched again); one it cannot say about waits for the next sweep.
func (s *Service) settleDispatchID(ctx context.Context, id int) error {
	sh, err := s.client.Shipment.Get(ctx, id)
	if err != nil {
		return err
	}
	if sh.Status != shipment.StatusRequested || sh.TrackingNo != "" {
		return errs.E(errs.Conflict, "shipment %d is settled", id)
	}
	_, err = s.settleRequested(ctx, sh, "the rider service never took it", true)
	return err
}

// StartSweeper sweeps every interval in the background until Close. Every
// process runs one.
func (s *Service) StartSweeper(interval time.Duration) {
	ctx, cancel := context.WithCancel(context.Background())
	s.background.Add(2)
	go func() { // cancel an in-flight sweep when closing
		defer s.background.Done()
		<-s.closing
		cancel()
	}()
	go func() {
		defer s.background.Done()
		t := time.NewTicker(interval)
		defer t.Stop()
		for {
			st, err := s.Sweep(ctx)
			if err != nil && ctx.Err() == nil {
				s.log.Error("sweep failed", "error", err)
			} else if st != (SweepStats{}) {
				s.log.Info("sweep", "expired", st.Expired, "followed_up", st.FollowedUp,
					"refunds_submitted", st.RefundsSubmitted, "refunds_checked", st.RefundsChecked,
					"dispatches_settled", st.DispatchesSettled, "auto_received", st.AutoReceived)
			}
			select {
			case <-ctx.Done():
				return
			case <-t.C:
			}
		}
	}()
}
