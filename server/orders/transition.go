package orders

import (
	"context"
	"slices"

	"wemart/ent"
	"wemart/ent/order"
	"wemart/ent/orderevent"
	"wemart/server/errs"
)

// transitions is the order lifecycle: the statuses each status may move to.
// Anything else is a conflict.
var transitions = map[order.Status][]order.Status{
	order.StatusPendingPayment: {order.StatusPaid, order.StatusCancelled},
	order.StatusPaid:           {order.StatusReadyForPickup, order.StatusShipped, order.StatusRefunding},
	order.StatusReadyForPickup: {order.StatusCompleted, order.StatusRefunding},
	// A shipped order whose rider delivery failed comes back to the store
	// (paid, to be dispatched again or refunded).
	order.StatusShipped:   {order.StatusDelivered, order.StatusCompleted, order.StatusPaid, order.StatusRefunding},
	order.StatusDelivered: {order.StatusCompleted, order.StatusRefunding},
	order.StatusCompleted: {order.StatusRefunding},
	// A payment that arrives after the order was cancelled makes it paid
	// again (the stock was still there) or starts an automatic refund.
	order.StatusCancelled: {order.StatusPaid, order.StatusRefunding},
	// A refund ends refunded, or (rejected, or covering only some lines)
	// back where the order was.
	order.StatusRefunding: {
		order.StatusRefunded, order.StatusPaid, order.StatusReadyForPickup, order.StatusShipped,
		order.StatusDelivered, order.StatusCompleted, order.StatusCancelled,
	},
	order.StatusRefunded: nil,
}

// Allowed reports whether an order may move from one status to another.
func Allowed(from, to order.Status) bool { return slices.Contains(transitions[from], to) }

// transition moves o to status to by compare-and-set on its current status
// and adds the timeline entry, in tx. set adds further column changes to the
// same UPDATE. A move the lifecycle does not allow, or a status that changed
// since o was read, is a conflict: nothing is written. Every status change
// of an order goes through here, so this is where the move is counted (once
// tx commits).
func (s *Service) transition(ctx context.Context, tx *ent.Tx, o *ent.Order, to order.Status, by Actor, note string, set func(*ent.OrderUpdate)) error {
	return s.transitionThen(ctx, tx, o, to, by, note, set, nil)
}

// transitionThen is transition with then run after the order's
// compare-and-set and before the hooks. A move that also moves stock does
// it in then, which keeps the lock order every transaction follows on
// PostgreSQL: stock rows (in SKU order), then products, then the
// shopper's benefit rows (point accounts, coupons) that the hooks write.
// A checkout (Reserve, then coupon and points) and a refund (Restock,
// then clawback) take them in that order too; a payment or a cancel that
// wrote the points first and the stock after deadlocked against them.
func (s *Service) transitionThen(ctx context.Context, tx *ent.Tx, o *ent.Order, to order.Status, by Actor, note string,
	set func(*ent.OrderUpdate), then func() error) error {
	if !Allowed(o.Status, to) {
		return errs.E(errs.Conflict, "order %d is %s and cannot become %s", o.ID, o.Status, to).
			With("status", o.Status)
	}
	upd := tx.Order.Update().Where(order.ID(o.ID), order.StatusEQ(o.Status)).SetStatus(to)
	if set != nil {
		set(upd)
	}
	n, err := upd.Save(ctx)
	if err != nil {
		return err
	}
	if n == 0 {
		cur, err := tx.Order.Get(ctx, o.ID)
		if err != nil {
			return err
		}
		return errs.E(errs.Conflict, "order %d is now %s (it changed meanwhile) and cannot become %s", o.ID, cur.Status, to).
			With("status", cur.Status)
	}
	from := o.Status
	o.Status = to
	if _, err = event(ctx, tx, o.ID, &from, to, by, note); err != nil {
		return err
	}
	if then != nil {
		if err := then(); err != nil {
			return err
		}
	}
	for _, hook := range s.onMove {
		if err := hook(ctx, tx, o, from, by); err != nil {
			return err
		}
	}
	s.countOnCommit(tx, from, to)
	return nil
}

// countOnCommit counts an order's move from → to once tx commits (a rolled
// back move never happened).
func (s *Service) countOnCommit(tx *ent.Tx, from, to order.Status) {
	if s.metrics == nil {
		return
	}
	tx.OnCommit(func(next ent.Committer) ent.Committer {
		return ent.CommitFunc(func(ctx context.Context, tx *ent.Tx) error {
			err := next.Commit(ctx, tx)
			if err == nil {
				s.metrics.OrderTransition(string(from), string(to))
			}
			return err
		})
	})
}

// event appends an entry to an order's timeline.
func event(ctx context.Context, tx *ent.Tx, orderID int, from *order.Status, to order.Status, by Actor, note string) (*ent.OrderEvent, error) {
	c := tx.OrderEvent.Create().SetOrderID(orderID).SetToStatus(string(to)).
		SetActorType(by.Type).SetNillableActorID(by.ID).SetNote(clip(note, 300))
	if from != nil {
		c.SetFromStatus(string(*from))
	}
	return c.Save(ctx)
}

// Note puts a note on the timeline of an order in status st without moving
// it (an entry from st to st), in tx: what happened that staff should know
// (a rider delivery that ended before pickup, a parcel sent back, a
// shipping upload WeChat no longer allows). statusBefore skips such entries.
func Note(ctx context.Context, tx *ent.Tx, orderID int, st order.Status, by Actor, note string) error {
	_, err := event(ctx, tx, orderID, &st, st, by, note)
	return err
}

// statusBefore is the status an order had before it last became st (the
// timeline knows), for returning to it.
func statusBefore(ctx context.Context, tx *ent.Tx, orderID int, st order.Status) (order.Status, error) {
	ev, err := tx.OrderEvent.Query().
		Where(orderevent.OrderID(orderID), orderevent.ToStatus(string(st)), orderevent.FromStatusNEQ(string(st))).
		Order(ent.Desc(orderevent.FieldID)).First(ctx)
	if err != nil {
		return "", err
	}
	if ev.FromStatus == nil {
		return "", errs.E(errs.Internal, "order %d became %s without a previous status", orderID, st)
	}
	return order.Status(*ev.FromStatus), nil
}

// clip cuts s to at most n characters.
func clip(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n])
}
