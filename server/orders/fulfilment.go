package orders

import (
	"context"
	"crypto/subtle"
	"slices"
	"strings"
	"time"

	"wemart/ent"
	"wemart/ent/order"
	"wemart/server/errs"
	"wemart/server/storage"
)

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
// An attempt can miss both: it found no current window, and another attempt
// opened one before its own update ran (PostgreSQL re-checks the condition
// on the row that attempt wrote). It then tries once more, which counts it
// in that window while the window has tries left.
func (s *Service) pickupAttempt(ctx context.Context, orderID int) error {
	now := s.now().UTC()
	windowStart := now.Add(-PickupWindow)
	for range 2 {
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

// PickedUpByCode hands over the pickup order of a store that the shopper's
// code names, for a counter that types or scans the code alone: the order
// waiting (paid or ready) at storeID with that code, then as PickedUp (its
// attempt limit included). No such order is not_found; two waiting orders
// with the same six digits (rare) is a conflict naming them, to be handed
// over by order id.
func (s *Service) PickedUpByCode(ctx context.Context, by Actor, storeID int, code string) (_ *ent.Order, err error) {
	defer errs.Op(&err, "orders.PickedUpByCode")
	if code == "" {
		return nil, errs.InvalidField("pickup_code", "is required (the code the shopper shows)")
	}
	ids, err := s.client.Order.Query().
		Where(order.StoreID(storeID), order.FulfilmentEQ(order.FulfilmentPickup),
			order.StatusIn(order.StatusPaid, order.StatusReadyForPickup), order.PickupCode(code)).
		Limit(2).IDs(ctx)
	if err != nil {
		return nil, err
	}
	switch len(ids) {
	case 0:
		return nil, errs.E(errs.NotFound, "no order waiting for pickup at store %d has this code", storeID)
	case 1:
		return s.PickedUp(ctx, by, ids[0], code)
	default:
		return nil, errs.E(errs.Conflict, "orders %d and %d both have this code; hand over by order", ids[0], ids[1])
	}
}
