package orders

import (
	"context"
	"errors"
	"time"

	"wemart/ent"
	"wemart/ent/order"
	"wemart/ent/shipment"
	"wemart/ent/shipmentevent"
	"wemart/server/errs"
	"wemart/server/logistics"
	"wemart/server/storage"
)

// ApplyRiderEvent records a status change the rider service reported (a
// verified callback) and what it means for the order. The event is
// appended once (a replay is a no-op through the unique (shipment,
// dedupe) index); the shipment's status only moves forward, by a guarded
// UPDATE, so a late or repeated report never moves anything back. Pickup
// ships a paid order; delivery delivers it (shipping it first if the
// pickup report was lost); a delivery cancelled or failed after pickup
// returns the shipped order to paid, before it leaves a note on the paid
// order's timeline. An unknown delivery is not found.
func (s *Service) ApplyRiderEvent(ctx context.Context, ev logistics.RiderEvent) (err error) {
	defer errs.Op(&err, "orders.ApplyRiderEvent")
	if ev.Dedupe == "" {
		return errs.E(errs.Invalid, "the rider event has no identity")
	}
	return storage.WithTx(ctx, s.client, func(tx *ent.Tx) error {
		sh, err := s.lockRiderShipment(ctx, tx, ev)
		if err != nil {
			return err
		}
		desc := ev.Description
		if desc == "" {
			desc = ev.Status
		}
		status := ev.Status
		if status == "" {
			status = "carrier_" + ev.CarrierStatus
		}
		err = tx.ShipmentEvent.Create().SetShipmentID(sh.ID).SetStatus(clip(status, 32)).SetDescription(clip(desc, 300)).
			SetDedupe(ev.Dedupe).SetOccurredAt(ev.At.UTC()).
			OnConflictColumns(shipmentevent.FieldShipmentID, shipmentevent.FieldDedupe).DoNothing().Exec(ctx)
		if storage.Skipped(err) {
			return nil // a replay
		}
		if err != nil {
			return err
		}
		if ev.Status == "" || logistics.RiderRank(ev.Status) == 0 {
			return nil // a status that moves nothing
		}
		return s.moveRider(ctx, tx, sh, ev)
	})
}

// lockRiderShipment finds the shipment of ev by our out_no (which only the
// rider service and wemart know), and writes its row first, so reports of one delivery take
// turns and each reads the status the one before left.
func (s *Service) lockRiderShipment(ctx context.Context, tx *ent.Tx, ev logistics.RiderEvent) (*ent.Shipment, error) {
	q := tx.Shipment.Query().Where(shipment.KindEQ(shipment.KindRider), shipment.Carrier(ev.Carrier))
	sh, err := q.Where(shipment.OutNo(ev.OutNo)).Only(ctx) // never by tracking_no alone: shoppers see it
	if ent.IsNotFound(err) {
		return nil, errs.E(errs.NotFound, "no rider delivery %s (%s)", ev.OutNo, ev.TrackingNo)
	}
	if err != nil {
		return nil, err
	}
	if sh.TrackingNo != "" && ev.TrackingNo != "" && sh.TrackingNo != ev.TrackingNo {
		return nil, errs.E(errs.Invalid, "the report names delivery %s, but %s is %s", ev.TrackingNo, sh.OutNo, sh.TrackingNo)
	}
	upd := tx.Shipment.UpdateOneID(sh.ID).SetUpdatedAt(s.now().UTC())
	if sh.TrackingNo == "" && ev.TrackingNo != "" {
		upd.SetTrackingNo(ev.TrackingNo) // the report came before Dispatch wrote it
	}
	return upd.Save(ctx)
}

