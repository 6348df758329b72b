package orders

import (
	"context"

	"wemart/ent"
	"wemart/ent/order"
	"wemart/server/errs"
)

// CompleteConfirmedByWeChat completes a shipped or delivered delivery order
// whose receipt WeChat's shipping-info service reports confirmed (get_order
// order_state 3 or 4: the shopper confirmed in WeChat, or WeChat settled).
// It is the normal guarded transition, by WeChat: an order in any other
// status (already completed, refunding, ...) is a conflict and nothing
// changes.
func (s *Service) CompleteConfirmedByWeChat(ctx context.Context, orderID int) (_ *ent.Order, err error) {
	defer errs.Op(&err, "orders.CompleteConfirmedByWeChat")
	return s.move(ctx, orderID, func(tx *ent.Tx, o *ent.Order) error {
		if o.Fulfilment != order.FulfilmentDelivery {
			return errs.E(errs.Conflict, "order %d is for pickup; it completes at the counter", o.ID)
		}
		if err := from(o, order.StatusShipped, order.StatusDelivered); err != nil {
			return err
		}
		return s.complete(ctx, tx, o, WeChat, "receipt confirmed in WeChat")
	})
}
