package orders

import (
	"context"
	"crypto/subtle"
	"slices"
	"strings"
	"time"

	"wemart/ent"
	"wemart/ent/order"
	"wemart/ent/orderevent"
	"wemart/server/errs"
	"wemart/server/storage"
)

// transitions is the order lifecycle: the statuses each status may move to.
// Anything else is a conflict.
var transitions = map[order.Status][]order.Status{
	order.StatusPendingPayment: {order.StatusPaid, order.StatusCancelled},
	order.StatusPaid:           {order.StatusReadyForPickup, order.StatusShipped, order.StatusRefunding},
	order.StatusReadyForPickup: {order.StatusCompleted, order.StatusRefunding},
	order.StatusShipped:        {order.StatusDelivered, order.StatusRefunding},
	order.StatusDelivered:      {order.StatusCompleted, order.StatusRefunding},
	order.StatusCompleted:      {order.StatusRefunding},
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

// Ready marks a paid pickup order packed and waiting at the counter.
func (s *Service) Ready(ctx context.Context, by Actor, orderID int) (_ *ent.Order, err error) {
	defer errs.Op(&err, "orders.Ready")
	return s.move(ctx, orderID, func(tx *ent.Tx, o *ent.Order) error {
		if err := from(o, order.StatusPaid); err != nil {
			return err
		}
		if o.Fulfilment != order.FulfilmentPickup {
			return errs.E(errs.Conflict, "order %d is for delivery, not pickup", o.ID)
		}
		return s.transition(ctx, tx, o, order.StatusReadyForPickup, by, "ready for pickup", nil)
	})
}

// Hand-over attempts: PickupAttempts codes may be tried on an order per
// PickupWindow; beyond, 429 until the window ends. Six digits and five tries
// in ten minutes make guessing hopeless.
const (
	PickupAttempts = 5
	PickupWindow   = 10 * time.Minute
)

// PickedUp hands a pickup order over at the counter (straight from paid,
// or once ready): the shopper's code must match. The order is completed.
// Every attempt uses one of the order's few tries per window first, in its
// own committed statement, so racing or repeated guesses cannot get past
// the limit, in any number of processes.
func (s *Service) PickedUp(ctx context.Context, by Actor, orderID int, code string) (_ *ent.Order, err error) {
	defer errs.Op(&err, "orders.PickedUp")
	if code == "" {
		return nil, errs.InvalidField("pickup_code", "is required (the code the shopper shows)")
	}
	if err := s.pickupAttempt(ctx, orderID); err != nil {
		return nil, err
	}
	return s.move(ctx, orderID, func(tx *ent.Tx, o *ent.Order) error {
		if err := from(o, order.StatusPaid, order.StatusReadyForPickup); err != nil {
			return err
		}
		if o.Fulfilment != order.FulfilmentPickup {
			return errs.E(errs.Conflict, "order %d is for delivery, not pickup", o.ID)
		}
		if o.PickupCode == nil || subtle.ConstantTimeCompare([]byte(*o.PickupCode), []byte(code)) != 1 {
			return errs.InvalidField("pickup_code", "does not match the order's pickup code")
		}
		if o.Status == order.StatusPaid {
			if err := s.transition(ctx, tx, o, order.StatusReadyForPickup, by, "ready for pickup", nil); err != nil {
				return err
			}
		}
		return s.transition(ctx, tx, o, order.StatusCompleted, by, "picked up", func(u *ent.OrderUpdate) {
			u.SetCompletedAt(s.now().UTC())
		})
	})
}

// pickupAttempt takes one hand-over attempt of the order's window, or
// refuses with rate_limited and how long to wait. Each branch is a single
// conditional update: one more try in the current window, or a fresh window.
func (s *Service) pickupAttempt(ctx context.Context, orderID int) error {
	now := s.now().UTC()
	windowStart := now.Add(-PickupWindow)
	n, err := s.client.Order.Update().
		Where(order.ID(orderID), order.PickupWindowAtGT(windowStart), order.PickupAttemptsLT(PickupAttempts)).
		AddPickupAttempts(1).Save(ctx)
	if err != nil || n == 1 {
		return err
	}
	n, err = s.client.Order.Update().
		Where(order.ID(orderID), order.Or(order.PickupWindowAtIsNil(), order.PickupWindowAtLTE(windowStart))).
		SetPickupAttempts(1).SetPickupWindowAt(now).Save(ctx)
	if err != nil || n == 1 {
		return err
	}
	o, err := s.client.Order.Get(ctx, orderID)
	if ent.IsNotFound(err) {
		return errs.E(errs.NotFound, "no order %d", orderID)
	}
	if err != nil {
		return err
	}
	wait := time.Second
	if o.PickupWindowAt != nil {
		wait = max(o.PickupWindowAt.Add(PickupWindow).Sub(now), time.Second)
	}
	return errs.TooMany(wait, "%d wrong pickup codes for order %d; the next try is possible in %d s", PickupAttempts, orderID, int(wait.Seconds())+1)
}

// from is a conflict unless o is in one of the statuses a step starts from.
// The lifecycle table also holds the moves back out of refunding (a refund
// rejected or partly paid); a staff step must never take those, or goods
// could be handed over while their money is on its way back.
func from(o *ent.Order, statuses ...order.Status) error {
	if slices.Contains(statuses, o.Status) {
		return nil
	}
	return errs.E(errs.Conflict, "order %d is %s; this step needs it %s", o.ID, o.Status, joinStatuses(statuses)).
		With("status", o.Status)
}

func joinStatuses(st []order.Status) string {
	parts := make([]string, len(st))
	for i, s := range st {
		parts[i] = string(s)
	}
	return strings.Join(parts, " or ")
}

// move runs a staff step on one order in a transaction and returns the
// order as it is after.
func (s *Service) move(ctx context.Context, orderID int, step func(tx *ent.Tx, o *ent.Order) error) (*ent.Order, error) {
	err := storage.WithTx(ctx, s.client, func(tx *ent.Tx) error {
		o, err := tx.Order.Get(ctx, orderID)
		if ent.IsNotFound(err) {
			return errs.E(errs.NotFound, "no order %d", orderID)
		}
		if err != nil {
			return err
		}
		return step(tx, o)
	})
	if err != nil {
		return nil, err
	}
	return s.load(ctx, orderID)
}