// moveRider moves sh to ev's status if that is forward, and the order
// with it; in tx, sh's row written first (lockRiderShipment).
func (s *Service) moveRider(ctx context.Context, tx *ent.Tx, sh *ent.Shipment, ev logistics.RiderEvent) error {
	before := logistics.RiderBefore(ev.Status)
	prev := sh.Status
	upd := tx.Shipment.Update().Where(shipment.ID(sh.ID), shipment.StatusIn(shipmentStatuses(before)...)).
		SetStatus(shipment.Status(ev.Status))
	if ev.Rider.Name != "" {
		upd.SetRiderName(clip(ev.Rider.Name, 40))
	}
	if ev.Rider.Phone != "" {
		upd.SetRiderPhone(clip(ev.Rider.Phone, 32))
	}
	now := s.now().UTC()
	switch ev.Status {
	case logistics.RiderPickedUp:
		upd.SetShippedAt(now)
	case logistics.RiderDelivered:
		upd.SetDeliveredAt(now)
		if sh.ShippedAt == nil {
			upd.SetShippedAt(now)
		}
	case logistics.RiderCancelled, logistics.RiderFailed:
		reason := ev.Reason
		if reason == "" {
			reason = ev.Description
		}
		upd.SetReason(clip(reason, 200))
	}
	n, err := upd.Save(ctx)
	if err != nil || n == 0 {
		return err // late, repeated or out of order: nothing moves
	}
	o, err := tx.Order.Get(ctx, sh.OrderID)
	if err != nil {
		return err
	}
	rider := ev.Rider.Name
	if rider == "" {
		rider = sh.RiderName
	}
	switch ev.Status {
	case logistics.RiderPickedUp:
		if o.Status == order.StatusPaid {
			return s.markShipped(ctx, tx, o, System, "picked up by rider "+rider)
		}
	case logistics.RiderDelivered:
		if o.Status == order.StatusPaid {
			if err := s.markShipped(ctx, tx, o, System, "picked up by rider "+rider); err != nil {
				return err
			}
		}
		if o.Status == order.StatusShipped {
			return s.markDelivered(ctx, tx, o, System, "delivered by rider "+rider)
		}
	case logistics.RiderCancelled, logistics.RiderFailed:
		note := "rider delivery " + ev.Status
		if ev.Reason != "" {
			note += ": " + ev.Reason
		}
		if o.Status == order.StatusShipped && prev == shipment.StatusPickedUp {
			return s.transition(ctx, tx, o, order.StatusPaid, System, note+"; the goods come back to the store", func(u *ent.OrderUpdate) {
				u.ClearShippedAt().ClearReceiveDueAt()
			})
		}
		if o.Status == order.StatusPaid {
			return Note(ctx, tx, o.ID, order.StatusPaid, System, note)
		}
	}
	return nil
}

func shipmentStatuses(st []string) []shipment.Status {
	out := make([]shipment.Status, len(st))
	for i, v := range st {
		out[i] = shipment.Status(v)
	}
	return out
}

// PositionEvery is how often at most the rider service is asked where a
// delivery's rider is.
const PositionEvery = 10 * time.Second

// RefreshRiderPosition brings a rider delivery's position up to date for a
// tracking read, asking the rider service at most once every
// PositionEvery per shipment: the read that takes the turn claims it by a
// compare-and-set on position_at, so racing reads and processes ask once.
// It returns the shipment as it is after; a service that cannot say
// leaves the last position (logged, not an error: tracking still reads).
// Other shipments are returned as they are.
func (s *Service) RefreshRiderPosition(ctx context.Context, shipmentID int) (_ *ent.Shipment, err error) {
	defer errs.Op(&err, "orders.RefreshRiderPosition")
	sh, err := s.client.Shipment.Get(ctx, shipmentID)
	if ent.IsNotFound(err) {
		return nil, errs.E(errs.NotFound, "no shipment %d", shipmentID)
	}
	if err != nil {
		return nil, err
	}
	moving := sh.Status == shipment.StatusAccepted || sh.Status == shipment.StatusArrived || sh.Status == shipment.StatusPickedUp
	if sh.Kind != shipment.KindRider || !moving || s.carrier == nil || sh.Carrier != s.carrier.Code() {
		return sh, nil
	}
	now := s.now().UTC().Truncate(time.Microsecond) // as the database keeps it, for the compare-and-set
	if sh.PositionAt != nil && now.Sub(*sh.PositionAt) < PositionEvery {
		return sh, nil
	}
	claim := s.client.Shipment.Update().Where(shipment.ID(sh.ID))
	if sh.PositionAt == nil {
		claim.Where(shipment.PositionAtIsNil())
	} else {
		claim.Where(shipment.PositionAt(*sh.PositionAt))
	}
	if n, err := claim.SetPositionAt(now).Save(ctx); err != nil || n == 0 {
		if err != nil {
			return nil, err
		}
		return s.client.Shipment.Get(ctx, sh.ID) // another read took the turn
	}
	lat, lng, _, perr := s.carrier.RiderPosition(ctx, riderRef(sh))
	if perr != nil {
		if !errors.Is(perr, logistics.ErrUnsupported) {
			s.log.Warn("rider position not refreshed", "shipment", sh.ID, "error", perr)
		}
		return s.client.Shipment.Get(ctx, sh.ID)
	}
	if _, err := s.client.Shipment.Update().Where(shipment.ID(sh.ID), shipment.PositionAt(now)).
		SetRiderLat(lat).SetRiderLng(lng).Save(ctx); err != nil {
		return nil, err
	}
	return s.client.Shipment.Get(ctx, sh.ID)
}
