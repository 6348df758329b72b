package orders

import (
	"context"
	"time"

	"wemart/ent"
	"wemart/ent/order"
	"wemart/server/errs"
)

// DefaultAutoReceiveAfter is how long a shipped or delivered order waits for
// the shopper to confirm receipt before it completes by itself.
const DefaultAutoReceiveAfter = 168 * time.Hour

// markShipped moves a paid delivery order to shipped in tx: its goods left
// the store (a parcel was handed to the carrier, or the rider picked them
// up). The auto-receive clock starts.
func (s *Service) markShipped(ctx context.Context, tx *ent.Tx, o *ent.Order, by Actor, note string) error {
	now := s.now().UTC()
	return s.transition(ctx, tx, o, order.StatusShipped, by, note, func(u *ent.OrderUpdate) {
		u.SetShippedAt(now).SetReceiveDueAt(now.Add(s.autoReceive))
	})
}

// markDelivered moves a shipped order to delivered in tx (the parcel was
// signed for, the rider handed it over). The auto-receive clock starts
// again from delivery.
func (s *Service) markDelivered(ctx context.Context, tx *ent.Tx, o *ent.Order, by Actor, note string) error {
	now := s.now().UTC()
	return s.transition(ctx, tx, o, order.StatusDelivered, by, note, func(u *ent.OrderUpdate) {
		u.SetDeliveredAt(now).SetReceiveDueAt(now.Add(s.autoReceive))
	})
}

// Receive is the shopper confirming receipt of their shipped or delivered
// delivery order: it completes. Another shopper's order is not found.
func (s *Service) Receive(ctx context.Context, shopperID, orderID int) (_ *ent.Order, err error) {
	defer errs.Op(&err, "orders.Receive")
	return s.move(ctx, orderID, func(tx *ent.Tx, o *ent.Order) error {
		if o.ShopperID != shopperID {
			return errs.E(errs.NotFound, "no order %d", orderID)
		}
		if o.Fulfilment != order.FulfilmentDelivery {
			return errs.E(errs.Conflict, "order %d is for pickup; it completes at the counter", o.ID)
		}
		if err := from(o, order.StatusShipped, order.StatusDelivered); err != nil {
			return err
		}
		return s.complete(ctx, tx, o, ShopperActor(shopperID), "receipt confirmed by the shopper")
	})
}

// complete moves a shipped or delivered order to completed in tx.
func (s *Service) complete(ctx context.Context, tx *ent.Tx, o *ent.Order, by Actor, note string) error {
	now := s.now().UTC()
	return s.transition(ctx, tx, o, order.StatusCompleted, by, note, func(u *ent.OrderUpdate) {
		u.SetCompletedAt(now).ClearReceiveDueAt()
	})
}

// autoReceiveDue lists shipped or delivered orders whose receive_due_at has
// passed, after id after.
func (s *Service) autoReceiveDue(ctx context.Context, now time.Time, after int) ([]int, error) {
	return s.client.Order.Query().
		Where(order.StatusIn(order.StatusShipped, order.StatusDelivered), order.ReceiveDueAtLTE(now), order.IDGT(after)).
		Order(ent.Asc(order.FieldID)).Limit(sweepBatch).IDs(ctx)
}

// autoReceiveID completes one order nobody confirmed in time (a guarded
// transition: a shopper confirming at the same moment, or another process
// sweeping, makes it a no-op conflict).
func (s *Service) autoReceiveID(ctx context.Context, id int) error {
	_, err := s.move(ctx, id, func(tx *ent.Tx, o *ent.Order) error {
		if o.Status != order.StatusShipped && o.Status != order.StatusDelivered {
			return errs.E(errs.Conflict, "order %d is %s", o.ID, o.Status)
		}
		if o.ReceiveDueAt == nil || o.ReceiveDueAt.After(s.now()) {
			return errs.E(errs.Conflict, "order %d is not due", o.ID)
		}
		return s.complete(ctx, tx, o, System, "completed automatically: nobody confirmed receipt in time")
	})
	return err
}
